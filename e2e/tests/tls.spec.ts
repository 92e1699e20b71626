// HTTPS in the browser, as a phone on the local network gets it: the server
// runs with the one switch (`--tls on`) on this machine's network address;
// a browser whose certificate store holds the rig's own authority (an NSS
// database, as Chromium on Linux reads it; nothing is ignored) opens the
// start-up QR code's https:// login link and gets the live picture in a
// secure context, with WebCodecs and a Secure session cookie; an old
// http:// bookmark lands on the same page over HTTPS; and a browser that
// does not trust the rig yet gets the install page and the authority over
// plain HTTP, while its https:// page is refused.
import { test, expect, Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPERATOR_KEY, Server } from './server';

const server = new Server({ args: ['--tls', 'on'] });
/** A HOME whose NSS database trusts the rig's authority. */
let home = '';
/** Chromium with that HOME: a device that installed the authority. */
let trusting: Browser;

/** This machine's first IPv4 network address (what a phone opens), or
 * loopback on a machine without one. */
function networkAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** The authority the server made, as served at /ca.crt (DER). */
function authorityDer(): Buffer {
  const pem = fs.readFileSync(path.join(server.mediaDir, '.camrig', 'tls', 'ca.crt'), 'utf8');
  return new crypto.X509Certificate(pem).raw;
}

/** SHA-256 as the page shows it: AB:CD:... */
function fingerprint(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** A plain-HTTP GET on the server's port: status and Location. */
function plainGet(urlPath: string): Promise<{ status: number; location?: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: urlPath }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
      .on('error', reject);
  });
}

test.beforeAll(async ({ playwright, launchOptions }) => {
  await server.start(`${networkAddress()}:0`);
  expect(server.url).toMatch(/^https:\/\//);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-home-'));
  const db = `sql:${path.join(home, '.pki', 'nssdb')}`;
  fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-d', db, '-N', '--empty-password']);
  execFileSync('certutil', [
    '-d', db, '-A', '-t', 'C,,', '-n', 'camrig local authority',
    '-i', path.join(server.mediaDir, '.camrig', 'tls', 'ca.crt'),
  ]);
  trusting = await playwright.chromium.launch({ ...launchOptions, env: { ...process.env, HOME: home } });
});

test.afterAll(async () => {
  await trusting?.close();
  await server.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('a device that trusts the rig gets the live picture over HTTPS in a secure context', async () => {
  const context = await trusting.newContext();
  const page = await context.newPage();
  // The start-up QR code's link, over HTTPS.
  await page.goto(`${server.url}/login#key=${OPERATOR_KEY}`);
  await expect(page.getByTestId('access')).toHaveAttribute('data-role', 'operator');
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  expect(page.url().startsWith('https://')).toBe(true);
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  // What HTTPS is for: the browser's video decoder exists only here.
  expect(await page.evaluate(() => typeof (window as any).VideoDecoder)).toBe('function');
  const session = (await context.cookies()).find((c) => c.name === 'camrig_session');
  expect(session?.secure).toBe(true);
  await context.close();
});

test('an old http:// bookmark lands on the same page over HTTPS', async () => {
  const plainUrl = server.url.replace(/^https:/, 'http:');
  const direct = await plainGet('/gallery?kind=photo');
  expect(direct.status).toBe(308);
  expect(direct.location).toBe(`${server.url}/gallery?kind=photo`);

  const context = await trusting.newContext();
  const page = await context.newPage();
  await page.goto(`${plainUrl}/gallery`);
  await expect(page).toHaveURL(`${server.url}/gallery`);
  // The page works there: its list came from the API, the picture's state
  // over wss://.
  await expect(page.getByTestId('gallery')).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  await context.close();
});

test('a device that does not trust the rig yet can install its authority', async ({ context }) => {
  const plainUrl = server.url.replace(/^https:/, 'http:');
  // The default browser has no such authority: the https:// page is refused.
  const refused = await context.newPage();
  await expect(refused.goto(`${server.url}/`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);

  const page = await context.newPage();
  await page.goto(`${plainUrl}/tls`);
  await expect(page.getByRole('heading', { name: "Install the rig's certificate" })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Android' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'iPhone and iPad' })).toBeVisible();
  await expect(page.getByTestId('https-link')).toHaveAttribute('href', `${server.url}/`);
  const der = authorityDer();
  await expect(page.getByTestId('fingerprint')).toHaveText(fingerprint(der));

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('camrig-ca.crt');
  const saved = fs.readFileSync((await download.path())!);
  expect(saved.equals(der)).toBe(true);
});
