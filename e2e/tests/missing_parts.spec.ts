// A server on a machine where part of GStreamer is missing (here the
// plugin file holding `h264parse`, as when gstreamer1.0-plugins-bad was
// never installed): it still starts and streams, logs what cannot work,
// reports it in its state, and the live page disables Record with the
// reason and the package to install, before anyone presses the button,
// and shows the live picture as JPEG, saying why.
import { test, expect } from '@playwright/test';
import { Server, openPage, gstreamerWithout } from './server';

const server = new Server({ env: gstreamerWithout(['libgstvideoparsersbad.so']) });

test.beforeAll(async () => {
  await server.start();
});

test.afterAll(async () => {
  await server.stop();
});

test('without h264parse, Record is disabled with the reason and the rest works', async ({ browser }) => {
  const reason =
    "GStreamer element 'h264parse' is missing; install the Debian package gstreamer1.0-plugins-bad";
  const state = await server.state();
  // Recording needs it, and so does every other H.264 output.
  expect(state.unavailable).toContainEqual({ feature: 'recording', reason });
  expect(state.unavailable).toContainEqual({ feature: 'live_h264', reason });
  expect(server.logText()).toContain('feature unavailable');
  expect(server.logText()).toContain('h264parse');

  // openPage waits for the live picture: streaming does not need it.
  const page = await openPage(browser, server);
  // The live picture comes as JPEG, and the page says why.
  await expect(page.getByTestId('codec')).toHaveText('JPEG (server has no H.264)');
  await expect(page.getByTestId('record')).toBeDisabled();
  await expect(page.getByTestId('recording-unavailable')).toHaveText(
    `Recording is not available: ${reason}`,
  );
  await expect(page.getByTestId('record')).toHaveAttribute('title', reason);

  // Snapshots need nothing that is missing.
  await page.getByTestId('snapshot').click();
  await expect(page.getByTestId('message')).toContainText('Saved');

  // A client that asks anyway gets the same reason, and nothing is left behind.
  const res = await server.action('record_start', {});
  expect(res.ok).toBe(false);
  expect((await res.json()).message).toContain('h264parse');
  expect((await server.state()).recording.active ?? null).toBeNull();
});
