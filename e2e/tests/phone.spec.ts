// The web app on phones, held in one hand: this spec runs in the phone
// projects only (360x740 and 390x844, portrait and landscape, touch; see
// playwright.config.ts). The live picture is in view when the page opens
// and stays in view while the sheet's controls change it; the quick bar's
// controls work with a tap, a long press names a snapshot; every target is
// at least 44 px and nothing scrolls sideways; the top bar's link to the
// page on show is never cut off.
import { test, expect, Locator, Page } from '@playwright/test';
import * as fs from 'node:fs';
import { Server, openSheet } from './server';

const server = new Server({ args: ['--device-mode', 'demo'] });

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.stop();
});

/** A live page as the operator, on this project's phone. */
async function livePage(browser: import('@playwright/test').Browser): Promise<Page> {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('live-view')).not.toHaveAttribute('data-frames', '0');
  return page;
}

/** How far the page scrolls sideways (0: not at all). */
const sideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Holds a finger on `target` for `ms` (a long press), through Chromium's
 * own touch input, then lifts it. */
async function holdTouch(page: Page, target: Locator, ms: number) {
  const box = (await target.boundingBox())!;
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  // The press itself lasts this long: this is the user's gesture, not a wait.
  await page.waitForTimeout(ms);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

test('watch: the live picture is in view and nothing scrolls sideways', async ({ browser }) => {
  const page = await livePage(browser);
  await expect(page.getByTestId('live-view')).toBeInViewport({ ratio: 0.9 });
  await expect(page.getByTestId('snapshot')).toBeInViewport();
  await expect(page.getByTestId('record')).toBeInViewport();
  expect(await sideways(page)).toBe(0);
  await page.context().close();
});

test('the picture stays in view while the sheet changes it', async ({ browser }) => {
  const page = await livePage(browser);
  await openSheet(page);
  await expect(page.getByTestId('more')).toHaveAttribute('aria-expanded', 'true');
  const grayscale = page.getByTestId('grayscale');
  await grayscale.tap();
  await expect(grayscale).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await server.state()).camera.view.grayscale).toBe(true);
  await expect(page.getByTestId('live-view')).toBeInViewport({ ratio: 0.5 });
  // Deep in the sheet, at the camera's own controls, the picture is still there.
  await page.getByTestId('controls-panel').locator('summary').tap();
  await page.getByTestId('control-brightness').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('control-brightness')).toBeInViewport();
  await expect(page.getByTestId('live-view')).toBeInViewport({ ratio: 0.5 });
  await grayscale.scrollIntoViewIfNeeded();
  await grayscale.tap();
  await expect.poll(async () => (await server.state()).camera.view.grayscale).toBe(false);
  expect(await sideways(page)).toBe(0);
  // Escape closes it and gives focus back to More.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('sheet')).toBeHidden();
  await expect(page.getByTestId('more')).toBeFocused();
  await page.context().close();
});

test('snapshot with a tap, and named with a long press', async ({ browser }) => {
  const page = await livePage(browser);
  const snapshot = page.getByTestId('snapshot');
  await snapshot.tap();
  await expect(snapshot).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('message')).toContainText('Saved');

  await holdTouch(page, snapshot, 700);
  const dialog = page.getByTestId('name-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('snapshot-name').fill('Left eye');
  await page.getByTestId('name-save').tap();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('message')).toContainText('Saved Left_eye.jpg');
  // The long press took no unnamed snapshot of its own: the tap's and the
  // named one are all there is.
  const photos = fs.readdirSync(server.mediaDir).filter((n) => n.endsWith('.jpg'));
  expect(photos).toHaveLength(2);
  expect(photos).toContain('Left_eye.jpg');
  await page.context().close();
});

test('the light switch says its state and the focus steps move the lens', async ({ browser }) => {
  const page = await livePage(browser);
  const light = page.getByTestId('light-power');
  const on = (await server.state()).device.light.on as boolean;
  await expect(light).toHaveAttribute('aria-pressed', String(on));
  await expect(light).toContainText(on ? 'Light on' : 'Light off');
  await light.tap();
  await expect(light).toHaveAttribute('aria-pressed', String(!on));
  await expect(light).toContainText(!on ? 'Light on' : 'Light off');
  const position = (await server.state()).camera.focus.position as number;
  await page.getByTestId(position < 0.5 ? 'focus-in' : 'focus-out').tap();
  await expect
    .poll(async () => (await server.state()).camera.focus.position)
    .toBeCloseTo(position < 0.5 ? position + 0.05 : position - 0.05, 5);
  await page.context().close();
});

