// Accessibility: axe-core (the engine browsers' own audits use) checks every
// page and state of the web app (the help overlay too) against WCAG 2.1 A and AA, in the dark
// theme (the default) and the light one, as an operator and as a viewer.
// Any serious or critical finding fails the test and is listed with the
// elements it was found on.
import { test, expect, Browser, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { Server } from './server';

const server = new Server({ args: ['--device-mode', 'demo'] });

test.beforeAll(async () => {
  await server.start();
  // Something in the gallery: a picture and a short recording.
  // (The camera wakes for the first command; until it is live it answers 503.)
  await expect
    .poll(async () => (await server.action('snapshot', { name: 'first look' })).status)
    .toBe(200);
  expect((await server.action('record_start', { name: 'short clip' })).status).toBe(200);
  await expect.poll(async () => (await server.state()).recording?.active ?? null).not.toBeNull();
  expect((await server.action('record_stop')).status).toBe(200);
});

test.afterAll(async () => {
  await server.stop();
});

/** Fails with a readable list when axe finds anything serious or critical. */
async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const findings = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}) on ${v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`)
          .join(' | ')}`,
    );
  expect.soft(findings, `axe findings on ${what}`).toEqual([]);
}

for (const theme of ['dark', 'light'] as const) {
  /** A page in `theme` (the choice the help overlay stores), as `as`. */
  async function themedPage(browser: Browser, as: 'operator' | 'viewer'): Promise<Page> {
    const context =
      as === 'operator' ? await server.operatorContext(browser) : await server.viewerContext(browser);
    await context.addInitScript((choice) => localStorage.setItem('camrig.theme', choice), theme);
    return context.newPage();
  }

  test(`live, gallery, viewer, database, system, login and not found pages (${theme})`, async ({
    browser,
  }) => {
    const page = await themedPage(browser, 'operator');
    await page.goto(server.url);
    await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('bpm')).toHaveText(/\d+/);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expectAccessible(page, `the live page as operator (${theme})`);
    await page.getByTestId('help-open').click();
    await expect(page.getByTestId('help')).toBeVisible();
    await expectAccessible(page, `the help overlay (${theme})`);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('help')).toBeHidden();

    await page.goto(`${server.url}/gallery`);
    await expect(page.getByTestId('media-card')).toHaveCount(2);
    await expectAccessible(page, `the gallery (${theme})`);
    for (const card of await page.getByTestId('media-card').all()) {
      await card.click();
      await expect(page.getByTestId('viewer')).toBeVisible();
      await expectAccessible(page, `the viewer (${theme})`);
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('viewer')).toHaveCount(0);
    }

    await page.goto(`${server.url}/database`);
    await expect(page.getByTestId('db-row')).toHaveCount(2);
    await expectAccessible(page, `the database page (${theme})`);

    await page.goto(`${server.url}/system`);
    await expect(page.getByRole('heading', { name: 'System' })).toBeVisible();
    await expectAccessible(page, `the system page (${theme})`);

    await page.goto(`${server.url}/no/such/page`);
    await expectAccessible(page, `the not-found page (${theme})`);
    await page.context().close();
  });

  test(`the reconnect banner and the rig-unreachable page (${theme})`, async ({ browser }) => {
    const page = await themedPage(browser, 'operator');
    // The live link goes through here: refused while `blocked`, and the
    // open one can be cut.
    let blocked = false;
    let open: { close: () => Promise<void> } | null = null;
    await page.routeWebSocket(/\/ws/, (ws) => {
      if (blocked) return ws.close();
      ws.connectToServer();
      open = ws;
    });
    await page.goto(server.url);
    await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
    blocked = true;
    await open!.close();
    await expect(page.getByTestId('link-banner')).toBeVisible();
    await expectAccessible(page, `the reconnect banner (${theme})`);

    await page.reload();
    await expect(page.getByTestId('rig-unreachable')).toBeVisible();
    await expectAccessible(page, `the rig-unreachable page (${theme})`);
    await page.context().close();
  });

  test(`the live page and login as a viewer (${theme})`, async ({ browser }) => {
    const page = await themedPage(browser, 'viewer');
    await page.goto(server.url);
    await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
    await expectAccessible(page, `the live page as viewer (${theme})`);
    await page.getByTestId('login-open').click();
    await expect(page.getByTestId('login-key')).toBeVisible();
    await expectAccessible(page, `the login form (${theme})`);
    await page.goto(`${server.url}/login#key=wrong`);
    await expect(page.getByTestId('login-outcome')).toBeVisible();
    await expectAccessible(page, `the login page (${theme})`);
    await page.context().close();
  });
}
