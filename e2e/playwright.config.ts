// Playwright configuration: Debian's Chromium (never a downloaded browser),
// one worker (the machines have two cores and the server needs one), and
// each test file starts its own real server (see tests/server.ts).
// Projects: `desktop` runs every spec but the phone's; the four phone
// projects (two common sizes, portrait and landscape, touch, 3x pixels) run
// phone.spec.ts. Contexts made by tests/server.ts take the project's device.
// readme.spec.ts (desktop project) takes the README's pictures.
import { defineConfig } from '@playwright/test';

/** A touch-screen phone `width` x `height` CSS pixels. */
const phone = (width: number, height: number) => ({
  viewport: { width, height },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
});

export default defineConfig({
  testDir: './tests',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  // readme.spec.ts's pictures live in the README's folder and are rewritten
  // when they changed beyond its threshold, never failing the run: the
  // README's pictures follow the app (commit them with the change).
  snapshotPathTemplate: '../docs/screenshots/{arg}{ext}',
  updateSnapshots: 'changed',
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
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } }, testIgnore: /phone\.spec\.ts/ },
    { name: 'phone-360', use: phone(360, 740), testMatch: /phone\.spec\.ts/ },
    { name: 'phone-360-land', use: phone(740, 360), testMatch: /phone\.spec\.ts/ },
    { name: 'phone-390', use: phone(390, 844), testMatch: /phone\.spec\.ts/ },
    { name: 'phone-390-land', use: phone(844, 390), testMatch: /phone\.spec\.ts/ },
  ],
});
