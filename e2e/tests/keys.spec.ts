// The app by keyboard: the gallery's viewer is a modal dialog, so Tab stays
// in it and the page behind is inert; Escape closes it; focus then returns
// to the card that opened it, or after a deletion to the next card (the
// previous for the last, the heading when none is left), and the address
// is the gallery's. On the live page each shortcut changes the rig (the
// server's state, or a file in the media folder), none fires while typing
// in a field or with a dialog open, and a viewer is told to log in; `?`
// opens the help, whose theme choice sticks; the announcer says when a
// recording starts and stops, never its ticking time. Every test gets its
// own media folder and catalogue, and the simulated light and pulse
// device.
import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPERATOR_KEY, Server, openPage } from './server';

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
  args: ['--device-mode', 'demo'],
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

/** The photos taken by the server: files in the media folder but the
 * three put there for the gallery tests. */
const taken = () =>
  fs.readdirSync(server.mediaDir).filter((n) => /\.jpe?g$/.test(n) && !['a.jpg', 'b.jpg', 'c.jpg'].includes(n));

/** Presses `key` with focus on the page itself, not on a control. */
async function press(page: Page, key: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(key);
}

test('each shortcut changes the rig', async ({ browser }) => {
  const page = await openPage(browser, server);
  // The device and the lens are known to the page.
  await expect(page.getByTestId('light-power')).toBeEnabled();
  await expect(page.getByTestId('focus-in')).toHaveCount(1);

  // s: a snapshot.
  await press(page, 's');
  await expect.poll(() => taken().length).toBe(1);
  await expect(page.getByTestId('message')).toContainText('Saved');

  // g and h: the picture for everyone, on and off again.
  for (const [key, setting, toggle] of [
    ['g', 'grayscale', 'grayscale'],
    ['h', 'half_resolution', 'half-resolution'],
  ] as const) {
    const before = (await server.state()).camera.view[setting];
    await press(page, key);
    await expect.poll(async () => (await server.state()).camera.view[setting]).toBe(!before);
    // The key asks for the opposite of what the page shows: once it shows.
    await expect(page.getByTestId(toggle)).toHaveAttribute('aria-pressed', String(!before));
    await press(page, key);
    await expect.poll(async () => (await server.state()).camera.view[setting]).toBe(before);
  }

  // l: the light.
  const lit = (await server.state()).device.light.on;
  await press(page, 'l');
  await expect.poll(async () => (await server.state()).device.light.on).toBe(!lit);
  await expect(page.getByTestId('light-power')).toHaveAttribute('aria-pressed', String(!lit));
  await expect(page.getByTestId('light-power')).toHaveAccessibleName(
    lit ? 'Light off, turn on' : 'Light on, turn off',
  );

  // a: autofocus, toggled; then off, for the steps.
  const auto = (await server.state()).camera.focus.auto;
  await press(page, 'a');
  await expect.poll(async () => (await server.state()).camera.focus.auto).toBe(!auto);
  await expect(page.getByTestId('focus-auto')).toHaveAttribute('aria-pressed', String(!auto));
  if (!auto) {
    await press(page, 'a');
    await expect.poll(async () => (await server.state()).camera.focus.auto).toBe(false);
  }
  await expect(page.getByTestId('focus-in')).toBeEnabled();

  // [ and ]: one step out and in (from the middle, so neither end stops it).
  expect((await server.action('focus', { position: 0.5 })).status).toBe(200);
  await expect.poll(async () => (await server.state()).camera.focus.position).toBeCloseTo(0.5, 5);
  await expect(page.getByTestId('focus-value')).toHaveText('0.50');
  await press(page, ']');
  await expect.poll(async () => (await server.state()).camera.focus.position).toBeCloseTo(0.55, 5);
  await expect(page.getByTestId('focus-value')).toHaveText('0.55');
  await press(page, '[');
  await press(page, '[');
  await expect.poll(async () => (await server.state()).camera.focus.position).toBeCloseTo(0.45, 5);

  // r: record, then stop.
  await press(page, 'r');
  await expect.poll(async () => (await server.state()).recording.active ?? null).not.toBeNull();
  await expect(page.getByTestId('record')).toHaveAccessibleName('Stop recording');
  await press(page, 'r');
  await expect.poll(async () => (await server.state()).recording.active ?? null).toBeNull();
  await expect(page.getByTestId('record')).toHaveAccessibleName(/^Record/);

  // p and Space: the picture frozen here, and running again.
  const pause = page.getByTestId('pause');
  await press(page, 'p');
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  await press(page, ' ');
  await expect(pause).toHaveAttribute('aria-pressed', 'false');

  // m: the sheet (always shown on a desktop; its state still follows).
  const layout = page.getByTestId('live-layout');
  await expect(layout).toHaveAttribute('data-sheet', 'closed');
  await press(page, 'm');
  await expect(layout).toHaveAttribute('data-sheet', 'open');
  await press(page, 'm');
  await expect(layout).toHaveAttribute('data-sheet', 'closed');

  // Nothing of this was refused: no error in the message bar (which may
  // have emptied by now) and no control showing a failure.
  await expect(page.locator('[data-testid="message"][data-kind="error"]')).toHaveCount(0);
  await expect(page.locator('[data-state="failed"]')).toHaveCount(0);
  await page.context().close();
});

