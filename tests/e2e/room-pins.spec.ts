import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  joinRoom,
  POLL,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

/**
 * Trust on first use keyed by the server's user id alone could be sidestepped with a fresh id
 * (issue 13, medium 7). Pins also record the colleague's address; a known address under another
 * id is a warning; members mark colleagues verified after comparing fingerprints, which the room
 * and the key directory show.
 */
test('a colleague marked verified in the key directory shows as verified in the room; their address under another account is a warning', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const org = await seedRoomOrg(request, 1);
  const ben = org.members[0]!;
  const [hana, benPage] = await signedInPages(browser, baseURL!, [org.owner, ben]);

  await hana!.goto(`/orgs/${org.orgId}/directory`);
  const row = hana!.getByTestId(`directory-${ben.email}`);
  await expect(row).toContainText('First seen now');
  await row.getByRole('button', { name: /mark as verified/ }).click();
  await expect(row).toContainText('Verified: you compared fingerprints');
  await hana!.reload();
  await expect(hana!.getByTestId(`directory-${ben.email}`)).toContainText(
    'Verified: you compared fingerprints',
  );

  const meeting = await createMeeting(hana!, org.orgId);
  await Promise.all(
    [hana!, benPage!].map((page) => joinRoom(page, `/meet/${meeting.id}?org=${org.orgId}`)),
  );
  await hana!.getByRole('button', { name: /^People/ }).click();
  const benInRoom = hana!
    .getByRole('list', { name: 'Participants' })
    .getByRole('listitem', { name: 'Ben Berg' });
  await expect(benInRoom).toContainText('Verified: you compared fingerprints with them');
  await hana!.getByRole('button', { name: 'Leave' }).click();
  await expect(hana!.getByTestId('room-ended')).toHaveAttribute('data-phase', 'left');

  // This browser met ben@… under another account before (what a look-alike under a fresh id,
  // or a re-created account, looks like): the pin moves to an older id.
  await hana!.evaluate(
    ({ viewer, benId }) => {
      const key = `conclave:key-pins:${viewer}`;
      const pins = JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      pins['00000000-0000-4000-8000-00000000beef'] = pins[benId];
      delete pins[benId];
      localStorage.setItem(key, JSON.stringify(pins));
    },
    { viewer: org.owner.userId, benId: ben.userId },
  );
  const second = await createMeeting(hana!, org.orgId);
  await Promise.all(
    [hana!, benPage!].map((page) => joinRoom(page, `/meet/${second.id}?org=${org.orgId}`)),
  );
  await expect
    .poll(
      async () =>
        (await roomView(hana!)).participants.find((p) => p.id === ben.userId)?.trust.problem ??
        null,
      { intervals: POLL },
    )
    .toBe('address-reused');
  expect((await roomView(hana!)).myKey?.holders).toEqual([]);
  await hana!.getByRole('button', { name: /^People/ }).click();
  await expect(
    hana!.getByRole('list', { name: 'Participants' }).getByRole('listitem', { name: 'Ben Berg' }),
  ).toContainText('their e-mail address belongs to another account you met before');
  await hana!.getByRole('button', { name: 'Leave' }).click();

  await hana!.goto(`/orgs/${org.orgId}/directory`);
  await expect(hana!.getByTestId('address-reused-warning')).toContainText(
    `${ben.email} belongs to another account you met before`,
  );
  await Promise.all([hana!, benPage!].map((page) => page.context().close()));
});
