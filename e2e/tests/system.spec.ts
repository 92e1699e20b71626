// The System page: an operator reboots and shuts the machine down from the
// browser after a confirmation (the configured commands run once, and
// nothing runs on Cancel), restarts the camera and the server, follows the
// server's log live with a level filter, a search and a download, reads the
// system log, and sees every action in the audit trail. A viewer gets a
// request to log in instead, and the server refuses the API to it.
//
// The reboot and shutdown commands touch a file in a temporary folder, so
// the test sees that they ran; the system log command echoes a marker.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Server, openPage } from './server';

const marks = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-system-'));
const rebooted = path.join(marks, 'rebooted');
const shutDown = path.join(marks, 'shut-down');
const SYSTEM_LOG_MARKER = 'system-log-marker-1f3a';
process.on('exit', () => fs.rmSync(marks, { recursive: true, force: true }));

const server = new Server({
  env: {
    CAMRIG_SYSTEM_REBOOT_COMMAND: `touch ${rebooted}`,
    CAMRIG_SYSTEM_SHUTDOWN_COMMAND: `touch ${shutDown}`,
    CAMRIG_SYSTEM_LOG_COMMAND: `echo ${SYSTEM_LOG_MARKER}`,
    // The camera's restart is logged at info; the panel shows what the
    // server keeps.
    RUST_LOG: 'warn,camrig=info',
  },
});

test.beforeEach(async () => {
  fs.rmSync(rebooted, { force: true });
  fs.rmSync(shutDown, { force: true });
  await server.start();
});

test.afterEach(async () => {
  await server.stop();
});

/** The group of one system action (its buttons, answer and error). */
const action = (page: Page, name: string) => page.getByTestId(`action-${name}`);

/** The audit rows of one action. */
const auditRows = (page: Page, name: string) =>
  page.locator(`[data-testid="audit-row"][data-action="${name}"]`);

/** Asks for an action, confirms it, and waits for its answer. */
async function run(page: Page, name: string, expected: string) {
  await page.getByTestId(name).click();
  await page.getByTestId(`confirm-${name}`).click();
  await expect(action(page, name).getByTestId('action-result')).toHaveText(expected);
}

test('reboot and shut down ask first, then run their command once', async ({ browser }) => {
  const page = await openPage(browser, server, '/system');
  await expect(page.getByTestId('nav-system')).toBeVisible();

  // The first click only asks, naming what would happen; Cancel backs out.
  await page.getByTestId('reboot').click();
  await expect(action(page, 'reboot').getByTestId('confirm-question')).toHaveText(
    'Reboot the machine the rig runs on?',
  );
  await action(page, 'reboot').getByTestId('cancel').click();
  await expect(page.getByTestId('confirm-reboot')).toHaveCount(0);
  await expect(page.getByTestId('reboot')).toBeVisible();
  await expect(action(page, 'reboot').getByTestId('action-result')).toHaveCount(0);
  // Nothing was sent: the audit trail (read again after every answer,
  // and on Refresh) has no reboot, and the command did not run.
  await page.getByTestId('audit-refresh').click();
  await expect(page.getByTestId('audit-empty')).toBeVisible();
  expect(fs.existsSync(rebooted)).toBe(false);

  // Confirmed, it runs once and says so on the control.
  await run(page, 'reboot', 'the machine is rebooting');
  await expect.poll(() => fs.existsSync(rebooted)).toBe(true);
  expect(fs.existsSync(shutDown)).toBe(false);

  await page.getByTestId('shutdown').click();
  await expect(action(page, 'shutdown').getByTestId('confirm-question')).toHaveText(
    'Shut down the machine the rig runs on?',
  );
  await page.getByTestId('confirm-shutdown').click();
  await expect(action(page, 'shutdown').getByTestId('action-result')).toHaveText(
    'the machine is shutting down',
  );
  await expect.poll(() => fs.existsSync(shutDown)).toBe(true);

  // The audit trail lists each once, by this session, as done.
  for (const name of ['reboot', 'shutdown']) {
    await expect(auditRows(page, name)).toHaveCount(1);
    const row = auditRows(page, name);
    await expect(row).toHaveAttribute('data-ok', 'true');
    await expect(row.getByTestId('audit-who')).toContainText('operator session');
    await expect(row.getByTestId('audit-result')).toContainText('ok');
  }
  // The result filter narrows it: no failures here.
  await page.getByTestId('audit-result-filter').selectOption('false');
  await expect(page.getByTestId('audit-empty')).toBeVisible();
  await expect(page.getByTestId('audit-row')).toHaveCount(0);
  await page.getByTestId('audit-result-filter').selectOption('true');
  await expect(page.getByTestId('audit-row')).toHaveCount(2);
  // So does the action filter.
  await page.getByTestId('audit-action-filter').selectOption('shutdown');
  await expect(page.getByTestId('audit-row')).toHaveCount(1);
  await expect(auditRows(page, 'shutdown')).toHaveCount(1);
});

