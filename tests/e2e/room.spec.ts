import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  expectAllDecode,
  expectDecodes,
  expectKeyed,
  expectSameCode,
  joinRoom,
  POLL,
  relayLog,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

test('E2EE by default: members decode each other, share a code that changes when someone joins, and rekey when someone leaves', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const org = await seedRoomOrg(request, 3);
  const [host, ben, cleo, dev] = await signedInPages(browser, baseURL!, [
    org.owner,
    ...org.members,
  ]);
  const meeting = await createMeeting(host!, org.orgId);
  // The E2EE worker and everything else of the room run under the portal's CSP.
  const problems: string[] = [];
  host!.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  host!.on('pageerror', (error) => problems.push(error.message));
  const path = `/meet/${meeting.id}?org=${org.orgId}`;
  const ids = [org.owner, ...org.members].map((user) => user.userId);
  const three = [host!, ben!, cleo!];

  await Promise.all(three.map((page) => joinRoom(page, path)));
  for (const page of three) {
    await expect(page.getByTestId('encryption-status')).toHaveAttribute('data-e2ee', 'on');
  }
  await expectAllDecode(three, ids.slice(0, 3));
  const codeOfThree = await expectSameCode(three);
  await expect(host!.getByTestId('security-code-short')).toHaveText(
    codeOfThree.split(' ').slice(0, 2).join(' '),
  );

  // A fourth joins: the code changes for everyone, and the newcomer decodes everyone.
  await joinRoom(dev!, path);
  const four = [...three, dev!];
  const codeOfFour = await expectSameCode(four);
  expect(codeOfFour).not.toBe(codeOfThree);
  await expectDecodes(dev!, ids.slice(0, 3));
  await expectKeyed(four);

  // One leaves: every remaining sender moves to a higher key index, and everyone holds it.
  const before = new Map<string, number>();
  for (const page of three) {
    const view = await roomView(page);
    before.set(view.self!.id, view.myKey!.activeKeyIndex!);
  }
  await dev!.getByRole('button', { name: 'Leave' }).click();
  await expect(dev!.getByTestId('room-ended')).toHaveAttribute('data-phase', 'left');
  await expect
    .poll(async () => (await roomView(host!)).participants.length, {
      intervals: POLL,
      message: 'dev is gone',
    })
    .toBe(3);
  const goneAt = new Date().toISOString();
  for (const page of three) {
    await expect
      .poll(
        async () => {
          const view = await roomView(page);
          return view.myKey!.activeKeyIndex! > before.get(view.self!.id)!;
        },
        { message: 'a higher key index after the leave' },
      )
      .toBe(true);
  }
  await expectKeyed(three);
  expect(await expectSameCode(three)).toBe(codeOfThree);
  // Media keeps flowing under the new keys.
  await expectAllDecode(three, ids.slice(0, 3));
  // The relay never delivered a key message to the leaver after it left.
  const toDev = (await relayLog(request, meeting.id)).filter(
    (entry) => entry.to === org.members[2]!.userId && entry.channel === 'sender-key',
  );
  expect(toDev.length, 'dev received keys while it was in the room').toBeGreaterThan(0);
  expect(toDev.filter((entry) => entry.at >= goneAt && entry.outcome === 'delivered')).toEqual([]);
  expect(problems).toEqual([]);
  await Promise.all([host, ben, cleo, dev].map((page) => page!.context().close()));
});

test('signing out in another tab ends the meeting for that browser: it says so, and the room sees it leave', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const org = await seedRoomOrg(request, 1);
  const [host, ben] = await signedInPages(browser, baseURL!, [org.owner, ...org.members]);
  const meeting = await createMeeting(host!, org.orgId);
  const path = `/meet/${meeting.id}?org=${org.orgId}`;
  await Promise.all([joinRoom(host!, path), joinRoom(ben!, path)]);
  await expect
    .poll(async () => (await roomView(host!)).participants.length, { intervals: POLL })
    .toBe(2);

  // Another tab of the same browser signs out (the API call the account menu makes).
  const context = ben!.context();
  const csrf = (await context.cookies()).find((cookie) => cookie.name === 'conclave_csrf');
  const signOut = await context.request.post(`${baseURL}/api/auth/sign-out`, {
    headers: { 'x-csrf-token': csrf!.value, origin: new URL(baseURL!).origin },
  });
  expect(signOut.status()).toBe(204);

  await expect(ben!.getByTestId('room-ended')).toHaveAttribute('data-phase', 'signed-out');
  await expect(ben!.getByTestId('room-ended')).toContainText('You were signed out');
  await expect(ben!.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect
    .poll(async () => (await roomView(host!)).participants.length, {
      intervals: POLL,
      message: 'ben is gone',
    })
    .toBe(1);
  await Promise.all([host, ben].map((page) => page!.context().close()));
});
