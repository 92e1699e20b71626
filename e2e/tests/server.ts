// Starts the real camrig server for a test: the release binary with the
// test camera source on a free port, serving the built web app. The port is
// read from the server's "listening on" line (http:// or, with
// `--tls on`, https://); restart() brings the server
// back on the same port with the same media folder. Every start() gets a
// fresh, empty media folder (and so a fresh catalogue) in a temporary
// directory, first filled with the `mediaFiles` given to the constructor;
// tests may put more files into `mediaDir` while the server runs; `args`
// given to the constructor are added to the server's command line (for
// example `--device-mode demo`). state()
// and action() read the server state and run camera actions over HTTP;
// openPage() opens the web app in a fresh browser context (one more viewer)
// and waits until the camera is live there. Every server runs with the
// operator key OPERATOR_KEY; operatorContext() is a browser context logged
// in with it (as the login form would), viewerContext() one that is not.
// Both block the app's service worker unless the options say
// `serviceWorkers: 'allow'` (install.spec.ts does): a worker would answer
// navigations from its cache while a test stops or restarts the server.
import { spawn, ChildProcess } from 'node:child_process';
import { expect, test, Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = process.env.CAMRIG_BIN ?? path.join(root, 'target', 'release', 'camrig');
const dist = process.env.CAMRIG_DIST ?? path.join(root, 'dist');

/** Files to put into the media folder: name -> contents or, for a
 * `{ copy: path }` value, a file to copy (the path may be given by a
 * function, for files made after the Server is constructed). */
export type MediaFiles = Record<string, Buffer | string | { copy: string | (() => string) }>;

export interface ServerOptions {
  mediaFiles?: MediaFiles;
  /** More command-line flags for the server, after the defaults. */
  args?: string[];
  /** More environment variables for the server. */
  env?: Record<string, string>;
}

/** The operator key of every test server. */
export const OPERATOR_KEY = 'e2e-operator-key-0123456789';

const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export class Server {
  url = '';
  /** The media folder of the running server (fresh on every start()). */
  mediaDir = '';
  private child: ChildProcess | null = null;
  private log: string[] = [];

  constructor(private options: ServerOptions = {}) {}

  /** Writes files into the media folder (the server need not be running). */
  addMediaFiles(files: MediaFiles): void {
    for (const [name, contents] of Object.entries(files)) {
      const target = path.join(this.mediaDir, name);
      if (typeof contents === 'object' && !Buffer.isBuffer(contents)) {
        const source = typeof contents.copy === 'function' ? contents.copy() : contents.copy;
        fs.copyFileSync(source, target);
      } else {
        fs.writeFileSync(target, contents);
      }
    }
  }

  async start(listen = '127.0.0.1:0', freshMedia = true): Promise<void> {
    if (freshMedia || !this.mediaDir) {
      if (this.mediaDir) {
        fs.rmSync(this.mediaDir, { recursive: true, force: true });
        tempDirs.delete(this.mediaDir);
      }
      this.mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-media-'));
      tempDirs.add(this.mediaDir);
      this.addMediaFiles(this.options.mediaFiles ?? {});
    }
    const child = spawn(
      bin,
      ['--camera', 'test', '--listen', listen, '--frontend-dir', dist,
        '--media-dir', this.mediaDir,
        '--width', '640', '--height', '360', '--fps', '15',
        ...(this.options.args ?? [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          RUST_LOG: 'warn',
          CAMRIG_AUTH_OPERATOR_KEY: OPERATOR_KEY,
          // Never the machine's own reboot or shutdown; tests that click
          // them set a command whose effect they can see.
          CAMRIG_SYSTEM_REBOOT_COMMAND: 'true',
          CAMRIG_SYSTEM_SHUTDOWN_COMMAND: 'true',
          ...this.options.env,
        },
      },
    );
    this.child = child;
    child.stderr?.on('data', (d) => this.log.push(String(d)));
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log.join('')}`)), 20_000);
      child.stdout?.on('data', (d) => {
        out += String(d);
        const m = out.match(/listening on (https?:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log.join('')}`));
      });
    });
  }

  /** Stops the server with SIGTERM and waits until the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  /** What the server has written to its log (standard error) so far. */
  logText(): string {
    return this.log.join('');
  }

  async restart(): Promise<void> {
    const listen = new URL(this.url).host;
    await this.stop();
    await this.start(listen, false);
  }

  /** Sequence number of the newest frame the server holds. */
  async sequence(): Promise<number> {
    const res = await fetch(`${this.url}/snapshot.jpg`);
    return Number(res.headers.get('x-frame-sequence') ?? -1);
  }

  /** The server state, as `GET /api/state` gives it. */
  async state(): Promise<any> {
    const res = await fetch(`${this.url}/api/state`);
    if (!res.ok) throw new Error(`GET /api/state: ${res.status}`);
    return res.json();
  }

  /** Runs a camera action through `POST /api/actions/{name}`, as the
   * operator (with the key as a bearer token). */
  async action(name: string, args: object = {}): Promise<Response> {
    return fetch(`${this.url}/api/actions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify(args),
    });
  }

  /** A new browser context that is not logged in: a viewer. */
  async viewerContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
    return browser.newContext({ ...projectDevice(), ...options });
  }

  /** Logs `context` in as the operator (the session cookie is kept by the
   * context for its pages, as the login form's is). */
  async login(context: BrowserContext): Promise<void> {
    const res = await context.request.post(`${this.url}/api/login`, { data: { key: OPERATOR_KEY } });
    if (!res.ok()) throw new Error(`login failed: ${res.status()} ${await res.text()}`);
  }

  /** A new browser context logged in as the operator: the login answer's
   * session cookie is kept by the context, as the login form's is. */
  async operatorContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ ...projectDevice(), ...options });
    await this.login(context);
    return context;
  }
}

/** The context options of the running test's project (its screen and
 * touch; see playwright.config.ts), with service workers blocked unless a
 * test asks for them: a worker left from one test must not serve the next
 * one's pages. */
function projectDevice(): BrowserContextOptions {
  let use: BrowserContextOptions = {};
  try {
    use = test.info().project.use;
  } catch {
    // Outside a test (a helper script): Playwright's defaults.
  }
  return {
    viewport: use.viewport,
    deviceScaleFactor: use.deviceScaleFactor,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    serviceWorkers: 'block',
  };
}

/** Environment that makes GStreamer see every installed plugin except the
 * files named in `without` (for example `libgstvideoparsersbad.so`, which
 * holds `h264parse`): a folder of links to the others and a registry file
 * of its own, both in a new temporary folder. */
export function gstreamerWithout(without: string[]): Record<string, string> {
  const systemDir = fs
    .readdirSync('/usr/lib')
    .map((arch) => path.join('/usr/lib', arch, 'gstreamer-1.0'))
    .find((dir) => fs.existsSync(path.join(dir, 'libgstcoreelements.so')));
  if (!systemDir) throw new Error('no GStreamer plugin folder under /usr/lib/*/gstreamer-1.0');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camrig-gst-'));
  tempDirs.add(dir);
  const plugins = path.join(dir, 'plugins');
  fs.mkdirSync(plugins);
  for (const name of fs.readdirSync(systemDir)) {
    if (name.endsWith('.so') && !without.includes(name)) {
      fs.symlinkSync(path.join(systemDir, name), path.join(plugins, name));
    }
  }
  return {
    GST_PLUGIN_SYSTEM_PATH_1_0: plugins,
    GST_PLUGIN_PATH_1_0: '',
    GST_REGISTRY_1_0: path.join(dir, 'registry.bin'),
  };
}

/** Opens `route` of the server in a new browser context (with `options`,
 * the service worker blocked unless they allow it), logged in as the
 * operator unless `as` is 'viewer', and waits until the page shows the
 * camera live. */
export async function openPage(
  browser: Browser,
  server: Server,
  route = '/',
  as: 'operator' | 'viewer' = 'operator',
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context =
    as === 'operator'
      ? await server.operatorContext(browser, options)
      : await server.viewerContext(browser, options);
  const page = await context.newPage();
  await page.goto(`${server.url}${route}`);
  await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'live');
  return page;
}

/** Opens the live page's control sheet where it is not always open (a
 * phone): More, then the sheet is shown. */
export async function openSheet(page: Page): Promise<void> {
  const sheet = page.getByTestId('sheet');
  if (await sheet.isVisible()) return;
  await page.getByTestId('more').click();
  await expect(sheet).toBeVisible();
}

/** Takes a snapshot or starts a recording named `name`, through the
 * sheet's "Name a …" button and the name dialog. */
export async function namedCapture(page: Page, kind: 'snapshot' | 'record', name: string): Promise<void> {
  await openSheet(page);
  await page.getByTestId(`${kind}-name-open`).click();
  await page.getByTestId(`${kind}-name`).fill(name);
  await page.getByTestId('name-save').click();
  await expect(page.getByTestId('name-dialog')).toBeHidden();
}

/** A new page in a 360 px wide touch-screen phone context, logged in as
 * the operator (not yet navigated). */
export async function phonePage(browser: Browser, server: Server): Promise<Page> {
  const context = await server.operatorContext(browser, {
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  return context.newPage();
}
