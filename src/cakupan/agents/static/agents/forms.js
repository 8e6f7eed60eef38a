/* Cakupan field app: the form that enrols a new worker, changes one from the visit list, or fixes a record
 * the server refused. Checks use the server's rulebook (rules.js); what she saves goes to the phone first
 * (store.js), under her name, and is sent by sync.js. What she was typing survives a reload (a draft per
 * user, never shown to another). */
(function () {
  "use strict";

  var App = window.CakupanApp;
  if (!App) return;
  var Rules = App.Rules;
  var Store = App.Store;
  var state = App.state;
  var $ = App.$;
  var el = App.el;
  var form = App.form;
  var DRAFT_KEY = "cakupan-agen-draft";
  var NIK_HINT = "16 digit sesuai KTP. Tanggal lahir dan jenis kelamin diisi dari NIK.";
  var DESA_HINT = "Ketik nama atau kode desa, lalu pilih dari daftar.";

  App.applyBook = function () {
    var book = state.book;
    var sector = $("sektor");
    var chosen = sector.value;
    while (sector.options.length > 1) sector.remove(1);
    book.sectors.forEach(function (item) { sector.appendChild(el("option", { value: item.code, text: item.label })); });
    sector.value = chosen;
    var list = $("desa-options");
    list.textContent = "";
    book.villages.forEach(function (village) {
      var label = Rules.villageLabel(village);
      list.appendChild(el("option", { value: village.code, label: label, text: label }));
    });
    var desa = $("kode_desa");
    // A village operator works in one desa: it is filled in for her.
    if (book.villages.length === 1 && !desa.value) desa.value = book.villages[0].code;
    showVillage();
  };

  function formValues() {
    var values = {};
    (state.book ? state.book.columns : []).forEach(function (name) {
      if (form.elements[name]) values[name] = form.elements[name].value;
    });
    return values;
  }

  function draftKey() { return DRAFT_KEY + ":" + (state.user || ""); }

  function saveDraft() {
    try {
      localStorage.setItem(draftKey(), JSON.stringify({
        route: location.hash || "#baru", kind: state.form.kind, worker_id: state.form.worker_id,
        base_version: state.form.base_version, fixes: state.form.fixes, auto: state.form.auto,
        title: $("form-title").textContent, values: formValues(),
      }));
    } catch (error) { /* storage full or disabled: the form still works */ }
  }

  function readDraft() {
    try { return JSON.parse(localStorage.getItem(draftKey()) || "null"); } catch (error) { return null; }
  }

  function clearDraft() {
    try {
      localStorage.removeItem(draftKey());
      localStorage.removeItem(DRAFT_KEY); // an older version's, of no one in particular
    } catch (error) { /* nothing to clear */ }
  }

  function fillForm(values) {
    Object.keys(values || {}).forEach(function (name) {
      var field = form.elements[name];
      if (field) field.value = values[name] == null ? "" : values[name];
    });
  }

  App.resetForm = function (keepDesa) {
    var desa = $("kode_desa").value;
    form.reset();
    if (keepDesa) $("kode_desa").value = desa;
    else if (state.book && state.book.villages.length === 1) $("kode_desa").value = state.book.villages[0].code;
    state.form = { kind: "new", worker_id: null, base_version: null, fixes: null, auto: {} };
    $("nik").readOnly = false;
    $("form-title").textContent = "Pendaftaran pekerja baru";
    $("form-context").hidden = true;
    clearProblems();
    showNik();
    showVillage();
  };

  function clearProblems() {
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (field) {
      field.classList.remove("invalid");
      field.querySelector(".problems").textContent = "";
    });
    $("form-errors").hidden = true;
    $("form-errors").textContent = "";
  }

  function showProblems(check, only) {
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (field) {
      var name = field.dataset.field;
      if (only && only.indexOf(name) < 0) return;
      var box = field.querySelector(".problems");
      box.textContent = "";
      (check.errors[name] || []).forEach(function (text) { box.appendChild(el("p", { className: "error", text: text })); });
      (check.warnings[name] || []).forEach(function (text) { box.appendChild(el("p", { className: "caution", text: text })); });
      field.classList.toggle("invalid", !!check.errors[name]);
      var input = form.elements[name];
      if (input) input.setAttribute("aria-invalid", check.errors[name] ? "true" : "false");
    });
  }

  function showNik() {
    var hint = $("nik-hint");
    var value = $("nik").value;
    if (!state.book || !value) {
      hint.textContent = NIK_HINT;
      hint.className = "hint";
      return;
    }
    var parsed = Rules.parseNik(value, state.book.nik, App.today());
    if (parsed.valid) {
      hint.textContent = "Lahir " + App.dateText(parsed.birth_date) + " · " + App.SEX_TEXT[parsed.sex];
      hint.className = "hint derived";
      // Filled from the NIK unless she wrote something else herself.
      var birth = $("tanggal_lahir");
      var sex = $("jenis_kelamin");
      if (!birth.value || state.form.auto.tanggal_lahir) {
        birth.value = parsed.birth_date;
        state.form.auto.tanggal_lahir = true;
      }
      if (!sex.value || state.form.auto.jenis_kelamin) {
        sex.value = parsed.sex;
        state.form.auto.jenis_kelamin = true;
      }
    } else {
      hint.textContent = "16 digit sesuai KTP.";
      hint.className = "hint";
    }
  }

  function showVillage() {
    var hint = $("kode_desa-hint");
    var village = state.book ? Rules.findVillage($("kode_desa").value, state.book.villages) : null;
    if (village) {
      hint.textContent = Rules.villageLabel(village) + " (" + village.code + ")";
      hint.className = "hint derived";
    } else {
      hint.textContent = DESA_HINT;
      hint.className = "hint";
    }
  }

  async function save(event) {
    event.preventDefault();
    if (!state.book) {
      App.say("Aturan pemeriksaan belum terunduh. Buka aplikasi ini sekali saat ada sambungan.");
      return;
    }
    var check = Rules.checkRecord(formValues(), state.book, App.today());
    showProblems(check);
    var fields = Object.keys(check.errors);
    var summary = $("form-errors");
    if (fields.length) {
      summary.textContent = "";
      summary.appendChild(el("p", { text: "Periksa lagi isian berikut:" }));
      var list = el("ul");
      fields.forEach(function (name) {
        list.appendChild(el("li", { text: state.book.labels[name] + ": " + check.errors[name].join(" ") }));
      });
      summary.appendChild(list);
      summary.hidden = false;
      var first = form.elements[fields[0]];
      if (first) first.focus();
      return;
    }
    summary.hidden = true;
    var record = {
      client_id: Store.uuid(), kind: state.form.kind, worker_id: state.form.worker_id,
      base_version: state.form.base_version, made_at: new Date().toISOString(), values: check.values,
      owner: state.user || null, state: "waiting", status: "", code: "", message: "", created: Date.now(),
      desa_name: check.village ? check.village.name : "",
    };
    var writes = [record];
    if (state.form.fixes) {
      var fixed = await Store.record(state.form.fixes);
      if (fixed && App.mine(fixed)) {
        fixed.state = "replaced";
        fixed.replaced_by = record.client_id;
        writes.push(fixed);
      }
    }
    await Store.put(writes);
    clearDraft();
    var notice = $("form-notice");
    notice.textContent = "Tersimpan di ponsel: " + record.values.nama + ". " +
      (navigator.onLine === false ? "Dikirim saat ada sambungan." : "Sedang dikirim.");
    notice.hidden = false;
    App.resetForm(true);
    if (location.hash !== "#baru" && location.hash !== "") location.hash = "#baru";
    $("nik").focus();
    await App.reloadRecords();
    if (navigator.onLine !== false) App.sync(false);
  }

  App.openForm = function (route) {
    var draft = readDraft();
    var match = route.match(/^#(ubah|perbaiki)-(.+)$/);
    if (draft && draft.route === (route || "#baru") && (draft.values || draft.kind)) {
      App.resetForm(false);
      state.form = { kind: draft.kind, worker_id: draft.worker_id, base_version: draft.base_version,
        fixes: draft.fixes, auto: draft.auto || {} };
      fillForm(draft.values);
      $("form-title").textContent = draft.title || "Pendaftaran pekerja baru";
      $("nik").readOnly = draft.kind === "update";
      showNik();
      showVillage();
      var notice = $("form-notice");
      notice.textContent = "Isian yang belum disimpan dipulihkan.";
      notice.hidden = false;
      return;
    }
    if (!match) {
      if (state.form.kind !== "new") App.resetForm(false);
      return;
    }
    if (match[1] === "ubah") {
      var visit = state.visits.filter(function (item) { return String(item.worker_id) === match[2]; })[0];
      if (!visit) {
        location.hash = "#kunjungan";
        return;
      }
      App.resetForm(false);
      state.form = { kind: "update", worker_id: visit.worker_id, base_version: visit.version, fixes: null, auto: {} };
      fillForm(visit.values);
      $("telepon").value = (visit.values.telepon || "").replace(/^\+62/, "0");
      $("form-title").textContent = "Ubah data " + visit.values.nama;
      $("nik").readOnly = true;
    } else {
      var record = state.records.filter(function (item) { return item.client_id === match[2]; })[0];
      if (!record) {
        location.hash = "#rekaman";
        return;
      }
      App.resetForm(false);
      state.form = { kind: record.kind, worker_id: record.worker_id, base_version: record.base_version,
        fixes: record.client_id, auto: {} };
      fillForm(record.values);
      $("form-title").textContent = "Perbaiki data " + (record.values.nama || "");
      $("nik").readOnly = record.kind === "update";
      $("form-context").textContent = record.message || "";
      $("form-context").hidden = !record.message;
    }
    showNik();
    showVillage();
  };

  form.addEventListener("submit", save);
  form.addEventListener("input", function (event) {
    var name = event.target.name;
    if (name === "tanggal_lahir" || name === "jenis_kelamin") state.form.auto[name] = false;
    if (name === "nik") showNik();
    if (name === "kode_desa") showVillage();
    $("form-notice").hidden = true;
    saveDraft();
  });
  form.addEventListener("change", saveDraft);
  form.addEventListener("focusout", function (event) {
    var name = event.target.name;
    if (!name || !state.book || !event.target.value) return;
    showProblems(Rules.checkRecord(formValues(), state.book, App.today()), [name]);
  });
  $("clear").addEventListener("click", function () {
    clearDraft();
    App.resetForm(false);
    $("form-notice").hidden = true;
    if (location.hash !== "#baru") location.hash = "#baru";
  });
})();
