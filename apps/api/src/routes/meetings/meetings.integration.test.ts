import ical, { type VEvent } from 'node-ical';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  meetingSchema,
  occurrenceListSchema,
  type CreateMeetingInput,
  type Meeting,
} from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createTestOrg,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { meetingNow, scheduleMeeting } from '../../../test/meetings';

const suite = useTestApp({
  smtp: true,
  env: {
    PUBLIC_URL: 'https://conclave.example.org',
    LIVEKIT_URL: 'ws://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'APIintegration',
    LIVEKIT_API_SECRET: 'integration-secret-with-enough-characters',
  },
});
let org: { id: string };
let otherOrg: { id: string };
let people: Record<
  'owner' | 'admin' | 'compliance' | 'member' | 'host' | 'invitee' | 'outsider',
  TestUser
>;
let clients: Record<keyof typeof people, TestClient> & { anonymous: TestClient };

beforeAll(async () => {
  const { org: created, ...roles } = await createOrgWithRoles(suite.db);
  org = created;
  const host = await createUser(suite.db, { displayName: 'Hanna Host' });
  const invitee = await createUser(suite.db, { displayName: 'Ivo Invitee' });
  await addMember(suite.db, { org, user: host, role: 'member' });
  await addMember(suite.db, { org, user: invitee, role: 'member' });
  const outsider = await createUser(suite.db, { displayName: 'Otto Outsider' });
  otherOrg = await createTestOrg(suite.db, { owner: outsider });
  people = { ...roles, host, invitee, outsider };
  const entries = await Promise.all(
    Object.entries(people).map(
      async ([name, user]) => [name, await signedInClient(suite.app, user)] as const,
    ),
  );
  clients = {
    ...Object.fromEntries(entries),
    anonymous: anonymousClient(suite.app),
  } as typeof clients;
});

async function meetingByHost(overrides: Partial<CreateMeetingInput> = {}): Promise<Meeting> {
  return scheduleMeeting(
    clients.host,
    org.id,
    meetingNow({ invitees: [people.invitee.email], ...overrides }),
  );
}

async function countRows() {
  return {
    meetings: await suite.db.meeting.count(),
    invitees: await suite.db.meetingInvitee.count(),
    audit: await suite.db.auditEntry.count(),
  };
}

