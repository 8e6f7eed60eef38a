/* Cakupan field app: start-up. The parts are in ui.js (shared state), sync.js (the server), records.js
 * (lists and conflicts) and forms.js (the form); this file routes between the views, listens to the
 * connection and the sign-out button, and starts the timers. A session that ended keeps every record
 * ("Masuk lagi"). */
(function () {
  "use strict";

  var App = window.CakupanApp;
  if (!App || !App.sync || !App.renderRecords || !App.openForm) return;
  var Store = App.Store;
  var state = App.state;
  var $ = App.$;

  App.route = function () {
    var view = App.currentView();
    Array.prototype.forEach.call(App.root.querySelectorAll("[data-view]"), function (section) {
      section.hidden = section.dataset.view !== view;
    });
    Array.prototype.forEach.call(App.root.querySelectorAll("[data-tab]"), function (tab) {
      var current = tab.dataset.tab === view || (view === "conflict" && tab.dataset.tab === "records");
      if (current) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    if (view === "form") App.openForm(location.hash);
    if (view === "visits") App.renderVisits();
    if (view === "records") App.renderRecords();
    if (view === "conflict") App.showConflict(location.hash.slice("#bentrok-".length));
  };

  $("send-now").addEventListener("click", function () { App.sync(true); });
  window.addEventListener("hashchange", App.route);
  window.addEventListener("online", function () {
    App.renderConnection();
    App.sync(true);
  });
  window.addEventListener("offline", function () {
    App.say("");
    App.renderConnection();
  });
  // Signing out on this phone drops the copy of other people's data (the visit list); her own unsent
  // records stay, to be sent after she signs in again.
  Array.prototype.forEach.call(document.querySelectorAll("form[action='/akun/keluar/']"), function (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.cleared) return;
      event.preventDefault();
      App.forgetVisits().then(function () {
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
      navigator.serviceWorker.register(App.root.dataset.serviceWorker, { scope: App.root.dataset.scope }).catch(function () {
        App.say("Mode tanpa sinyal tidak tersedia di peramban ini.");
      });
    }
    state.user = (await Store.get("user")) || null;
    // The page names who it was made for (the last user signed in when it came from the network): another
    // user's records and visit list are put away before anything is shown.
    await App.adoptUser(App.root.dataset.user || null);
    await prune();
    App.renderConnection();
    await App.reloadRecords();
    await App.loadBook();
    await App.loadVisits(false);
    App.route();
    App.root.dataset.ready = "1";
    if (navigator.onLine !== false) await App.sync(true);
    setInterval(function () {
      var open = state.records.some(function (record) {
        return record.state === "waiting" || record.resolving || (record.state === "sent" && record.status === "submitted");
      });
      if (open && document.visibilityState === "visible" && navigator.onLine !== false) App.sync(false);
    }, App.TICK_MS);
  }

  start();
})();
