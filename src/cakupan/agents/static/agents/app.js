/* Cakupan field app: enrol and update workers on a phone, with or without a connection.
 *
 * Everything she saves goes first to IndexedDB (store.js) as "waiting", under an id the phone made. A sync
 * sends the waiting records (at most a rulebook's worth per request); a record leaves "waiting" only when
 * the server's answer for it arrived, so a connection cut mid-sync leaves it waiting and the next sync
 * sends it again under the same id, which the server answers as a replay and never records twice.
 * Checks use the server's rulebook (rules.js). A session that ended keeps every record ("Masuk lagi"). */
(function () {
  "use strict";

  var Rules = window.CakupanRules;
  var Store = window.CakupanStore;
  var root = document.getElementById("field-app");
  if (!root || !Rules || !Store) return;

  var urls = {
    token: root.dataset.tokenUrl,
    rules: root.dataset.rulesUrl,
    visits: root.dataset.visitsUrl,
    sync: root.dataset.syncUrl,
    status: root.dataset.statusUrl,
    resolve: root.dataset.resolveUrl,
  };
  var DRAFT_KEY = "cakupan-agen-draft";
  var BATCH = 1000;
  var RECORDS_SHOWN = 100;
  // Waiting records are retried every minute; what became of sent ones changes only when an officer decides
  // (hours), so asking costs her data only every ten minutes unless she presses "Kirim sekarang".
  var TICK_MS = 60000;
  var STATUS_EVERY_MS = 10 * 60000;
  var VISITS_EVERY_MS = 10 * 60000;
  var BOOK_EVERY_MS = 60 * 60000;

  var STATUS_TEXT = {
    waiting: "Menunggu dikirim",
    submitted: "Terkirim, menunggu persetujuan",
    registered: "Terdaftar",
    updated: "Data diperbarui",
    rejected: "Ditolak",
    conflict: "Bentrok dengan data di server",
    discarded: "Dibatalkan, data server dipakai",
    resent: "Dikirim ulang di atas data terbaru",
  };
  var KIND_TEXT = { "new": "Pendaftaran baru", update: "Perubahan data" };
  var SEX_TEXT = { L: "Laki-laki", P: "Perempuan" };
  var MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember"];

  var state = {
    book: null,
    visits: [],
    visitsAt: null,
    visitsFetched: 0,
    statusAsked: 0,
    bookFetched: 0,
    user: null,
    records: [],
    form: { kind: "new", worker_id: null, base_version: null, fixes: null, auto: {} },
    syncing: null,
    again: false,
    loginNeeded: false,
    conflictId: null,
  };

  function $(id) { return document.getElementById(id); }
  var form = $("record-form");

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else if (name === "className") node.className = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function number(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function dateText(iso) {
    if (!iso) return "";
    var bits = iso.split("-");
    return +bits[2] + " " + MONTHS[+bits[1] - 1] + " " + bits[0];
  }

  function today() { return Rules.todayInJakarta(); }

  function say(text) { $("sync-message").textContent = text || ""; }

  // --- what the phone keeps -----------------------------------------------------------------------

  async function reloadRecords() {
    state.records = (await Store.records()).filter(function (record) { return record.state !== "replaced"; });
    state.records.sort(function (a, b) { return (b.created || 0) - (a.created || 0); });
    renderCounts();
    if (currentView() === "records") renderRecords();
    if (currentView() === "visits") renderVisits();
  }

  function statusOf(record) { return record.state === "waiting" ? "waiting" : record.status || "submitted"; }

  function mine(record) { return !record.owner || !state.user || record.owner === state.user; }

  function renderCounts() {
    var counts = { waiting: 0, submitted: 0, conflict: 0, rejected: 0 };
    state.records.forEach(function (record) {
      var status = statusOf(record);
      if (Object.prototype.hasOwnProperty.call(counts, status)) counts[status] += 1;
    });
    var parts = [number(counts.waiting) + " menunggu dikirim", number(counts.submitted) + " menunggu persetujuan"];
    if (counts.conflict) parts.push(number(counts.conflict) + " bentrok");
    if (counts.rejected) parts.push(number(counts.rejected) + " ditolak");
    $("counts").textContent = parts.join(" · ");
    $("counts").dataset.waiting = counts.waiting;
    $("counts").dataset.submitted = counts.submitted;
    $("counts").dataset.conflict = counts.conflict;
    var attention = counts.conflict + counts.rejected;
    $("badge").textContent = attention ? number(attention) : "";
  }

  function renderConnection() {
    var online = navigator.onLine !== false;
    var node = $("connection");
    node.textContent = online
      ? "Tersambung: rekaman dikirim otomatis."
      : "Tanpa sambungan: rekaman disimpan di ponsel dan dikirim saat ada sambungan.";
    node.className = "connection" + (online ? "" : " offline");
    node.dataset.online = online ? "1" : "0";
    $("login-again").hidden = !state.loginNeeded;
  }

  // --- rulebook and visit list --------------------------------------------------------------------

  async function getJson(url) {
    var response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) throw { kind: "login" };
    if (!response.ok) throw { kind: "server", status: response.status };
    return response.json();
  }

  // The rulebook changes rarely (a new rule, a new desa): fetched when missing or older than an hour.
  async function loadBook() {
    if (!state.book) {
      state.book = (await Store.get("rulebook")) || null;
      state.bookFetched = (await Store.get("rulebook-at")) || 0;
      if (state.book) applyBook();
    }
    if (state.book && Date.now() - state.bookFetched < BOOK_EVERY_MS) return;
    if (navigator.onLine === false && state.book) return;
    try {
      var fresh = await getJson(urls.rules);
      state.bookFetched = Date.now();
      await Store.set("rulebook-at", state.bookFetched);
      if (!state.book || fresh.version !== state.book.version) {
        state.book = fresh;
        await Store.set("rulebook", fresh);
        applyBook();
      }
    } catch (error) {
      if (error && error.kind === "login") loginNeeded();
    }
    if (!state.book) {
      say("Aturan pemeriksaan belum terunduh. Buka aplikasi ini sekali saat ada sambungan.");
    }
  }

  function applyBook() {
    var book = state.book;
    var sector = $("sektor");
    var chosen = sector.value;
    while (sector.options.length > 1) sector.remove(1);
    book.sectors.forEach(function (item) { sector.appendChild(el("option", { value: item.code, text: item.label })); });
    sector.value = chosen;
    var list = $("desa-options");
    list.textContent = "";
    book.villages.forEach(function (village) {
      list.appendChild(el("option", { value: village.code, label: Rules.villageLabel(village), text: Rules.villageLabel(village) }));
    });
    var desa = $("kode_desa");
    // A village operator works in one desa: it is filled in for her.
    if (book.villages.length === 1 && !desa.value) desa.value = book.villages[0].code;
    showVillage();
  }

  async function loadVisits(fromNetwork) {
    if (!state.visits.length) {
      var kept = await Store.get("visits");
      if (kept) {
        state.visits = kept.visits || [];
        state.visitsAt = kept.at;
      }
    }
    if (fromNetwork) {
      state.visitsFetched = Date.now();
      try {
        var fresh = await getJson(urls.visits);
        state.visits = fresh.visits || [];
        state.visitsAt = new Date().toISOString();
        await Store.set("visits", { visits: state.visits, at: state.visitsAt });
      } catch (error) {
        if (error && error.kind === "login") loginNeeded();
      }
    }
    if (currentView() === "visits") renderVisits();
  }

  // --- sending ------------------------------------------------------------------------------------

  function loginNeeded() {
    state.loginNeeded = true;
    renderConnection();
  }

  // One request, with a timeout that grows with what is sent: a dead connection is a failed attempt, never
  // a lost record (nothing leaves "waiting" without its answer).
  async function call(method, url, body, token, patience) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, patience || 30000) : null;
    try {
      var headers = { Accept: "application/json" };
      if (body) headers["Content-Type"] = "application/json";
      if (token) headers["X-CSRFToken"] = token;
      var response = await fetch(url, {
        method: method, credentials: "same-origin", cache: "no-store", headers: headers,
        body: body ? JSON.stringify(body) : undefined, signal: controller ? controller.signal : undefined,
      });
      var data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      return { status: response.status, data: data };
    } catch (error) {
      throw { kind: "offline" };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function token() {
    var answer = await call("GET", urls.token);
    if (answer.status === 401) throw { kind: "login" };
    if (answer.status !== 200 || !answer.data) throw { kind: "server", message: answer.data && answer.data.message };
    state.loginNeeded = false;
    state.user = answer.data.user;
    await Store.set("user", state.user);
    renderConnection();
    return answer.data.csrf_token;
  }

  // POST with the session's CSRF token; a token refused (the session changed) is fetched again once.
  async function post(url, body, session, patience) {
    var answer = await call("POST", url, body, session.token, patience);
    if (answer.status === 403 && !(answer.data && answer.data.code)) {
      session.token = await token();
      answer = await call("POST", url, body, session.token, patience);
    }
    if (answer.status === 401) throw { kind: "login" };
    if (answer.status >= 400) {
      throw { kind: "server", status: answer.status, code: answer.data && answer.data.code, message: answer.data && answer.data.message };
    }
    return answer.data;
  }

  function wire(record) {
    var sent = { client_id: record.client_id, kind: record.kind, made_at: record.made_at, values: record.values };
    if (record.kind === "update") {
      sent.worker_id = record.worker_id;
      sent.base_version = record.base_version;
    }
    return sent;
  }

  function answered(record, result) {
    if (result.status === "unknown") {
      // The server never got it (or lost it): send it again, under the same id.
      record.state = "waiting";
      return record;
    }
    record.state = "sent";
    record.status = result.status;
    record.code = result.code || "";
    record.message = result.message || "";
    if (result.server) record.server = result.server;
    if (result.version != null) record.server_version = result.version;
    if (record.kind === "new" && result.worker_id != null) record.worker_id = result.worker_id;
    record.answered_at = new Date().toISOString();
    return record;
  }

  async function store(results) {
    var byId = {};
    results.forEach(function (result) { byId[result.client_id] = result; });
    await Store.update(Object.keys(byId), function (record) { return answered(record, byId[record.client_id]); });
  }

  async function sendWaiting(session) {
    var waiting = (await Store.records()).filter(function (record) { return record.state === "waiting" && mine(record); });
    waiting.sort(function (a, b) { return a.made_at < b.made_at ? -1 : a.made_at > b.made_at ? 1 : 0; });
    var size = (state.book && state.book.max_records_per_sync) || BATCH;
    var start = 0;
    while (start < waiting.length) {
      var batch = waiting.slice(start, start + size);
      say("Mengirim " + number(batch.length) + " rekaman…");
      var data;
      try {
        // A minute, plus time for each record on a slow connection.
        data = await post(urls.sync, { records: batch.map(wire) }, session, 60000 + batch.length * 120);
      } catch (error) {
        // Long records can make a full batch larger than the server takes in one request: send halves.
        if (error && error.status === 413 && size > 1) {
          size = Math.ceil(size / 2);
          continue;
        }
        throw error;
      }
      await store(data.results || []);
      start += batch.length;
    }
    return waiting.length;
  }

  // Records answered "submitted" before this sync began: what became of them since (the ones just sent
  // have not been checked yet; asking now would only cost her data).
  async function pollSubmitted(session, began) {
    var open = state.records.filter(function (record) {
      return record.state === "sent" && record.status === "submitted" && mine(record) && record.answered_at < began;
    });
    for (var start = 0; start < open.length; start += BATCH) {
      var ids = open.slice(start, start + BATCH).map(function (record) { return record.client_id; });
      var data = await post(urls.status, { client_ids: ids }, session, 60000);
      await store(data.results || []);
    }
  }

  async function resolvePending(session) {
    var pending = state.records.filter(function (record) { return record.resolving && mine(record); });
    for (var i = 0; i < pending.length; i += 1) await sendResolution(pending[i], session);
  }

  async function syncOnce(askStatus) {
    if (navigator.onLine === false) {
      say("Tidak ada sambungan. Rekaman tetap di ponsel dan dikirim saat sambungan kembali.");
      return;
    }
    var session = {};
    var began = new Date().toISOString();
    try {
      session.token = await token();
      var sent = await sendWaiting(session);
      await reloadRecords();
      await resolvePending(session);
      await reloadRecords();
      if (askStatus || Date.now() - state.statusAsked > STATUS_EVERY_MS) {
        state.statusAsked = Date.now();
        await pollSubmitted(session, began);
      }
      await reloadRecords();
      say(sent ? number(sent) + " rekaman terkirim. Status tiap rekaman ada di bagian Rekaman." : "Semua rekaman sudah terkirim.");
      // New people and changes show in the visit list once applied; otherwise a fresh list now and then.
      if (sent || Date.now() - state.visitsFetched > VISITS_EVERY_MS) loadVisits(true);
      loadBook();
    } catch (error) {
      await reloadRecords();
      if (error && error.kind === "login") {
        loginNeeded();
        say("Sesi Anda berakhir; rekaman tetap tersimpan di ponsel ini.");
      } else if (error && error.kind === "offline") {
        say("Sambungan terputus. Rekaman yang belum terjawab tetap menunggu dan dikirim lagi (tidak akan tercatat dua kali).");
        scheduleRetry();
      } else {
        say((error && error.message) || "Server tidak dapat menerima data saat ini; coba lagi nanti.");
      }
    }
  }

  var retryTimer = null;
  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      sync(false);
    }, 30000);
  }

  // One sync at a time (also across tabs, where the browser has Web Locks); a request meanwhile runs after.
  // `askStatus`: also ask what became of the records sent earlier (she pressed the button, or came online).
  function sync(askStatus) {
    if (state.syncing) {
      state.again = true;
      state.againAsk = state.againAsk || !!askStatus;
      return state.syncing;
    }
    root.dataset.syncing = "1";
    var once = function () { return syncOnce(!!askStatus); };
    var run = navigator.locks && navigator.locks.request ? navigator.locks.request("cakupan-agen-sync", once) : once();
    state.syncing = Promise.resolve(run).catch(function () {}).then(function () {
      state.syncing = null;
      if (state.again) {
        var ask = state.againAsk;
        state.again = false;
        state.againAsk = false;
        return sync(ask);
      }
      root.dataset.syncing = "0";
      root.dataset.synced = String(Date.now());
    });
    return state.syncing;
  }

  // --- conflicts ----------------------------------------------------------------------------------

  async function sendResolution(record, session) {
    var choice = record.resolving.choice;
    var body = { client_id: record.client_id, choice: choice };
    if (choice === "use_mine") {
      body.values = record.values;
      body.new_client_id = record.resolving.new_client_id;
    }
    var result;
    try {
      result = await post(urls.resolve, body, session, 60000);
    } catch (error) {
      if (error && error.code === "record_not_in_conflict") {
        // Settled already (an earlier answer was lost): read where it stands, and its replacement's.
        var ids = [record.client_id].concat(choice === "use_mine" ? [record.resolving.new_client_id] : []);
        var data = await post(urls.status, { client_ids: ids }, session, 60000);
        await settle(record, choice, data.results[0], data.results[1]);
        return;
      }
      if (error && error.kind === "server") {
        await Store.update([record.client_id], function (kept) {
          kept.resolving = null;
          kept.message = error.message || kept.message;
          return kept;
        });
        return;
      }
      throw error;
    }
    if (choice === "keep_server") await settle(record, choice, result, null);
    else await settle(record, choice, { client_id: record.client_id, status: "resent" }, result);
  }

  async function settle(record, choice, own, replacement) {
    var writes = [];
    await Store.update([record.client_id], function (kept) {
      answered(kept, own);
      kept.resolving = null;
      if (replacement && replacement.status !== "unknown") kept.replaced_by = replacement.client_id;
      return kept;
    });
    if (choice === "use_mine" && replacement && replacement.status !== "unknown") {
      var fresh = {
        client_id: replacement.client_id, kind: "update", worker_id: record.worker_id,
        base_version: replacement.version, made_at: new Date().toISOString(), values: record.values,
        owner: record.owner, state: "waiting", status: "", created: Date.now(), desa_name: record.desa_name,
      };
      writes.push(answered(fresh, replacement));
    }
    if (writes.length) await Store.put(writes);
  }

  async function choose(choice) {
    var record = await Store.record(state.conflictId);
    if (!record || record.status !== "conflict") return;
    if (!record.resolving) {
      // The id of the record her choice makes is fixed before sending, so a retry creates nothing twice.
      record.resolving = { choice: choice, new_client_id: choice === "use_mine" ? Store.uuid() : null };
      await Store.put(record);
    }
    await reloadRecords();
    showConflict(record.client_id);
    await sync(false);
    var after = await Store.record(record.client_id);
    if (after && !after.resolving && after.status !== "conflict") {
      say(choice === "keep_server" ? "Data server dipakai; perubahan Anda dibatalkan." : "Data Anda dikirim ulang di atas data terbaru.");
      location.hash = "#rekaman";
    } else {
      showConflict(record.client_id);
    }
  }

  function valueText(field, value) {
    if (!value) return "–";
    if (field === "jenis_kelamin") return SEX_TEXT[value] || value;
    if (field === "tanggal_lahir") return dateText(value);
    if (field === "penghasilan") return /^[0-9]+$/.test(value) ? "Rp" + number(value) : value;
    if (field === "sektor" && state.book) {
      var sector = state.book.sectors.filter(function (item) { return item.code === value; })[0];
      return sector ? sector.label : value;
    }
    if (field === "kode_desa" && state.book) {
      var village = state.book.villages.filter(function (item) { return item.code === value; })[0];
      return village ? village.name + " (" + value + ")" : value;
    }
    if (field === "telepon") return value.replace(/^\+62/, "0");
    return value;
  }

  async function showConflict(clientId) {
    var record = await Store.record(clientId);
    if (!record || record.status !== "conflict" || !state.book) {
      location.hash = "#rekaman";
      return;
    }
    state.conflictId = clientId;
    $("conflict-message").textContent = record.message || STATUS_TEXT.conflict;
    var rows = $("compare-rows");
    rows.textContent = "";
    var server = record.server || {};
    state.book.columns.forEach(function (field) {
      var theirs = valueText(field, server[field]);
      var ours = valueText(field, record.values[field]);
      rows.appendChild(el("tr", { className: theirs === ours ? "" : "differs", "data-field": field }, [
        el("th", { scope: "row", text: state.book.labels[field] }),
        el("td", { text: theirs, "data-testid": "server-" + field }),
        el("td", { text: ours, "data-testid": "mine-" + field }),
      ]));
    });
    $("conflict-actions").hidden = !!record.resolving;
    $("conflict-pending").hidden = !record.resolving;
  }

  // --- the form -----------------------------------------------------------------------------------

  function formValues() {
    var values = {};
    (state.book ? state.book.columns : []).forEach(function (name) {
      if (form.elements[name]) values[name] = form.elements[name].value;
    });
    return values;
  }

  function saveDraft() {
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify({
        route: location.hash || "#baru", kind: state.form.kind, worker_id: state.form.worker_id,
        base_version: state.form.base_version, fixes: state.form.fixes, auto: state.form.auto,
        title: $("form-title").textContent, values: formValues(),
      }));
    } catch (error) { /* storage full or disabled: the form still works */ }
  }

  function readDraft() {
    try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (error) { return null; }
  }

  function clearDraft() {
    try { localStorage.removeItem(DRAFT_KEY); } catch (error) { /* nothing to clear */ }
  }

  function fillForm(values) {
    Object.keys(values || {}).forEach(function (name) {
      var field = form.elements[name];
      if (field) field.value = values[name] == null ? "" : values[name];
    });
  }

  function resetForm(keepDesa) {
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
  }

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
      hint.textContent = "16 digit sesuai KTP. Tanggal lahir dan jenis kelamin diisi dari NIK.";
      hint.className = "hint";
      return;
    }
    var parsed = Rules.parseNik(value, state.book.nik, today());
    if (parsed.valid) {
      hint.textContent = "Lahir " + dateText(parsed.birth_date) + " · " + SEX_TEXT[parsed.sex];
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
      hint.textContent = "Ketik nama atau kode desa, lalu pilih dari daftar.";
      hint.className = "hint";
    }
  }

  async function save(event) {
    event.preventDefault();
    if (!state.book) {
      say("Aturan pemeriksaan belum terunduh. Buka aplikasi ini sekali saat ada sambungan.");
      return;
    }
    var check = Rules.checkRecord(formValues(), state.book, today());
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
      if (fixed) {
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
    resetForm(true);
    if (location.hash !== "#baru" && location.hash !== "") location.hash = "#baru";
    $("nik").focus();
    await reloadRecords();
    if (navigator.onLine !== false) sync(false);
  }

  function openForm(route) {
    var draft = readDraft();
    var match = route.match(/^#(ubah|perbaiki)-(.+)$/);
    if (draft && draft.route === (route || "#baru") && (draft.values || draft.kind)) {
      resetForm(false);
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
      if (state.form.kind !== "new") resetForm(false);
      return;
    }
    if (match[1] === "ubah") {
      var visit = state.visits.filter(function (item) { return String(item.worker_id) === match[2]; })[0];
      if (!visit) {
        location.hash = "#kunjungan";
        return;
      }
      resetForm(false);
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
      resetForm(false);
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
  }

  // --- lists --------------------------------------------------------------------------------------

  function latestFor(workerId) {
    return state.records.filter(function (record) {
      return record.kind === "update" && record.worker_id === workerId;
    })[0];
  }

  function renderVisits() {
    var list = $("visit-list");
    list.textContent = "";
    $("visits-note").textContent = state.visitsAt
      ? number(state.visits.length) + " orang perlu dikunjungi (daftar per " + dateText(state.visitsAt.slice(0, 10)) + ")."
      : "Daftar kunjungan belum terunduh; buka bagian ini saat ada sambungan.";
    state.visits.forEach(function (visit) {
      var record = latestFor(visit.worker_id);
      var item = el("li", { "data-testid": "visit", "data-worker": String(visit.worker_id) }, [
        el("p", { className: "who", text: visit.values.nama }),
        el("p", { className: "what", text: [visit.desa_name, visit.reason_label].filter(Boolean).join(" · ") }),
        visit.detail ? el("p", { className: "what", text: visit.detail }) : null,
        record ? el("p", { className: "status " + statusOf(record), text: STATUS_TEXT[statusOf(record)] }) : null,
        el("p", { className: "actions" }, [
          el("a", { className: "button", href: "#ubah-" + visit.worker_id, "data-testid": "edit", text: "Ubah data" }),
        ]),
      ]);
      list.appendChild(item);
    });
  }

  function renderRecords() {
    var list = $("record-list");
    list.textContent = "";
    var shown = state.records.slice(0, RECORDS_SHOWN);
    // What needs her first: conflicts and refusals.
    shown.sort(function (a, b) {
      var rank = { conflict: 0, rejected: 1 };
      var ra = rank[statusOf(a)] != null ? rank[statusOf(a)] : 2;
      var rb = rank[statusOf(b)] != null ? rank[statusOf(b)] : 2;
      return ra - rb || (b.created || 0) - (a.created || 0);
    });
    if (!shown.length) list.appendChild(el("li", { className: "empty", text: "Belum ada rekaman di ponsel ini." }));
    shown.forEach(function (record) {
      var status = statusOf(record);
      var text = STATUS_TEXT[status] || status;
      var actions = el("p", { className: "actions" });
      if (status === "conflict") {
        actions.appendChild(el("a", { className: "button", href: "#bentrok-" + record.client_id, "data-testid": "compare", text: "Bandingkan" }));
      }
      if (status === "rejected") {
        actions.appendChild(el("a", { className: "button", href: "#perbaiki-" + record.client_id, "data-testid": "fix", text: "Perbaiki" }));
        actions.appendChild(el("button", { type: "button", className: "secondary", "data-dismiss": record.client_id, "data-testid": "dismiss", text: "Abaikan" }));
      }
      list.appendChild(el("li", { "data-testid": "record", "data-client-id": record.client_id, "data-status": status }, [
        el("p", { className: "who", text: record.values.nama || "(tanpa nama)" }),
        el("p", { className: "what", text: [KIND_TEXT[record.kind], record.desa_name, "disimpan " + dateText((record.made_at || "").slice(0, 10))].filter(Boolean).join(" · ") }),
        el("p", { className: "status " + status, "data-testid": "record-status", text: text }),
        (status === "rejected" || status === "conflict") && record.message
          ? el("p", { className: "what", "data-testid": "record-message", text: record.message }) : null,
        actions.childNodes.length ? actions : null,
      ]));
    });
    $("records-more").textContent = state.records.length > RECORDS_SHOWN
      ? "Ditampilkan " + number(RECORDS_SHOWN) + " rekaman terbaru dari " + number(state.records.length) + "." : "";
  }

  // --- views --------------------------------------------------------------------------------------

  function currentView() {
    var hash = location.hash;
    if (hash === "#kunjungan") return "visits";
    if (hash === "#rekaman") return "records";
    if (hash.indexOf("#bentrok-") === 0) return "conflict";
    return "form";
  }

  function route() {
    var view = currentView();
    Array.prototype.forEach.call(root.querySelectorAll("[data-view]"), function (section) {
      section.hidden = section.dataset.view !== view;
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-tab]"), function (tab) {
      var current = tab.dataset.tab === view || (view === "conflict" && tab.dataset.tab === "records");
      if (current) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    if (view === "form") openForm(location.hash);
    if (view === "visits") renderVisits();
    if (view === "records") renderRecords();
    if (view === "conflict") showConflict(location.hash.slice("#bentrok-".length));
  }

  // --- start --------------------------------------------------------------------------------------

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
    showProblems(Rules.checkRecord(formValues(), state.book, today()), [name]);
  });
  $("clear").addEventListener("click", function () {
    clearDraft();
    resetForm(false);
    $("form-notice").hidden = true;
    if (location.hash !== "#baru") location.hash = "#baru";
  });
  $("send-now").addEventListener("click", function () { sync(true); });
  // A refused record she will not fix leaves the list (and the count of what needs her).
  $("record-list").addEventListener("click", async function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-dismiss");
    if (!id) return;
    await Store.update([id], function (record) {
      record.state = "replaced";
      return record;
    });
    await reloadRecords();
  });
  $("keep-server").addEventListener("click", function () { choose("keep_server"); });
  $("use-mine").addEventListener("click", function () { choose("use_mine"); });
  window.addEventListener("hashchange", route);
  window.addEventListener("online", function () {
    renderConnection();
    sync(true);
  });
  window.addEventListener("offline", function () {
    say("");
    renderConnection();
  });
  // Signing out on this phone drops the copy of other people's data (the visit list); her own unsent
  // records stay, to be sent after she signs in again.
  Array.prototype.forEach.call(document.querySelectorAll("form[action='/akun/keluar/']"), function (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.cleared) return;
      event.preventDefault();
      var caches = window.caches;
      Promise.all([
        Store.remove("visits"),
        caches ? caches.keys().then(function (names) {
          return Promise.all(names.map(function (name) {
            return caches.open(name).then(function (cache) { return cache.delete(urls.visits); });
          }));
        }) : null,
      ]).catch(function () {}).then(function () {
        logout.dataset.cleared = "1";
        logout.submit();
      });
    });
  });

  // Settled records stay a month for her to look back on, then leave the phone (they hold people's data).
  var FINAL = ["registered", "updated", "discarded", "resent"];
  var KEEP_MS = 30 * 24 * 3600 * 1000;
  async function prune() {
    var limit = new Date(Date.now() - KEEP_MS).toISOString();
    var old = (await Store.records()).filter(function (record) {
      var settled = record.state === "replaced" || (record.state === "sent" && FINAL.indexOf(record.status) >= 0);
      return settled && (record.answered_at || record.made_at) < limit;
    });
    if (old.length) await Store.drop(old.map(function (record) { return record.client_id; }));
  }

  async function start() {
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: root.dataset.scope }).catch(function () {
        say("Mode tanpa sinyal tidak tersedia di peramban ini.");
      });
    }
    state.user = (await Store.get("user")) || null;
    await prune();
    renderConnection();
    await reloadRecords();
    await loadBook();
    await loadVisits(false);
    route();
    root.dataset.ready = "1";
    if (navigator.onLine !== false) {
      loadVisits(true);
      await sync(true);
    }
    setInterval(function () {
      var open = state.records.some(function (record) {
        return record.state === "waiting" || record.resolving || (record.state === "sent" && record.status === "submitted");
      });
      if (open && document.visibilityState === "visible" && navigator.onLine !== false) sync(false);
    }, TICK_MS);
  }

  start();
})();
