import { expect, test } from '@playwright/test';
import { RoomServiceClient } from 'livekit-server-sdk';
import { startDevMediaServer, type DevMediaServer } from '../src/index';
import { API_KEY, API_SECRET, TestParticipant, joinToken } from './support/participants';
import { startTestPage, type TestPageServer } from './support/test-page';
import { startWebhookSink } from './support/webhook-sink';

/**
 * Four browser contexts in one end-to-end encrypted room (Conclave's default): three join
 * and publish, a fourth joins late, everyone decodes everyone; then people leave or are
 * removed through RoomService, and the API's webhook endpoint hears all of it.
 */

const SIZE = { width: 640, height: 480 };
const ROOM = 'four';
const KEY = 'four participants share this passphrase';
let server: DevMediaServer;
let page: TestPageServer;
let sink: Awaited<ReturnType<typeof startWebhookSink>>;
const open: TestParticipant[] = [];

test.beforeAll(async () => {
  sink = await startWebhookSink(API_KEY, API_SECRET);
  server = await startDevMediaServer({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    webhookUrls: [sink.url],
    departureTimeoutSeconds: 0,
  });
  page = await startTestPage();
});

test.afterAll(async () => {
  await Promise.all(open.map((participant) => participant.close()));
  await server?.close();
  await sink?.close();
  await page?.close();
});

/** Records a timing in the report (and on the console, for the README's numbers). */
function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  console.log(`${type}: ${description}`);
}

test('four participants, a late joiner, leaving, RoomService and webhooks', async ({ browser }) => {
  test.setTimeout(120_000);
  const names = ['ada', 'ben', 'cy', 'dee'];
  const [ada, ben, cy, dee] = await Promise.all(
    names.map((name) => TestParticipant.open(browser, page.url, name)),
  );
  if (!ada || !ben || !cy || !dee) throw new Error('four pages expected');
  open.push(ada, ben, cy, dee);
  const join = async (who: TestParticipant) =>
    who.join({
      url: server.url,
      token: await joinToken(who.identity, ROOM),
      camera: true,
      microphone: true,
      e2eeKey: KEY,
      ...SIZE,
    });

  await Promise.all([ada, ben, cy].map(join));
  await Promise.all([
    ada.expectDecodes(['ben', 'cy'], SIZE),
    ben.expectDecodes(['ada', 'cy'], SIZE),
    cy.expectDecodes(['ada', 'ben'], SIZE),
  ]);

  // The late joiner receives the tracks published before it came, and they receive its own.
  const lateStart = Date.now();
  await join(dee);
  await dee.expectDecodes(['ada', 'ben', 'cy'], SIZE);
  note('late joiner decodes all three', `${Date.now() - lateStart} ms`);
  await Promise.all([ada, ben, cy].map((who) => who.expectDecodes(['dee'], SIZE)));

  // RoomService sees what the participants see.
  const rooms = new RoomServiceClient(server.url, API_KEY, API_SECRET);
  const listed = await rooms.listParticipants(ROOM);
  expect(listed.map((p) => `${p.identity}:${p.tracks.length}`).sort()).toEqual([
    'ada:2',
    'ben:2',
    'cy:2',
    'dee:2',
  ]);

  // Leaving: the others see cy and cy's tracks go, and keep decoding each other.
  await cy.leave();
  for (const who of [ada, ben, dee]) {
    await expect
      .poll(async () => (await who.participants()).map((p) => p.identity).sort())
      .toEqual(names.filter((name) => name !== 'cy' && name !== who.identity));
  }
  await ada.expectDecodes(['ben', 'dee'], SIZE);

  // Removing through RoomService disconnects that client with the reason LiveKit gives.
  await rooms.removeParticipant(ROOM, 'dee');
  await expect.poll(() => dee.disconnectReason()).toBe('PARTICIPANT_REMOVED');
  await expect.poll(async () => (await ada.participants()).map((p) => p.identity)).toEqual(['ben']);

  // A participant whose browser goes away without saying goodbye is gone as well.
  await ben.close();
  await expect.poll(() => ada.participants()).toEqual([]);
  await ada.leave();

  // Every webhook arrived, passed WebhookReceiver's signature and hash check, once.
  await expect.poll(() => sink.events(ROOM).at(-1), { timeout: 10_000 }).toBe('room_finished');
  expect(sink.rejected).toEqual([]);
  const events = sink.events(ROOM);
  expect(events[0]).toBe('room_started');
  const count = (name: string) => events.filter((event) => event.startsWith(name)).length;
  expect(events.filter((event) => event.startsWith('participant_joined')).sort()).toEqual(
    names.map((n) => `participant_joined:${n}`),
  );
  expect(events.filter((event) => event.startsWith('participant_left')).sort()).toEqual(
    names.map((n) => `participant_left:${n}`),
  );
  expect(count('track_published')).toBe(8);
  expect(count('track_unpublished')).toBe(8);
  const ids = sink.accepted.map((webhook) => webhook.event.id);
  expect(new Set(ids).size).toBe(ids.length);
});
