// The installable app (docs/design/phone-app.md, "Installable"): the
// manifest, the icons and the service worker as `cargo xtask build` leaves
// them in dist/ and the server serves them; Chromium's own installability
// check; the worker in control of the page; and the page with the rig
// gone: the cached app, or without it the worker's built-in offline page,
// each back to the live picture by itself once the rig is back. The other
// specs block the worker (server.ts); these contexts allow it.
import { test, expect, Page } from '@playwright/test';
import { Server } from './server';

const server = new Server();

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.stop();
});

/** A viewer's page with the service worker allowed, on the live page and
 * in the worker's control (after a reload: a page loaded before its worker
 * was active is taken by `clients.claim()`, one loaded after it from the
 * start). */
async function controlledPage(browser: import('@playwright/test').Browser): Promise<Page> {
  const context = await server.viewerContext(browser, { serviceWorkers: 'allow' });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null))
    .toBe(`${server.url}/sw.js`);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  return page;
}

/** The width and height in a PNG's header. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('the manifest, the icons and the worker are served with their types', async ({ request }) => {
  const get = async (path: string, type: string) => {
    const res = await request.get(`${server.url}${path}`);
    expect(res.status(), path).toBe(200);
    expect(res.headers()['content-type'], path).toContain(type);
    expect(res.headers()['cache-control'], path).toBe('no-cache');
    return res;
  };
  const manifest = await (await get('/manifest.webmanifest', 'application/manifest+json')).json();
  expect(manifest).toMatchObject({
    id: '/',
    start_url: '/',
    scope: '/',
    name: 'camrig',
    short_name: 'camrig',
    display: 'standalone',
    theme_color: '#111418',
    background_color: '#111418',
  });
  for (const icon of manifest.icons) {
    const res = await get(icon.src, icon.type);
    if (icon.type === 'image/png') {
      const [width, height] = pngSize(await res.body());
      expect(`${width}x${height}`).toBe(icon.sizes);
    }
  }
  expect(pngSize(await (await get('/icon-180.png', 'image/png')).body())).toEqual([180, 180]);
  for (const svg of ['/icon.svg', '/maskable.svg']) await get(svg, 'image/svg+xml');

  // The worker as `cargo xtask build` filled it: this build's version, and
  // the shell index.html names.
  const worker = await (await get('/sw.js', 'javascript')).text();
  expect(worker).toMatch(/^const VERSION = "[0-9a-f]{16}"; \/\/ xtask: VERSION$/m);
  const shell = JSON.parse(worker.match(/^const SHELL = (.*); \/\/ xtask: SHELL$/m)?.[1] ?? 'null');
  expect(shell).toEqual(expect.arrayContaining(['/manifest.webmanifest', '/icon-180.png', '/icon.svg']));
  expect(shell.some((f: string) => /^\/frontend-[0-9a-f]+_bg\.wasm$/.test(f))).toBe(true);

  // The index names them all, and the page's policy admits the worker and
  // the manifest.
  const index = await request.get(`${server.url}/`);
  const html = await index.text();
  for (const link of ['manifest.webmanifest', 'icon.svg', 'icon-180.png']) expect(html).toContain(link);
  const csp = index.headers()['content-security-policy'];
  expect(csp).toContain("worker-src 'self'");
  expect(csp).toContain("manifest-src 'self'");
});

test('Chromium finds the app installable, and the worker controls the page', async ({ browser }) => {
  const page = await controlledPage(browser);
  await expect(page).toHaveTitle('Live · camrig');
  await page.getByTestId('nav-gallery').click();
  await expect(page).toHaveTitle('Gallery · camrig');

  // Playwright's contexts are off the record, which Chromium names as the
  // one reason left.
  const cdp = await page.context().newCDPSession(page);
  await expect
    .poll(async () => {
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      return installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito');
    })
    .toEqual([]);

  // The shell is precached: index.html, the wasm, the manifest and icons.
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls: string[] = [];
    for (const name of names) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    }
    return { names, urls };
  });
  expect(cached.names).toHaveLength(1);
  expect(cached.names[0]).toMatch(/^camrig-[0-9a-f]{16}$/);
  expect(cached.urls).toEqual(
    expect.arrayContaining(['/index.html', '/manifest.webmanifest', '/icon-192.png', '/icon.svg']),
  );
  await page.context().close();
});

test('with the rig gone the page still opens, and comes back live by itself', async ({ browser }) => {
  const page = await controlledPage(browser);

  // The cached app boots, finds no rig and says so; it reloads itself into
  // the live page once the rig answers.
  await server.stop();
  await page.reload();
  await expect(page.getByTestId('rig-unreachable')).toContainText('Rig unreachable, retrying');
  await server.restart();
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });

  // Without the cached app: the worker's own page, which reloads itself
  // until the rig answers.
  await server.stop();
  await page.evaluate(async () => {
    for (const name of await caches.keys()) await (await caches.open(name)).delete('/index.html');
  });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Rig unreachable, retrying' })).toBeVisible();
  await expect(page).toHaveTitle('Rig unreachable · camrig');
  await server.restart();
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  await page.context().close();
});
