// Florilège's service worker: when a page cannot be reached, show the offline page.
// It stores nothing a visitor was shown: only the offline page, fetched without cookies,
// and the static files that page uses. Every other request goes to the network untouched,
// so curators' pages and anything tied to a session are never kept on the device.
const CACHE = "florilege-offline-" + {{ version|safe }};
const OFFLINE = {{ offline_url|safe }};
const ASSETS = {{ assets|safe }};
const ASSET_URLS = new Set(ASSETS.map(path => new URL(path, self.location).href));

self.addEventListener("install", event => {
  const requests = [OFFLINE, ...ASSETS].map(url => new Request(url, {credentials: "omit"}));
  event.waitUntil(
    caches.open(CACHE).then(cache => cache.addAll(requests)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", event => {
  event.waitUntil(
    caches.keys()
      .then(names => Promise.all(
        names.filter(name => name.startsWith("florilege-") && name !== CACHE)
          .map(name => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.open(CACHE).then(cache => cache.match(OFFLINE)))
    );
  } else if (ASSET_URLS.has(request.url)) {
    event.respondWith(
      caches.open(CACHE).then(cache => cache.match(request.url)).then(hit => hit || fetch(request))
    );
  }
});
