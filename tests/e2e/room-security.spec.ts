import type { Page } from '@playwright/test';
import { generateIdentity, publicIdentity, ready } from '@conclave/crypto';
import { assessTrack } from '../../packages/livekit-dev-server/src/tap/inspect';
import {
  tapTracksFromJson,
  type TapSnapshotJson,
  type TapTrack,
} from '../../packages/livekit-dev-server/src/tap/tap';
import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  csrfHeader,
  expectAllDecode,
  joinRoom,
  POLL,
  pressJoin,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

test('a server that swaps a member’s public key: the security codes differ and the key-change warning shows', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await ready();
  const org = await seedRoomOrg(request, 1);
  const [ana, ben] = await signedInPages(browser, baseURL!, [org.owner, org.members[0]!]);
  // They meet once, so each browser pins the other's key.
  const first = await createMeeting(ana!, org.orgId);
  await Promise.all(
    [ana!, ben!].map((page) => joinRoom(page, `/meet/${first.id}?org=${org.orgId}`)),
  );
  for (const page of [ana!, ben!]) {
    await expect
      .poll(async () => (await roomView(page)).participants.length, { intervals: POLL })
      .toBe(2);
  }
  for (const page of [ana!, ben!]) {
    await page.getByRole('button', { name: 'Leave' }).click();
    await expect(page.getByTestId('room-ended')).toHaveAttribute('data-phase', 'left');
  }

  const impostor = publicIdentity(generateIdentity());
  const swap = await request.put('/api/test/meetings/faults/identity-swap', {
    data: { userId: org.members[0]!.userId, identity: impostor },
  });
  expect(swap.status(), await swap.text()).toBe(200);
  try {
    const second = await createMeeting(ana!, org.orgId);
    await Promise.all(
      [ana!, ben!].map((page) => joinRoom(page, `/meet/${second.id}?org=${org.orgId}`)),
    );
    const warning = ana!.getByTestId('key-change-warning');
    await expect(warning).toBeVisible();
    await expect(warning).toContainText('Ben Berg’s key changed since you last met');
    await ana!.getByRole('button', { name: /^People/ }).click();
    await expect(
      ana!.getByRole('list', { name: 'Participants' }).getByRole('listitem', { name: 'Ben Berg' }),
    ).toHaveAttribute('data-verified', 'false');
    // The codes differ: Ana's browser computed it with the impostor key, Ben's with his own.
    const anaCode = ana!.getByTestId('security-code-short');
    const benCode = ben!.getByTestId('security-code-short');
    await expect(anaCode).toBeVisible();
    await expect(benCode).toBeVisible();
    expect(await anaCode.textContent()).not.toBe(await benCode.textContent());
    // And Ana gives Ben no key.
    expect((await roomView(ana!)).myKey?.holders).toEqual([]);
  } finally {
    await request.delete('/api/test/meetings/faults/identity-swap');
  }
  await Promise.all([ana!, ben!].map((page) => page.context().close()));
});

/** The tap of the development media server (test-only), found through a LiveKit token. */
async function tappedTracks(page: Page, orgId: string, meetingId: string): Promise<TapTrack[]> {
  const response = await page.request.post(`/api/orgs/${orgId}/meetings/${meetingId}/token`, {
    headers: await csrfHeader(page.context()),
    data: {},
  });
  expect(response.status(), await response.text()).toBe(200);
  const { url, roomName } = (await response.json()) as { url: string; roomName: string };
  const tap = await fetch(`${url.replace(/^ws/, 'http')}/debug/tap`);
  expect(tap.status, 'the media server runs with its test tap').toBe(200);
  return tapTracksFromJson((await tap.json()) as TapSnapshotJson).filter(
    (track) => track.roomName === roomName,
  );
}

async function assessMeeting(page: Page, orgId: string, meetingId: string) {
  let verdicts: string[] = [];
  await expect
    .poll(
      async () => {
        const tracks = (await tappedTracks(page, orgId, meetingId)).filter(
          (track) => track.source === 'camera' || track.source === 'microphone',
        );
        verdicts = tracks.map(
          (track) => `${track.source}:${assessTrack(track, { minFrames: 20 }).verdict}`,
        );
        return tracks.length === 4 && verdicts.every((v) => !v.endsWith('inconclusive'));
      },
      { intervals: POLL, timeout: 30_000, message: 'the tap holds enough of every track' },
    )
    .toBe(true);
  return verdicts.sort();
}

test(
  'the media server’s tap: no decodable media with E2EE on; the same check finds plaintext with E2EE off',
  { tag: '@dev-media-server' },
  async ({ browser, request, baseURL }) => {
    test.setTimeout(150_000);
    const org = await seedRoomOrg(request, 1);
    const pages = await signedInPages(browser, baseURL!, [org.owner, org.members[0]!]);
    const ids = [org.owner.userId, org.members[0]!.userId];

    const encrypted = await createMeeting(pages[0]!, org.orgId, { e2ee: true });
    await Promise.all(
      pages.map((page) => joinRoom(page, `/meet/${encrypted.id}?org=${org.orgId}`)),
    );
    await expectAllDecode(pages, ids);
    expect(await assessMeeting(pages[0]!, org.orgId, encrypted.id)).toEqual([
      'camera:encrypted',
      'camera:encrypted',
      'microphone:encrypted',
      'microphone:encrypted',
    ]);
    for (const page of pages) await page.getByRole('button', { name: 'Leave' }).click();

    const open = await createMeeting(pages[0]!, org.orgId, { e2ee: false });
    for (const page of pages) {
      await page.goto(`/meet/${open.id}?org=${org.orgId}`);
      // Before joining, everyone is told that this meeting is not end-to-end encrypted.
      await expect(page.getByTestId('prejoin-e2ee')).toHaveAttribute('data-e2ee', 'off');
      await expect(page.getByTestId('prejoin-e2ee')).toContainText(
        'This meeting is not end-to-end encrypted',
      );
    }
    await Promise.all(pages.map((page) => pressJoin(page)));
    await expect(pages[0]!.getByTestId('encryption-status')).toHaveAttribute('data-e2ee', 'off');
    await expectAllDecode(pages, ids);
    expect(await assessMeeting(pages[0]!, org.orgId, open.id)).toEqual([
      'camera:decodable',
      'camera:decodable',
      'microphone:decodable',
      'microphone:decodable',
    ]);
    await Promise.all(pages.map((page) => page.context().close()));
  },
);
