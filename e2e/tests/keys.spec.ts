// The app by keyboard: the gallery's viewer is a modal dialog, so Tab stays
// in it and the page behind is inert; Escape closes it; focus then returns
// to the card that opened it, or after a deletion to the next card (the
// previous for the last, the heading when none is left), and the address
// is the gallery's. Every test gets its own media folder and catalogue.
import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPERATOR_KEY, Server } from './server';

// Made in beforeAll: Playwright also loads this file just to list tests.
let samples = '';
let photo = '';

test.beforeAll(() => {
  samples = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-samples-'));
  photo = path.join(samples, 'photo.jpg');
  execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=1', 'pattern=smpte', '!',
    'video/x-raw,width=320,height=240', '!', 'jpegenc', '!', 'filesink', `location=${photo}`]);
});

test.afterAll(() => fs.rmSync(samples, { recursive: true, force: true }));

const server = new Server({
  mediaFiles: {
    'a.jpg': { copy: () => photo },
    'b.jpg': { copy: () => photo },
    'c.jpg': { copy: () => photo },
  },
});

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** Catalogues `a.jpg`, `b.jpg` and `c.jpg`, in that order (the gallery
 * shows the newest first: c, b, a), and gives their ids. */
async function importAll(): Promise<{ a: number; b: number; c: number }> {
  const ids: number[] = [];
  for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) {
    const res = await fetch(`${server.url}/api/media/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify({ file_name: name, date_label: '' }),
    });
    expect(res.status).toBe(201);
    ids.push((await res.json()).id);
  }
  const [a, b, c] = ids;
  return { a, b, c };
}

const cards = (page: Page) => page.getByTestId('gallery').getByTestId('media-card');
const card = (page: Page, id: number) =>
  page.getByTestId('gallery').locator(`[data-testid="media-card"][data-id="${id}"]`);

/** Whether the focused element is inside the viewer. */
const focusInViewer = (page: Page) =>
  page.evaluate(() => document.activeElement?.closest('[data-testid="viewer"]') != null);

/** Opens the viewer for `id` from its card by keyboard. */
async function openByKeyboard(page: Page, id: number): Promise<void> {
  await card(page, id).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/gallery/${id}$`));
  await expect(page.getByTestId('viewer').getByTestId('close')).toBeFocused();
}

test('Tab stays in the viewer, Escape closes it and focus returns to its card', async ({ page }) => {
  await server.login(page.context());
  const { b } = await importAll();
  await page.goto(`${server.url}/gallery`);
  await expect(cards(page)).toHaveCount(3);

  await openByKeyboard(page, b);
  const viewer = page.getByTestId('viewer');
  await expect(viewer.getByTestId('viewer-title')).toHaveText('b.jpg');
  // Modal: the browser keeps everything else out of reach.
  expect(await viewer.evaluate((d) => d.matches('dialog:modal'))).toBe(true);
  const takesFocus = await card(page, b).evaluate((el: HTMLElement) => {
    el.focus();
    return document.activeElement === el;
  });
  expect(takesFocus).toBe(false);
  // Tab and Shift+Tab go round the viewer's controls, never behind it.
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInViewer(page), `Tab ${i + 1}`).toBe(true);
    seen.add(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''));
  }
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusInViewer(page), `Shift+Tab ${i + 1}`).toBe(true);
  }
  expect([...seen]).toEqual(expect.arrayContaining(['close', 'download', 'edit', 'delete']));

  // Escape in the edit form backs out of the form, then closes the viewer.
  await viewer.getByTestId('edit').focus();
  await page.keyboard.press('Enter');
  await viewer.getByTestId('edit-title').focus();
  await page.keyboard.type('x');
  await page.keyboard.press('Escape');
  await expect(viewer.getByTestId('edit-form')).toHaveCount(0);
  await expect(viewer.getByTestId('edit')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(viewer).toHaveCount(0);
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(card(page, b)).toBeFocused();

  // The Close button does the same.
  await openByKeyboard(page, b);
  await page.keyboard.press('Enter');
  await expect(viewer).toHaveCount(0);
  await expect(card(page, b)).toBeFocused();
  // Nothing was saved by backing out of the form.
  await expect(card(page, b).getByTestId('card-title')).toHaveText('b.jpg');
});

test('after a delete the address is the gallery and focus is on the next card', async ({ page }) => {
  await server.login(page.context());
  const { a, b, c } = await importAll();
  await page.goto(`${server.url}/gallery`);
  await expect(cards(page)).toHaveCount(3);
  const viewer = page.getByTestId('viewer');
  const remove = async (id: number) => {
    await openByKeyboard(page, id);
    await viewer.getByTestId('delete').click();
    await viewer.getByTestId('confirm-delete').click();
    await expect(viewer).toHaveCount(0);
    await expect(page).toHaveURL(/\/gallery$/);
    await expect(card(page, id)).toHaveCount(0);
  };

  // The middle one (c, b, a): focus on the next, a.
  await remove(b);
  await expect(card(page, a)).toBeFocused();
  // The last one: focus on the one before, c.
  await remove(a);
  await expect(card(page, c)).toBeFocused();
  // The only one: focus on the page heading.
  await remove(c);
  await expect(page.getByRole('heading', { name: 'Gallery' })).toBeFocused();
  await expect(page.getByTestId('empty')).toBeVisible();
});
