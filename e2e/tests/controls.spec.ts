// Camera controls on the live page: toggling grayscale in one browser
// changes the button state in a second one and the pictures both draw; a
// snapshot with a name lands in the recent captures and in the media folder;
// the "Camera controls" panel lists every control of the camera, and a
// change or reset there shows in every browser.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Server, namedCapture, openPage } from './server';

const server = new Server();

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** Largest difference between colour channels over the canvas. */
const chroma = (page: Page) =>
  page.getByTestId('live-view').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let max = 0;
    for (let i = 0; i < data.length; i += 4 * 97) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      max = Math.max(max, Math.max(r, g, b) - Math.min(r, g, b));
    }
    return max;
  });

test('grayscale toggles for every viewer', async ({ browser }) => {
  const a = await (await server.operatorContext(browser)).newPage();
  const b = await (await server.operatorContext(browser)).newPage();
  await a.goto(server.url);
  await b.goto(server.url);
  for (const page of [a, b]) {
    await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
    await expect.poll(() => chroma(page)).toBeGreaterThan(100);
  }
  await a.getByTestId('grayscale').click();
  await expect(a.getByTestId('grayscale')).toHaveAttribute('aria-pressed', 'true');
  await expect(b.getByTestId('grayscale')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => chroma(b)).toBeLessThan(20);
  await b.getByTestId('half-resolution').click();
  await expect(a.getByTestId('half-resolution')).toHaveAttribute('aria-pressed', 'true');
  await expect(a.getByTestId('resolution')).toHaveText('320×180');
  await b.getByTestId('grayscale').click();
  await expect(a.getByTestId('grayscale')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => chroma(a)).toBeGreaterThan(100);
});

test('a snapshot appears in the recent captures', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await namedCapture(page, 'snapshot', 'Left eye');
  await expect(page.getByTestId('message')).toContainText('Saved Left_eye.jpg');
  await expect(page.getByTestId('media-card').first()).toContainText('Left eye');
  expect(fs.existsSync(path.join(server.mediaDir, 'Left_eye.jpg'))).toBe(true);
});

/** Opens the "Camera controls" panel. */
async function openControls(page: Page) {
  const panel = page.getByTestId('controls-panel');
  await panel.locator('summary').click();
  await expect(panel).toHaveAttribute('open', '');
}

test('camera controls: a change shows in every browser', async ({ browser }) => {
  const a = await openPage(browser, server);
  const b = await openPage(browser, server);
  await openControls(a);
  await openControls(b);
  const brightness = (p: Page) => p.getByTestId('control-brightness');
  await expect(brightness(a).getByTestId('control-value')).toHaveText('0');
  await expect(brightness(a).getByTestId('control-reset')).toBeDisabled();

  await brightness(a).getByTestId('control-input').fill('40');
  await expect(brightness(b).getByTestId('control-value')).toHaveText('40');
  await expect(brightness(b).getByTestId('control-input')).toHaveValue('40');
  const set = (await server.state()).camera.controls.find((c: any) => c.name === 'brightness');
  expect(set.value).toBe(40);

  // Reset in B sets the default again, in A too.
  await brightness(b).getByTestId('control-reset').click();
  await expect(brightness(a).getByTestId('control-value')).toHaveText('0');
  await expect(brightness(a).getByTestId('control-input')).toHaveValue('0');
  await expect(brightness(a).getByTestId('control-reset')).toBeDisabled();
  await expect(a.getByTestId('message')).toHaveCount(0);
});

test('camera controls: every control of the camera is listed', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await openControls(page);
  // The focus controls are the Focus panel's, not listed again.
  const state = await server.state();
  const focusControls = ['focus_absolute', 'focus_automatic_continuous', 'focus_auto'];
  const controls: any[] = state.camera.controls.filter(
    (c: any) => !(state.camera.focus && focusControls.includes(c.name)),
  );
  expect(controls.length).toBeGreaterThan(1);
  for (const name of focusControls) await expect(page.getByTestId(`control-${name}`)).toHaveCount(0);
  const tag = { integer: 'INPUT', boolean: 'INPUT', menu: 'SELECT' } as Record<string, string>;
  const type = { integer: 'range', boolean: 'checkbox', menu: 'select-one' } as Record<string, string>;
  for (const c of controls) {
    const row = page.getByTestId(`control-${c.name}`);
    await expect(row, c.name).toContainText(c.label);
    const input = row.getByTestId('control-input');
    expect(await input.evaluate((e) => e.tagName), c.name).toBe(tag[c.kind]);
    expect(await input.evaluate((e: HTMLInputElement) => e.type), c.name).toBe(type[c.kind]);
    if (c.inactive) await expect(input, c.name).toBeDisabled();
    else await expect(input, c.name).toBeEnabled();
  }

  // A switch (a boolean control) follows the server when set elsewhere.
  const toggle = controls.find((c) => c.kind === 'boolean' && !c.inactive);
  if (toggle) {
    const box = page.getByTestId(`control-${toggle.name}`).getByTestId('control-input');
    await expect(box).toBeChecked({ checked: toggle.value !== 0 });
    const res = await server.action('set_control', { name: toggle.name, value: toggle.value ? 0 : 1 });
    expect(res.status).toBe(200);
    await expect(box).toBeChecked({ checked: toggle.value === 0 });
  }
});

test('a failed control change is reported on its own control only', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await openControls(page);
  // The page never sends a value out of range; make the slider do it.
  const input = page.getByTestId('control-brightness').getByTestId('control-input');
  await input.evaluate((e: HTMLInputElement) => {
    e.max = '1000';
    e.value = '500';
    e.dispatchEvent(new Event('change', { bubbles: true }));
  });
  const row = page.getByTestId('control-brightness');
  await expect(row.getByTestId('control-error')).toContainText('brightness');
  await expect(row.getByTestId('control-value')).toHaveText('0');
  // Nowhere else: not the other controls, not the message bar.
  await expect(page.getByTestId('control-error')).toHaveCount(1);
  for (const other of ['view-error', 'snapshot-error', 'record-refused', 'focus-error', 'light-error']) {
    await expect(page.getByTestId(other)).toHaveCount(0);
  }
  await expect(page.getByTestId('message')).toHaveCount(0);
  // A good change clears it.
  await row.getByTestId('control-input').evaluate((e: HTMLInputElement) => {
    e.max = '100';
    e.value = '10';
    e.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await expect(row.getByTestId('control-value')).toHaveText('10');
  await expect(row.getByTestId('control-error')).toHaveCount(0);
});