describe('scheduling', () => {
  it('creates a weekly meeting with hosts and invitees, in the time zone it was typed in', async () => {
    const response = await clients.host.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/meetings`,
      payload: {
        title: 'Weekly review',
        description: 'Numbers, then plans.',
        startLocal: '2027-03-15T09:00',
        endLocal: '2027-03-15T09:45',
        timeZone: 'Europe/Berlin',
        recurrence: 'freq=weekly;byday=mo;count=4',
        hosts: [people.member.email],
        invitees: [people.invitee.email.toUpperCase(), 'Guest@Outside.example'],
        notify: false,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const meeting = meetingSchema.parse(response.json());
    expect(meeting).toMatchObject({
      title: 'Weekly review',
      timeZone: 'Europe/Berlin',
      startLocal: '2027-03-15T09:00',
      endLocal: '2027-03-15T09:45',
      start: '2027-03-15T08:00:00.000Z',
      durationMinutes: 45,
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
      recurrenceText: 'every week on Monday for 4 times',
      status: 'scheduled',
      sequence: 0,
      e2ee: true,
      guests: 'lobby',
      hasPasscode: false,
      viewer: { isHost: true, canEdit: true, joinsDirectly: true },
      links: {
        page: `https://conclave.example.org/orgs/${org.id}/meetings/${meeting.id}`,
        lobby: `https://conclave.example.org/join/${meeting.id}`,
      },
    });
    expect(meeting.hosts.map((h) => h.userId).sort()).toEqual(
      [people.host.id, people.member.id].sort(),
    );
    expect(
      meeting.invitees
        .map((i) => [i.email, i.kind, i.role, i.response])
        .sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ).toEqual(
      [
        [people.host.email, 'member', 'host', 'accepted'],
        [people.member.email, 'member', 'host', 'needs_action'],
        [people.invitee.email, 'member', 'attendee', 'needs_action'],
        ['guest@outside.example', 'outside', 'attendee', 'needs_action'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );

    const occurrences = occurrenceListSchema.parse(
      (
        await clients.invitee.inject({
          method: 'GET',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}/occurrences?from=2027-03-01T00:00:00Z&to=2027-05-01T00:00:00Z`,
        })
      ).json(),
    );
    // Berlin changes to summer time on 28 March 2027: 09:00 local stays 09:00 local.
    expect(occurrences.occurrences.map((o) => o.start)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);
    expect(occurrences.occurrences[0]).toMatchObject({
      response: 'needs_action',
      isHost: false,
      recurring: true,
    });

    const audit = await suite.db.auditEntry.findFirst({
      where: { orgId: org.id, action: 'meeting.created', subjectId: meeting.id },
    });
    expect(audit?.details).toMatchObject({
      title: 'Weekly review',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
    });
  });

  it.each([
    [{ recurrence: 'FREQ=WEEKLY;BYDAY=XX' }, 'body.recurrence', /BYDAY must list weekdays/],
    [{ recurrence: 'FREQ=SOMETIMES' }, 'body.recurrence', /FREQ must be one of/],
    [
      { startLocal: '2027-01-10T10:00', endLocal: '2027-01-10T09:00' },
      'body.endLocal',
      /ends before it starts/,
    ],
    [{ timeZone: 'Europe/Atlantis' }, 'body.timeZone', /not a known time zone/],
    [
      { startLocal: '2027-03-28T02:30', endLocal: '2027-03-28T04:00', timeZone: 'Europe/Berlin' },
      'body.startLocal',
      /does not exist/,
    ],
    [{ hosts: ['nobody@nowhere.example'] }, 'body.hosts.0', /not a member of this organisation/],
    [{ startLocal: 'next tuesday' }, 'body.startLocal', /local date and time/],
  ])('refuses %j with a clear error and stores nothing', async (bad, path, message) => {
    const before = await countRows();
    const response = await clients.host.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/meetings`,
      payload: {
        ...meetingNow({ startLocal: '2027-01-10T09:00', endLocal: '2027-01-10T10:00' }),
        ...bad,
      },
    });
    const problem = expectProblem(response, 400);
    expect(problem.code).toBe('validation_failed');
    const issue = problem.errors?.find((e) => e.path === path);
    expect(issue?.message, JSON.stringify(problem.errors)).toMatch(message);
    expect(await countRows()).toEqual(before);
  });

  it('changes the series with a higher SEQUENCE, drops exceptions the new rule lost, refuses bad edits untouched', async () => {
    const meeting = await meetingByHost({
      startLocal: '2027-06-07T10:00',
      endLocal: '2027-06-07T11:00',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    });
    const cancelOne = await clients.host.inject({
      method: 'DELETE',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}/occurrences/20270614T100000Z?notify=false`,
    });
    expect(cancelOne.statusCode, cancelOne.body).toBe(204);
    const before = meetingSchema.parse(
      (
        await clients.host.inject({
          method: 'GET',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
        })
      ).json(),
    );
    expect(before.sequence).toBe(1);
    expect(before.exceptions).toEqual([
      { occurrenceId: '20270614T100000Z', cancelled: true, start: null, end: null, title: null },
    ]);

    const bad = await clients.host.inject({
      method: 'PATCH',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
      payload: { recurrence: 'FREQ=WEEKLY;COUNT=many', title: 'Should not stick' },
    });
    expectProblem(bad, 400);
    const unchanged = meetingSchema.parse(
      (
        await clients.host.inject({
          method: 'GET',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
        })
      ).json(),
    );
    expect(unchanged).toMatchObject({
      title: before.title,
      sequence: 1,
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    });

    const moved = await clients.host.inject({
      method: 'PATCH',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
      payload: { startLocal: '2027-06-08T10:00', endLocal: '2027-06-08T11:30', notify: false },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const after = meetingSchema.parse(moved.json());
    expect(after).toMatchObject({
      sequence: 2,
      durationMinutes: 90,
      startLocal: '2027-06-08T10:00',
    });
    expect(after.exceptions).toEqual([]); // 14 June is no longer an occurrence
    // The new time asks everyone (but the host who changed it) for a new answer.
    expect(after.invitees.find((i) => i.userId === people.host.id)?.response).toBe('accepted');
  });

  it('moves and cancels single occurrences, with clear errors for ones that do not exist', async () => {
    const meeting = await meetingByHost({
      startLocal: '2027-09-01T15:00',
      endLocal: '2027-09-01T16:00',
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY;COUNT=3',
    });
    const base = `/api/orgs/${org.id}/meetings/${meeting.id}/occurrences`;
    const moved = await clients.host.inject({
      method: 'PATCH',
      url: `${base}/20270902T190000Z`,
      payload: { startLocal: '2027-09-02T17:00', title: 'Later today', notify: false },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(meetingSchema.parse(moved.json()).exceptions).toEqual([
      {
        occurrenceId: '20270902T190000Z',
        cancelled: false,
        start: '2027-09-02T21:00:00.000Z',
        end: '2027-09-02T22:00:00.000Z',
        title: 'Later today',
      },
    ]);
    expectProblem(
      await clients.host.inject({
        method: 'PATCH',
        url: `${base}/20270902T200000Z`,
        payload: { title: 'x' },
      }),
      404,
    );
    expectProblem(
      await clients.host.inject({
        method: 'PATCH',
        url: `${base}/20270903T190000Z`,
        payload: { startLocal: '2027-09-03T16:00', endLocal: '2027-09-03T15:00' },
      }),
      400,
    );
    expectProblem(await clients.host.inject({ method: 'DELETE', url: `${base}/not-an-id` }), 400);
    expect(
      (
        await clients.host.inject({
          method: 'DELETE',
          url: `${base}/20270903T190000Z?notify=false`,
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(
      await clients.host.inject({ method: 'DELETE', url: `${base}/20270903T190000Z` }),
      409,
    );
    const list = occurrenceListSchema.parse(
      (
        await clients.host.inject({
          method: 'GET',
          url: `${base}?from=2027-09-01T00:00:00Z&to=2027-09-10T00:00:00Z`,
        })
      ).json(),
    );
    expect(
      list.occurrences.map((o) => [o.occurrenceId, o.start, o.cancelled, o.moved, o.title]),
    ).toEqual([
      ['20270901T190000Z', '2027-09-01T19:00:00.000Z', false, false, meeting.title],
      ['20270902T190000Z', '2027-09-02T21:00:00.000Z', false, true, 'Later today'],
      ['20270903T190000Z', '2027-09-03T19:00:00.000Z', true, false, meeting.title],
    ]);
    const oneOff = await meetingByHost();
    expectProblem(
      await clients.host.inject({
        method: 'DELETE',
        url: `/api/orgs/${org.id}/meetings/${oneOff.id}/occurrences/${oneOff.start.replace(/[-:]|\.\d{3}/g, '')}`,
      }),
      400,
    );
  });

  it('the agenda shows each viewer what they may see, in a bounded range', async () => {
    const open = await meetingByHost({ title: 'All hands', audience: 'org', invitees: [] });
    const closed = await meetingByHost({ title: 'Private chat' });
    const agenda = async (client: TestClient) =>
      occurrenceListSchema
        .parse((await client.inject({ method: 'GET', url: `/api/orgs/${org.id}/meetings` })).json())
        .occurrences.map((o) => o.meetingId);
    expect(await agenda(clients.member)).toContain(open.id);
    expect(await agenda(clients.member)).not.toContain(closed.id);
    expect(await agenda(clients.invitee)).toContain(closed.id);
    expect(await agenda(clients.compliance)).toEqual(expect.arrayContaining([open.id, closed.id]));
    expectProblem(
      await clients.outsider.inject({ method: 'GET', url: `/api/orgs/${org.id}/meetings` }),
      404,
    );
    expectProblem(
      await clients.member.inject({
        method: 'GET',
        url: `/api/orgs/${org.id}/meetings?from=2027-01-01T00:00:00Z&to=2029-01-01T00:00:00Z`,
      }),
      400,
    );
  });

  it('invitees answer; the answer shows to everyone who sees the meeting', async () => {
    const meeting = await meetingByHost();
    const answer = await clients.invitee.inject({
      method: 'PUT',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}/response`,
      payload: { response: 'tentative' },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const seen = meetingSchema.parse(
      (
        await clients.host.inject({
          method: 'GET',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
        })
      ).json(),
    );
    expect(seen.invitees.find((i) => i.userId === people.invitee.id)).toMatchObject({
      response: 'tentative',
      displayName: 'Ivo Invitee',
    });
    expectProblem(
      await clients.invitee.inject({
        method: 'PUT',
        url: `/api/orgs/${org.id}/meetings/${meeting.id}/response`,
        payload: { response: 'maybe' },
      }),
      400,
    );
  });
});

describe('invitations by e-mail, with ICS files', () => {
  function calendarPart(raw: string): string {
    const boundaryMatch = /boundary="?([^";\r\n]+)"?/i.exec(raw);
    const parts = boundaryMatch ? raw.split(`--${boundaryMatch[1]}`) : [raw];
    const part = parts.find((p) => /content-type:\s*text\/calendar/i.test(p));
    if (!part) throw new Error('no text/calendar part in the mail');
    const [head, ...body] = part.split(/\r?\n\r?\n/);
    const content = body.join('\n\n');
    if (/content-transfer-encoding:\s*base64/i.test(head ?? ''))
      return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head ?? '')) {
      return Buffer.from(
        content
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    }
    return content;
  }

  function eventOf(ics: string): VEvent {
    const event = Object.values(ical.sync.parseICS(ics)).find(
      (c): c is VEvent => c?.type === 'VEVENT',
    );
    if (!event) throw new Error('no VEVENT');
    return event;
  }

  it('invites members and outsiders, updates and cancels with the same UID and a rising SEQUENCE', async () => {
    const outside = `visitor-${Date.now()}@outside.example`;
    const meeting = await scheduleMeeting(
      clients.host,
      org.id,
      meetingNow({
        title: 'Quarterly planning',
        startLocal: '2027-02-01T14:00',
        endLocal: '2027-02-01T15:00',
        timeZone: 'Europe/London',
        invitees: [people.invitee.email, outside],
        passcode: 'sesame-42',
        notify: true,
      }),
    );
    const memberMail = await suite.smtp.waitForMail(people.invitee.email, (m) =>
      m.raw.includes('Quarterly planning'),
    );
    const outsideMail = await suite.smtp.waitForMail(outside);
    const memberIcs = calendarPart(memberMail.raw);
    expect(memberIcs).toContain('METHOD:REQUEST');
    const invite = eventOf(memberIcs);
    expect(invite.uid).toBe(`meeting-${meeting.id}@conclave.example.org`);
    expect(Number(invite.sequence)).toBe(0);
    expect(invite.start.toISOString()).toBe('2027-02-01T14:00:00.000Z');
    expect(invite.url).toBe(meeting.links.page);

    // The text part is quoted-printable: undo soft line breaks and =XX escapes.
    const outsideText = outsideMail.raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    expect(outsideText).toContain(`/join/${meeting.id}`);
    expect(outsideText).not.toMatch(new RegExp(`/join/${meeting.id}#`));
    expect(outsideText).toMatch(/does not contain the meeting's guest link secret/);
    expect(outsideText).toMatch(/passcode/);
    expect(outsideText).not.toContain('sesame-42');
    expect(eventOf(calendarPart(outsideMail.raw)).url).toBe(meeting.links.lobby);
    // The outsider answers from the mail's link, without an account.
    const rsvp = /\/join\/rsvp#token=([A-Za-z0-9_-]+)/.exec(outsideText)?.[1];
    expect(rsvp).toBeDefined();
    const answered = await clients.anonymous.inject({
      method: 'POST',
      url: '/api/meetings/rsvp',
      payload: { token: rsvp, response: 'accepted' },
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json()).toMatchObject({
      meetingTitle: 'Quarterly planning',
      email: outside,
      response: 'accepted',
    });
    expectProblem(
      await clients.anonymous.inject({
        method: 'POST',
        url: '/api/meetings/rsvp',
        payload: { token: 'x'.repeat(43) },
      }),
      404,
    );

    const count = suite.smtp.mails.length;
    const update = await clients.host.inject({
      method: 'PATCH',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
      payload: { startLocal: '2027-02-01T16:00', endLocal: '2027-02-01T17:00' },
    });
    expect(update.statusCode, update.body).toBe(200);
    const updateMail = await suite.smtp.waitForMail(
      people.invitee.email,
      (m) => suite.smtp.mails.indexOf(m) >= count,
    );
    const updated = eventOf(calendarPart(updateMail.raw));
    expect(updated.uid).toBe(invite.uid);
    expect(Number(updated.sequence)).toBe(1);
    expect(updated.start.toISOString()).toBe('2027-02-01T16:00:00.000Z');

    const count2 = suite.smtp.mails.length;
    expect(
      (
        await clients.host.inject({
          method: 'DELETE',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
        })
      ).statusCode,
    ).toBe(204);
    const cancelMail = await suite.smtp.waitForMail(
      outside,
      (m) => suite.smtp.mails.indexOf(m) >= count2,
    );
    const cancelIcs = calendarPart(cancelMail.raw);
    expect(cancelIcs).toContain('METHOD:CANCEL');
    const cancelled = eventOf(cancelIcs);
    expect(cancelled.uid).toBe(invite.uid);
    expect(Number(cancelled.sequence)).toBe(2);
    expect(cancelled.status).toBe('CANCELLED');
    // Cancelled means cancelled.
    expectProblem(
      await clients.host.inject({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
        payload: { title: 'Back?' },
      }),
      409,
    );
  });

  it('the ICS download parses back with node-ical, series and exceptions', async () => {
    const meeting = await meetingByHost({
      startLocal: '2027-10-25T09:00',
      endLocal: '2027-10-25T09:30',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
    });
    await clients.host.inject({
      method: 'DELETE',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}/occurrences/20271101T080000Z?notify=false`,
    });
    const response = await clients.invitee.inject({
      method: 'GET',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}/ics`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/calendar/);
    expect(response.headers['content-disposition']).toMatch(/attachment; filename=".+\.ics"/);
    const master = eventOf(response.body);
    const instances = ical
      .expandRecurringEvent(master, {
        from: new Date('2027-10-01T00:00:00Z'),
        to: new Date('2027-12-01T00:00:00Z'),
      })
      .map((i) => i.start.toISOString());
    // Berlin leaves summer time on 31 October 2027: 09:00 local is 07:00Z, then 08:00Z.
    expect(instances).toEqual(['2027-10-25T07:00:00.000Z', '2027-11-08T08:00:00.000Z']);
    expect(response.body).toContain('BEGIN:VTIMEZONE');
  });
});

