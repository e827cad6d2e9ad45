import { expect, test, type Browser } from '@playwright/test';
import {
  assessTrack,
  startDevMediaServer,
  tapTracksFromJson,
  type DevMediaServer,
  type TapSnapshotJson,
  type TapTrack,
} from '../src/index';
import { API_KEY, API_SECRET, TestParticipant, joinToken } from './support/participants';
import { startTestPage, type TestPageServer } from './support/test-page';

/**
 * Two (and, for the wrong key, three) browser contexts with the unmodified livekit-client
 * against the development media server.
 */

const VGA = { width: 640, height: 480 };
let server: DevMediaServer;
let page: TestPageServer;
const open: TestParticipant[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  server = await startDevMediaServer({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    enableTap: true,
    departureTimeoutSeconds: 0,
  });
  page = await startTestPage();
});

test.afterEach(async () => {
  await Promise.all(open.splice(0).map((participant) => participant.close()));
});

test.afterAll(async () => {
  await server?.close();
  await page?.close();
});

async function participant(browser: Browser, identity: string): Promise<TestParticipant> {
  const opened = await TestParticipant.open(browser, page.url, identity);
  open.push(opened);
  return opened;
}

/** What the server forwarded, read over HTTP as the meeting-room tests in other processes do. */
async function tappedTracks(room: string): Promise<TapTrack[]> {
  const response = await fetch(`${server.httpUrl}/debug/tap`);
  expect(response.ok).toBe(true);
  return tapTracksFromJson((await response.json()) as TapSnapshotJson).filter(
    (track) => track.roomName === room,
  );
}

/** Waits until the tap holds enough frames of every camera and microphone of the room. */
async function waitForTap(room: string, identities: string[]): Promise<TapTrack[]> {
  await expect
    .poll(
      async () => {
        const tracks = await tappedTracks(room);
        return identities.flatMap((identity) =>
          ['camera', 'microphone'].map((source) => {
            const track = tracks.find(
              (t) => t.participantIdentity === identity && t.source === source,
            );
            return `${identity}/${source}: ${(track?.frames.length ?? 0) >= 20 ? 'enough' : String(track?.frames.length ?? 0)}`;
          }),
        );
      },
      { message: 'tap captures every track' },
    )
    .toEqual(
      identities.flatMap((identity) => [
        `${identity}/camera: enough`,
        `${identity}/microphone: enough`,
      ]),
    );
  return tappedTracks(room);
}

function base64Of(data: Uint8Array): string {
  return Buffer.from(data).toString('base64');
}

/** Records a timing in the report (and on the console, for the README's numbers). */
function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  console.log(`${type}: ${description}`);
}

