// The rig's light and pulse-sensor device on the live page, with the
// server's built-in simulated device (`--device-mode demo`): the heart
// rate settles near the simulated rate, the beat indicator pulses and the
// waveform scrolls; the light switched and tinted in one browser follows
// in another, is what the device confirmed, and comes back with its colour
// and brightness after off and on. A video recorded with it shows its
// pulse and heart rate under the player in the gallery, following
// playback, with a CSV download. A configured device that is not there
// shows as disconnected with the reason; a board whose sensor saturates
// (the real simulator program, `camrig-sim --ceiling`) gives no rate, and
// the page says why in plain words; without a device the page says so and
// everything else works.
import { test, expect, Page } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Server, openPage, openSheet, phonePage } from './server';

const DEMO_BPM = 75;

/** Collects uncaught errors and console errors of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** A numeric attribute of an element found by test id. */
async function numberAttr(page: Page, testid: string, name: string): Promise<number> {
  return Number(await page.getByTestId(testid).getAttribute(name));
}

/** The light as the server holds it (what the device confirmed). */
async function light(server: Server): Promise<any> {
  return (await server.state()).device.light;
}

test.describe('with the simulated device', () => {
  const server = new Server({ args: ['--device-mode', 'demo', '--demo-bpm', String(DEMO_BPM)] });

  test.beforeEach(async () => {
    await server.start();
  });

  test.afterEach(async () => {
    await server.stop();
  });

  test('the heart rate, its beats and the waveform show live', async ({ browser }) => {
    const page = await openPage(browser, server);
    const errors = watchErrors(page);
    const heart = page.getByTestId('heart');
    await expect(heart).toBeVisible();
    await expect(heart.getByTestId('simulated')).toHaveText('simulated');
    await expect(page.getByTestId('no-device')).toHaveCount(0);

    // Within 15 s the readout is a whole number near the simulated rate.
    const bpm = page.getByTestId('bpm');
    await expect
      .poll(
        async () => {
          const n = Number(await bpm.textContent());
          return Number.isFinite(n) ? Math.abs(n - DEMO_BPM) : Infinity;
        },
        { timeout: 15_000, intervals: [250] },
      )
      .toBeLessThanOrEqual(3);
    await expect(bpm).toHaveText(/^\d+$/);
    await expect(page.getByTestId('heart-status')).toHaveAttribute('data-state', 'ok');
    const serverBpm = (await server.state()).device.heart.bpm;
    expect(Math.abs(serverBpm - DEMO_BPM)).toBeLessThanOrEqual(3);

    // The waveform keeps scrolling: at least another second of samples
    // (about 50), twice over, and something is drawn.
    const chart = page.getByTestId('pulse-chart');
    await expect(chart).toBeVisible();
    await expect.poll(() => numberAttr(page, 'pulse-chart', 'data-samples')).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) {
      const before = await numberAttr(page, 'pulse-chart', 'data-samples');
      await expect
        .poll(() => numberAttr(page, 'pulse-chart', 'data-samples'), { timeout: 5_000 })
        .toBeGreaterThan(before + 40);
    }
    const inked = await chart.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);

    // The beat indicator pulses on each new beat (75 a minute: one every
    // 0.8 s), switching animations every time.
    const beat = page.getByTestId('beat');
    const beats = await numberAttr(page, 'beat', 'data-beats');
    await expect.poll(() => numberAttr(page, 'beat', 'data-beats'), { timeout: 5_000 }).toBeGreaterThan(beats);
    await expect(beat).toHaveAttribute('data-flash', /^[12]$/);
    const flash = await beat.getAttribute('data-flash');
    await expect(beat).not.toHaveAttribute('data-flash', flash!, { timeout: 5_000 });

    // Beats and samples streaming in leave the rest of the page alone: the
    // light panel does not change at all and the live picture keeps its
    // canvas.
    await page.getByTestId('live-view').evaluate((c) => ((c as any).__kept = true));
    const mutations = await page.getByTestId('light').evaluate(
      (panel) =>
        new Promise<number>((resolve) => {
          let n = 0;
          const observer = new MutationObserver((records) => (n += records.length));
          observer.observe(panel, { subtree: true, childList: true, attributes: true, characterData: true });
          setTimeout(() => {
            observer.disconnect();
            resolve(n);
          }, 2_500);
        }),
    );
    expect(mutations).toBe(0);
    expect(await page.getByTestId('live-view').evaluate((c) => (c as any).__kept === true)).toBe(true);
    expect(errors).toEqual([]);
  });

  test('the light follows in every browser and keeps its settings', async ({ browser }) => {
    const a = await openPage(browser, server);
    const b = await openPage(browser, server);
    const errors = [a, b].map(watchErrors);
    const power = (p: Page) => p.getByTestId('light-power');
    for (const page of [a, b]) {
      await expect(power(page)).toBeEnabled();
      await expect(page.getByTestId('light-brightness')).toBeEnabled();
      await expect(page.getByTestId('light-color')).toBeEnabled();
    }
    // Start from off, whatever the simulator starts with.
    if ((await power(a).getAttribute('aria-pressed')) === 'true') await power(a).click();
    await expect(power(b)).toHaveAttribute('aria-pressed', 'false');

    // On in A: B follows, and the device confirmed it.
    await power(a).click();
    await expect(power(b)).toHaveAttribute('aria-pressed', 'true');
    await expect(power(a)).toHaveAttribute('aria-pressed', 'true');
    expect((await light(server)).on).toBe(true);

    // Brightness 40 and orange in A.
    await a.getByTestId('light-brightness').fill('40');
    await a.getByTestId('light-color').fill('#ff8000');
    await expect
      .poll(async () => {
        const l = await light(server);
        return [l.on, l.brightness, l.r, l.g, l.b];
      })
      .toEqual([true, 40, 255, 128, 0]);
    for (const page of [a, b]) {
      await expect(page.getByTestId('light-brightness')).toHaveValue('40');
      await expect(page.getByTestId('light-brightness-value')).toHaveText('40');
      await expect(page.getByTestId('light-color')).toHaveValue('#ff8000');
    }

    // The white slider is there exactly when the light has a white channel.
    if ((await server.state()).device.white_channel) {
      await b.getByTestId('light-white').fill('30');
      await expect.poll(async () => (await light(server)).w).toBe(30);
      await expect(a.getByTestId('light-white')).toHaveValue('30');
    } else {
      await expect(a.getByTestId('light-white')).toHaveCount(0);
    }

    // Off in B and on again in A: the colour and brightness come back.
    await power(b).click();
    await expect(power(a)).toHaveAttribute('aria-pressed', 'false');
    expect((await light(server)).on).toBe(false);
    await power(a).click();
    await expect(power(b)).toHaveAttribute('aria-pressed', 'true');
    const back = await light(server);
    expect([back.on, back.brightness, back.r, back.g, back.b]).toEqual([true, 40, 255, 128, 0]);
    for (const page of [a, b]) {
      await expect(page.getByTestId('light-brightness-value')).toHaveText('40');
      await expect(page.getByTestId('light-color')).toHaveValue('#ff8000');
      // None of this was an error.
      await expect(page.getByTestId('message')).toHaveCount(0);
    }
    expect(errors.flat()).toEqual([]);
  });

  test('the heart rate and light panels fit a phone-sized touch screen', async ({ browser }) => {
    const page = await phonePage(browser, server);
    await page.goto(server.url);
    await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('heart')).toBeVisible();
    await expect(page.getByTestId('light-power')).toBeEnabled();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const chart = await page.getByTestId('pulse-chart').boundingBox();
    expect(chart!.width).toBeGreaterThan(250);
    expect(chart!.x + chart!.width).toBeLessThanOrEqual(360);
    await openSheet(page);
    for (const id of ['light-power', 'light-brightness', 'light-color']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box!.height, id).toBeGreaterThanOrEqual(44);
      expect(box!.width, id).toBeGreaterThanOrEqual(44);
    }
    // A tap switches the light.
    const before = (await light(server)).on;
    await page.getByTestId('light-power').tap();
    await expect.poll(async () => (await light(server)).on).toBe(!before);
    await expect(page.getByTestId('light-power')).toHaveAttribute('aria-pressed', String(!before));
    await page.context().close();
  });
  test('a recording keeps the heart rate and shows it under the video', async ({ browser }) => {
    const heart = async () => (await server.state()).device?.heart ?? {};
    // Record once the simulated rate has settled.
    await expect
      .poll(async () => Math.abs(((await heart()).bpm ?? Infinity) - DEMO_BPM), { timeout: 15_000 })
      .toBeLessThanOrEqual(3);
    expect((await server.action('record_start', {})).ok).toBe(true);
    const startBeats = (await heart()).beats;
    await expect
      .poll(async () => (await heart()).beats, { timeout: 10_000, intervals: [100] })
      .toBeGreaterThanOrEqual(startBeats + 3);
    expect((await server.action('record_stop', {})).ok).toBe(true);

    const page = await openPage(browser, server, '/gallery');
    const errors = watchErrors(page);
    const card = page.getByTestId('media-card').and(page.locator('[data-kind="video"]'));
    await expect(card).toHaveCount(1);
    await card.click();
    const viewer = page.getByTestId('viewer');
    const video = viewer.getByTestId('viewer-video');
    await expect(video).toBeVisible();
    const id = await viewer.getAttribute('data-id');

    // The trace the server recorded (its first beat is on the video's clock).
    const trace = await (await fetch(`${server.url}/api/media/${id}/heart`)).json();
    expect(trace.bpm.length).toBeGreaterThanOrEqual(2);
    const firstBeatMs: number = trace.bpm[0][0];

    const chart = viewer.getByTestId('heart-chart');
    await expect(chart).toBeVisible();
    await expect(viewer.getByTestId('heart-csv')).toHaveAttribute('href', `/api/media/${id}/heart.csv`);
    await expect(viewer.getByTestId('heart-csv')).toHaveText('Download heart rate (CSV)');
    const bpm = viewer.getByTestId('heart-bpm');
    // Not yet playing: drawn at the start, before the first beat.
    await expect(chart).toHaveAttribute('data-time-ms', /^\d+$/);
    const before = Number(await chart.getAttribute('data-time-ms'));
    if (before < firstBeatMs) await expect(bpm).toHaveText('--');

    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    // The chart follows playback...
    await expect
      .poll(async () => Number(await chart.getAttribute('data-time-ms')), { timeout: 10_000 })
      .toBeGreaterThan(before + 500);
    // ...and past the first beat the rate is the simulated one.
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime * 1000), { timeout: 10_000 })
      .toBeGreaterThan(firstBeatMs + 100);
    await expect(bpm).toHaveText(/^\d+$/);
    expect(Math.abs(Number(await bpm.textContent()) - DEMO_BPM)).toBeLessThanOrEqual(5);
    // Something is drawn.
    const inked = await chart.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    // The CSV download is there.
    const csv = await fetch(`${server.url}/api/media/${id}/heart.csv`);
    expect(csv.ok).toBe(true);
    expect((await csv.text()).startsWith('time_s,pulse,bpm,interval_ms\n')).toBe(true);
    expect(errors).toEqual([]);
  });
});

