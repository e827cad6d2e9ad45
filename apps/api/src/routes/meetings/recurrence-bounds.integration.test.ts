import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
} from '../../../test/factories';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';
import { MAX_PERIODS, expansionStats } from '../../services/meetings/expansion';

/**
 * Security finding "one request can block the event loop": every route that expands a
 * recurrence gets the worst inputs we could think of (occurrence ids at year 9999 and 0001,
 * just past the horizon, a second off a real one; ranges in the year 9000; rules that match
 * once in 28 years; rules stored before the bounds existed, with COUNT=1000 sparse dates and
 * UNTIL in 9999) and must answer without a 5xx, having walked at most a few budgets of
 * periods, with the event loop never stalled for long. Before the fix a single far id took
 * 21 s. The delay bound is generous (a slow shared machine); the period count is exact.
 */

const suite = useTestApp({
  env: {
    LIVEKIT_URL: 'ws://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'APIbounds',
    LIVEKIT_API_SECRET: 'bounds-secret-with-enough-characters-here',
    MEETING_LOBBY_RATE_LIMIT: '1000',
  },
});
let server: { wsUrl: string; origin: string };
let orgId: string;
let asHost: TestClient;
let feedPath: string;
const meetings: Meeting[] = [];

/** Periods one request may walk: a few walks of the largest budget (agenda: one per meeting). */
const MAX_PERIODS_PER_REQUEST = 12 * MAX_PERIODS.DAILY;
/** Longest event-loop stall tolerated (ms); the old code stalled for seconds. */
const MAX_DELAY_MS = 1500;

const histogram = monitorEventLoopDelay({ resolution: 10 });
const work: { label: string; periods: number; ms: number }[] = [];

async function measured<T>(label: string, run: () => Promise<T>): Promise<T> {
  const periods = expansionStats.periods;
  const started = performance.now();
  const result = await run();
  work.push({
    label,
    periods: expansionStats.periods - periods,
    ms: performance.now() - started,
  });
  return result;
}

