import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarFeedCreatedSchema, calendarFeedStatusSchema } from '@conclave/contracts';
import conclaveApi, { fastifyOptions } from '../../app';
import { testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
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

let database: TestDatabase;
let app: FastifyInstance;
const logLines: string[] = [];
let orgId: string;
let alice: TestUser;
let bob: TestUser;
let asAlice: TestClient;
let asBob: TestClient;

beforeAll(async () => {
  database = await createTestDatabase();
  // The app with its real request logger, writing into `logLines`.
  const config = testConfig({ LOG_LEVEL: 'info' });
  const options = fastifyOptions(config);
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  app = Fastify({ ...options, logger: { ...(options.logger as object), stream } });
  await app.register(conclaveApi, { config, db: database.db, version: '0.0.0-test' });
  await app.ready();
  const roles = await createOrgWithRoles(database.db);
  orgId = roles.org.id;
  alice = await createUser(database.db, { displayName: 'Alice' });
  bob = await createUser(database.db, { displayName: 'Bob' });
  await addMember(database.db, { org: roles.org, user: alice, role: 'member' });
  await addMember(database.db, { org: roles.org, user: bob, role: 'member' });
  asAlice = await signedInClient(app, alice);
  asBob = await signedInClient(app, bob);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
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
    expect(await database.db.calendarFeed.count({ where: { tokenHash: token } })).toBe(0); // only a hash

    const response = await anonymousClient(app).inject({ method: 'GET', url: url.pathname });
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
    expectProblem(await anonymousClient(app).inject({ method: 'GET', url: url.pathname }), 404);
    expect(
      (await anonymousClient(app).inject({ method: 'GET', url: new URL(rotated.url).pathname }))
        .statusCode,
    ).toBe(200);
    // Revoking too.
    expect((await asAlice.inject({ method: 'DELETE', url: '/api/calendar/feed' })).statusCode).toBe(
      204,
    );
    expectProblem(
      await anonymousClient(app).inject({ method: 'GET', url: new URL(rotated.url).pathname }),
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
      await anonymousClient(app).inject({ method: 'GET', url: '/api/calendar/feed' }),
      401,
    );
    expectProblem(
      await anonymousClient(app).inject({ method: 'POST', url: '/api/calendar/feed' }),
      401,
    );
    expectProblem(
      await anonymousClient(app).inject({
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
      (await anonymousClient(app).inject({ method: 'GET', url: new URL(bobs.url).pathname }))
        .statusCode,
    ).toBe(200);
  });
});
