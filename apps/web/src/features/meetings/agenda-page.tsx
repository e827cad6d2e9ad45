'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { occurrenceListSchema, type Occurrence } from '@conclave/contracts';
import { Alert, Badge, EmptyState, Spinner } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { useOrg } from '../orgs/org-context';
import { agendaRange, buildAgenda, type AgendaStatus } from './agenda';
import { CalendarFeedPanel } from './calendar-feed-panel';
import { roomHref } from './meeting-view';
import { viewerTimeZone } from './time';

const STATUS_BADGE: Record<
  AgendaStatus,
  { text: string; tone: 'brand' | 'neutral' | 'warning' } | null
> = {
  live: { text: 'On now', tone: 'brand' },
  soon: { text: 'Starts soon', tone: 'brand' },
  cancelled: { text: 'Cancelled', tone: 'warning' },
  past: { text: 'Over', tone: 'neutral' },
  upcoming: null,
};

/** The next four weeks of my meetings in this org, in my time zone. */
export function MeetingsAgendaPage() {
  const { org } = useOrg();
  const [occurrences, setOccurrences] = useState<Occurrence[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const timeZone = useMemo(() => viewerTimeZone(), []);

  const load = useCallback(async () => {
    try {
      const range = agendaRange(Date.now());
      const list = await api(`/orgs/${org.id}/meetings`, {
        schema: occurrenceListSchema,
        query: range,
      });
      setOccurrences(list.occurrences);
      setError(null);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [org.id]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [load]);

  const days = useMemo(
    () => (occurrences ? buildAgenda(occurrences, { orgId: org.id, timeZone, nowMs: now }) : []),
    [occurrences, org.id, timeZone, now],
  );

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-xl font-semibold text-slate-900">Meetings</h2>
          <p className="text-sm text-slate-600">
            The next four weeks, in your time zone ({timeZone}).
          </p>
        </div>
        <Link
          href={`/orgs/${org.id}/meetings/new`}
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
        >
          Schedule a meeting
        </Link>
      </div>
      {error && (
        <Alert tone="error" title="Could not load your meetings">
          {error}
        </Alert>
      )}
      {!occurrences && !error && <Spinner label="Loading your meetings…" />}
      {occurrences && days.length === 0 && (
        <EmptyState title="No meetings in the next four weeks">
          Meetings you host or are invited to show up here. Schedule one to get started.
        </EmptyState>
      )}
      <ol className="space-y-6" aria-label="Agenda">
        {days.map((day) => (
          <li key={day.day}>
            <h3 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">
              {day.label}
            </h3>
            <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
              {day.items.map((item) => {
                const badge = STATUS_BADGE[item.status];
                return (
                  <li
                    key={item.key}
                    className="flex flex-wrap items-center gap-3 px-4 py-3"
                    data-testid="agenda-item"
                  >
                    <div className="w-32 shrink-0 text-sm tabular-nums text-slate-700">
                      {item.timeLabel}
                      {item.meetingZoneLabel && (
                        <span className="block text-xs text-slate-500">
                          {item.meetingZoneLabel}
                        </span>
                      )}
                    </div>
                    <div className="min-w-0 flex-1">
                      <Link
                        href={item.href}
                        className={`font-medium text-slate-900 hover:text-brand-700 ${item.status === 'cancelled' ? 'line-through' : ''}`}
                      >
                        {item.title}
                      </Link>
                      <div className="mt-0.5 flex flex-wrap gap-2">
                        {badge && <Badge tone={badge.tone}>{badge.text}</Badge>}
                        {item.occurrence.isHost && <Badge>Host</Badge>}
                        {item.occurrence.recurring && <Badge>Repeats</Badge>}
                        {item.occurrence.moved && <Badge tone="warning">Moved</Badge>}
                      </div>
                    </div>
                    {item.joinable && (
                      <Link
                        href={roomHref({ id: item.occurrence.meetingId, orgId: org.id })}
                        className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
                        aria-label={`Join ${item.title}`}
                      >
                        Join
                      </Link>
                    )}
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ol>
      <CalendarFeedPanel />
    </div>
  );
}