test('no shortcut fires while typing in a field or with a dialog open', async ({ browser }) => {
  const page = await openPage(browser, server);
  // Shift+S: the name dialog, for a snapshot; typing "s" there is a name.
  await press(page, 'Shift+S');
  const dialog = page.getByTestId('name-dialog');
  await expect(dialog).toBeVisible();
  const name = page.getByTestId('snapshot-name');
  await expect(name).toBeFocused();
  await page.keyboard.type('ss');
  await expect(name).toHaveValue('ss');
  // Nor in the dialog outside its field.
  await page.getByTestId('name-cancel').focus();
  await page.keyboard.press('s');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // One snapshot now; one file, and it is this one: the keys above sent
  // nothing (or their photo would be here first).
  await press(page, 's');
  await expect(page.getByTestId('message')).toContainText(/^Saved /);
  const saved = (await page.getByTestId('message').textContent())?.replace(/^Saved /, '');
  expect(taken()).toEqual([saved]);
  await page.context().close();
});

test('a viewer pressing an operator key is told to log in', async ({ browser }) => {
  const page = await openPage(browser, server, '/', 'viewer');
  await expect(page.getByTestId('access')).toHaveAttribute('data-role', 'viewer');
  await press(page, 's');
  await expect(page.getByTestId('message')).toHaveText('Log in to do this');
  expect(taken()).toHaveLength(0);
  // Keys for this screen work for everyone.
  await press(page, 'p');
  await expect(page.getByTestId('pause')).toHaveAttribute('aria-pressed', 'true');
  expect(taken()).toHaveLength(0);
  await page.context().close();
});

test('? opens the help, Escape closes it and focus returns', async ({ browser }) => {
  const page = await openPage(browser, server);
  const help = page.getByTestId('help');
  const snapshot = page.getByTestId('snapshot');
  await snapshot.focus();
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
  expect(await help.evaluate((d) => d.matches('dialog:modal'))).toBe(true);
  await expect(help).toHaveAccessibleName('Keyboard shortcuts and settings');
  // It lists the table the keys work from, and the gestures.
  await expect(help.getByRole('row', { name: /Shift\+S Take a named snapshot/ })).toBeVisible();
  await expect(help.getByText('Pinch the picture')).toBeVisible();
  // Keys are the dialog's while it is open.
  await page.keyboard.press('s');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await expect(snapshot).toBeFocused();
  expect(taken()).toHaveLength(0);

  // The top bar's button does the same, on any page.
  await page.getByTestId('nav-gallery').click();
  const open = page.getByRole('button', { name: 'Keyboard shortcuts and settings' });
  const box = await open.boundingBox();
  expect(box?.width).toBeGreaterThanOrEqual(44);
  expect(box?.height).toBeGreaterThanOrEqual(44);
  await open.click();
  await expect(help).toBeVisible();
  await help.getByTestId('help-close').click();
  await expect(help).toBeHidden();
  await expect(open).toBeFocused();
  await press(page, '?');
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // `?` pressed before the closing's `close` event has come (input goes
  // ahead of other tasks, so on a busy machine a real press can) still
  // opens the help: that late event is not about the new showing. The
  // press is made the moment the dialog closes, from a mutation observer.
  await open.click();
  await expect(help).toBeVisible();
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const dialog = document.querySelector('[data-testid="help"]')!;
        new MutationObserver((_, observer) => {
          if (dialog.hasAttribute('open')) return;
          observer.disconnect();
          (document.activeElement as HTMLElement | null)?.blur();
          window.dispatchEvent(new KeyboardEvent('keydown', { key: '?', cancelable: true }));
          resolve();
        }).observe(dialog, { attributes: true });
        document.querySelector<HTMLElement>('[data-testid="help-close"]')!.click();
      }),
  );
  await expect(help).toBeVisible();
  // And it stays open (checked after a round trip through the page's tasks).
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.context().close();
});

test('the theme chosen in the help applies at once and after a reload', async ({ browser }) => {
  const page = await openPage(browser, server, '/', 'viewer');
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('help-open').click();
  await expect(page.getByTestId('theme-dark')).toBeChecked();
  await page.getByTestId('theme-light').check();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('help-open').click();
  await expect(page.getByTestId('theme-light')).toBeChecked();
  // System: the system's choice, followed as it changes.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('theme-system').check();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-dark').check();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.context().close();
});

test('the announcer says a recording started and stopped, never its time', async ({ browser }) => {
  const page = await openPage(browser, server);
  const announcer = page.getByTestId('announcer');
  await expect(announcer).toHaveAttribute('aria-live', 'polite');
  // Everything the region ever holds.
  await announcer.evaluate((el) => {
    const w = window as unknown as { said: string[] };
    w.said = [];
    new MutationObserver(() => w.said.push(el.textContent ?? '')).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await press(page, 'r');
  await expect(announcer).toContainText('Recording started');
  // The indicator ticks for the eye only, outside every live region.
  const indicator = page.getByTestId('recording-indicator');
  await expect(indicator).toContainText('00:03');
  expect(await indicator.evaluate((el) => el.closest('[aria-live], [role=status], [role=alert]'))).toBeNull();
  await press(page, 'r');
  await expect(announcer).toContainText(/Recording stopped after [1-9]\d? seconds?/);
  const said = await page.evaluate(() => (window as unknown as { said: string[] }).said);
  expect(said.length).toBeGreaterThan(0);
  for (const text of said) expect(text).not.toMatch(/\d:\d\d|REC/);

  // Turned off in the help: nothing is said.
  await page.getByTestId('help-open').click();
  await page.getByTestId('announce-toggle').uncheck();
  await page.keyboard.press('Escape');
  await expect(announcer).toHaveText('');
  await press(page, 'r');
  await expect(page.getByTestId('record')).toHaveAccessibleName('Stop recording');
  await press(page, 'r');
  await expect(page.getByTestId('record')).toHaveAccessibleName(/^Record/);
  await expect(announcer).toHaveText('');
  // And it stays off after a reload.
  await page.reload();
  await page.getByTestId('help-open').click();
  await expect(page.getByTestId('announce-toggle')).not.toBeChecked();
  await page.context().close();
});
