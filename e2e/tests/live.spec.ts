// The live page: a moving picture arrives and is drawn, status and frame
// rate are shown, two browsers see the same stream, the page recovers by
// itself after a server restart, and it works on a phone-sized touch screen.
import { test, expect, Page, Browser } from '@playwright/test';
import { Server, openSheet, phonePage } from './server';

const server = new Server();

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

const frames = async (page: Page) =>
  Number(await page.getByTestId('live-view').getAttribute('data-frames'));
const sequence = async (page: Page) =>
  Number(await page.getByTestId('live-view').getAttribute('data-sequence'));
const pixels = (page: Page) =>
  page.getByTestId('live-view').evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'));

async function expectLive(page: Page) {
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect.poll(() => frames(page)).toBeGreaterThan(3);
}

test('shows a moving live picture with status and frame rate', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expectLive(page);
  await expect(page.getByTestId('resolution')).toHaveText('640×360');
  const first = await pixels(page);
  const seq = await sequence(page);
  await expect.poll(() => sequence(page)).toBeGreaterThan(seq + 5);
  expect(await pixels(page)).not.toEqual(first);
  await expect
    .poll(async () => parseFloat((await page.getByTestId('fps').textContent()) ?? '0'))
    .toBeGreaterThan(10);
});

test('two browsers show the same moving image', async ({ browser }) => {
  const open = async (b: Browser) => {
    const context = await b.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    return page;
  };
  const [a, b] = [await open(browser), await open(browser)];
  await expectLive(a);
  await expectLive(b);
  await expect(a.getByTestId('viewers')).toHaveText('2 viewing');
  // Both advance, and both draw the same frames of one stream: their newest
  // sequence numbers stay within a second of each other.
  const [sa, sb] = [await sequence(a), await sequence(b)];
  await expect.poll(() => sequence(a)).toBeGreaterThan(sa + 10);
  await expect.poll(() => sequence(b)).toBeGreaterThan(sb + 10);
  await expect.poll(async () => Math.abs((await sequence(a)) - (await sequence(b)))).toBeLessThan(15);
});

test('resumes by itself after the server restarts', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expectLive(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await server.stop();
  await expect(page.getByTestId('connection')).not.toHaveAttribute('data-state', 'live');
  const before = await frames(page);
  await server.restart();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
  await expect.poll(() => frames(page)).toBeGreaterThan(before + 5);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test('works on a phone-sized touch screen', async ({ browser }) => {
  const page = await phonePage(browser, server);
  await page.goto(server.url);
  await expectLive(page);
  // Nothing wider than the screen; the picture fills the width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const box = await page.getByTestId('live-view').boundingBox();
  expect(box!.width).toBeGreaterThan(300);
  expect(box!.width).toBeLessThanOrEqual(360);
  // Freeze (in the sheet): the picture stops here while the server keeps
  // producing frames.
  await openSheet(page);
  const pause = page.getByTestId('pause');
  await pause.tap();
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  const held = await frames(page);
  const serverSeq = await server.sequence();
  await expect.poll(() => server.sequence()).toBeGreaterThan(serverSeq + 10);
  // A decode already under way when the tap landed may still finish.
  expect(await frames(page)).toBeLessThanOrEqual(held + 1);
  await pause.tap();
  await expect(pause).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => frames(page)).toBeGreaterThan(held + 5);
  await page.context().close();
});

test('viewing does not grow memory', async ({ page }) => {
  await server.login(page.context());
  await page.goto(server.url);
  await expectLive(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapAfterGc = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
    const nodes = metrics.find((m) => m.name === 'Nodes')!.value;
    return { heap, nodes };
  };
  // Warm up, then compare the heap after ~300 more frames (20 s of video
  // at 15 fps would be slow; the count is what matters, not the time).
  await expect.poll(() => frames(page)).toBeGreaterThan(30);
  const before = await heapAfterGc();
  const start = await frames(page);
  await expect.poll(() => frames(page), { timeout: 40_000 }).toBeGreaterThan(start + 300);
  const after = await heapAfterGc();
  // Every frame is ~20 KB of JPEG: a leak of frames or bitmaps would add
  // megabytes; allow 1 MB of noise.
  expect(after.heap - before.heap).toBeLessThan(1_000_000);
  expect(after.nodes - before.nodes).toBeLessThan(50);
});