describe('role matrix and org isolation', () => {
  type Who = keyof typeof clients;
  const everyone: Who[] = [
    'owner',
    'admin',
    'compliance',
    'host',
    'invitee',
    'member',
    'outsider',
    'anonymous',
  ];

  async function statuses(
    make: (meeting: Meeting) => {
      method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
      url: string;
      payload?: object;
    },
    options: { freshMeetingEach?: boolean; meeting?: Partial<CreateMeetingInput> } = {},
  ): Promise<Record<Who, number>> {
    const shared = options.freshMeetingEach ? null : await meetingByHost(options.meeting);
    const result = {} as Record<Who, number>;
    for (const who of everyone) {
      const meeting = shared ?? (await meetingByHost(options.meeting));
      const response = await clients[who].inject(make(meeting));
      if (response.statusCode >= 400) {
        expect(response.headers['content-type']).toMatch(/problem\+json/);
      }
      result[who] = response.statusCode;
    }
    return result;
  }

  const view = {
    owner: 200,
    admin: 200,
    compliance: 200,
    host: 200,
    invitee: 200,
    member: 404,
    outsider: 404,
    anonymous: 401,
  };
  const edit = {
    owner: 200,
    admin: 200,
    compliance: 403,
    host: 200,
    invitee: 403,
    member: 404,
    outsider: 404,
    anonymous: 401,
  };
  const cancel = { ...edit, owner: 204, admin: 204, host: 204 };
  /** What only the people in the meeting may do. */
  const participate = {
    owner: 403,
    admin: 403,
    compliance: 403,
    host: 200,
    invitee: 200,
    member: 404,
    outsider: 404,
    anonymous: 401,
  };

  it('GET a meeting', async () => {
    expect(
      await statuses((m) => ({ method: 'GET', url: `/api/orgs/${org.id}/meetings/${m.id}` })),
    ).toEqual(view);
  });

  it('GET its occurrences and its ICS file', async () => {
    expect(
      await statuses((m) => ({
        method: 'GET',
        url: `/api/orgs/${org.id}/meetings/${m.id}/occurrences`,
      })),
    ).toEqual(view);
    expect(
      await statuses((m) => ({ method: 'GET', url: `/api/orgs/${org.id}/meetings/${m.id}/ics` })),
    ).toEqual(view);
  });

  it('PATCH the series and one occurrence', async () => {
    expect(
      await statuses((m) => ({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/meetings/${m.id}`,
        payload: { title: 'Renamed', notify: false },
      })),
    ).toEqual(edit);
    expect(
      await statuses(
        (m) => ({
          method: 'PATCH',
          url: `/api/orgs/${org.id}/meetings/${m.id}/occurrences/${m.start.replace(/[-:]|\.\d{3}/g, '')}`,
          payload: { title: 'Just this once', notify: false },
        }),
        { meeting: { recurrence: 'FREQ=DAILY;COUNT=5' } },
      ),
    ).toEqual(edit);
  });

  it('DELETE (cancel) the series and one occurrence', async () => {
    expect(
      await statuses(
        (m) => ({ method: 'DELETE', url: `/api/orgs/${org.id}/meetings/${m.id}?notify=false` }),
        { freshMeetingEach: true },
      ),
    ).toEqual(cancel);
    expect(
      await statuses(
        (m) => ({
          method: 'DELETE',
          url: `/api/orgs/${org.id}/meetings/${m.id}/occurrences/${m.start.replace(/[-:]|\.\d{3}/g, '')}?notify=false`,
        }),
        { freshMeetingEach: true, meeting: { recurrence: 'FREQ=DAILY;COUNT=5' } },
      ),
    ).toEqual(cancel);
  });

  it('PUT my answer (invitees only)', async () => {
    expect(
      await statuses((m) => ({
        method: 'PUT',
        url: `/api/orgs/${org.id}/meetings/${m.id}/response`,
        payload: { response: 'accepted' },
      })),
    ).toEqual(participate);
  });

  it('POST for a LiveKit token (admitted participants of an open occurrence only)', async () => {
    expect(
      await statuses((m) => ({
        method: 'POST',
        url: `/api/orgs/${org.id}/meetings/${m.id}/token`,
        payload: {},
      })),
    ).toEqual(participate);
  });

  it('GET attendance (hosts and org-wide roles)', async () => {
    expect(
      await statuses((m) => ({
        method: 'GET',
        url: `/api/orgs/${org.id}/meetings/${m.id}/attendance`,
      })),
    ).toEqual({
      ...view,
      invitee: 403,
    });
  });

  it('POST a new meeting and GET the agenda (every member; outsiders 404)', async () => {
    const result = {} as Record<Who, number>;
    for (const who of everyone) {
      result[who] = (
        await clients[who].inject({
          method: 'POST',
          url: `/api/orgs/${org.id}/meetings`,
          payload: meetingNow(),
        })
      ).statusCode;
    }
    expect(result).toEqual({
      owner: 201,
      admin: 201,
      compliance: 201,
      host: 201,
      invitee: 201,
      member: 201,
      outsider: 404,
      anonymous: 401,
    });
  });

  it('a meeting of org A is a 404 under org B and to anyone guessing ids', async () => {
    const meeting = await meetingByHost();
    for (const url of [
      `/api/orgs/${otherOrg.id}/meetings/${meeting.id}`,
      `/api/orgs/${otherOrg.id}/meetings/${meeting.id}/ics`,
      `/api/orgs/${otherOrg.id}/meetings/${meeting.id}/occurrences`,
      `/api/orgs/${org.id}/meetings/00000000-0000-4000-8000-000000000000`,
      `/api/orgs/${org.id}/meetings/not-a-uuid`,
    ]) {
      const problem = expectProblem(await clients.outsider.inject({ method: 'GET', url }), 404);
      expect(problem.detail).not.toContain(meeting.title);
    }
    expectProblem(
      await clients.outsider.inject({
        method: 'PATCH',
        url: `/api/orgs/${otherOrg.id}/meetings/${meeting.id}`,
        payload: { title: 'Mine now' },
      }),
      404,
    );
    expectProblem(
      await clients.outsider.inject({
        method: 'DELETE',
        url: `/api/orgs/${otherOrg.id}/meetings/${meeting.id}`,
      }),
      404,
    );
  });

  it('state-changing requests without the CSRF header are refused', async () => {
    const meeting = await meetingByHost();
    const response = await clients.host.inject({
      method: 'PATCH',
      url: `/api/orgs/${org.id}/meetings/${meeting.id}`,
      payload: { title: 'Forged' },
      csrf: false,
    });
    expectProblem(response, 403);
  });
});
