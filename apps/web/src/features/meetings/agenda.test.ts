import { describe, expect, it } from 'vitest';
import type { Occurrence } from '@conclave/contracts';
import { agendaStatus, buildAgenda, isJoinable } from './agenda';

function occurrence(start: string, end: string, overrides: Partial<Occurrence> = {}): Occurrence {
  return {
    meetingId: '11111111-1111-4111-8111-111111111111',
    occurrenceId: start.replace(/[-:]|\.\d{3}/g, ''),
    title: 'Planning',
    start,
    end,
    timeZone: 'Europe/Berlin',
    cancelled: false,
    moved: false,
    recurring: false,
    isHost: false,
    response: null,
    ...overrides,
  };
}

const now = Date.parse('2026-12-01T08:55:00Z');

describe('buildAgenda', () => {
  it("groups by day in the viewer's time zone and names today and tomorrow", () => {
    const days = buildAgenda(
      [
        occurrence('2026-12-02T23:30:00Z', '2026-12-03T00:30:00Z', { title: 'Late call' }),
        occurrence('2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z'),
        occurrence('2026-12-02T08:00:00Z', '2026-12-02T09:00:00Z', { title: 'Review' }),
      ],
      { orgId: 'org', timeZone: 'America/New_York', nowMs: now, locale: 'en-GB' },
    );
    expect(days.map((d) => [d.day, d.label, d.items.map((i) => i.title)])).toEqual([
      ['2026-12-01', 'Today · Tue, 1 Dec 2026', ['Planning']],
      ['2026-12-02', 'Tomorrow · Wed, 2 Dec 2026', ['Review', 'Late call']],
    ]);
    const planning = days[0]!.items[0]!;
    expect(planning.timeLabel).toBe('04:00–05:00');
    expect(planning.meetingZoneLabel).toBe('10:00–11:00 Europe/Berlin');
    expect(planning.href).toBe('/orgs/org/meetings/11111111-1111-4111-8111-111111111111');
  });

  it("says nothing about the zone when the viewer is in the meeting's zone", () => {
    const [day] = buildAgenda([occurrence('2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z')], {
      orgId: 'org',
      timeZone: 'Europe/Berlin',
      nowMs: now,
      locale: 'en-GB',
    });
    expect(day?.items[0]?.meetingZoneLabel).toBeNull();
    expect(day?.items[0]?.timeLabel).toBe('10:00–11:00');
  });

  it('marks what is on, what opens soon, what is over and what was cancelled', () => {
    const soon = occurrence('2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z');
    expect(agendaStatus(soon, now)).toBe('soon');
    expect(isJoinable(soon, now)).toBe(true);
    expect(agendaStatus(soon, Date.parse('2026-12-01T09:30:00Z'))).toBe('live');
    expect(agendaStatus(soon, Date.parse('2026-12-01T08:00:00Z'))).toBe('upcoming');
    expect(isJoinable(soon, Date.parse('2026-12-01T08:00:00Z'))).toBe(false);
    expect(agendaStatus(soon, Date.parse('2026-12-01T11:00:00Z'))).toBe('past');
    expect(isJoinable(soon, Date.parse('2026-12-01T11:00:00Z'))).toBe(true); // meetings overrun
    expect(isJoinable(soon, Date.parse('2026-12-01T12:01:00Z'))).toBe(false);
    const cancelled = { ...soon, cancelled: true };
    expect(agendaStatus(cancelled, now)).toBe('cancelled');
    expect(isJoinable(cancelled, now)).toBe(false);
  });
});
