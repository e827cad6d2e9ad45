import { generateLinkSecret, ready } from '@conclave/crypto';
import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  expectDecodes,
  POLL,
  pressJoin,
  relayLog,
  remoteStats,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

test('guests: the right link secret is admitted from the lobby and decodes media; a wrong one admitted anyway gets no keys and is marked unverified', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await ready();
  const org = await seedRoomOrg(request, 0);
  const [host] = await signedInPages(browser, baseURL!, [org.owner]);
  const meeting = await createMeeting(host!, org.orgId, { guests: 'lobby' });
  const linkSecret = generateLinkSecret();
  // The host opened the guest link it made, so its browser can check guests' bindings.
  await host!.goto(`/meet/${meeting.id}?org=${org.orgId}#k=${linkSecret}`);
  await pressJoin(host!);
  await host!.getByRole('button', { name: /^People/ }).click();

  async function knock(name: string, secret: string) {
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
  const participants = host!.getByRole('list', { name: 'Participants' });
  await expect(participants.getByRole('listitem', { name: 'Gina Guest' })).toHaveAttribute(
    'data-verified',
    'true',
  );
  // The guest decodes the host, and the host decodes the guest.
  await expectDecodes(good, [org.owner.userId]);
  await expectDecodes(host!, [goodId]);

  const bad = await knock('Walt Wrong', generateLinkSecret());
  const badId = (await roomView(bad)).self!.id;
  const badRow = participants.getByRole('listitem', { name: 'Walt Wrong' });
  await expect(badRow).toHaveAttribute('data-verified', 'false');
  await expect(badRow).toContainText('Unverified guest: not joined with this meeting’s link');
  // Gina, who has the link secret, does not trust Walt either.
  await expect
    .poll(
      async () =>
        (await roomView(good)).participants.find((p) => p.id === badId)?.trust.verified ?? null,
      { intervals: POLL },
    )
    .toBe(false);
  // Walt receives media he cannot decrypt: frames arrive, none decode, no key ever came.
  await expect
    .poll(
      async () =>
        (await remoteStats(bad)).filter(
          (s) => s.identity === org.owner.userId && s.kind === 'video',
        ).length,
      { intervals: POLL, timeout: 20_000, message: 'Walt subscribes to the host’s camera' },
    )
    .toBeGreaterThan(0);
  await expectDecodes(good, [org.owner.userId]); // time passes while media flows
  const walt = await roomView(bad);
  expect(walt.participants.filter((p) => !p.isSelf).map((p) => p.latestKeyIndex)).toEqual([
    null,
    null,
  ]);
  const decodedByWalt = (await remoteStats(bad))
    .filter((s) => s.kind === 'video')
    .reduce((sum, s) => sum + s.framesDecoded, 0);
  expect(decodedByWalt).toBe(0);
  const keysToWalt = (await relayLog(request, meeting.id)).filter(
    (entry) => entry.to === badId && entry.channel === 'sender-key',
  );
  expect(keysToWalt).toEqual([]);
  // Everyone computes the same code: they all see the same three keys.
  const codes = await Promise.all(
    [host!, good, bad].map(async (p) => (await roomView(p)).securityCode?.code),
  );
  expect(new Set(codes).size).toBe(1);
  await Promise.all([host!, good, bad].map((page) => page.context().close()));
});
