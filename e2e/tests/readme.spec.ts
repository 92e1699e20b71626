// The README's pictures, taken from the real app so they stay current: the
// live page on a phone (sheet closed, sheet open, on its side) and on a
// desktop, the gallery, the player with its heart-rate chart, the login,
// the System page and "Rig unreachable". Each is compared with the file in
// docs/screenshots/ and rewritten only when more than 2 % of its pixels
// changed (`updateSnapshots: 'changed'` in playwright.config.ts); a second
// run over an unchanged app rewrites nothing.
//
// Still pictures need a still app: the test source holds its pattern still
// and shows no clock (`--test-motion false`), and before each picture the
// page's clock is paused (no timer or animation frame runs: the waveform
// stops scrolling, nothing counts) and the live link's messages to it are
// held back (the heart rate and the frame counters stop changing). What
// still differs between runs (dates, the heart rate's last digit, log
// times) stays under the 2 % threshold.
import { test, expect, Browser, BrowserContextOptions, Page } from '@playwright/test';
import { Server } from './server';

const server = new Server({
  args: ['--device-mode', 'demo', '--demo-bpm', '72', '--test-motion', 'false'],
  // The System page's log has lines to show.
  env: { TZ: 'UTC', RUST_LOG: 'warn,camrig=info' },
});

/** Screens the pictures are taken on. Twice the CSS pixels on phones:
 * sharp on a high-density screen, still well under 300 KB a picture. */
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
const PHONE_SIDEWAYS: BrowserContextOptions = { ...PHONE, viewport: { width: 844, height: 390 } };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

/** A page that can be held still for a picture. */
interface StillPage {
  page: Page;
  /** Stops the page's clock and holds back the live link's messages. */
  hold(): Promise<void>;
}

/** Opens `route` on `screen` as the operator (or a viewer), with the
 * page's clock under the test's control (running at real speed until
 * hold()) and the live link passing through the test. */
async function stillPage(
  browser: Browser,
  screen: BrowserContextOptions,
  route: string,
  as: 'operator' | 'viewer' = 'operator',
): Promise<StillPage> {
  const context =
    as === 'operator' ? await server.operatorContext(browser, screen) : await server.viewerContext(browser, screen);
  const page = await context.newPage();
  await page.clock.install();
  let held = false;
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    const rig = ws.connectToServer();
    rig.onMessage((message) => {
      if (!held) ws.send(message);
    });
  });
  await page.goto(`${server.url}${route}`);
  return {
    page,
    hold: async () => {
      held = true;
      const now = await page.evaluate(() => Date.now());
      await page.clock.pauseAt(now + 50);
    },
  };
}

/** Waits until the live picture is drawn, the heart rate is shown and
 * the waveform spans its chart (five seconds at 50 samples a second). */
async function liveAndSettled(page: Page): Promise<void> {
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('live-view')).not.toHaveAttribute('data-frames', '0');
  await expect(page.getByTestId('bpm')).toHaveText(/^\d+$/, { timeout: 20_000 });
  await expect
    .poll(async () => Number(await page.getByTestId('pulse-chart').getAttribute('data-samples')), {
      timeout: 15_000,
    })
    .toBeGreaterThan(260);
}

/** Compares the page with docs/screenshots/`name` (rewriting it when it
 * changed). */
