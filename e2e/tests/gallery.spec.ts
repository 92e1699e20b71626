// The media pages: files in the media folder are catalogued from the
// database page and then shown in the gallery; photos open full size, a real
// H.264 video plays and seeks; edits and deletions made in one browser show
// up in every other open page without a reload; the database page adds,
// removes and resets with a visible result each time; and it all fits a
// 360 px phone. Every test gets its own media folder and catalogue.
import { test, expect, Page, Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPERATOR_KEY, Server, phonePage } from './server';

// Made in beforeAll: Playwright also loads this file just to list tests.
let samples = '';
let photo = '';
let clip = '';

test.beforeAll(() => {
  // A real JPEG and a real two-second H.264 MP4, made by GStreamer.
  samples = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-samples-'));
  photo = path.join(samples, 'photo.jpg');
  clip = path.join(samples, 'clip.mp4');
  execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=1', 'pattern=smpte', '!',
    'video/x-raw,width=320,height=240', '!', 'jpegenc', '!', 'filesink', `location=${photo}`]);
  execFileSync('gst-launch-1.0', ['-q', '-e', 'videotestsrc', 'num-buffers=60', '!',
    'video/x-raw,width=320,height=240,framerate=30/1,format=I420', '!', 'x264enc', '!',
    'mp4mux', '!', 'filesink', `location=${clip}`]);
});

test.afterAll(() => fs.rmSync(samples, { recursive: true, force: true }));