test('E2EE off: both decode each other, data, metadata and screen share work, the tap sees decodable media', async ({
  browser,
}) => {
  const room = 'plain-room';
  const [alice, bob] = await Promise.all([
    participant(browser, 'alice'),
    participant(browser, 'bob'),
  ]);
  const started = Date.now();
  await alice.join({
    url: server.url,
    token: await joinToken('alice', room),
    camera: true,
    microphone: true,
  });
  await bob.join({
    url: server.url,
    token: await joinToken('bob', room),
    camera: true,
    microphone: true,
  });
  await Promise.all([alice.expectDecodes(['bob'], VGA), bob.expectDecodes(['alice'], VGA)]);
  note('first decoded frames (both ways)', `${Date.now() - started} ms`);

  // Data: reliable and lossy, with and without destinations, sender identity set by the server.
  await alice.sendData('hello bob', { reliable: true, topic: 'chat' });
  await bob.sendData('lossy hi', { reliable: false });
  await alice.sendData('not for bob', { reliable: true, destinationIdentities: ['nobody'] });
  await alice.sendData('for bob', { reliable: true, destinationIdentities: ['bob'] });
  await expect
    .poll(() => bob.received())
    .toEqual([
      { from: 'alice', text: 'hello bob', topic: 'chat', reliable: true },
      { from: 'alice', text: 'for bob', topic: undefined, reliable: true },
    ]);
  await expect
    .poll(() => alice.received())
    .toEqual([{ from: 'bob', text: 'lossy hi', topic: undefined, reliable: false }]);

  // Muting is seen by the other side.
  await alice.setMicrophoneEnabled(false);
  await expect
    .poll(
      async () =>
        (await bob.participants())[0]?.tracks.find((t) => t.source === 'microphone')?.muted,
    )
    .toBe(true);
  await alice.setMicrophoneEnabled(true);

  // Metadata set by the participant reaches the other one.
  await alice.setMetadata('{"hand":"raised"}');
  await expect.poll(async () => (await bob.participants())[0]?.metadata).toBe('{"hand":"raised"}');

  // Screen share is another video track; unpublishing it removes it for the other side.
  const screenSid = await alice.publishScreenShare(1280, 720);
  await expect
    .poll(
      async () => {
        const screen = (await bob.remoteStats()).find((s) => s.trackSid === screenSid);
        return screen && screen.framesDecoded > 0
          ? `${screen.source} ${screen.frameWidth}x${screen.frameHeight}`
          : 'not yet';
        // Under CPU load Chromium may send only the low layer for a while before adding 1280x720.
      },
      { timeout: 25_000 },
    )
    .toBe('screen_share 1280x720');
  await alice.unpublishScreenShare();
  await expect
    .poll(async () => (await bob.participants())[0]?.tracks.map((t) => t.source).sort())
    .toEqual(['camera', 'microphone']);

  // The control for the E2EE test below: with E2EE off the same check sees plaintext.
  const tracks = await waitForTap(room, ['alice', 'bob']);
  for (const track of tracks.filter((t) => t.source === 'camera' || t.source === 'microphone')) {
    const assessment = assessTrack(track);
    expect(
      assessment.verdict,
      `${track.participantIdentity}/${track.source}: ${assessment.explanation}`,
    ).toBe('decodable');
    expect(track.declaredEncryption).toBe('none');
  }
  // And a real decoder agrees: the tapped 640x480 keyframe decodes as it is.
  const keyframe = tracks
    .find((t) => t.participantIdentity === 'alice' && t.source === 'camera')
    ?.frames.find((f) => f.keyframe && f.layer === 'h');
  expect(keyframe, 'a full-size keyframe was tapped').toBeDefined();
  expect(await bob.decodeVp8Keyframe(base64Of(keyframe?.data ?? new Uint8Array()))).toEqual({
    ok: true,
    ...VGA,
  });

  // canSubscribe: false: the lurker sees who publishes but is sent nothing. Its own microphone
  // reaching alice proves its connection went through the negotiations that would have
  // carried the tracks.
  const lurker = await participant(browser, 'lurker');
  await lurker.join({
    url: server.url,
    token: await joinToken('lurker', room, { canSubscribe: false }),
    microphone: true,
  });
  await expect
    .poll(async () => {
      const fromLurker = (await alice.remoteStats()).find((s) => s.participant === 'lurker');
      return (fromLurker?.decodedSamples ?? 0) > 4800;
    })
    .toBe(true);
  const seenByLurker = await lurker.remoteStats();
  expect(seenByLurker.map((s) => `${s.participant}/${s.source}`).sort()).toEqual([
    'alice/camera',
    'alice/microphone',
    'bob/camera',
    'bob/microphone',
  ]);
  expect(seenByLurker.every((s) => !s.subscribed && s.bytesReceived === 0)).toBe(true);

  // Leaving: the other side sees the participant and its tracks go.
  await bob.leave();
  await expect
    .poll(async () => (await alice.participants()).map((p) => p.identity))
    .toEqual(['lurker']);
});