test('every control is at least 44 px', async ({ browser }) => {
  const page = await livePage(browser);
  await openSheet(page);
  await page.getByTestId('controls-panel').locator('summary').tap();
  const targets = page.locator(
    '.quick-bar button, .sheet button, .sheet select, .sheet input[type="range"], .sheet input[type="color"], .sheet summary, .topbar a, .topbar button',
  );
  const small: string[] = [];
  for (const target of await targets.all()) {
    if (!(await target.isVisible())) continue;
    const box = (await target.boundingBox())!;
    if (box.width < 44 || box.height < 44) {
      small.push(`${await target.evaluate((e) => e.outerHTML.slice(0, 80))}: ${box.width}x${box.height}`);
    }
  }
  expect(small).toEqual([]);
  expect(await sideways(page)).toBe(0);
  await page.context().close();
});

/** Whether `link` is wholly within the top bar's scrolling links (not cut
 * off at either edge). */
const wholeInBar = (link: Locator) =>
  link.evaluate((a) => {
    const bar = a.closest('nav')!.getBoundingClientRect();
    const box = a.getBoundingClientRect();
    return box.left >= bar.left - 0.5 && box.right <= bar.right + 0.5;
  });

test("the top bar's links scroll sideways and the current page's is in view", async ({ browser }) => {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.url}/system`);
  const system = page.getByTestId('nav-system');
  await expect(system).toHaveAttribute('aria-current', 'page');
  await expect.poll(() => wholeInBar(system)).toBe(true);
  await page.getByTestId('nav-live').tap();
  await expect.poll(() => wholeInBar(page.getByTestId('nav-live'))).toBe(true);
  expect(await sideways(page)).toBe(0);
  await context.close();
});

/** Two fingers on the picture move apart (or together) from `from` to
 * `to` px between them, about the picture's centre, through Chromium's
 * own touch input. */
async function pinch(page: Page, from: number, to: number) {
  const box = (await page.getByTestId('live-view').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const fingers = (gap: number) => [
    { x: cx - gap / 2, y: cy, id: 1 },
    { x: cx + gap / 2, y: cy, id: 2 },
  ];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(from) });
  for (let step = 1; step <= 10; step++) {
    const gap = from + ((to - from) * step) / 10;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(gap) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The scale of the picture's zoom on this screen (1 when not zoomed). */
const scale = (page: Page) =>
  page.getByTestId('live-view').evaluate((canvas) => {
    const m = getComputedStyle(canvas).transform.match(/^matrix\(([-\d.e]+)/);
    return m ? Number(m[1]) : 1;
  });

test('pinch zooms the picture here only, and reset brings it back', async ({ browser }) => {
  const page = await livePage(browser);
  await pinch(page, 60, 120);
  await expect.poll(() => scale(page)).toBeGreaterThan(1.8);
  const reset = page.getByTestId('zoom-reset');
  await expect(reset).toContainText(/^\d\.\d× only here · reset$/);
  // Only here: the server's picture is not zoomed (a snapshot keeps it whole).
  expect((await server.state()).camera.view).toMatchObject({ grayscale: false, half_resolution: false });
  await reset.tap();
  await expect.poll(() => scale(page)).toBe(1);
  await expect(reset).toHaveCount(0);
  await page.context().close();
});

test('a tap on the picture hides and shows the bars; full screen', async ({ browser }) => {
  const page = await livePage(browser);
  const layout = page.getByTestId('live-layout');
  await page.getByTestId('live-view').tap();
  await expect(layout).toHaveAttribute('data-chrome', 'hidden');
  await expect(page.locator('.topbar')).toBeHidden();
  await page.getByTestId('live-view').tap();
  await expect(layout).toHaveAttribute('data-chrome', 'shown');
  await expect(page.getByTestId('snapshot')).toBeVisible();

  await page.getByTestId('fullscreen').tap();
  await expect(layout).toHaveAttribute('data-fullscreen', 'on');
  await expect(page.getByTestId('fullscreen')).toHaveAttribute('aria-label', 'Leave full screen');
  await page.getByTestId('fullscreen').tap();
  await expect(layout).toHaveAttribute('data-fullscreen', 'off');
  await page.context().close();
});