const server = new Server({
  mediaFiles: {
    'photo.jpg': { copy: () => photo },
    'clip.mp4': { copy: () => clip },
  },
});

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** Catalogues a file from the test, as another client would. */
async function importFile(fileName: string, dateLabel = ''): Promise<number> {
  const res = await fetch(`${server.url}/api/media/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
    body: JSON.stringify({ file_name: fileName, date_label: dateLabel }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function entry(id: number): Promise<any> {
  const res = await fetch(`${server.url}/api/media/${id}`);
  return res.json();
}

const message = (page: Page) => page.getByTestId('message');
const cards = (page: Page) => page.getByTestId('gallery').getByTestId('media-card');
const card = (page: Page, id: number) =>
  page.getByTestId('gallery').locator(`[data-testid="media-card"][data-id="${id}"]`);

async function newPage(browser: Browser, path = '/'): Promise<Page> {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  await page.goto(server.url + path);
  return page;
}

test('files added on the database page appear in the gallery', async ({ page }) => {
  await server.login(page.context());
  let sockets = 0;
  page.on('websocket', () => sockets++);
  await page.goto(`${server.url}/database`);
  const clipRow = page.locator('[data-testid="untracked-row"][data-name="clip.mp4"]');
  const photoRow = page.locator('[data-testid="untracked-row"][data-name="photo.jpg"]');
  await expect(page.getByTestId('untracked-row')).toHaveCount(2);

  await clipRow.getByTestId('date-label').fill('2024-05-01');
  await clipRow.getByTestId('add').click();
  await expect(message(page)).toHaveText('Added clip.mp4');
  await photoRow.getByTestId('add').click();
  await expect(message(page)).toHaveText('Added photo.jpg');
  await expect(page.getByTestId('db-row')).toHaveCount(2);
  await expect(page.getByTestId('no-untracked')).toBeVisible();

  // Client-side navigation: same document, same WebSocket.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByTestId('nav-gallery').click();
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(cards(page)).toHaveCount(2);
  const video = cards(page).and(page.locator('[data-kind="video"]'));
  const still = cards(page).and(page.locator('[data-kind="photo"]'));
  await expect(video).toContainText('clip.mp4');
  await expect(video).toContainText('2024-05-01');
  await expect(video).toContainText('kB');
  await expect(still).toContainText('photo.jpg');
  // Both show the server's thumbnail (the video its first frame).
  for (const [c, id] of [[still, 'photo'], [video, 'video']] as const) {
    await expect(c.locator('img')).toHaveAttribute('loading', 'lazy');
    await expect(c.locator('img')).toHaveAttribute('src', /\/api\/media\/\d+\/thumbnail$/);
    await expect
      .poll(() => c.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), { message: id })
      .toBeGreaterThan(100);
  }
  await expect(page.getByTestId('count')).toHaveText('2 items');

  // Filters.
  await page.getByTestId('filter-video').click();
  await expect(cards(page)).toHaveCount(1);
  await expect(cards(page)).toHaveAttribute('data-kind', 'video');
  await page.getByTestId('filter-photo').click();
  await expect(cards(page)).toHaveCount(1);
  await expect(cards(page)).toHaveAttribute('data-kind', 'photo');
  await page.getByTestId('filter-all').click();
  await expect(cards(page)).toHaveCount(2);

  // The photo opens full size; title and notes are edited and kept.
  const photoId = Number(await still.getAttribute('data-id'));
  await still.click();
  await expect(page).toHaveURL(new RegExp(`/gallery/${photoId}$`));
  const viewer = page.getByTestId('viewer');
  await expect(viewer).toBeVisible();
  await expect
    .poll(() => viewer.getByTestId('viewer-photo').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(320);
  await expect(viewer.getByTestId('download')).toHaveAttribute('href', `/api/media/${photoId}/file?download=1`);
  await viewer.getByTestId('edit').click();
  await viewer.getByTestId('edit-title').fill('Left eye');
  await viewer.getByTestId('edit-date').fill('Visit 3');
  await viewer.getByTestId('edit-notes').fill('Slightly out of focus');
  await viewer.getByTestId('save').click();
  await expect(message(page)).toHaveText('Saved Left eye');
  await expect(viewer.getByTestId('viewer-title')).toHaveText('Left eye');
  const saved = await entry(photoId);
  expect([saved.title, saved.date_label, saved.notes]).toEqual(['Left eye', 'Visit 3', 'Slightly out of focus']);
  await viewer.getByTestId('close').click();
  await expect(viewer).toHaveCount(0);
  await expect(card(page, photoId).getByTestId('card-title')).toHaveText('Left eye');
  expect(sockets).toBe(1);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // A deep link opens the viewer; an unknown id says so.
  await page.goto(`${server.url}/gallery/9999`);
  await expect(page.getByTestId('viewer').getByTestId('gone')).toHaveText('no media with id 9999');
});

test('the video plays and seeks', async ({ page }) => {
  await server.login(page.context());
  const id = await importFile('clip.mp4');
  // Range requests are answered, which seeking relies on.
  const range = await fetch(`${server.url}/api/media/${id}/file`, { headers: { Range: 'bytes=100-199' } });
  expect(range.status).toBe(206);
  expect((await range.arrayBuffer()).byteLength).toBe(100);

  await page.goto(`${server.url}/gallery`);
  await card(page, id).click();
  const video = page.getByTestId('viewer').getByTestId('viewer-video');
  await expect(video).toHaveAttribute('preload', 'metadata');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(2, 0);
  const seeked = await video.evaluate(async (v: HTMLVideoElement) => {
    const done = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
    v.currentTime = 1.0;
    await done;
    return { time: v.currentTime, error: v.error?.message ?? null };
  });
  expect(seeked.error).toBeNull();
  expect(seeked.time).toBeCloseTo(1.0, 1);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  // It decodes and plays on from there.
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1.3);
  expect(await video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(320);
});

test('changes in one browser show in the others without reload', async ({ browser }) => {
  const photoId = await importFile('photo.jpg');
  const clipId = await importFile('clip.mp4');
  const a = await newPage(browser, '/gallery');
  const b = await newPage(browser, '/gallery');
  const live = await newPage(browser, '/');
  for (const p of [a, b, live]) await p.evaluate(() => ((window as any).__sameDocument = true));
  await expect(cards(a)).toHaveCount(2);
  await expect(cards(b)).toHaveCount(2);
  const recent = live.getByTestId('recent').getByTestId('media-card');
  await expect(recent).toHaveCount(2);

  // An edit in A.
  await card(a, clipId).click();
  await a.getByTestId('edit').click();
  await a.getByTestId('edit-title').fill('Blink test');
  await a.getByTestId('save').click();
  await expect(a.getByTestId('message')).toHaveText('Saved Blink test');
  await expect(card(b, clipId).getByTestId('card-title')).toHaveText('Blink test');
  await expect(live.locator(`[data-testid="recent"] [data-id="${clipId}"]`)).toContainText('Blink test');

  // B looks at the photo while A deletes it.
  await card(b, photoId).click();
  await expect(b.getByTestId('viewer-photo')).toBeVisible();
  await a.getByTestId('close').click();
  await card(a, photoId).click();
  await a.getByTestId('delete').click();
  await a.getByTestId('confirm-delete').click();
  await expect(a.getByTestId('message')).toHaveText('Deleted photo.jpg');
  await expect(a.getByTestId('viewer')).toHaveCount(0);
  await expect(card(a, photoId)).toHaveCount(0);
  await expect(b.getByTestId('gone')).toHaveText('This entry has been deleted.');
  await b.getByTestId('close').click();
  await expect(cards(b)).toHaveCount(1);
  await expect(b.getByTestId('count')).toHaveText('1 item');
  await expect(recent).toHaveCount(1);

  // A file added by someone else appears everywhere.
  fs.copyFileSync(photo, path.join(server.mediaDir, 'later.jpg'));
  const laterId = await importFile('later.jpg', 'today');
  for (const p of [a, b]) await expect(card(p, laterId)).toContainText('later.jpg');
  await expect(recent).toHaveCount(2);

  for (const p of [a, b, live]) {
    expect(await p.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await p.context().close();
  }
});

test('the database page adds, removes and resets with visible results', async ({ page }) => {
  await server.login(page.context());
  server.addMediaFiles({ 'gone.jpg': { copy: photo } });
  await page.goto(`${server.url}/database`);
  const row = (name: string) => page.locator(`[data-testid="untracked-row"][data-name="${name}"]`);
  const dbRow = (name: string) => page.getByTestId('db-row').filter({ hasText: name });
  await expect(page.getByTestId('untracked-row')).toHaveCount(3);

  // Add, with a date label.
  await row('photo.jpg').getByTestId('date-label').fill('2024-06-01');
  await row('photo.jpg').getByTestId('add').click();
  await expect(message(page)).toHaveText('Added photo.jpg');
  await expect(message(page)).toHaveAttribute('data-kind', 'ok');
  await expect(row('photo.jpg')).toHaveCount(0);
  await expect(dbRow('photo.jpg')).toContainText('2024-06-01');
  await row('clip.mp4').getByTestId('add').click();
  await expect(message(page)).toHaveText('Added clip.mp4');
  await expect(page.getByTestId('db-row')).toHaveCount(2);

  // A file that vanished meanwhile: the server's error is shown.
  fs.rmSync(path.join(server.mediaDir, 'gone.jpg'));
  await row('gone.jpg').getByTestId('add').click();
  await expect(message(page)).toHaveText(
    'Could not add gone.jpg: there is no file gone.jpg in the media folder',
  );
  await expect(message(page)).toHaveAttribute('data-kind', 'error');

  // Files copied in later show after Refresh.
  server.addMediaFiles({ 'new.jpg': { copy: photo } });
  await page.getByTestId('refresh-untracked').click();
  await expect(page.getByTestId('untracked-row')).toHaveCount(1);
  await expect(row('new.jpg')).toBeVisible();

  // Remove asks first, then deletes the entry and its file.
  await dbRow('photo.jpg').getByTestId('remove').click();
  await dbRow('photo.jpg').getByTestId('cancel').click();
  await expect(dbRow('photo.jpg')).toHaveCount(1);
  await dbRow('photo.jpg').getByTestId('remove').click();
  await dbRow('photo.jpg').getByTestId('confirm-remove').click();
  await expect(message(page)).toHaveText('Removed photo.jpg');
  await expect(dbRow('photo.jpg')).toHaveCount(0);
  expect(fs.existsSync(path.join(server.mediaDir, 'photo.jpg'))).toBe(false);

  // New database: explicit confirmation, then every file is catalogued.
  await page.getByTestId('reset').click();
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('confirm-reset')).toHaveCount(0);
  await page.getByTestId('reset').click();
  await page.getByTestId('confirm-reset').click();
  await expect(message(page)).toHaveText('New database: 2 entries catalogued from the media folder');
  await expect(page.getByTestId('db-row')).toHaveCount(2);
  await expect(dbRow('new.jpg')).toHaveCount(1);
  await expect(dbRow('clip.mp4')).toHaveCount(1);
  await expect(page.getByTestId('no-untracked')).toBeVisible();
  await expect(page.getByTestId('db-count')).toHaveText('2 entries');
});

test('the database page shows titles and dates', async ({ page }) => {
  await server.login(page.context());
  const photoId = await importFile('photo.jpg');
  const clipId = await importFile('clip.mp4', '2024-05-01');
  const res = await fetch(`${server.url}/api/media/${photoId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
    body: JSON.stringify({ title: 'Left eye' }),
  });
  expect(res.status).toBe(200);
  await page.goto(`${server.url}/database`);
  const row = (id: number) => page.locator(`[data-testid="db-row"][data-id="${id}"]`);
  await expect(page.getByTestId('db-row')).toHaveCount(2);
  await expect(page.getByTestId('db-table').locator('th').nth(1)).toHaveText('Title');

  // The title, with the file name beside it; an untitled entry shows its
  // file name once.
  await expect(row(photoId).getByTestId('db-title')).toHaveText('Left eye');
  await expect(row(photoId).getByTestId('db-file')).toHaveText('photo.jpg');
  await expect(row(clipId).getByTestId('db-title')).toHaveText('clip.mp4');
  await expect(row(clipId).getByTestId('db-file')).toHaveCount(0);
  // The date label as given, else the capture time as the gallery shows it.
  await expect(row(clipId).getByTestId('db-date')).toHaveText('2024-05-01');
  await expect(row(photoId).getByTestId('db-date')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  const photoDate = await row(photoId).getByTestId('db-date').textContent();
  await page.goto(`${server.url}/gallery`);
  await expect(card(page, photoId)).toContainText(photoDate!);

  // A title given elsewhere shows without a reload.
  await page.goto(`${server.url}/database`);
  await expect(row(clipId).getByTestId('db-title')).toHaveText('clip.mp4');
  const edit = await fetch(`${server.url}/api/media/${clipId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
    body: JSON.stringify({ title: 'Blink test' }),
  });
  expect(edit.status).toBe(200);
  await expect(row(clipId).getByTestId('db-title')).toHaveText('Blink test');
  await expect(row(clipId).getByTestId('db-file')).toHaveText('clip.mp4');
  for (const date of await page.getByTestId('db-date').allTextContents()) expect(date.trim()).not.toBe('');
});

test('gallery and database fit a 360 px phone', async ({ browser }) => {
  for (let i = 1; i <= 5; i++) server.addMediaFiles({ [`Auge links ${i}.jpg`]: { copy: photo } });
  for (const name of ['clip.mp4', 'photo.jpg', 'Auge links 1.jpg', 'Auge links 2.jpg']) await importFile(name);
  const page = await phonePage(browser, server);
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);

  await page.goto(`${server.url}/gallery`);
  await expect(cards(page)).toHaveCount(4);
  expect(await width()).toBeLessThanOrEqual(360);
  // Two columns: the first two cards side by side.
  const [first, second] = [await cards(page).nth(0).boundingBox(), await cards(page).nth(1).boundingBox()];
  expect(Math.abs(first!.y - second!.y)).toBeLessThan(2);
  expect(second!.x).toBeGreaterThan(first!.x + first!.width);
  // Touch targets are at least 44 px high.
  for (const id of ['nav-live', 'nav-gallery', 'nav-database', 'filter-all']) {
    expect((await page.getByTestId(id).boundingBox())!.height).toBeGreaterThanOrEqual(44);
  }
  // The viewer opens and closes by touch.
  await cards(page).nth(0).tap();
  await expect(page.getByTestId('viewer')).toBeVisible();
  expect(await width()).toBeLessThanOrEqual(360);
  await page.getByTestId('close').tap();
  await expect(page.getByTestId('viewer')).toHaveCount(0);

  await page.getByTestId('nav-database').tap();
  await expect(page.getByTestId('db-row')).toHaveCount(4);
  await expect(page.getByTestId('untracked-row')).toHaveCount(3);
  expect(await width()).toBeLessThanOrEqual(360);
  const add = page.getByTestId('untracked-row').first().getByTestId('add');
  expect((await add.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await page.context().close();
});

test('the gallery loads 24 at a time and keeps its place when entries change', async ({ page }) => {
  await server.login(page.context());
  const names = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}.jpg`);
  for (const name of names) server.addMediaFiles({ [name]: { copy: photo } });
  const ids: number[] = [];
  for (const name of names) ids.push(await importFile(name));
  await page.goto(`${server.url}/gallery`);
  await expect(cards(page)).toHaveCount(24);
  await expect(page.getByTestId('count')).toHaveText('30 items');
  // Deleting one of the first page elsewhere must not make "Load more"
  // skip the entry that moves up onto the first page.
  const res = await fetch(`${server.url}/api/media/${ids[29]}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${OPERATOR_KEY}` },
  });
  expect(res.status).toBe(204);
  await expect(cards(page)).toHaveCount(23);
  await page.getByTestId('load-more').click();
  await expect(cards(page)).toHaveCount(29);
  await expect(page.getByTestId('load-more')).toHaveCount(0);
  const shown = await cards(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
  expect(shown).toEqual(ids.slice(0, 29).reverse());
});

