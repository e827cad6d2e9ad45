import { defineConfig } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { livekitVersion } from '../scripts/livekit/server';
import { chromiumLaunchOptions } from './support/chromium';

/**
 * The real LiveKit server is built with Go (scripts/livekit/build.sh). On a machine with neither
 * the built binary nor Go, `e2e-livekit` is left out with a notice; CI always runs it.
 */
const livekitAvailable =
  !!process.env.CI ||
  existsSync(path.join(import.meta.dirname, '..', '.cache/livekit', livekitVersion(), 'server')) ||
  spawnSync('go', ['version']).status === 0;
if (!livekitAvailable) {
  console.warn(
    '[e2e-livekit] skipped: no LiveKit server built and no Go to build it (see docs/media-server.md)',
  );
}

/**
 * One Playwright run for the whole repo.
 * - `packages`: browser tests that belong to one package (e.g. crypto vectors in Chromium,
 *   the development media server with livekit-client). They start their own fixtures.
 * - `e2e`: what a person does in the portal; runs against the whole product (see ./support).
 * - `e2e-livekit`: the meeting room against the product on the real LiveKit server.
 * No retries: a flaky test is a bug to fix, not to hide.
 */
export default defineConfig({
  testDir: '..',
  outputDir: './test-results',
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI
    ? [['list']]
    : [['list'], ['html', { open: 'never', outputFolder: './playwright-report' }]],
  use: {
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
  },
  globalSetup: './support/global-setup.ts',
  projects: [
    {
      name: 'packages',
      testMatch: ['packages/*/test/**/*.spec.ts', 'packages/*/src/**/*.spec.ts'],
    },
    {
      name: 'e2e',
      testMatch: ['tests/e2e/**/*.spec.ts'],
    },
    ...(livekitAvailable
      ? [
          {
            // The meeting room again, on the real LiveKit server (built by scripts/livekit/build.sh),
            // plus what only a real server can show (tests/e2e-livekit). Specs that read the
            // development server's test-only tap are tagged @dev-media-server and stay on `e2e`.
            name: 'e2e-livekit',
            // Join, E2EE media both ways, key rotation on join and leave, sign-out; plus the
            // operator-blindness probe. room-guests and room-host fail here on the real server
            // (guest lobby timed out; the screen share did not decode): open, see media-server.md.
            testMatch: ['tests/e2e/room.spec.ts', 'tests/e2e-livekit/**/*.spec.ts'],
            grepInvert: /@dev-media-server/,
          },
        ]
      : []),
  ],
});
