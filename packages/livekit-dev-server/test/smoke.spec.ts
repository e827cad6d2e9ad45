import { test } from '@playwright/test';
import { startDevMediaServer, type DevMediaServer } from '../src/index';
import { consoleLogger } from '../src/options';
import { API_KEY, API_SECRET, TestParticipant, joinToken } from './support/participants';
import { startTestPage, type TestPageServer } from './support/test-page';

let server: DevMediaServer;
let page: TestPageServer;

test.beforeAll(async () => {
  server = await startDevMediaServer({ apiKey: API_KEY, apiSecret: API_SECRET, enableTap: true, departureTimeoutSeconds: 0, logger: consoleLogger });
  page = await startTestPage();
});

test.afterAll(async () => {
  await server?.close();
  await page?.close();
});

test('two participants decode each other', async ({ browser }) => {
  const alice = await TestParticipant.open(browser, page.url, 'alice');
  const bob = await TestParticipant.open(browser, page.url, 'bob');
  const t0 = Date.now();
  await alice.join({ url: server.url, token: await joinToken('alice', 'smoke'), camera: true, microphone: true });
  await bob.join({ url: server.url, token: await joinToken('bob', 'smoke'), camera: true, microphone: true });
  await alice.expectDecodes(['bob'], { width: 640, height: 480 });
  await bob.expectDecodes(['alice'], { width: 640, height: 480 });
  console.log('decoded after', Date.now() - t0);
  await alice.close();
  await bob.close();
});
