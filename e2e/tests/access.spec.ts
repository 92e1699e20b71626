// Access in the browser: a viewer sees the picture and the heart rate but
// no operator controls, and the server refuses its commands anyway;
// logging in with the top bar's form or through the start-up QR code's
// link (/login#key=...) shows them, the link's key leaves the address bar
// at once, a wrong key is said under the form, and logging out hides the
// controls again. Logging in or out reconnects on purpose, and the
// lost-link banner does not flash for it.
import { test, expect, Page } from '@playwright/test';
import { OPERATOR_KEY, Server, openSheet } from './server';

const server = new Server({ args: ['--device-mode', 'demo'] });

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** The operator controls of the live page: in the quick bar, always in
 * view, and in the control sheet. */
const barControls = (page: Page) => [page.getByTestId('snapshot'), page.getByTestId('record')];
const sheetControls = (page: Page) => [
  page.getByTestId('view-controls'),
  page.getByTestId('light'),
  page.getByTestId('controls-panel'),
];
const operatorControls = (page: Page) => [...barControls(page), ...sheetControls(page)];

async function expectViewer(page: Page) {
  await expect(page.getByTestId('access')).toHaveAttribute('data-role', 'viewer');
  await expect(page.getByTestId('access-role')).toHaveText('Viewer');
  for (const control of operatorControls(page)) await expect(control).toHaveCount(0);
  // What a viewer is for stays.
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('bpm')).toHaveText(/\d+/);
}

async function expectOperator(page: Page) {
  await expect(page.getByTestId('access')).toHaveAttribute('data-role', 'operator');
  await expect(page.getByTestId('access-role')).toHaveText('Operator');
  for (const control of barControls(page)) await expect(control).toBeVisible();
  await openSheet(page);
  for (const control of sheetControls(page)) await expect(control).toBeVisible();
}

/** Notes, in the page, whether the lost-link banner ever appears. */
const BANNER_WATCH = () => {
  (window as any).__bannerSeen = false;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="link-banner"]')) (window as any).__bannerSeen = true;
  }).observe(document, { childList: true, subtree: true });
};

/** Waits out the banner's grace after a reconnection on purpose (it shows
 * only after 1 s down), then asserts it never appeared. The window is the
 * property under test, not a wait for something. */
async function expectNoBanner(page: Page) {
  const since = await page.evaluate(() => performance.now());
  await expect
    .poll(() => page.evaluate(() => performance.now()), { intervals: [250] })
    .toBeGreaterThan(since + 1500);
  expect(await page.evaluate(() => (window as any).__bannerSeen)).toBe(false);
}

test('a viewer sees no operator controls, and the form logs in and out', async ({ browser }) => {
  const context = await server.viewerContext(browser);
  const page = await context.newPage();
  await page.addInitScript(BANNER_WATCH);
  await page.goto(server.url);
  await expectViewer(page);

  // Nor does the server take a viewer's command, whatever a page sends.
  const refused = await page.evaluate(async () => {
    const res = await fetch('/api/actions/snapshot', { method: 'POST', body: '{}' });
    return [res.status, (await res.json()).code];
  });
  expect(refused).toEqual([403, 'forbidden']);

  // A wrong key is said under the form.
  await page.getByTestId('login-open').click();
  await page.getByTestId('login-key').fill('not-the-key');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('wrong key');
  await expectViewer(page);

  await page.getByTestId('login-key').fill(OPERATOR_KEY);
  await page.getByTestId('login-submit').click();
  await expectOperator(page);
  await expect(page.getByTestId('login-form')).toHaveCount(0);
  // The cookie is HttpOnly: scripts on the page cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('camrig_session');
  // The reconnected WebSocket operates.
  await page.getByTestId('snapshot').click();
  await expect(page.getByTestId('message')).toContainText('Saved');
  await expectNoBanner(page);

  await page.getByTestId('logout').click();
  await expectViewer(page);
  await expectNoBanner(page);
  const session = await page.evaluate(async () => (await fetch('/api/session')).json());
  expect(session.role).toBe('viewer');
});

test('the start-up QR link logs a phone in and leaves no key behind', async ({ browser }) => {
  const context = await server.viewerContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${server.url}/login#key=${OPERATOR_KEY}`);
  await expect(page).toHaveURL(`${server.url}/`);
  await expectOperator(page);
  // Neither the address bar nor the history keeps the key.
  expect(page.url()).not.toContain(OPERATOR_KEY);
  await page.goBack();
  expect(page.url()).not.toContain(OPERATOR_KEY);

  // A stale or mistyped link says so and leaves the viewer a viewer.
  const other = await (await server.viewerContext(browser)).newPage();
  await other.goto(`${server.url}/login#key=expired-key`);
  await expect(other.getByTestId('login-outcome')).toContainText('Could not log in: wrong key');
  expect(other.url()).toBe(`${server.url}/login`);
  await expect(other.getByTestId('access')).toHaveAttribute('data-role', 'viewer');
});

test('a link that goes quiet is marked within 3 s and comes back by itself', async ({ browser }) => {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('bpm')).toHaveText(/\d+/);
  await expect(page.getByTestId('snapshot')).toBeEnabled();
  // The network goes silent (a phone leaving the Wi-Fi): no close, no
  // error, just nothing.
  await context.setOffline(true);
  const quiet = Date.now();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', /reconnecting|offline/, { timeout: 5000 });
  const noticed = Date.now() - quiet;
  expect(noticed).toBeLessThan(4500);
  await expect(page.getByTestId('live')).toHaveAttribute('data-stale', 'true');
  await expect(page.getByTestId('heart')).toHaveAttribute('data-stale', 'true');
  // Nothing is offered that cannot be sent.
  await expect(page.getByTestId('snapshot')).toBeDisabled();
  await expect(page.getByTestId('record')).toBeDisabled();

  await context.setOffline(false);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect(page.getByTestId('live')).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('snapshot')).toBeEnabled();
  await page.getByTestId('snapshot').click();
  await expect(page.getByTestId('message')).toContainText('Saved');
});

test('the page runs under its Content-Security-Policy, and injected script does not', async ({ browser }) => {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  const response = await page.goto(server.url);
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('live-view')).toHaveAttribute('data-frames', /[1-9]/);
  expect(violations).toEqual([]);
  // Markup that sneaks a script in (as a stored title might try) stays inert.
  const ran = await page.evaluate(async () => {
    (window as any).injected = false;
    const div = document.createElement('div');
    div.innerHTML = '<img src="x" onerror="window.injected = true">';
    document.body.appendChild(div);
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.appendChild(script);
    await new Promise((r) => setTimeout(r, 300));
    return (window as any).injected;
  });
  expect(ran).toBe(false);
});
