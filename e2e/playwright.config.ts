// Playwright configuration: Debian's Chromium (never a downloaded browser),
// one worker (the machines have two cores and the server needs one), and
// each test file starts its own real server (see tests/server.ts).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'off',
    // The app's service worker answers navigations from its cache, which
    // would hide a stopped or restarted server from the tests. Every
    // context blocks it (server.ts's too) unless its options allow it, as
    // install.spec.ts's do.
    serviceWorkers: 'block',
  },
});
