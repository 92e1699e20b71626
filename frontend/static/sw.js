// camrig's service worker (docs/design/phone-app.md, "Installable"): the
// app opens even when the rig does not answer. Plain JavaScript, copied
// unhashed by Trunk and served `no-cache`, so the browser checks it on
// every visit.
//
// `cargo xtask build` fills the two marked lines in dist/sw.js
// (xtask/src/shell.rs): SHELL, the files index.html names (the hashed
// script, wasm and CSS), the manifest and the icons; VERSION, a hash of
// index.html and those unhashed files. So each build is a new sw.js, which
// the browser installs. After a plain `trunk build` both stay empty and
// hashed files are cached as they are fetched.
//
// - install: precaches index.html and SHELL in this version's cache;
// - activate: drops every other version's cache and takes the open pages;
// - a navigation: the network, for at most 3 s; else the cached index.html
//   (the app, which says the rig is unreachable); else the built-in
//   offline page, which reloads itself every 10 s;
// - a hashed file or a SHELL file: the cache first, else the network;
// - anything else (the API, the WebSocket, the live streams, the TLS
//   pages, the media files, other origins) passes through untouched.

const VERSION = ""; // xtask: VERSION
const SHELL = []; // xtask: SHELL

const CACHE = `camrig-${VERSION || "unversioned"}`;
const INDEX = "/index.html";
const NETWORK_TIMEOUT_MS = 3000;

// Paths that are never the app, even when navigated to.
const PASS_THROUGH = /^\/(api(\/|$)|ws$|video_feed$|snapshot\.jpg$|tls$|ca\.|media\/|healthz$|logs$|get_)/;
// Trunk's hashed names (as backend/src/web_app.rs `is_hashed`).
const HASHED = /\/[^/]+-[0-9a-f]{12,16}(_bg)?\.[a-z]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([INDEX, ...SHELL]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("camrig-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || PASS_THROUGH.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (HASHED.test(url.pathname) || SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

// The network within the timeout, else the cached app, else the offline
// page.
async function navigate(request) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    // Without a precached shell (a plain `trunk build`), keep the newest
    // app for next time.
    if (SHELL.length === 0 && response.ok && isHtml(response)) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(INDEX, copy));
    }
    return response;
  } catch {
    const cached = await caches.match(INDEX, { cacheName: CACHE });
    return cached ?? offlinePage();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isHtml(response) {
  return (response.headers.get("content-type") ?? "").startsWith("text/html");
}

// The page when neither the rig nor the cache has the app: no script, its
// own policy, and a reload every 10 s (which goes to the rig again).
function offlinePage() {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<meta name="theme-color" content="#111418">
<title>Rig unreachable · camrig</title>
<style>
  :root { color-scheme: dark; }
  body { margin: 0; padding: 2rem 1.25rem; background: #111418; color: #e8ecf1;
         font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 32rem; margin: 0 auto; }
  h1 { font-size: 1.4rem; }
  p, li { color: #c3cbd4; }
  a { color: #8cc8ff; }
</style>
</head>
<body>
<main data-testid="rig-unreachable">
<h1>Rig unreachable, retrying</h1>
<p>This page tries the rig again every 10 seconds.</p>
<ul>
  <li>Is this phone on the rig's Wi-Fi network?</li>
  <li>Is the rig switched on?</li>
  <li>Over HTTPS, is the rig's certificate trusted? See <a href="/tls">/tls</a>.</li>
</ul>
</main>
</body>
</html>
`;
  return new Response(html, {
    status: 503,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    },
  });
}
