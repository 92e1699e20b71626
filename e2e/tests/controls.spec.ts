// Camera controls on the live page: toggling grayscale in one browser
// changes the button state in a second one and the pictures both draw; a
// snapshot with a name lands in the recent captures and in the media folder.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Server } from './server';

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
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
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
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('snapshot-name').fill('Left eye');
  await page.getByTestId('snapshot').click();
  await expect(page.getByTestId('message')).toContainText('Saved Left_eye.jpg');
  await expect(page.getByTestId('media-card').first()).toContainText('Left eye');
  expect(fs.existsSync(path.join(server.mediaDir, 'Left_eye.jpg'))).toBe(true);
});
