// SafetyPlan's service worker. It keeps only public files: the offline page (in each language) and the styles and
// script it needs. It never keeps a page from the server: every page is fetched fresh, so one person's page is never
// shown to the next person who uses this browser. When there is no signal (or the site cannot be reached), any
// address opens the offline page, which opens the locked copy of the plan kept on this device.
const VERSION = {{ version | tojson }};
const CACHE = "safetyplan-offline-" + VERSION;
const PRECACHE = {{ precache | tojson }};
const SHELLS = PRECACHE.filter((url) => url.startsWith("/offline/shell/"));
const UNREACHABLE = new Set([502, 503, 504]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Fetched without cookies: the same for everyone, whoever is signed in.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { credentials: "omit" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// The language of the copy kept on this device, so that the offline page opens in it.
const keptLanguage = () =>
  new Promise((resolve) => {
    const opening = indexedDB.open("safetyplan-offline");
    opening.onerror = () => resolve(null);
    opening.onupgradeneeded = () => opening.transaction.abort();
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains("copies")) {
        db.close();
        resolve(null);
        return;
      }
      const all = db.transaction("copies").objectStore("copies").getAll();
      all.onsuccess = () => {
        db.close();
        resolve(all.result.length ? all.result[0].language : null);
      };
      all.onerror = () => {
        db.close();
        resolve(null);
      };
    };
  });

const offlinePage = async (url) => {
  const cache = await caches.open(CACHE);
  if (SHELLS.includes(url.pathname)) return cache.match(url.pathname);
  const language = await keptLanguage();
  const wanted = SHELLS.find((shell) => shell.endsWith("/" + language)) || SHELLS[0];
  return cache.match(wanted);
};

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => (UNREACHABLE.has(response.status) ? offlinePage(url).then((page) => page || response) : response))
        .catch(() => offlinePage(url).then((page) => page || Response.error())),
    );
    return;
  }
  if (PRECACHE.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(url.pathname + url.search).then((kept) => kept || fetch(request)));
  }
});
