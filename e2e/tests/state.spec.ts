// State you can trust: whatever goes wrong is drawn where people look.
// The link going down shows under the top bar (with the seconds to the
// next try) and over the picture (with the time of the last picture); a
// camera that stops delivering shows its reason over the picture, and the
// Snapshot button shows its failure (✕) and then its success (✓) on
// itself; a page that never connects says "Rig unreachable" and reloads
// itself into the live page once the rig answers.
import { test, expect } from '@playwright/test';
import { Server, openPage } from './server';

const server = new Server({ args: ['--device-mode', 'demo'] });

test.beforeEach(async () => {
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

test('a lost link is said under the top bar and over the picture, and clears', async ({ browser }) => {
  const page = await openPage(browser, server);
  await expect(page.getByTestId('live-view')).not.toHaveAttribute('data-frames', '0');
  await expect(page.getByTestId('link-banner')).toHaveCount(0);
  await server.stop();
  await expect(page.getByTestId('link-banner')).toContainText(/Connection to the rig lost · (retrying in \d+ s|reconnecting…)/);
  const overlay = page.getByTestId('no-picture');
  await expect(overlay).toHaveAttribute('data-state', 'disconnected');
  await expect(overlay).toHaveText(/^Not connected · last picture \d\d:\d\d:\d\d$/);
  await server.restart();
  await expect(page.getByTestId('link-banner')).toHaveCount(0, { timeout: 20_000 });
  await expect(overlay).toHaveCount(0);
  await page.context().close();
});

test('a stalled camera shows its reason, and Snapshot its failure then its success', async ({ browser }) => {
  const page = await openPage(browser, server);
  expect((await server.action('simulate_stall', { stalled: true })).status).toBe(200);
  const overlay = page.getByTestId('no-picture');
  await expect(overlay).toHaveAttribute('data-state', 'offline');
  await expect(overlay).toHaveText(/^Camera offline: ./);
  const snapshot = page.getByTestId('snapshot');
  await snapshot.click();
  await expect(snapshot).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('snapshot-error')).toContainText('Snapshot: ');

  expect((await server.action('simulate_stall', { stalled: false })).status).toBe(200);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await expect(overlay).toHaveCount(0);
  await snapshot.click();
  await expect(snapshot).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('snapshot-error')).toHaveCount(0);
  await page.context().close();
});

test('a page that cannot connect says the rig is unreachable, then reloads into the live page', async ({
  browser,
}) => {
  const context = await server.operatorContext(browser);
  const page = await context.newPage();
  // The page loads, but its live link is refused until `blocked` is lifted.
  let blocked = true;
  await page.routeWebSocket(/\/ws/, (ws) => {
    if (blocked) ws.close();
    else ws.connectToServer();
  });
  await page.goto(server.url);
  const unreachable = page.getByTestId('rig-unreachable');
  await expect(unreachable).toBeVisible();
  await expect(unreachable).toContainText('Rig unreachable, retrying');
  await expect(unreachable).toContainText(/Next try in \d+ s|Trying now/);
  await page.evaluate(() => ((window as any).__before = true));
  blocked = false;
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
  await expect(unreachable).toHaveCount(0);
  // It reloaded: a fresh document.
  expect(await page.evaluate(() => (window as any).__before ?? null)).toBeNull();
  await context.close();
});