test('switching pages keeps one connection and the live view resumes', async ({ page }) => {
  await server.login(page.context());
  await importFile('photo.jpg');
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  let sockets = 0;
  page.on('websocket', () => sockets++);
  const frames = async () => Number(await page.getByTestId('live-view').getAttribute('data-frames'));

  await page.goto(server.url);
  await expect.poll(frames).toBeGreaterThan(3);
  await expect(page.getByTestId('recent').getByTestId('media-card')).toHaveCount(1);
  for (let round = 0; round < 3; round++) {
    await page.getByTestId('nav-gallery').click();
    await expect(cards(page)).toHaveCount(1);
    await expect(page.getByTestId('nav-gallery')).toHaveAttribute('aria-current', 'page');
    await page.getByTestId('nav-database').click();
    await expect(page.getByTestId('db-row')).toHaveCount(1);
    await page.getByTestId('nav-live').click();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    await expect.poll(frames).toBeGreaterThan(3);
  }
  // A card in the recent strip opens the viewer over the gallery.
  await page.getByTestId('recent').getByTestId('media-card').click();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('viewer')).toHaveCount(0);
  await expect(page).toHaveURL(/\/gallery$/);
  expect(sockets).toBe(1);
  await expect(page.getByTestId('viewers')).toHaveText('1 viewing');
  expect(problems).toEqual([]);
});
