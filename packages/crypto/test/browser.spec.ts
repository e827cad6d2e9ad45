import { expect, test } from '@playwright/test';
import type { TestPageGlobal } from './browser/api';
import { startTestPageServer, type TestPageServer } from './browser/server';

// The package in a real Chromium page: the committed known-answer vectors (and their
// deterministic regeneration) must give exactly what they give in Node. Callbacks passed to
// page.evaluate run in the page, so they reach the bundle only through globalThis.
let server: TestPageServer;

test.beforeAll(async () => {
  server = await startTestPageServer();
});

test.afterAll(async () => {
  await server.close();
});

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    (globalThis as { __CONCLAVE_CRYPTO_TEST__?: boolean }).__CONCLAVE_CRYPTO_TEST__ = true;
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => 'conclaveCryptoTest' in globalThis);
  expect(errors).toEqual([]);
});

test('known-answer vectors pass in Chromium', async ({ page }) => {
  const results = await page.evaluate(() =>
    (globalThis as TestPageGlobal).conclaveCryptoTest.runVectors(),
  );
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(new Set(results.map((r) => r.file)).size).toBe(11);
  expect(results.length).toBeGreaterThan(60);
});

test('a 5 MiB recording in irregular blobs round-trips in Chromium', async ({ page }) => {
  const result = await page.evaluate(() =>
    (globalThis as TestPageGlobal).conclaveCryptoTest.recordingRoundTrip(5 * 1024 * 1024 + 12345),
  );
  expect(result).toEqual({ complete: true, chunkCount: 6, matches: true });
});

test('deterministic randomness is refused on a page that is not a test page', async ({ page }) => {
  expect(
    await page.evaluate(() =>
      (globalThis as TestPageGlobal).conclaveCryptoTest.deterministicRandomOutsideTests(),
    ),
  ).toBe('TEST_ONLY');
});
