import ical, { type VEvent } from 'node-ical';
import { beforeAll, describe, expect, it } from 'vitest';
import { calendarFeedCreatedSchema, calendarFeedStatusSchema } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { meetingNow, scheduleMeeting } from '../../../test/meetings';

const logLines: string[] = [];
// The app with its real request logger, writing into `logLines`.
const suite = useTestApp({ env: { LOG_LEVEL: 'info' }, logLines });
let orgId: string;
let alice: TestUser;
let bob: TestUser;
let asAlice: TestClient;
let asBob: TestClient;

beforeAll(async () => {
  const roles = await createOrgWithRoles(suite.db);
  orgId = roles.org.id;
  alice = await createUser(suite.db, { displayName: 'Alice' });
  bob = await createUser(suite.db, { displayName: 'Bob' });
  await addMember(suite.db, { org: roles.org, user: alice, role: 'member' });
  await addMember(suite.db, { org: roles.org, user: bob, role: 'member' });
  asAlice = await signedInClient(suite.app, alice);
  asBob = await signedInClient(suite.app, bob);
});

function events(text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');
}

describe('personal calendar feed', () => {
  it("lists my meetings (and not others'), rotates and revokes, and never logs its token", async () => {
    expect(
      calendarFeedStatusSchema.parse(
        (await asAlice.inject({ method: 'GET', url: '/api/calendar/feed' })).json(),
      ),
    ).toEqual({
      active: false,
      createdAt: null,
      lastUsedAt: null,
    });
    const mine = await scheduleMeeting(
      asAlice,
      orgId,
      meetingNow({
        title: 'Alice hosts',
        startLocal: '2027-05-03T10:00',
        endLocal: '2027-05-03T11:00',
        timeZone: 'Europe/Paris',
        recurrence: 'FREQ=WEEKLY;COUNT=4',
      }),
    );
    const invited = await scheduleMeeting(
      asBob,
      orgId,
      meetingNow({ title: 'Bob invites Alice', invitees: [alice.email] }),
    );
    const notMine = await scheduleMeeting(asBob, orgId, meetingNow({ title: 'Bob alone' }));

    const created = await asAlice.inject({ method: 'POST', url: '/api/calendar/feed' });
    expect(created.statusCode, created.body).toBe(201);
    const feed = calendarFeedCreatedSchema.parse(created.json());
    const url = new URL(feed.url);
    expect(url.pathname).toMatch(/^\/api\/calendar\/feeds\/[A-Za-z0-9_-]{43}\/meetings\.ics$/);
    const token = url.pathname.split('/')[4]!;
    expect(await suite.db.calendarFeed.count({ where: { tokenHash: token } })).toBe(0); // only a hash

    const response = await anonymousClient(suite.app).inject({ method: 'GET', url: url.pathname });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/calendar/);
    const parsed = events(response.body);
    expect(parsed.map((e) => e.summary).sort()).toEqual(['Alice hosts', 'Bob invites Alice']);
    expect(parsed.map((e) => e.uid)).not.toContain(expect.stringContaining(notMine.id));
    const series = parsed.find((e) => e.summary === 'Alice hosts')!;
    expect(series.uid).toContain(mine.id);
    expect(
      ical.expandRecurringEvent(series, {
        from: new Date('2027-01-01'),
        to: new Date('2028-01-01'),
      }),
    ).toHaveLength(4);
    expect(parsed.find((e) => e.summary === 'Bob invites Alice')?.uid).toContain(invited.id);
    const status = calendarFeedStatusSchema.parse(
      (await asAlice.inject({ method: 'GET', url: '/api/calendar/feed' })).json(),
    );
    expect(status.active).toBe(true);
    expect(status.lastUsedAt).not.toBeNull();

    // Rotating makes the old URL stop working.
    const rotated = calendarFeedCreatedSchema.parse(
      (await asAlice.inject({ method: 'POST', url: '/api/calendar/feed' })).json(),
    );
    expect(rotated.url).not.toBe(feed.url);
    expectProblem(
      await anonymousClient(suite.app).inject({ method: 'GET', url: url.pathname }),
      404,
    );
    expect(
      (
        await anonymousClient(suite.app).inject({
          method: 'GET',
          url: new URL(rotated.url).pathname,
        })
      ).statusCode,
    ).toBe(200);
    // Revoking too.
    expect((await asAlice.inject({ method: 'DELETE', url: '/api/calendar/feed' })).statusCode).toBe(
      204,
    );
    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'GET',
        url: new URL(rotated.url).pathname,
      }),
      404,
    );

    const rotatedToken = new URL(rotated.url).pathname.split('/')[4]!;
    const log = logLines.join('');
    expect(log).toContain('/api/calendar/feeds/[redacted]/meetings.ics');
    expect(log).not.toContain(token);
    expect(log).not.toContain(rotatedToken);
  });

  it('needs a signed-in user to manage, and a well-formed token to read', async () => {
    expectProblem(
      await anonymousClient(suite.app).inject({ method: 'GET', url: '/api/calendar/feed' }),
      401,
    );
    expectProblem(
      await anonymousClient(suite.app).inject({ method: 'POST', url: '/api/calendar/feed' }),
      401,
    );
    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'GET',
        url: '/api/calendar/feeds/short/meetings.ics',
      }),
      404,
    );
    // Bob's feed is Bob's: Alice revoking hers does not touch it.
    const bobs = calendarFeedCreatedSchema.parse(
      (await asBob.inject({ method: 'POST', url: '/api/calendar/feed' })).json(),
    );
    await asAlice.inject({ method: 'DELETE', url: '/api/calendar/feed' });
    expect(
      (await anonymousClient(suite.app).inject({ method: 'GET', url: new URL(bobs.url).pathname }))
        .statusCode,
    ).toBe(200);
  });
});
