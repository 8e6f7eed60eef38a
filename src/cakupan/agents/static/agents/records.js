/* Cakupan field app: the visit list, the records on the phone and the conflict view.
 *
 * Only the signed-in user's records are listed (App.mine): a second user of the phone sees none of the
 * first's. A conflict is settled with the server's data, or with hers, field by field where the two
 * differ ("data server" / "data saya", hers unless she picks the server's). */
(function () {
  "use strict";

  var App = window.CakupanApp;
  if (!App) return;
  var Store = App.Store;
  var state = App.state;
  var $ = App.$;
  var el = App.el;
  var number = App.number;
  var statusOf = App.statusOf;
  var STATUS_TEXT = App.STATUS_TEXT;

  App.reloadRecords = async function () {
    state.records = (await Store.records()).filter(function (record) {
      return record.state !== "replaced" && App.mine(record);
    });
    state.records.sort(function (a, b) { return (b.created || 0) - (a.created || 0); });
    App.renderCounts();
    if (App.currentView() === "records") App.renderRecords();
    if (App.currentView() === "visits") App.renderVisits();
    if (App.currentView() === "conflict" && state.conflictId) {
      // A choice that was pending may have been sent meanwhile (the picks she is making are left alone).
      var shown = state.records.filter(function (record) { return record.client_id === state.conflictId; })[0];
      if (!shown || shown.status !== "conflict" || shown.resolving) App.showConflict(state.conflictId);
    }
  };

  function latestFor(workerId) {
    return state.records.filter(function (record) {
      return record.kind === "update" && record.worker_id === workerId;
    })[0];
  }

  App.renderVisits = function () {
    var list = $("visit-list");
    list.textContent = "";
    $("visits-note").textContent = state.visitsAt
      ? number(state.visits.length) + " orang perlu dikunjungi (daftar per " + App.dateText(state.visitsAt.slice(0, 10)) + ")."
      : "Daftar kunjungan belum terunduh; buka bagian ini saat ada sambungan.";
    state.visits.forEach(function (visit) {
      var record = latestFor(visit.worker_id);
      list.appendChild(el("li", { "data-testid": "visit", "data-worker": String(visit.worker_id) }, [
        el("p", { className: "who", text: visit.values.nama }),
        el("p", { className: "what", text: [visit.desa_name, visit.reason_label].filter(Boolean).join(" · ") }),
        visit.detail ? el("p", { className: "what", text: visit.detail }) : null,
        record ? el("p", { className: "status " + statusOf(record), text: STATUS_TEXT[statusOf(record)] }) : null,
        el("p", { className: "actions" }, [
          el("a", { className: "button", href: "#ubah-" + visit.worker_id, "data-testid": "edit", text: "Ubah data" }),
        ]),
      ]));
    });
  };

  App.renderRecords = function () {
    var list = $("record-list");
    list.textContent = "";
    var shown = state.records.slice(0, App.RECORDS_SHOWN);
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
      var actions = el("p", { className: "actions" });
      if (status === "conflict") {
        actions.appendChild(el("a", { className: "button", href: "#bentrok-" + record.client_id, "data-testid": "compare", text: "Bandingkan" }));
      }
      if (status === "rejected") {
        actions.appendChild(el("a", { className: "button", href: "#perbaiki-" + record.client_id, "data-testid": "fix", text: "Perbaiki" }));
        actions.appendChild(el("button", { type: "button", className: "secondary", "data-dismiss": record.client_id, "data-testid": "dismiss", text: "Abaikan" }));
      }
      var made = "disimpan " + App.dateText((record.made_at || "").slice(0, 10));
      list.appendChild(el("li", { "data-testid": "record", "data-client-id": record.client_id, "data-status": status }, [
        el("p", { className: "who", text: record.values.nama || "(tanpa nama)" }),
        el("p", { className: "what", text: [App.KIND_TEXT[record.kind], record.desa_name, made].filter(Boolean).join(" · ") }),
        el("p", { className: "status " + status, "data-testid": "record-status", text: STATUS_TEXT[status] || status }),
        (status === "rejected" || status === "conflict") && record.message
          ? el("p", { className: "what", "data-testid": "record-message", text: record.message }) : null,
        actions.childNodes.length ? actions : null,
      ]));
    });
    $("records-more").textContent = state.records.length > App.RECORDS_SHOWN
      ? "Ditampilkan " + number(App.RECORDS_SHOWN) + " rekaman terbaru dari " + number(state.records.length) + "." : "";
  };

  // --- conflicts ----------------------------------------------------------------------------------

  function valueText(field, value) {
    if (!value) return "–";
    if (field === "jenis_kelamin") return App.SEX_TEXT[value] || value;
    if (field === "tanggal_lahir") return App.dateText(value);
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

  // The fields whose server and phone values read differently: the ones she chooses between.
  function differing(record) {
    var server = record.server || {};
    return state.book.columns.filter(function (field) {
      return valueText(field, server[field]) !== valueText(field, record.values[field]);
    });
  }

  // Her values, with the server's for each field where she picked "data server".
  function picked(record) {
    var server = record.server || {};
    var values = Object.assign({}, record.values);
    var picks = {};
    differing(record).forEach(function (field) {
      var chosen = App.root.querySelector("input[name='pick-" + field + "']:checked");
      picks[field] = chosen && chosen.value === "server" ? "server" : "mine";
      if (picks[field] === "server") values[field] = server[field] == null ? "" : String(server[field]);
    });
    return { values: values, picks: picks };
  }

  function pick(field, side, checked, pending) {
    return el("label", { className: "pick" }, [
      el("input", {
        type: "radio", name: "pick-" + field, value: side, checked: checked, disabled: pending,
        "aria-describedby": "conflict-field-" + field, "data-testid": "pick-" + side + "-" + field,
      }),
      el("span", { text: side === "server" ? "data server" : "data saya" }),
    ]);
  }

  App.showConflict = async function (clientId) {
    var record = await Store.record(clientId);
    if (!record || !App.mine(record) || record.status !== "conflict" || !state.book) {
      location.hash = "#rekaman";
      return;
    }
    state.conflictId = clientId;
    $("conflict-message").textContent = record.message || STATUS_TEXT.conflict;
    var rows = $("compare-rows");
    rows.textContent = "";
    var server = record.server || {};
    var pending = !!record.resolving;
    var picks = (record.resolving && record.resolving.picks) || {};
    var choices = differing(record);
    state.book.columns.forEach(function (field) {
      var differs = choices.indexOf(field) >= 0;
      var fromServer = picks[field] === "server";
      rows.appendChild(el("tr", { className: differs ? "differs" : "", "data-field": field }, [
        el("th", { scope: "row", id: "conflict-field-" + field, text: state.book.labels[field] }),
        el("td", {}, [
          el("span", { text: valueText(field, server[field]), "data-testid": "server-" + field }),
          differs ? pick(field, "server", fromServer, pending) : null,
        ]),
        el("td", {}, [
          el("span", { text: valueText(field, record.values[field]), "data-testid": "mine-" + field }),
          differs ? pick(field, "mine", !fromServer, pending) : null,
        ]),
      ]));
    });
    $("conflict-actions").hidden = pending;
    $("conflict-pending").hidden = !pending;
  };

  App.choose = async function (choice) {
    var record = await Store.record(state.conflictId);
    if (!record || !App.mine(record) || record.status !== "conflict") return;
    if (!record.resolving) {
      // The id of the record her choice makes is fixed before sending, so a retry creates nothing twice;
      // so are the values she picked, so a retry sends the same.
      var chosen = picked(record);
      record.resolving = { choice: choice, new_client_id: null, picks: chosen.picks };
      if (choice === "use_mine") {
        record.resolving.new_client_id = Store.uuid();
        record.resolving.values = chosen.values;
      } else {
        Object.keys(chosen.picks).forEach(function (field) { chosen.picks[field] = "server"; });
      }
      await Store.put(record);
    }
    await App.reloadRecords();
    await App.showConflict(record.client_id);
    await App.sync(false);
    var after = await Store.record(record.client_id);
    if (after && !after.resolving && after.status !== "conflict") {
      App.say(choice === "keep_server" ? "Data server dipakai; perubahan Anda dibatalkan." : "Pilihan Anda dikirim ulang di atas data terbaru.");
      location.hash = "#rekaman";
    } else {
      await App.showConflict(record.client_id);
    }
  };

  // A refused record she will not fix leaves the list (and the count of what needs her).
  $("record-list").addEventListener("click", async function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-dismiss");
    if (!id) return;
    await Store.update([id], function (record) {
      if (App.mine(record)) record.state = "replaced";
      return record;
    });
    await App.reloadRecords();
  });
  $("keep-server").addEventListener("click", function () { App.choose("keep_server"); });
  $("use-mine").addEventListener("click", function () { App.choose("use_mine"); });
})();
