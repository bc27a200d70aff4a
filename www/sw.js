// layerscope's service worker: after the first visit the site works with
// no network. crates/site prepends VERSION (a hash of every file's bytes)
// and ASSETS (every file of the site, relative to this script) when Trunk
// builds the site; www/offline.js registers it and offers updates.
//
// - install: every asset into a cache of this version, fetched past the
//   HTTP cache, all or nothing (a failed fetch fails the install, and the
//   version in use stays).
// - A new version waits until the page says the person chose to reload
//   ("skip-waiting"), so an open page never mixes two versions' files.
// - activate: the other versions' caches are deleted, open pages claimed.
// - fetch: this site's GET requests come from this version's cache, then
//   the network (what the cache lacks: a file added by hand). Nothing else
//   is touched: a dropped image is a File the page reads in memory, never a
//   request, and this worker makes no request but for the site's own files.
/* global VERSION, ASSETS */
const PREFIX = "layerscope-";
const CACHE = PREFIX + VERSION;
const SCOPE = new URL("./", self.location).href;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(ASSETS.map((a) => new Request(new URL(a, SCOPE), { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "version" && event.source) event.source.postMessage({ version: VERSION });
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(SCOPE)) return;
  event.respondWith(answer(request));
});

async function answer(request) {
  const cache = await caches.open(CACHE);
  // The fragment never reaches here; a query string (none of ours) is ignored.
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  // A folder's URL (`docs/`) is its index.html, as static hosts serve it.
  if (request.mode === "navigate" && new URL(request.url).pathname.endsWith("/")) {
    const index = await cache.match(new URL("index.html", request.url).href);
    if (index) return index;
  }
  return fetch(request);
}
