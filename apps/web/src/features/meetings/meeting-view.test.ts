import { describe, expect, it } from 'vitest';
import type { Meeting, Occurrence } from '@conclave/contracts';
import { describeWhen, inviteeRows, joinState, responseCounts, roomHref } from './meeting-view';

function occurrence(start: string, end: string, cancelled = false): Occurrence {
  return {
    meetingId: 'm',
    occurrenceId: start.replace(/[-:]|\.\d{3}/g, ''),
    title: 'T',
    start,
    end,
    timeZone: 'Europe/Berlin',
    cancelled,
    moved: false,
    recurring: true,
    isHost: false,
    response: null,
  };
}

const invitees: Meeting['invitees'] = [
  {
    id: '1',
    email: 'zed@example.org',
    userId: 'u1',
    displayName: 'Zed',
    kind: 'member',
    role: 'attendee',
    response: 'accepted',
    respondedAt: null,
  },
  {
    id: '2',
    email: 'out@else.example',
    userId: null,
    displayName: null,
    kind: 'outside',
    role: 'attendee',
    response: 'needs_action',
    respondedAt: null,
  },
  {
    id: '3',
    email: 'host@example.org',
    userId: 'u3',
    displayName: 'Hanna',
    kind: 'member',
    role: 'host',
    response: 'accepted',
    respondedAt: null,
  },
  {
    id: '4',
    email: 'amy@example.org',
    userId: 'u4',
    displayName: 'Amy',
    kind: 'member',
    role: 'attendee',
    response: 'declined',
    respondedAt: null,
  },
];

describe('meeting page view', () => {
  it('lists hosts first, then invitees by name, with their answers', () => {
    const rows = inviteeRows({ invitees } as Meeting);
    expect(rows.map((r) => [r.name, r.role, r.response])).toEqual([
      ['Hanna', 'Host', 'Accepted'],
      ['Amy', 'Invitee', 'Declined'],
      ['out@else.example', 'Invitee', 'No answer yet'],
      ['Zed', 'Invitee', 'Accepted'],
    ]);
    expect(rows[2]?.detail).toBe('out@else.example · outside the organisation');
    expect(responseCounts(invitees)).toEqual({
      accepted: 2,
      declined: 1,
      tentative: 0,
      needs_action: 1,
    });
  });

  it("says when in the viewer's zone and, if different, in the meeting's", () => {
    const when = describeWhen(
      occurrence('2026-12-01T08:30:00Z', '2026-12-01T09:00:00Z'),
      { timeZone: 'Europe/Berlin', recurrenceText: 'every week on Tuesday' },
      'Asia/Tokyo',
      'en-GB',
    );
    expect(when).toEqual({
      day: 'Tue, 1 Dec 2026',
      time: '17:30–18:00',
      meetingZone: '09:30–10:00 in Europe/Berlin',
      repeats: 'Repeats every week on Tuesday',
    });
  });

  it('knows whether joining is open, when it opens, or that there is nothing left', () => {
    const list = [
      occurrence('2026-12-01T08:30:00Z', '2026-12-01T09:00:00Z', true),
      occurrence('2026-12-08T08:30:00Z', '2026-12-08T09:00:00Z'),
    ];
    const now = Date.parse('2026-12-01T08:40:00Z');
    expect(joinState({ status: 'scheduled' }, list, now, 'UTC', 'en-GB')).toMatchObject({
      kind: 'later',
      opensAt: 'Tue, 8 Dec 2026, 08:20',
    });
    expect(
      joinState({ status: 'scheduled' }, list, Date.parse('2026-12-08T08:25:00Z'), 'UTC'),
    ).toMatchObject({ kind: 'open' });
    expect(
      joinState({ status: 'scheduled' }, list, Date.parse('2026-12-09T00:00:00Z'), 'UTC'),
    ).toMatchObject({ kind: 'none' });
    expect(joinState({ status: 'cancelled' }, list, now, 'UTC')).toEqual({
      kind: 'none',
      reason: 'This meeting was cancelled.',
    });
    expect(roomHref({ id: 'm1', orgId: 'o1' })).toBe('/meet/m1?org=o1');
  });
});