async function picture(page: Page, name: string): Promise<void> {
  await expect(page).toHaveScreenshot(name, { animations: 'disabled', caret: 'hide', maxDiffPixelRatio: 0.02 });
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await server.start();
  // Something in the gallery: two snapshots, one of them in grayscale,
  // and a recording with the heart rate (recorded once the rate settled).
  await expect
    .poll(async () => (await server.state()).device?.heart?.bpm ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  const ok = async (name: string, args: object = {}) => {
    const res = await server.action(name, args);
    if (!res.ok) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await ok('snapshot', { name: 'Colour bars' });
  await ok('set_view', { grayscale: true });
  await ok('snapshot', { name: 'Colour bars in grayscale' });
  await ok('set_view', { grayscale: false });
  await ok('light', { on: true, brightness: 180 });
  await ok('record_start', { name: 'Pulse check' });
  const beats = (await server.state()).device.heart.beats;
  await expect
    .poll(async () => (await server.state()).device.heart.beats, { timeout: 15_000, intervals: [100] })
    .toBeGreaterThanOrEqual(beats + 8);
  await ok('record_stop');
});

test.afterAll(async () => {
  await server.stop();
});

/** A picture of the live page on `screen` as `as`, once it is live and
 * settled and `prepare` (if any) has been done. */
async function livePicture(
  browser: Browser,
  screen: BrowserContextOptions,
  name: string,
  prepare: (page: Page) => Promise<void> = async () => {},
  as: 'operator' | 'viewer' = 'operator',
): Promise<void> {
  const { page, hold } = await stillPage(browser, screen, '/', as);
  await liveAndSettled(page);
  await prepare(page);
  await hold();
  await picture(page, name);
  await page.context().close();
}

test('the live page on a phone, with the sheet closed and open', async ({ browser }) => {
  await livePicture(browser, PHONE, 'live-phone.png');
  await livePicture(browser, PHONE, 'live-phone-sheet.png', async (page) => {
    await page.getByTestId('more').click();
    await expect(page.getByTestId('sheet')).toBeVisible();
  });
});

test('the live page on a phone on its side', async ({ browser }) => {
  await livePicture(browser, PHONE_SIDEWAYS, 'live-phone-sideways.png');
});

test('the live page on a desktop', async ({ browser }) => {
  await livePicture(browser, DESKTOP, 'live-desktop.png');
});

test('the gallery and the player with its heart-rate chart', async ({ browser }) => {
  const { page } = await stillPage(browser, DESKTOP, '/gallery');
  await expect(page.getByTestId('media-card')).toHaveCount(3);
  await picture(page, 'gallery.png');

  await page.getByTestId('media-card').and(page.locator('[data-kind="video"]')).click();
  const viewer = page.getByTestId('viewer');
  const video = viewer.getByTestId('viewer-video');
  await expect(video).toBeVisible();
  await expect(viewer.getByTestId('heart-chart')).toBeVisible();
  // Played to half-way, where the chart has beats on both sides, and
  // paused there (a seek alone leaves Chromium's loading spinner up).
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
    await new Promise<void>((done) => {
      const check = () => {
        if (v.currentTime >= v.duration / 2) {
          v.pause();
          v.removeEventListener('timeupdate', check);
          done();
        }
      };
      v.addEventListener('timeupdate', check);
    });
  });
  await expect(viewer.getByTestId('heart-bpm')).toHaveText(/^\d+$/);
  await picture(page, 'player.png');
  await page.context().close();
});

test('the login form on a phone', async ({ browser }) => {
  await livePicture(
    browser,
    PHONE,
    'login.png',
    async (page) => {
      await page.getByTestId('login-open').click();
      await expect(page.getByTestId('login-key')).toBeVisible();
    },
    'viewer',
  );
});

test('the System page', async ({ browser }) => {
  const { page, hold } = await stillPage(browser, DESKTOP, '/system');
  await expect(page.getByTestId('reboot')).toBeVisible();
  await expect(page.getByTestId('log-line').first()).toBeVisible();
  await hold();
  await picture(page, 'system.png');
  await page.context().close();
});

test('a phone that cannot reach the rig', async ({ browser }) => {
  const context = await server.operatorContext(browser, PHONE);
  const page = await context.newPage();
  await page.clock.install();
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => ws.close());
  await page.goto(server.url);
  const unreachable = page.getByTestId('rig-unreachable');
  await expect(unreachable).toBeVisible();
  const now = await page.evaluate(() => Date.now());
  await page.clock.pauseAt(now + 50);
  await picture(page, 'rig-unreachable.png');
  await context.close();
});
