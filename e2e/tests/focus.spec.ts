// Focus on the live page, with the test source's simulated liquid lens:
// the − and + buttons and the slider move the lens for every viewer, and
// autofocus disables manual focus in every browser. The panel fits a
// phone-sized screen.
import { test, expect, Page } from '@playwright/test';
import { Server, openPage, openSheet, phonePage } from './server';

const server = new Server();

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** Turns autofocus off, from whatever it was, and waits until it shows. */
async function manualFocus(page: Page) {
  await openSheet(page);
  const auto = page.getByTestId('focus-auto');
  await expect(auto).toHaveAttribute('aria-pressed', /true|false/);
  if ((await auto.getAttribute('aria-pressed')) === 'true') await auto.click();
  await expect(auto).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('focus-slider')).toBeEnabled();
}

test('focus moves for every viewer; autofocus disables manual focus', async ({ browser }) => {
  const a = await openPage(browser, server);
  const b = await openPage(browser, server);
  await manualFocus(a);
  await expect(b.getByTestId('focus-auto')).toHaveAttribute('aria-pressed', 'false');

  // The slider sets a position (sent when released)...
  await a.getByTestId('focus-slider').fill('0.5');
  await expect(b.getByTestId('focus-value')).toHaveText('0.50');
  await expect(b.getByTestId('focus-slider')).toHaveValue('0.5');
  expect((await server.state()).camera.focus.position).toBeCloseTo(0.5, 5);
  // ...and the buttons step it by 0.05, in either browser.
  await a.getByTestId('focus-in').click();
  await expect(a.getByTestId('focus-value')).toHaveText('0.55');
  await expect(b.getByTestId('focus-value')).toHaveText('0.55');
  await b.getByTestId('focus-out').click();
  await b.getByTestId('focus-out').click();
  await expect(a.getByTestId('focus-value')).toHaveText('0.45');
  await expect(b.getByTestId('focus-value')).toHaveText('0.45');

  // Autofocus on in B: manual focus is disabled in both.
  await b.getByTestId('focus-auto').click();
  for (const page of [a, b]) {
    await expect(page.getByTestId('focus-auto')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('focus-slider')).toBeDisabled();
    await expect(page.getByTestId('focus-in')).toBeDisabled();
    await expect(page.getByTestId('focus-out')).toBeDisabled();
  }
  // And off again in A.
  await a.getByTestId('focus-auto').click();
  await expect(b.getByTestId('focus-auto')).toHaveAttribute('aria-pressed', 'false');
  await expect(b.getByTestId('focus-slider')).toBeEnabled();
  // Nothing of this was an error.
  await expect(a.getByTestId('message')).toHaveCount(0);
  await expect(b.getByTestId('message')).toHaveCount(0);
});

test('the lens stops at the ends of its range', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await manualFocus(page);
  await page.getByTestId('focus-slider').fill('0.97');
  await expect(page.getByTestId('focus-value')).toHaveText('0.97');
  await page.getByTestId('focus-in').click();
  await expect(page.getByTestId('focus-value')).toHaveText('1.00');
  await page.getByTestId('focus-in').click();
  await expect.poll(async () => (await server.state()).camera.focus.position).toBe(1);
  await expect(page.getByTestId('focus-value')).toHaveText('1.00');
});

test('focus and camera controls fit a phone-sized touch screen', async ({ browser }) => {
  const page = await phonePage(browser, server);
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await manualFocus(page);
  await page.getByTestId('controls-panel').locator('summary').tap();
  await expect(page.getByTestId('control-brightness')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // Every button is big enough to hit with a finger.
  for (const id of ['focus-out', 'focus-in', 'focus-auto', 'record', 'snapshot']) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box!.height, id).toBeGreaterThanOrEqual(44);
    expect(box!.width, id).toBeGreaterThanOrEqual(44);
  }
  const before = (await server.state()).camera.focus.position;
  await page.getByTestId('focus-in').tap();
  await expect
    .poll(async () => (await server.state()).camera.focus.position)
    .toBeCloseTo(Math.min(1, before + 0.05), 5);
  await page.context().close();
});
