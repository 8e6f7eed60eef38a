/* Cakupan field app: what the phone keeps, in IndexedDB (it survives reloads, restarts and a dead battery).
 *
 * records: one per person enrolled or changed, keyed by the id the phone made for it (client_id), with its
 *          local state ("waiting" until the server's answer arrived, then "sent") and that answer.
 * meta:    the rulebook, the visit list, the signed-in user. */
(function (global) {
  "use strict";

  var DB_NAME = "cakupan-lapangan";
  var DB_VERSION = 1;
  var opening = null;

  function promise(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("records")) {
            db.createObjectStore("records", { keyPath: "client_id" }).createIndex("state", "state");
          }
          if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
        request.onblocked = function () { opening = null; reject(new Error("blocked")); };
      });
    }
    return opening;
  }

  // Resolves once the transaction is committed: a record is on the phone before the page says "Tersimpan".
  function write(storeName, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, "readwrite");
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
        result = work(tx.objectStore(storeName));
      });
    });
  }

  function read(storeName, work) {
    return open().then(function (db) {
      return promise(work(db.transaction(storeName, "readonly").objectStore(storeName)));
    });
  }

  // A random (version 4) UUID: crypto.randomUUID where the browser has it, else from getRandomValues.
  function uuid() {
    var cryptoApi = global.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") return cryptoApi.randomUUID();
    var bytes = new Uint8Array(16);
    if (cryptoApi && cryptoApi.getRandomValues) cryptoApi.getRandomValues(bytes);
    else for (var i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  global.CakupanStore = {
    uuid: uuid,
    records: function () { return read("records", function (store) { return store.getAll(); }); },
    record: function (clientId) { return read("records", function (store) { return store.get(clientId); }); },
    put: function (records) {
      var list = Array.isArray(records) ? records : [records];
      return write("records", function (store) { list.forEach(function (record) { store.put(record); }); });
    },
    // Applies change(record) to each stored record named in `ids` inside one transaction (read and write
    // together, so an answer never overwrites a newer local change).
    update: function (ids, change) {
      return write("records", function (store) {
        ids.forEach(function (id) {
          var request = store.get(id);
          request.onsuccess = function () {
            if (request.result) {
              var changed = change(request.result);
              if (changed) store.put(changed);
            }
          };
        });
      });
    },
    drop: function (ids) {
      return write("records", function (store) { ids.forEach(function (id) { store.delete(id); }); });
    },
    get: function (key) {
      return read("meta", function (store) { return store.get(key); }).then(function (row) {
        return row ? row.value : undefined;
      });
    },
    set: function (key, value) {
      return write("meta", function (store) { store.put({ key: key, value: value }); });
    },
    remove: function (key) {
      return write("meta", function (store) { store.delete(key); });
    },
  };
})(self);