test.describe('with a serial device that is not there', () => {
  const server = new Server({
    args: ['--device-mode', 'serial', '--device-path', '/nonexistent/ttyCAMRIG'],
  });

  test.beforeEach(async () => {
    await server.start();
  });

  test.afterEach(async () => {
    await server.stop();
  });

  test('the panels say the device is disconnected and why', async ({ browser }) => {
    const page = await openPage(browser, server);
    const errors = watchErrors(page);
    const status = page.getByTestId('heart-status');
    await expect(status).toHaveAttribute('data-state', /disconnected|connecting/);
    await expect(status).toContainText('device disconnected');
    // The server's reason (it may retry meanwhile; the page follows).
    await expect
      .poll(async () => {
        const device = (await server.state()).device;
        const text = await status.textContent();
        return device.link === 'disconnected' && !!device.reason && text === `device disconnected: ${device.reason}`;
      })
      .toBe(true);
    await expect(page.getByTestId('bpm')).toHaveText('--');
    await expect(page.getByTestId('beat')).toHaveClass(/idle/);
    await expect(page.getByTestId('simulated')).toHaveCount(0);
    // Over the picture too, with the reason.
    await expect(page.getByTestId('device-chip')).toContainText(/^Device disconnected: ./);
    // Nothing can be sent to it.
    for (const id of ['light-power', 'light-brightness', 'light-color']) {
      await expect(page.getByTestId(id)).toBeDisabled();
    }
    const res = await server.action('light', { on: true });
    expect(res.ok).toBe(false);
    expect((await server.state()).device.light.on).toBe(false);
    await expect(page.getByTestId('message')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

test.describe('without a device', () => {
  const server = new Server();

  test.beforeEach(async () => {
    await server.start();
  });

  test.afterEach(async () => {
    await server.stop();
  });

  test('the page says no device is configured and the rest works', async ({ browser }) => {
    const page = await openPage(browser, server);
    const errors = watchErrors(page);
    await expect(page.getByTestId('no-device')).toHaveText('No light/pulse device configured');
    await expect(page.getByTestId('heart')).toHaveCount(0);
    await expect(page.getByTestId('light')).toHaveCount(0);
    await expect(page.getByTestId('pulse-chart')).toHaveCount(0);
    const state = await server.state();
    expect(state.device?.mode ?? 'none').toBe('none');
    // The light action is refused with a reason, and the picture goes on.
    const res = await server.action('light', { on: true });
    expect(res.ok).toBe(false);
    expect((await res.json()).message).toBeTruthy();
    const frames = await numberAttr(page, 'live-view', 'data-frames');
    await expect.poll(() => numberAttr(page, 'live-view', 'data-frames')).toBeGreaterThan(frames + 5);
    await expect(page.getByTestId('view-controls')).toBeVisible();
    await expect(page.getByTestId('message')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

/** The simulated board as a program (`camrig-sim`, built with the server),
 * with `args`, its pty reachable at a symlink in a fresh folder. */
class SimulatedBoard {
  readonly link: string;
  private child: ChildProcess | null = null;

  constructor(private args: string[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-sim-'));
    this.link = path.join(dir, 'rig.tty');
  }

  /** Starts it and waits until it says where its pty is. */
  async start(): Promise<void> {
    const bin = path.resolve(__dirname, '..', '..', 'target', 'release', 'camrig-sim');
    const child = spawn(bin, [...this.args, '--link', this.link], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('Ctrl-C stops it')) resolve();
      });
      child.stderr!.on('data', (chunk) => (out += String(chunk)));
      child.on('exit', (code) => reject(new Error(`camrig-sim exited (${code}): ${out}`)));
    });
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }
}

test.describe('with a board whose sensor saturates', () => {
  const board = new SimulatedBoard(['--bpm', '72', '--ceiling', '450']);
  const server = new Server({ args: ['--device-mode', 'serial', '--device-path', board.link] });

  test.beforeEach(async () => {
    await board.start();
    await server.start();
  });

  test.afterEach(async () => {
    await server.stop();
    board.stop();
  });

  test('the page shows no rate and says why in plain words', async ({ browser }) => {
    const page = await openPage(browser, server);
    const errors = watchErrors(page);
    await expect
      .poll(async () => (await server.state()).device.link, { timeout: 15_000 })
      .toBe('connected');
    const status = page.getByTestId('heart-status');
    await expect(status).toHaveText('sensor saturated: lower the gain or light', { timeout: 15_000 });
    await expect(status).toHaveAttribute('data-state', 'no-signal');
    await expect(page.getByTestId('bpm')).toHaveText('--');
    const heart = (await server.state()).device.heart;
    expect(heart.issue).toBe('saturated');
    expect(heart.bpm).toBeUndefined();
    // The waveform still shows what the sensor sees.
    await expect.poll(() => numberAttr(page, 'pulse-chart', 'data-samples')).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
