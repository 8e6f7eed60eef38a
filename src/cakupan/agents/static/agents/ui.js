/* Cakupan field app: enrol and update workers on a phone, with or without a connection.
 *
 * The app is a few plain scripts sharing one object, window.CakupanApp, loaded in this order:
 *   rules.js   the server's rulebook, interpreted (no DOM, no network)
 *   store.js   what the phone keeps, in IndexedDB
 *   ui.js      this file: the shared state and the small helpers every part uses
 *   sync.js    talking to the server: who is signed in, the rulebook, the visit list, sending, conflicts
 *   records.js the visit list, the record list and the conflict view
 *   forms.js   the enrolment and edit form
 *   app.js     start-up: routes, listeners, the timers
 *
 * The phone may be shared: records and the visit list belong to the user who made or fetched them, and the
 * page shows only the signed-in user's (state.user, confirmed by GET /agen/sinkron/token/). */
(function () {
  "use strict";

  var root = document.getElementById("field-app");
  if (!root || !window.CakupanRules || !window.CakupanStore) return;

  var App = {
    Rules: window.CakupanRules,
    Store: window.CakupanStore,
    root: root,
    form: document.getElementById("record-form"),
    urls: {
      token: root.dataset.tokenUrl,
      rules: root.dataset.rulesUrl,
      visits: root.dataset.visitsUrl,
      sync: root.dataset.syncUrl,
      status: root.dataset.statusUrl,
      resolve: root.dataset.resolveUrl,
    },
    BATCH: 1000,
    RECORDS_SHOWN: 100,
    // Waiting records are retried every minute; what became of sent ones changes only when an officer
    // decides (hours), so asking costs her data only every ten minutes unless she presses "Kirim sekarang".
    TICK_MS: 60000,
    STATUS_EVERY_MS: 10 * 60000,
    VISITS_EVERY_MS: 10 * 60000,
    BOOK_EVERY_MS: 60 * 60000,
    STATUS_TEXT: {
      waiting: "Menunggu dikirim",
      submitted: "Terkirim, menunggu persetujuan",
      registered: "Terdaftar",
      updated: "Data diperbarui",
      rejected: "Ditolak",
      conflict: "Bentrok dengan data di server",
      discarded: "Dibatalkan, data server dipakai",
      resent: "Dikirim ulang di atas data terbaru",
    },
    KIND_TEXT: { "new": "Pendaftaran baru", update: "Perubahan data" },
    SEX_TEXT: { L: "Laki-laki", P: "Perempuan" },
    MONTHS: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
      "Oktober", "November", "Desember"],
    state: {
      book: null,
      visits: [],
      visitsAt: null,
      visitsFetched: 0,
      statusAsked: 0,
      bookFetched: 0,
      // The user whose records and visit list the page shows: the last one the server named.
      user: null,
      // Her records only (never another user's of the same phone), newest first.
      records: [],
      form: { kind: "new", worker_id: null, base_version: null, fixes: null, auto: {} },
      syncing: null,
      again: false,
      loginNeeded: false,
      conflictId: null,
    },
  };

  App.$ = function (id) { return document.getElementById(id); };

  App.el = function (tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (typeof value === "boolean") {
        if (value) node.setAttribute(name, "");
      } else node.setAttribute(name, value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  };

  App.number = function (value) { return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "."); };

  App.dateText = function (iso) {
    if (!iso) return "";
    var bits = iso.split("-");
    return +bits[2] + " " + App.MONTHS[+bits[1] - 1] + " " + bits[0];
  };

  App.today = function () { return App.Rules.todayInJakarta(); };

  App.say = function (text) { App.$("sync-message").textContent = text || ""; };

  App.statusOf = function (record) { return record.state === "waiting" ? "waiting" : record.status || "submitted"; };

  // A record is shown, sent and settled only for the user who made it.
  App.mine = function (record) { return !!record && !!App.state.user && record.owner === App.state.user; };

  App.currentView = function () {
    var hash = location.hash;
    if (hash === "#kunjungan") return "visits";
    if (hash === "#rekaman") return "records";
    if (hash.indexOf("#bentrok-") === 0) return "conflict";
    return "form";
  };

  App.renderCounts = function () {
    var counts = { waiting: 0, submitted: 0, conflict: 0, rejected: 0 };
    App.state.records.forEach(function (record) {
      var status = App.statusOf(record);
      if (Object.prototype.hasOwnProperty.call(counts, status)) counts[status] += 1;
    });
    var number = App.number;
    var parts = [number(counts.waiting) + " menunggu dikirim", number(counts.submitted) + " menunggu persetujuan"];
    if (counts.conflict) parts.push(number(counts.conflict) + " bentrok");
    if (counts.rejected) parts.push(number(counts.rejected) + " ditolak");
    var node = App.$("counts");
    node.textContent = parts.join(" · ");
    node.dataset.waiting = counts.waiting;
    node.dataset.submitted = counts.submitted;
    node.dataset.conflict = counts.conflict;
    var attention = counts.conflict + counts.rejected;
    App.$("badge").textContent = attention ? number(attention) : "";
  };

  App.renderConnection = function () {
    var online = navigator.onLine !== false;
    var node = App.$("connection");
    node.textContent = online
      ? "Tersambung: rekaman dikirim otomatis."
      : "Tanpa sambungan: rekaman disimpan di ponsel dan dikirim saat ada sambungan.";
    node.className = "connection" + (online ? "" : " offline");
    node.dataset.online = online ? "1" : "0";
    App.$("login-again").hidden = !App.state.loginNeeded;
  };

  window.CakupanApp = App;
})();
