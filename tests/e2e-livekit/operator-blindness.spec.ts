import type { Page } from '@playwright/test';
import { AccessToken } from 'livekit-server-sdk';
import { assessTrack } from '../../packages/livekit-dev-server/src/tap/inspect';
import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  csrfHeader,
  expectAllDecode,
  joinRoom,
  POLL,
  seedRoomOrg,
  signedInPages,
} from '../support/room';
import type { ProbeTrack } from './probe/page';
import { startProbePage } from './probe/server';

/**
 * What the operator of the real LiveKit server can see of a meeting: someone holding the
 * server's API keys can give themselves a token that subscribes to every track (here: a hidden
 * participant, as an operator would use). With E2EE on, what LiveKit delivers to them is not
 * decodable media; with E2EE off the same probe finds decodable media, so the check can fail.
 * The frames are judged by the same function as the development server's tap (`assessTrack`),
 * and Chromium's own decoder is asked too.
 */

interface ProbeResult {
  verdicts: string[];
  tracks: ProbeTrack[];
}

async function probeMeeting(page: Page, orgId: string, meetingId: string): Promise<ProbeResult> {
  const apiKey = process.env.CONCLAVE_LIVEKIT_API_KEY;
  const apiSecret = process.env.CONCLAVE_LIVEKIT_API_SECRET;
  if (!apiKey || !apiSecret) throw new Error('the e2e-livekit setup left no LiveKit keys');
  // The room name and server URL, as the product hands them to participants.
  const response = await page.request.post(`/api/orgs/${orgId}/meetings/${meetingId}/token`, {
    headers: await csrfHeader(page.context()),
    data: {},
  });
  expect(response.status(), await response.text()).toBe(200);
  const { url, roomName } = (await response.json()) as { url: string; roomName: string };

  const token = new AccessToken(apiKey, apiSecret, { identity: 'operator-probe', ttl: '5m' });
  token.addGrant({
    roomJoin: true,
    room: roomName,
    canSubscribe: true,
    canPublish: false,
    hidden: true,
  });
  const server = await startProbePage();
  const context = await page.context().browser()!.newContext();
  try {
    const probe = await context.newPage();
    await probe.goto(server.url);
    await probe.waitForFunction(() => typeof window.operatorProbe === 'object');
    await probe.evaluate(([u, t]) => window.operatorProbe.join(u, t), [
      url,
      await token.toJwt(),
    ] as const);
    let tracks: ProbeTrack[] = [];
    await expect
      .poll(
        async () => {
          tracks = (await probe.evaluate(() => window.operatorProbe.tracks())).filter(
            (t) => t.source === 'camera' || t.source === 'microphone',
          );
          if (tracks.length === 4 && tracks.every((t) => t.frames.length >= 40)) return 'ready';
          return probe.evaluate(() => window.operatorProbe.state());
        },
        { intervals: POLL, timeout: 30_000, message: 'the probe received frames of every track' },
      )
      .toBe('ready');
    // Give the decoder a moment on what arrived.
    await probe.waitForTimeout(1_000);
    tracks = (await probe.evaluate(() => window.operatorProbe.tracks())).filter(
      (t) => t.source === 'camera' || t.source === 'microphone',
    );
    const verdicts = tracks
      .map((track) => {
        const frames = track.frames.map((frame) => {
          const data = Buffer.from(frame.base64, 'base64');
          return {
            layer: '',
            keyframe: frame.keyframe,
            rtpTimestamp: 0,
            size: data.length,
            truncated: false,
            data,
          };
        });
        return `${track.source}:${assessTrack({ kind: track.kind, frames }, { minFrames: 20 }).verdict}`;
      })
      .sort();
    await probe.evaluate(() => window.operatorProbe.leave());
    return { verdicts, tracks };
  } finally {
    await context.close();
    await server.close();
  }
}

test('operator blindness on the real LiveKit: a subscriber without keys gets no decodable media with E2EE on; the same probe decodes E2EE-off meetings', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const org = await seedRoomOrg(request, 1);
  const pages = await signedInPages(browser, baseURL!, [org.owner, org.members[0]!]);
  const ids = [org.owner.userId, org.members[0]!.userId];

  const encrypted = await createMeeting(pages[0]!, org.orgId, { e2ee: true });
  await Promise.all(pages.map((page) => joinRoom(page, `/meet/${encrypted.id}?org=${org.orgId}`)));
  await expectAllDecode(pages, ids);
  const blind = await probeMeeting(pages[0]!, org.orgId, encrypted.id);
  console.log(
    JSON.stringify(blind.tracks.map(({ frames, ...rest }) => ({ ...rest, frames: frames.length }))),
  );
  expect(blind.verdicts).toEqual([
    'camera:encrypted',
    'camera:encrypted',
    'microphone:encrypted',
    'microphone:encrypted',
  ]);
  for (const page of pages) await page.getByRole('button', { name: 'Leave' }).click();

  const open = await createMeeting(pages[0]!, org.orgId, { e2ee: false });
  await Promise.all(pages.map((page) => joinRoom(page, `/meet/${open.id}?org=${org.orgId}`)));
  await expectAllDecode(pages, ids);
  const seeing = await probeMeeting(pages[0]!, org.orgId, open.id);
  console.log(
    JSON.stringify(
      seeing.tracks.map(({ frames, ...rest }) => ({ ...rest, frames: frames.length })),
    ),
  );
  expect(seeing.verdicts).toEqual([
    'camera:decodable',
    'camera:decodable',
    'microphone:decodable',
    'microphone:decodable',
  ]);
  // Chromium's decoder agrees: the probe decodes video frames and audio of both.
  for (const track of seeing.tracks) {
    if (track.kind === 'video') expect(track.framesDecoded, track.trackSid).toBeGreaterThan(0);
    else expect(track.decodedSamples, track.trackSid).toBeGreaterThan(0);
  }
  await Promise.all(pages.map((page) => page.context().close()));
});
