{% load static %}/* Cakupan field app's service worker: the app opens and works without a connection after one visit.
 *
 * Its cache is named by the server's cache version (the rulebook's rules and the app's files), so a phone
 * that comes online after a change installs the new version and drops the old copy.
 * - The app's files: from the cache first (they only change with the version).
 * - The page and the rulebook: from the network first, the last copy when there is none (or when the
 *   session ended: the page then says "Masuk lagi" itself when it tries to send).
 * - The visit list is not cached (see DATA).
 * - Everything else, every POST included (the records sent), goes to the network untouched: nothing a
 *   person sends is ever answered from a cache. */
"use strict";

var VERSION = "{{ cache_version }}";
var PREFIX = "cakupan-agen-";
var CACHE = PREFIX + VERSION;
var SHELL = "{% url 'agents:app' %}";
var MANIFEST = "{% url 'agents:manifest' %}";
// The visit list (other people's data, and the signed-in user's only) is never cached here: the page keeps
// it in IndexedDB under her name and deletes it when another user signs in or her session ends.
var DATA = ["{% url 'agents:device-rules' %}"];
var FILES = [
  "{% static 'cakupan/site.css' %}",
  "{% static 'agents/app.css' %}",
  "{% static 'agents/rules.js' %}",
  "{% static 'agents/store.js' %}",
  "{% static 'agents/ui.js' %}",
  "{% static 'agents/sync.js' %}",
  "{% static 'agents/records.js' %}",
  "{% static 'agents/forms.js' %}",
  "{% static 'agents/app.js' %}",
  "{% static 'agents/icon.svg' %}",
  "{% static 'agents/icon-192.png' %}",
  "{% static 'agents/icon-512.png' %}",
];
var NETWORK_FIRST = [SHELL, MANIFEST].concat(DATA);
// A connection that answers nothing for this long is treated as none; the answer still refreshes the cache.
var PATIENCE_MS = 6000;

function pathOf(url) {
  return new URL(url, self.location.href).pathname;
}

var FILE_PATHS = FILES.map(pathOf);

async function previousCopy(url) {
  // A copy from an older version's cache, for a user whose session ended before the app was updated.
  return caches.match(url);
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    var cache = await caches.open(CACHE);
    await cache.addAll(FILES);
    // The page and her data need her session: best effort, the page asks for them again itself.
    await Promise.all(NETWORK_FIRST.map(async function (url) {
      try {
        var response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.ok && !response.redirected) {
          await cache.put(url, response);
          return;
        }
      } catch (error) {
        // offline while installing: fall through to the older copy
      }
      var older = await previousCopy(url);
      if (older) await cache.put(url, older);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    var names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

function signedOut(response) {
  return response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403;
}

async function networkFirst(event, key) {
  var cache = await caches.open(CACHE);
  var fromNetwork = fetch(event.request).then(async function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(key, response.clone());
    }
    return response;
  });
  // Let a slow answer still land in the cache after the copy was shown.
  event.waitUntil(fromNetwork.catch(function () {}));
  var cached = await cache.match(key);
  var answer = cached
    ? Promise.race([fromNetwork, new Promise(function (resolve) { setTimeout(resolve, PATIENCE_MS, null); })])
    : fromNetwork;
  try {
    var response = await answer;
    if (!response) return cached;
    if (key === SHELL && cached && signedOut(response)) return cached;
    return response;
  } catch (error) {
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  var cache = await caches.open(CACHE);
  var cached = await cache.match(request);
  if (cached) return cached;
  var response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NETWORK_FIRST.indexOf(url.pathname) >= 0) {
    // The page's address may carry a query that changes nothing in it: one copy, under its plain path.
    event.respondWith(networkFirst(event, url.pathname === SHELL ? SHELL : url.pathname + url.search));
  } else if (FILE_PATHS.indexOf(url.pathname) >= 0) {
    event.respondWith(cacheFirst(request));
  }
});