test('a viewer gets no system actions, and the server refuses them', async ({ browser }) => {
  const page = await openPage(browser, server, '/system', 'viewer');
  await expect(page.getByTestId('system-operators-only')).toContainText('Operators only: log in');
  await expect(page.getByTestId('nav-system')).toHaveCount(0);
  for (const id of ['system-actions', 'reboot', 'shutdown', 'log-panel', 'audit-panel']) {
    await expect(page.getByTestId(id)).toHaveCount(0);
  }
  const answers = await page.evaluate(async () => {
    const post = (url: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const all = [
      await post('/api/actions/reboot'),
      await post('/api/actions/shutdown'),
      await post('/api/actions/restart_server'),
      await fetch('/api/logs'),
      await fetch('/api/logs/system'),
      await fetch('/api/audit'),
    ];
    return Promise.all(all.map(async (res) => [res.status, (await res.json()).code]));
  });
  for (const answer of answers) expect(answer).toEqual([403, 'forbidden']);
  const stream = await page.evaluate(async () => (await fetch('/api/logs/stream')).status);
  expect(stream).toBe(403);
  expect(fs.existsSync(rebooted)).toBe(false);
  expect(fs.existsSync(shutDown)).toBe(false);
});

test('log lines reach the panel live; level and search narrow them', async ({ browser }) => {
  const page = await openPage(browser, server, '/system');
  await expect(page.getByTestId('log-stream')).toHaveAttribute('data-state', 'live');
  const lines = page.getByTestId('log-line');
  const restarted = lines.filter({ hasText: "camera restarting at an operator's request" });
  await expect(restarted).toHaveCount(0);

  // Logged after the panel opened, the line arrives without a reload.
  await run(page, 'restart-camera', 'the camera is restarting');
  await expect(restarted).toHaveCount(1);
  await expect(restarted).toHaveAttribute('data-level', 'info');
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');

  // Warnings and worse: the info line goes.
  await page.getByTestId('log-level').selectOption('warn');
  await expect(page.getByTestId('log-stream')).toHaveAttribute('data-state', 'live');
  await expect(restarted).toHaveCount(0);
  await expect(page.locator('[data-testid="log-line"][data-level="info"]')).toHaveCount(0);
  await expect(page.getByTestId('log-download')).toHaveAttribute('href', '/api/logs?format=text&level=warn');

  // Back to info, then a search: only matching lines stay.
  await page.getByTestId('log-level').selectOption('info');
  await expect(restarted).toHaveCount(1);
  const total = await lines.count();
  await page.getByTestId('log-search').fill('restarting at an operator');
  await expect(page.getByTestId('log-download')).toHaveAttribute(
    'href',
    '/api/logs?format=text&level=info&q=restarting%20at%20an%20operator',
  );
  await expect(restarted).toHaveCount(1);
  await expect.poll(() => lines.count()).toBeLessThan(total);
  for (const text of await lines.allTextContents()) {
    expect(text.toLowerCase()).toContain('restarting at an operator');
  }
  // The download gives the same lines as a text file.
  const href = await page.getByTestId('log-download').getAttribute('href');
  const download = await page.context().request.get(`${server.url}${href}`);
  expect(download.headers()['content-disposition']).toContain('attachment');
  expect(await download.text()).toContain("camera restarting at an operator's request");

  // New lines keep coming while filtered.
  await run(page, 'restart-camera', 'the camera is restarting');
  await expect(restarted).toHaveCount(2);

  // The system log, on its tab, read on demand.
  await page.getByTestId('log-tab-system').click();
  await expect(page.getByTestId('system-log')).toContainText(SYSTEM_LOG_MARKER);
  await expect(page.getByTestId('system-log-command')).toContainText(`echo ${SYSTEM_LOG_MARKER}`);
  await page.getByTestId('system-log-refresh').click();
  await expect(page.getByTestId('system-log')).toContainText(SYSTEM_LOG_MARKER);
  await page.getByTestId('log-tab-server').click();
  await expect(page.getByTestId('log-stream')).toHaveAttribute('data-state', 'live');

  // Both restarts are in the audit trail, by this session, done.
  await expect(auditRows(page, 'restart_camera')).toHaveCount(2);
  for (const row of await auditRows(page, 'restart_camera').all()) {
    await expect(row).toHaveAttribute('data-ok', 'true');
    await expect(row.getByTestId('audit-who')).toContainText('operator session');
  }
});

test('Restart server brings the page back connected by itself', async ({ browser }) => {
  // The server restarts in place with its own arguments: give it a fixed
  // port, as a real installation has.
  await server.restart();
  const page = await openPage(browser, server, '/system');
  // Every state the link badge passes through, as it happens.
  await page.evaluate(() => {
    const badge = document.querySelector('[data-testid="connection"]')!;
    const seen: string[] = [];
    (window as any).linkStates = seen;
    new MutationObserver(() => seen.push(badge.getAttribute('data-state') ?? '')).observe(badge, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
  await run(page, 'restart-server', 'the server is restarting');
  await expect
    .poll(() => page.evaluate(() => (window as any).linkStates as string[]))
    .toContainEqual(expect.stringMatching(/offline|reconnecting/));
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  expect(server.logText()).toContain("restarting the server at an operator's request");
  // No reload happened: the page's own state is still there.
  expect(await page.evaluate(() => Array.isArray((window as any).linkStates))).toBe(true);
});