test('E2EE on: participants with the key decode, the tap sees only ciphertext, a wrong key decodes nothing', async ({
  browser,
}) => {
  const room = 'e2ee-room';
  const key = 'correct horse battery staple';
  const [alice, bob, mallory] = await Promise.all([
    participant(browser, 'alice'),
    participant(browser, 'bob'),
    participant(browser, 'mallory'),
  ]);
  await alice.join({
    url: server.url,
    token: await joinToken('alice', room),
    camera: true,
    microphone: true,
    e2eeKey: key,
  });
  await bob.join({
    url: server.url,
    token: await joinToken('bob', room),
    camera: true,
    microphone: true,
    e2eeKey: key,
  });
  await mallory.join({
    url: server.url,
    token: await joinToken('mallory', room),
    e2eeKey: 'a wrong key',
  });
  await Promise.all([alice.expectDecodes(['bob'], VGA), bob.expectDecodes(['alice'], VGA)]);
  expect((await bob.participants())[0]?.tracks.every((t) => t.encrypted)).toBe(true);

  // Simulcast: the server switches layers at keyframes, which it finds although frames are
  // encrypted (the VP8 payload descriptor and frame tag stay readable).
  await bob.setCameraQuality('alice', 'low');
  await expect.poll(() => bob.cameraSize('alice')).toBe('240x180');
  await bob.setCameraQuality('alice', 'high');
  await expect.poll(() => bob.cameraSize('alice')).toBe('640x480');

  // Data packets are encrypted too and still arrive.
  await alice.sendData('secret hello', { reliable: true });
  await expect
    .poll(() => bob.received())
    .toEqual([{ from: 'alice', text: 'secret hello', topic: undefined, reliable: true }]);

  // Mallory receives the same packets but, with the wrong key, decodes none of them.
  await expect
    .poll(
      async () => {
        const stats = await mallory.remoteStats();
        return stats.length === 4 && stats.every((s) => s.bytesReceived > 20_000);
      },
      { message: 'mallory receives media' },
    )
    .toBe(true);
  for (const stats of await mallory.remoteStats()) {
    expect(stats.framesDecoded, `${stats.participant}/${stats.source}`).toBe(0);
    expect(stats.decodedSamples, `${stats.participant}/${stats.source}`).toBe(0);
  }

  // What the server forwarded: ciphertext only, by the same check that saw plaintext above.
  const tracks = await waitForTap(room, ['alice', 'bob']);
  for (const track of tracks) {
    const assessment = assessTrack(track);
    expect(
      assessment.verdict,
      `${track.participantIdentity}/${track.source}: ${assessment.explanation}`,
    ).toBe('encrypted');
    expect(track.declaredEncryption).toBe('gcm');
  }
  // It is genuine media under the participants' key: with the key it decrypts and decodes.
  const keyframe = tracks
    .find((t) => t.participantIdentity === 'bob' && t.source === 'camera')
    ?.frames.find((f) => f.keyframe && f.layer === 'h');
  expect(keyframe, 'a full-size keyframe was tapped').toBeDefined();
  const data = base64Of(keyframe?.data ?? new Uint8Array());
  expect(await alice.decodeVp8Keyframe(data, key)).toEqual({ ok: true, ...VGA });
  expect((await alice.decodeVp8Keyframe(data, 'a wrong key')).ok).toBe(false);
});

test('clear refusals: bad token, legacy connection mode, publishing without permission', async ({
  browser,
}) => {
  const eve = await participant(browser, 'eve');
  const forged = await eve.joinExpectingError({
    url: server.url,
    token: (await joinToken('eve', 'refusals')).slice(0, -4) + 'AAAA',
  });
  expect(forged).toMatch(/invalid token/);
  expect(forged).toMatch(/status 401/);

  const legacy = await participant(browser, 'legacy');
  const legacyError = await legacy.joinExpectingError({
    url: server.url,
    token: await joinToken('legacy', 'refusals'),
    singlePeerConnection: false,
  });
  expect(legacyError).toMatch(/single peer connection mode/);

  const viewer = await participant(browser, 'viewer');
  const viewerError = await viewer.joinExpectingError({
    url: server.url,
    token: await joinToken('viewer', 'refusals', { canPublish: false }),
    camera: true,
  });
  expect(viewerError).toMatch(/insufficient permissions/);
});
