// Recording from the live page: the Record button starts a recording that
// every browser sees (Stop button, "● REC mm:ss" ticking in the status
// bar), Stop ends it, and the video appears in the gallery and plays for
// about as long as it was recorded. A recording ended by the camera's loss
// says why, and a start the server refuses is reported.
import { test, expect, Page, Locator } from '@playwright/test';
import { Server, namedCapture, openPage } from './server';

const server = new Server();

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** Seconds shown by the indicator ("● REC 01:05 · 1.2 MB" → 65). */
async function shownSeconds(indicator: Locator): Promise<number> {
  const m = (await indicator.textContent())?.match(/REC (\d+):(\d\d)/);
  return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
}

const video = (page: Page) => page.getByTestId('viewer').getByTestId('viewer-video');

test('a recording shows in every browser and plays in the gallery', async ({ browser }) => {
  const a = await openPage(browser, server);
  const b = await openPage(browser, server);
  await expect(b.getByTestId('recording-indicator')).toHaveCount(0);
  // B notes every second its indicator shows, however busy the test is.
  await b.evaluate(() => {
    const shown: number[] = ((window as any).__shownSeconds = []);
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="recording-indicator"]')?.textContent;
      const m = text?.match(/REC (\d+):(\d\d)/);
      const seconds = m ? Number(m[1]) * 60 + Number(m[2]) : null;
      if (seconds !== null && shown[shown.length - 1] !== seconds) shown.push(seconds);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await namedCapture(a, 'record', 'Blink test');
  const started = Date.now();
  await expect(a.getByTestId('message')).toContainText('Recording Blink_test.mp4');
  for (const page of [a, b]) {
    await expect(page.getByTestId('record')).toContainText('Stop');
    await expect(page.getByTestId('record-name-open')).toBeDisabled();
  }

  // B did not start it, yet shows it, with a clock that only moves on.
  const indicator = b.getByTestId('recording-indicator');
  await expect(indicator).toBeVisible();
  await expect(indicator).toHaveText(/^● REC 00:0\d · \d+(\.\d)? (B|kB|MB)$/);
  await expect.poll(() => shownSeconds(indicator), { timeout: 10_000 }).toBeGreaterThan(2);
  // It ticked once a second, never skipping or going back.
  const shown: number[] = await b.evaluate(() => (window as any).__shownSeconds);
  expect(shown[0]).toBeLessThanOrEqual(1);
  expect(shown).toEqual(shown.map((_, i) => shown[0] + i));
  await expect(indicator).not.toHaveText(/ 0 B$/);
  await expect(a.getByTestId('recording-indicator')).toBeVisible();

  await a.getByTestId('record').click();
  const seconds = (Date.now() - started) / 1000;
  await expect(a.getByTestId('message')).toHaveText('Saved Blink_test.mp4');
  for (const page of [a, b]) {
    await expect(page.getByTestId('recording-indicator')).toHaveCount(0);
    await expect(page.getByTestId('record')).toContainText('Record');
    await expect(page.getByTestId('record-name-open')).toBeEnabled();
  }
  await expect(b.getByTestId('recording-error')).toHaveCount(0);

  // In the gallery, the new video plays for about as long as recorded.
  await b.goto(`${server.url}/gallery`);
  const card = b.getByTestId('media-card').and(b.locator('[data-kind="video"]'));
  await expect(card).toHaveCount(1);
  await expect(card).toContainText('Blink test');
  await card.click();
  await expect(video(b)).toBeVisible();
  await expect
    .poll(() => video(b).evaluate((v: HTMLVideoElement) => v.duration))
    .toBeGreaterThan(seconds - 1);
  expect(await video(b).evaluate((v: HTMLVideoElement) => v.duration)).toBeLessThan(seconds + 1);
  await video(b).evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video(b).evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1);
  expect(await video(b).evaluate((v: HTMLVideoElement) => v.error?.message ?? null)).toBeNull();
  // The camera's size, with square pixels (a wrong pixel aspect ratio in
  // the stream would show as another width).
  const size = await video(b).evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight]);
  expect(size).toEqual([640, 360]);
});

test('losing the camera ends the recording and says why', async ({ page }) => {
  await server.login(page.context());
  const starts: string[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (String(f.payload).includes('"record_start"')) starts.push(String(f.payload));
    }),
  );
  await page.goto(server.url);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('record').click();
  await expect(page.getByTestId('recording-indicator')).toBeVisible();

  expect((await server.action('simulate_stall', { stalled: true })).status).toBe(200);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('recording-indicator')).toHaveCount(0);
  await expect(page.getByTestId('record')).toContainText('Record');
  const error = page.getByTestId('recording-error');
  await expect(error).toBeVisible();
  expect((await error.textContent())!.length).toBeGreaterThan('Recording ended early: '.length);

  // Without a camera the server refuses to start: the page says so,
  // under the Record button.
  await page.getByTestId('record').click();
  await expect(page.getByTestId('record-refused')).toContainText('not live');
  await expect(page.getByTestId('message')).toHaveCount(0);

  // With the camera back, a new recording clears the old error. A double
  // tap starts it only once.
  expect((await server.action('simulate_stall', { stalled: false })).status).toBe(200);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  expect(starts).toHaveLength(2);
  await page.getByTestId('record').dblclick();
  await expect(page.getByTestId('recording-indicator')).toBeVisible();
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('record-refused')).toHaveCount(0);
  expect(starts).toHaveLength(3);
  await page.getByTestId('record').click();
  await expect(page.getByTestId('recording-indicator')).toHaveCount(0);
  await expect(page.getByTestId('message')).toContainText('Saved');
});
