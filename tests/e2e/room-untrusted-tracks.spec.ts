import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type * as Livekit from 'livekit-client';
import { generateLinkSecret, ready } from '@conclave/crypto';
import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  expectDecodes,
  joinRoom,
  POLL,
  pressJoin,
  remoteStats,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

/**
 * In an end-to-end encrypted meeting the room plays only media of participants the control
 * channel knows, this browser trusts, and whose frames decrypt under their keys (issue 13, high
 * 2). livekit-client stops decrypting a participant whose tracks the media server reports as
 * unencrypted, so before the fix the room played whatever the server forwarded.
 */

const require = createRequire(import.meta.url);
const LIVEKIT_UMD = path.join(
  path.dirname(require.resolve('livekit-client')),
  'livekit-client.umd.js',
);

/**
 * A publisher the control channel never heard of, given a media token by the test hook: it
 * joins the occurrence's LiveKit room and publishes camera and microphone WITHOUT encryption,
 * under the display name of a real colleague.
 */
async function hostilePublisher(
  browser: Browser,
  baseURL: string,
  grant: { url: string; token: string },
): Promise<Page> {
  // The portal's CSP forbids inline scripts; this page is the attacker's, not the portal.
  const context = await browser.newContext({ baseURL, bypassCSP: true });
  const page = await context.newPage();
  await page.goto('/api/ready'); // any same-origin page: a secure context for getUserMedia
  await page.addScriptTag({ path: LIVEKIT_UMD });
  await page.evaluate(async ({ url, token }) => {
    const lk = (window as unknown as { LivekitClient: typeof Livekit }).LivekitClient;
    const room = new lk.Room();
    await room.connect(url, token);
    await room.localParticipant.setCameraEnabled(true);
    await room.localParticipant.setMicrophoneEnabled(true);
    (window as unknown as { hostileRoom: unknown }).hostileRoom = room;
  }, grant);
  return page;
}

/** Video frames the hostile page has sent (proof it publishes). */
async function framesSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const room = (window as unknown as { hostileRoom: Livekit.Room }).hostileRoom;
    let sent = 0;
    for (const publication of room.localParticipant.trackPublications.values()) {
      const sender = publication.track?.sender;
      if (!sender) continue;
      (await sender.getStats()).forEach((report: Record<string, unknown>) => {
        if (report.type === 'outbound-rtp') sent += Number(report.framesEncoded ?? 0);
      });
    }
    return sent;
  });
}

test('a participant the control channel does not know publishes without encryption: its media stays dark, with a warning', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const org = await seedRoomOrg(request, 1);
  const [ana, ben] = await signedInPages(browser, baseURL!, [org.owner, org.members[0]!]);
  const meeting = await createMeeting(ana!, org.orgId);
  await Promise.all(
    [ana!, ben!].map((page) => joinRoom(page, `/meet/${meeting.id}?org=${org.orgId}`)),
  );
  const view = (await roomView(ana!)) as unknown as { meeting: { occurrenceId: string } };
  const mint = await request.post('/api/test/meetings/media-token', {
    data: {
      meetingId: meeting.id,
      occurrenceId: view.meeting.occurrenceId,
      identity: 'mallory-injected',
      displayName: 'Ben Berg',
    },
  });
  expect(mint.status(), await mint.text()).toBe(200);
  const mallory = await hostilePublisher(browser, baseURL!, (await mint.json()) as never);

  const warning = ana!.getByTestId('dark-media-warning');
  await expect(warning).toBeVisible({ timeout: 20_000 });
  await expect(warning).toContainText('“Ben Berg”, who is not a participant of this meeting');
  await expect
    .poll(() => framesSent(mallory), { intervals: POLL, message: 'Mallory publishes video' })
    .toBeGreaterThan(30);
  // While the real Ben's media keeps decoding, nothing of Mallory's is subscribed or decoded.
  await expectDecodes(ana!, [org.members[0]!.userId]);
  await expectDecodes(ana!, [org.members[0]!.userId]);
  const fromMallory = (await remoteStats(ana!)).filter((s) => s.identity === 'mallory-injected');
  expect(fromMallory.reduce((sum, s) => sum + s.framesDecoded + s.decodedSamples, 0)).toBe(0);
  // The control channel's participant list never included Mallory.
  expect((await roomView(ana!)).participants.map((p) => p.id)).not.toContain('mallory-injected');
  await Promise.all([ana!, ben!, mallory].map((page) => page.context().close()));
});

test('an unverified guest’s media stays dark for members, with a warning; a verified guest plays', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(150_000);
  await ready();
  const org = await seedRoomOrg(request, 0);
  const [host] = await signedInPages(browser, baseURL!, [org.owner]);
  const meeting = await createMeeting(host!, org.orgId, { guests: 'lobby' });
  const linkSecret = generateLinkSecret();
  await host!.goto(`/meet/${meeting.id}?org=${org.orgId}#k=${linkSecret}`);
  await pressJoin(host!);
  await host!.getByRole('button', { name: /^People/ }).click();

  async function knock(name: string, secret: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: baseURL! });
    const page = await context.newPage();
    await page.goto(`/meet/${meeting.id}#k=${secret}`);
    await page.getByPlaceholder('Your name').fill(name);
    await page.getByRole('button', { name: 'Join meeting' }).click();
    await expect(page.getByText('You are in the lobby')).toBeVisible({ timeout: 20_000 });
    const lobby = host!.getByRole('list', { name: 'Lobby' });
    await lobby.getByRole('listitem', { name }).getByRole('button', { name: 'Admit' }).click();
    await expect(page.getByTestId('meeting-room')).toBeVisible({ timeout: 30_000 });
    return page;
  }

  const good = await knock('Gina Guest', linkSecret);
  const goodId = (await roomView(good)).self!.id;
  const bad = await knock('Walt Wrong', generateLinkSecret());
  const badId = (await roomView(bad)).self!.id;

  const warning = host!.getByTestId('dark-media-warning');
  await expect(warning).toBeVisible({ timeout: 20_000 });
  await expect(warning).toContainText('Walt Wrong’s keys are not verified');
  // The host never subscribes to Walt's tracks (before the fix they were subscribed and shown
  // as tiles without a word of why), while Gina's keep decoding.
  await expectDecodes(host!, [goodId]);
  await expectDecodes(host!, [goodId]);
  const fromWalt = (await remoteStats(host!)).filter((s) => s.identity === badId);
  expect(fromWalt.reduce((sum, s) => sum + s.framesDecoded + s.decodedSamples, 0)).toBe(0);
  await Promise.all([host!, good, bad].map((page) => page.context().close()));
});