beforeAll(async () => {
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  orgId = roles.org.id;
  const host = await createUser(suite.db, { displayName: 'Hanna Host' });
  await addMember(suite.db, { org: roles.org, user: host, role: 'member' });
  asHost = await signedInClient(suite.app, host);
  const daily = await scheduleMeeting(asHost, orgId, meetingNow({ recurrence: 'FREQ=DAILY' }));
  // Daily, but only on a Tuesday 29 February: matches in 2028, then not until 2056.
  const sparse = await scheduleMeeting(asHost, orgId, {
    ...meetingNow({ guests: 'lobby' }),
    startLocal: '2028-02-29T09:00',
    endLocal: '2028-02-29T10:00',
    recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU',
  });
  const weekly = await scheduleMeeting(
    asHost,
    orgId,
    meetingNow({ recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;UNTIL=21201231T000000Z' }),
  );
  // Rules the API now refuses, written straight into the database as older versions allowed.
  const legacyCount = await scheduleMeeting(
    asHost,
    orgId,
    meetingNow({ recurrence: 'FREQ=DAILY' }),
  );
  await suite.db.meeting.update({
    where: { id: legacyCount.id },
    data: { recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU;COUNT=1000' },
  });
  const legacyUntil = await scheduleMeeting(
    asHost,
    orgId,
    meetingNow({ recurrence: 'FREQ=DAILY' }),
  );
  await suite.db.meeting.update({
    where: { id: legacyUntil.id },
    data: { recurrence: 'FREQ=DAILY;UNTIL=99991231T000000Z', seriesEndsAt: null },
  });
  meetings.push(daily, sparse, weekly, legacyCount, legacyUntil);
  const feed = await asHost.inject({ method: 'POST', url: '/api/calendar/feed' });
  expect(feed.statusCode, feed.body).toBe(201);
  feedPath = new URL(feed.json<{ url: string }>().url).pathname;
  histogram.enable();
});

afterAll(() => histogram.disable());

const startOf = (meeting: Meeting) => Date.parse(meeting.start);
const basic = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function worstIds(meeting: Meeting): string[] {
  const start = startOf(meeting);
  return [
    '99991231T235959Z',
    '00010101T000000Z',
    basic(start + 99 * 366 * 86_400_000), // just inside the horizon
    basic(start + 101 * 366 * 86_400_000), // just past it
    basic(start + 40 * 365 * 86_400_000 + 1000), // a second off
    basic(start),
  ];
}

const ranges = [
  { from: '9000-01-01T00:00:00Z', to: '9001-01-01T00:00:00Z' },
  { from: '2099-06-01T00:00:00Z', to: '2100-06-01T00:00:00Z' },
  { from: '0001-01-01T00:00:00Z', to: '0001-12-31T00:00:00Z' },
];

describe('routes that expand recurrences are bounded', () => {
  it('agenda and occurrence lists over far and ancient ranges', async () => {
    for (const range of ranges) {
      const query = `from=${range.from}&to=${range.to}`;
      const agenda = await measured(`agenda ${range.from}`, () =>
        asHost.inject({ method: 'GET', url: `/api/orgs/${orgId}/meetings?${query}` }),
      );
      expect(agenda.statusCode, agenda.body).toBeLessThan(500);
      for (const meeting of meetings) {
        const list = await measured(`occurrences ${range.from}`, () =>
          asHost.inject({
            method: 'GET',
            url: `/api/orgs/${orgId}/meetings/${meeting.id}/occurrences?${query}`,
          }),
        );
        expect(list.statusCode, list.body).toBeLessThan(500);
      }
    }
  });

  it('occurrence ids on every route that takes one', async () => {
    for (const meeting of meetings) {
      for (const id of worstIds(meeting)) {
        const requests = [
          {
            method: 'PATCH' as const,
            url: `/api/orgs/${orgId}/meetings/${meeting.id}/occurrences/${id}`,
            payload: { title: 'Moved' },
          },
          {
            method: 'DELETE' as const,
            url: `/api/orgs/${orgId}/meetings/${meeting.id}/occurrences/${id}`,
          },
          {
            method: 'POST' as const,
            url: `/api/orgs/${orgId}/meetings/${meeting.id}/token`,
            payload: { occurrenceId: id },
          },
          {
            method: 'POST' as const,
            url: `/api/meetings/${meeting.id}/lobby`,
            payload: { displayName: 'Gus Guest', occurrenceId: id },
          },
        ];
        for (const request of requests) {
          const response = await measured(`${request.method} ${request.url}`, () =>
            asHost.inject(request),
          );
          expect(response.statusCode, `${request.url}: ${response.body}`).toBeLessThan(500);
        }
        const channel = await measured(`control ${id}`, async () => {
          const control = await ControlClient.open(
            server.wsUrl,
            `/api/meetings/${meeting.id}/control?occurrence=${id}`,
            { client: asHost, origin: server.origin },
          );
          const outcome = await Promise.race([
            control.next('welcome').then(() => 'welcome'),
            control.waitClosed().then((closed) => `closed ${closed.code}`),
          ]);
          control.socket.close();
          return outcome;
        });
        expect(channel).toMatch(/welcome|closed 4\d\d\d/);
      }
    }
  });

  it('lobby, calendar files, the feed, and schedule changes', async () => {
    for (const meeting of meetings) {
      for (const url of [
        `/api/meetings/${meeting.id}/lobby`,
        `/api/orgs/${orgId}/meetings/${meeting.id}/ics`,
        `/api/orgs/${orgId}/meetings/${meeting.id}`,
      ]) {
        const response = await measured(url, () => asHost.inject({ method: 'GET', url }));
        expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(500);
      }
    }
    const feed = await measured('feed', () => asHost.inject({ method: 'GET', url: feedPath }));
    expect(feed.statusCode, feed.body).toBe(200);
    for (const recurrence of [
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU;COUNT=1000',
      'FREQ=DAILY;UNTIL=99991231T235959Z',
      'FREQ=YEARLY;BYDAY=53MO;COUNT=1000',
      'FREQ=MONTHLY;INTERVAL=999;BYMONTHDAY=31;COUNT=1000',
    ]) {
      const created = await measured(`create ${recurrence}`, () =>
        asHost.inject({
          method: 'POST',
          url: `/api/orgs/${orgId}/meetings`,
          payload: {
            ...meetingNow(),
            startLocal: '2028-02-29T09:00',
            endLocal: '2028-02-29T10:00',
            recurrence,
          },
        }),
      );
      expect(created.statusCode, created.body).toBeLessThan(500);
      const updated = await measured(`update ${recurrence}`, () =>
        asHost.inject({
          method: 'PATCH',
          url: `/api/orgs/${orgId}/meetings/${meetings[1]?.id ?? ''}`,
          payload: { recurrence },
        }),
      );
      expect(updated.statusCode, updated.body).toBeLessThan(500);
    }
  });

  it('no request walked more than its budget, and the event loop never stalled', () => {
    const worst = work.reduce((a, b) => (b.periods > a.periods ? b : a));
    expect(work.length).toBeGreaterThan(150);
    expect(worst.periods, worst.label).toBeLessThanOrEqual(MAX_PERIODS_PER_REQUEST);
    expect(histogram.max / 1e6).toBeLessThan(MAX_DELAY_MS);
    const slowest = work.reduce((a, b) => (b.ms > a.ms ? b : a));
    console.info(
      `recurrence bounds: ${work.length} requests, most periods ${worst.periods} (${worst.label}), slowest ${slowest.ms.toFixed(0)} ms (${slowest.label}), max event-loop delay ${(histogram.max / 1e6).toFixed(0)} ms`,
    );
  });
});
