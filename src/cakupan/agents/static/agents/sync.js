/* Cakupan field app: talking to the server.
 *
 * Everything she saves goes first to IndexedDB (store.js) as "waiting", under an id the phone made. A sync
 * sends the waiting records (at most a rulebook's worth per request); a record leaves "waiting" only when
 * the server's answer for it arrived, so a connection cut mid-sync leaves it waiting and the next sync
 * sends it again under the same id, which the server answers as a replay and never records twice.
 *
 * Who is signed in decides what the phone shows and sends: every sync first asks the server (the token
 * endpoint names the user). Another user than the one whose data the phone holds, or a session that ended
 * (401), deletes the visit list, which is other people's data; the records she made stay, shown and sent
 * only when she is signed in again. */
(function () {
  "use strict";

  var App = window.CakupanApp;
  if (!App) return;
  var Store = App.Store;
  var state = App.state;
  var urls = App.urls;
  var say = App.say;
  var number = App.number;

  function stale(at, every) { return Date.now() - at >= every; }

  async function getJson(url) {
    var response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    if (response.status === 401) throw { kind: "login" };
    if (!response.ok) throw { kind: "server", status: response.status };
    return response.json();
  }

  // --- who is signed in ----------------------------------------------------------------------------

  // The visit list leaves the phone: IndexedDB, and any copy an older version's service worker kept.
  App.forgetVisits = async function () {
    state.visits = [];
    state.visitsAt = null;
    state.visitsFetched = 0;
    var caches = window.caches;
    await Promise.all([
      Store.remove("visits"),
      caches ? caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf("cakupan-agen-") === 0; }).map(function (name) {
          return caches.open(name).then(function (cache) { return cache.delete(urls.visits, { ignoreSearch: true }); });
        }));
      }) : null,
    ]).catch(function () {});
    if (App.currentView() === "visits") App.renderVisits();
  };

  App.loginNeeded = async function () {
    state.loginNeeded = true;
    App.renderConnection();
    await App.forgetVisits();
  };

  // The server (or the page it sent) names the signed-in user. Another one than the phone's last: the
  // visit list goes, her own records and rulebook are shown instead of the other user's.
  App.adoptUser = async function (user) {
    var before = state.user;
    if (!user || user === before) return;
    state.user = user;
    await Store.set("user", user);
    if (!before) {
      // Records saved before the phone knew anyone's name (the first minutes after installing) are hers.
      var ownerless = (await Store.records()).filter(function (record) { return !record.owner; });
      await Store.update(ownerless.map(function (record) { return record.client_id; }), function (record) {
        record.owner = user;
        return record;
      });
      await App.reloadRecords();
      return;
    }
    await App.forgetVisits();
    state.bookFetched = 0;
    await Store.remove("rulebook-at");
    state.statusAsked = 0;
    state.conflictId = null;
    // Nothing the previous user typed stays on the screen (her draft stays hers, see forms.js).
    App.resetForm(false);
    App.$("form-notice").hidden = true;
    await App.reloadRecords();
    if (App.root.dataset.ready === "1") App.route();
  };

  // --- rulebook and visit list --------------------------------------------------------------------

  // The rulebook changes rarely (a new rule, a new desa): fetched when missing or older than an hour.
  App.loadBook = async function () {
    if (!state.book) {
      state.book = (await Store.get("rulebook")) || null;
      state.bookFetched = (await Store.get("rulebook-at")) || 0;
      if (state.book) App.applyBook();
    }
    if (state.book && !stale(state.bookFetched, App.BOOK_EVERY_MS)) return;
    if (navigator.onLine === false && state.book) return;
    try {
      var fresh = await getJson(urls.rules);
      state.bookFetched = Date.now();
      await Store.set("rulebook-at", state.bookFetched);
      if (!state.book || fresh.version !== state.book.version) {
        state.book = fresh;
        await Store.set("rulebook", fresh);
        App.applyBook();
      }
    } catch (error) {
      if (error && error.kind === "login") await App.loginNeeded();
    }
    if (!state.book) say("Aturan pemeriksaan belum terunduh. Buka aplikasi ini sekali saat ada sambungan.");
  };

  // The visit list is kept with the name of the user it was fetched for, and shown to her only.
  App.loadVisits = async function (fromNetwork) {
    if (!state.visits.length && state.user) {
      var kept = await Store.get("visits");
      if (kept && kept.owner === state.user) {
        state.visits = kept.visits || [];
        state.visitsAt = kept.at;
      } else if (kept) {
        await App.forgetVisits();
      }
    }
    if (fromNetwork && state.user) {
      var owner = state.user;
      state.visitsFetched = Date.now();
      try {
        var fresh = await getJson(urls.visits);
        if (state.user === owner) {
          state.visits = fresh.visits || [];
          state.visitsAt = new Date().toISOString();
          await Store.set("visits", { owner: owner, visits: state.visits, at: state.visitsAt });
        }
      } catch (error) {
        if (error && error.kind === "login") await App.loginNeeded();
      }
    }
    if (App.currentView() === "visits") App.renderVisits();
  };

  // --- requests -----------------------------------------------------------------------------------

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
    await App.adoptUser(answer.data.user);
    App.renderConnection();
    return answer.data.csrf_token;
  }

  // POST with the session's CSRF token; a token refused (the session changed) is fetched again once. A
  // session now of another user stops the sync: what was being sent is the previous user's.
  async function post(url, body, session, patience) {
    var answer = await call("POST", url, body, session.token, patience);
    if (answer.status === 403 && !(answer.data && answer.data.code)) {
      session.token = await token();
      if (state.user !== session.user) throw { kind: "user" };
      answer = await call("POST", url, body, session.token, patience);
    }
    if (answer.status === 401) throw { kind: "login" };
    if (answer.status >= 400) {
      throw { kind: "server", status: answer.status, code: answer.data && answer.data.code, message: answer.data && answer.data.message };
    }
    return answer.data;
  }

  // --- sending ------------------------------------------------------------------------------------

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

  // Too large for one request: the server says so (400 sync_too_large), or a proxy before it does (413).
  function tooLarge(error) {
    return !!error && error.kind === "server" && (error.status === 413 || error.code === "sync_too_large");
  }

  async function sendWaiting(session) {
    var waiting = (await Store.records()).filter(function (record) { return record.state === "waiting" && App.mine(record); });
    waiting.sort(function (a, b) { return a.made_at < b.made_at ? -1 : a.made_at > b.made_at ? 1 : 0; });
    var size = (state.book && state.book.max_records_per_sync) || App.BATCH;
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
        if (tooLarge(error) && batch.length > 1) {
          size = Math.ceil(batch.length / 2);
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
      return record.state === "sent" && record.status === "submitted" && App.mine(record) && record.answered_at < began;
    });
    for (var start = 0; start < open.length; start += App.BATCH) {
      var ids = open.slice(start, start + App.BATCH).map(function (record) { return record.client_id; });
      var data = await post(urls.status, { client_ids: ids }, session, 60000);
      await store(data.results || []);
    }
  }

  // --- conflicts ----------------------------------------------------------------------------------

  // Her choice stays pending through a dropped connection or a server error (5xx), and is sent again at the
  // next sync; only the server's refusal of it (a 4xx with a code) ends it, with the server's words.
  async function sendResolution(record, session) {
    var choice = record.resolving.choice;
    var body = { client_id: record.client_id, choice: choice };
    if (choice === "use_mine") {
      body.values = record.resolving.values || record.values;
      body.new_client_id = record.resolving.new_client_id;
    }
    var result;
    try {
      result = await post(urls.resolve, body, session, 60000);
    } catch (error) {
      var refused = error && error.kind === "server" && error.status >= 400 && error.status < 500 && error.code;
      if (!refused) throw error;
      session.notes.push(error.message || "Pilihan Anda untuk data yang bentrok ditolak server.");
      if (error.code === "record_not_in_conflict") {
        // Settled already (an earlier answer was lost, or settled on another device): read where it
        // stands, and its replacement's.
        var ids = [record.client_id].concat(choice === "use_mine" ? [record.resolving.new_client_id] : []);
        var data = await post(urls.status, { client_ids: ids }, session, 60000);
        await settle(record, choice, data.results[0], data.results[1]);
        return;
      }
      await Store.update([record.client_id], function (kept) {
        kept.resolving = null;
        kept.message = error.message || kept.message;
        return kept;
      });
      return;
    }
    if (choice === "keep_server") {
      await settle(record, choice, result, null);
    } else if (result.status === "rejected") {
      // Her values were refused: the server keeps the conflict open for her to choose again.
      session.notes.push(result.message || "");
      await Store.update([record.client_id], function (kept) {
        kept.resolving = null;
        kept.message = result.message || kept.message;
        return kept;
      });
    } else {
      await settle(record, choice, { client_id: record.client_id, status: "resent" }, result);
    }
  }

  async function settle(record, choice, own, replacement) {
    await Store.update([record.client_id], function (kept) {
      answered(kept, own);
      kept.resolving = null;
      if (replacement && replacement.status !== "unknown") kept.replaced_by = replacement.client_id;
      return kept;
    });
    if (choice === "use_mine" && replacement && replacement.status !== "unknown") {
      var fresh = {
        client_id: replacement.client_id, kind: "update", worker_id: record.worker_id,
        base_version: replacement.version, made_at: new Date().toISOString(),
        values: record.resolving.values || record.values, owner: record.owner, state: "waiting", status: "",
        created: Date.now(), desa_name: record.desa_name,
      };
      await Store.put(answered(fresh, replacement));
    }
  }

  async function resolvePending(session) {
    var pending = state.records.filter(function (record) { return record.resolving && App.mine(record); });
    for (var i = 0; i < pending.length; i += 1) await sendResolution(pending[i], session);
  }

  // --- one sync -----------------------------------------------------------------------------------

  async function syncOnce(askStatus) {
    if (navigator.onLine === false) {
      say("Tidak ada sambungan. Rekaman tetap di ponsel dan dikirim saat sambungan kembali.");
      return;
    }
    var session = { notes: [] };
    var began = new Date().toISOString();
    try {
      session.token = await token();
      session.user = state.user;
      var sent = await sendWaiting(session);
      await App.reloadRecords();
      await resolvePending(session);
      await App.reloadRecords();
      if (askStatus || stale(state.statusAsked, App.STATUS_EVERY_MS)) {
        state.statusAsked = Date.now();
        await pollSubmitted(session, began);
      }
      await App.reloadRecords();
      say([sent ? number(sent) + " rekaman terkirim. Status tiap rekaman ada di bagian Rekaman." : "Semua rekaman sudah terkirim."]
        .concat(session.notes).join(" "));
      // New people and changes show in the visit list once applied; otherwise a fresh list now and then.
      if (sent || stale(state.visitsFetched, App.VISITS_EVERY_MS)) App.loadVisits(true);
      App.loadBook();
    } catch (error) {
      await App.reloadRecords();
      if (error && error.kind === "login") {
        await App.loginNeeded();
        say("Sesi Anda berakhir; rekaman tetap tersimpan di ponsel ini.");
      } else if (error && error.kind === "user") {
        // Another user signed in meanwhile: her own records are sent next.
        state.again = true;
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
      App.sync(false);
    }, 30000);
  }

  // One sync at a time (also across tabs, where the browser has Web Locks); a request meanwhile runs after.
  // `askStatus`: also ask what became of the records sent earlier (she pressed the button, or came online).
  App.sync = function (askStatus) {
    if (state.syncing) {
      state.again = true;
      state.againAsk = state.againAsk || !!askStatus;
      return state.syncing;
    }
    App.root.dataset.syncing = "1";
    var once = function () { return syncOnce(!!askStatus); };
    var run = navigator.locks && navigator.locks.request ? navigator.locks.request("cakupan-agen-sync", once) : once();
    state.syncing = Promise.resolve(run).catch(function () {}).then(function () {
      state.syncing = null;
      if (state.again) {
        var ask = state.againAsk;
        state.again = false;
        state.againAsk = false;
        return App.sync(ask);
      }
      App.root.dataset.syncing = "0";
      App.root.dataset.synced = String(Date.now());
    });
    return state.syncing;
  };
})();
