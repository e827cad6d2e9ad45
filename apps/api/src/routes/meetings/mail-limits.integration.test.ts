import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/app';
import { createOrgWithRoles, signedInClient, type TestClient } from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * Meeting mail to outside addresses is limited per member and per org (docs/security.md,
 * "Lower findings"): a refused change is a 429 that says what is left, and changes nothing.
 */
const suite = useTestApp({
  env: { MEETING_MAIL_MEMBER_LIMIT: '5', MEETING_MAIL_ORG_LIMIT: '8' },
});
let orgId: string;
let memberEmail: string;
let alice: TestClient;
let bob: TestClient;
let outsider = 0;
const outside = (n: number) =>
  Array.from({ length: n }, () => `stranger-${Date.now()}-${++outsider}@outside.example`);

beforeAll(async () => {
  const { org, owner, member } = await createOrgWithRoles(suite.db);
  orgId = org.id;
  memberEmail = member.email;
  alice = await signedInClient(suite.app, owner);
  bob = await signedInClient(suite.app, member);
});

const mailsTo = (addresses: string[]) =>
  suite.db.outboxMail.count({ where: { to: { in: addresses } } });

describe('meeting mail to outside addresses', () => {
  it('is limited per member, counted before anything is written', async () => {
    const first = outside(4);
    const meeting = await scheduleMeeting(
      alice,
      orgId,
      meetingNow({ title: 'Sales pitch', invitees: first, notify: true }),
    );
    expect(await mailsTo(first)).toBe(4);

    const second = outside(2);
    const before = await suite.db.meeting.count({ where: { orgId } });
    const refused = expectProblem(
      await alice.inject({
        method: 'POST',
        url: `/api/orgs/${orgId}/meetings`,
        payload: meetingNow({ invitees: second, notify: true }),
      }),
      429,
    );
    expect(refused.detail).toMatch(
      /would e-mail 2 outside addresses, but you can send 1 more meeting mail .* in the next \d+ hours/,
    );
    expect(refused.detail).toMatch(/without sending e-mails/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await suite.db.meeting.count({ where: { orgId } })).toBe(before);
    expect(await mailsTo(second)).toBe(0);

    // An update mails every outside invitee again: refused too, and the title stays.
    expectProblem(
      await alice.inject({
        method: 'PATCH',
        url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
        payload: { title: 'Sales pitch (moved)' },
      }),
      429,
    );
    expect((await suite.db.meeting.findUniqueOrThrow({ where: { id: meeting.id } })).title).toBe(
      'Sales pitch',
    );
    // Without mail, or with members only, the change goes through.
    const quiet = await alice.inject({
      method: 'PATCH',
      url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
      payload: { title: 'Sales pitch (moved)', notify: false },
    });
    expect(quiet.statusCode, quiet.body).toBe(200);
    await scheduleMeeting(alice, orgId, meetingNow({ invitees: [memberEmail], notify: true }));
  });

  it('is limited per org, all members together', async () => {
    // Alice used 4 of the org's 8; Bob may send 4 more, then the org is refused.
    await scheduleMeeting(bob, orgId, meetingNow({ invitees: outside(4), notify: true }));
    const refused = expectProblem(
      await bob.inject({
        method: 'POST',
        url: `/api/orgs/${orgId}/meetings`,
        payload: meetingNow({ invitees: outside(1), notify: true }),
      }),
      429,
    );
    expect(refused.detail).toMatch(/your organisation can send 0 more/);
    // Another org has its own budget.
    const other = await createOrgWithRoles(suite.db);
    const carol = await signedInClient(suite.app, other.owner);
    await scheduleMeeting(carol, other.org.id, meetingNow({ invitees: outside(3), notify: true }));
  });
});
