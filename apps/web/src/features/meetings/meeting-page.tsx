'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  meetingSchema,
  occurrenceListSchema,
  type Meeting,
  type Occurrence,
  type RsvpResponse,
} from '@conclave/contracts';
import { Alert, Badge, Button, Card, Spinner } from '../../components/ui';
import { api, errorMessage, isApiError } from '../../lib/api';
import { useOrg } from '../orgs/org-context';
import { EffectivePolicySummary } from '../policies/effective-policy-summary';
import { RecordingsList } from '../recordings/recordings-list';
import { createGuestLink } from '../room/guest-link';
import { CopyButton } from './copy-button';
import {
  describeWhen,
  inviteeRows,
  joinState,
  responseCounts,
  roomHref,
  RESPONSE_LABELS,
} from './meeting-view';
import { viewerTimeZone } from './time';

type Answer = Exclude<RsvpResponse, 'needs_action'>;

/** A meeting: when, the join button, who is invited and their answers, links, host actions. */
export function MeetingPage({ meetingId }: { meetingId: string }) {
  const { org } = useOrg();
  const router = useRouter();
  const [meeting, setMeeting] = useState<Meeting | null>(null);
  const [occurrences, setOccurrences] = useState<Occurrence[]>([]);
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null);
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [guestLink, setGuestLink] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const timeZone = useMemo(() => viewerTimeZone(), []);

  const load = useCallback(async () => {
    try {
      const loaded = await api(`/orgs/${org.id}/meetings/${meetingId}`, { schema: meetingSchema });
      const from = new Date(Date.now() - 3 * 3_600_000).toISOString();
      const to = new Date(Date.now() + 180 * 86_400_000).toISOString();
      const list = await api(`/orgs/${org.id}/meetings/${meetingId}/occurrences`, {
        schema: occurrenceListSchema,
        query: { from, to },
      });
      setMeeting(loaded);
      setOccurrences(list.occurrences);
      setError(null);
    } catch (caught) {
      setError({ message: errorMessage(caught), notFound: isApiError(caught, 404) });
    }
  }, [meetingId, org.id]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [load]);

  async function run(key: string, action: () => Promise<void>, success: string) {
    setBusy(key);
    setNotice(null);
    try {
      await action();
      setNotice({ tone: 'success', text: success });
      await load();
    } catch (caught) {
      setNotice({ tone: 'error', text: errorMessage(caught) });
    } finally {
      setBusy(null);
    }
  }

  if (error) {
    return (
      <Alert
        tone="error"
        title={error.notFound ? 'Meeting not found' : 'Could not load the meeting'}
      >
        {error.notFound ? 'There is no such meeting, or you are not invited to it.' : error.message}{' '}
        <Link className="underline" href={`/orgs/${org.id}/meetings`}>
          Back to your meetings
        </Link>
      </Alert>
    );
  }
  if (!meeting) return <Spinner label="Loading the meeting…" />;

  const join = joinState(meeting, occurrences, now, timeZone);
  const shown = join.kind === 'none' ? null : join.occurrence;
  const when = describeWhen(shown ?? { start: meeting.start, end: meeting.end }, meeting, timeZone);
  const counts = responseCounts(meeting.invitees);
  const rows = inviteeRows(meeting);
  const myAnswer = meeting.viewer.invitation?.response ?? null;
  const cancelled = meeting.status === 'cancelled';
  const upcoming = occurrences.filter((o) => Date.parse(o.end) > now).slice(0, 8);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm">
            <Link className="text-brand-700 underline" href={`/orgs/${org.id}/meetings`}>
              Meetings
            </Link>
          </p>
          <h2
            className={`text-2xl font-semibold text-slate-900 ${cancelled ? 'line-through' : ''}`}
          >
            {meeting.title}
          </h2>
          <div className="mt-1 flex flex-wrap gap-2">
            {cancelled && <Badge tone="warning">Cancelled</Badge>}
            {meeting.viewer.isHost && <Badge tone="brand">You host</Badge>}
            <Badge>
              {meeting.effectivePolicy.e2ee ? 'End-to-end encrypted' : 'Not end-to-end encrypted'}
            </Badge>
            {meeting.hasPasscode && <Badge>Passcode for guests</Badge>}
          </div>
        </div>
        <div className="text-right">
          {join.kind === 'open' && (
            <Link
              href={roomHref(meeting)}
              className="inline-block rounded-md bg-brand-600 px-5 py-2.5 text-sm font-semibold text-white hover:bg-brand-700"
            >
              Join the meeting
            </Link>
          )}
          {join.kind === 'later' && (
            <p className="text-sm text-slate-600" data-testid="join-state">
              Joining opens {join.opensAt}.
            </p>
          )}
          {join.kind === 'none' && (
            <p className="text-sm text-slate-600" data-testid="join-state">
              {join.reason}
            </p>
          )}
        </div>
      </div>

      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}

      <Card title="When">
        <p className="text-slate-900" data-testid="meeting-when">
          {when.day} · {when.time}{' '}
          <span className="text-sm text-slate-500">(your time, {timeZone})</span>
        </p>
        {when.meetingZone && <p className="text-sm text-slate-600">{when.meetingZone}</p>}
        {when.repeats && <p className="text-sm text-slate-600">{when.repeats}</p>}
        {meeting.description && (
          <p className="mt-3 whitespace-pre-wrap text-sm text-slate-700">{meeting.description}</p>
        )}
        {meeting.recurrence && upcoming.length > 0 && (
          <details className="mt-4">
            <summary className="cursor-pointer text-sm font-medium text-brand-700">
              Next occurrences
            </summary>
            <ul className="mt-2 divide-y divide-slate-100 text-sm">
              {upcoming.map((occurrence) => {
                const item = describeWhen(occurrence, meeting, timeZone);
                return (
                  <li
                    key={occurrence.occurrenceId}
                    className="flex flex-wrap items-center justify-between gap-2 py-1.5"
                  >
                    <span className={occurrence.cancelled ? 'text-slate-400 line-through' : ''}>
                      {item.day} · {item.time}
                      {occurrence.moved && ' (moved)'}
                    </span>
                    {meeting.viewer.canEdit && !cancelled && !occurrence.cancelled && (
                      <Button
                        variant="ghost"
                        size="sm"
                        busy={busy === occurrence.occurrenceId}
                        aria-label={`Cancel the occurrence on ${item.day}`}
                        onClick={() =>
                          void run(
                            occurrence.occurrenceId,
                            () =>
                              api(
                                `/orgs/${org.id}/meetings/${meeting.id}/occurrences/${occurrence.occurrenceId}`,
                                {
                                  method: 'DELETE',
                                },
                              ),
                            `The occurrence on ${item.day} is cancelled; invitees were told.`,
                          )
                        }
                      >
                        Cancel this one
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          </details>
        )}
      </Card>

      {meeting.viewer.invitation && !cancelled && (
        <Card
          title="Your answer"
          description={myAnswer ? `You answered: ${RESPONSE_LABELS[myAnswer]}.` : undefined}
        >
          <div className="flex flex-wrap gap-2" role="group" aria-label="Your answer">
            {(['accepted', 'tentative', 'declined'] as Answer[]).map((answer) => (
              <Button
                key={answer}
                variant={myAnswer === answer ? 'primary' : 'secondary'}
                aria-pressed={myAnswer === answer}
                busy={busy === answer}
                onClick={() =>
                  void run(
                    answer,
                    () =>
                      api(`/orgs/${org.id}/meetings/${meeting.id}/response`, {
                        method: 'PUT',
                        body: { response: answer },
                      }),
                    `You answered: ${RESPONSE_LABELS[answer]}.`,
                  )
                }
              >
                {answer === 'accepted' ? 'Accept' : answer === 'tentative' ? 'Maybe' : 'Decline'}
              </Button>
            ))}
          </div>
        </Card>
      )}

      <Card
        title={`Invitees (${meeting.invitees.length})`}
        description={`${counts.accepted} accepted · ${counts.tentative} maybe · ${counts.declined} declined · ${counts.needs_action} not answered`}
      >
        <ul className="divide-y divide-slate-100" aria-label="Invitees">
          {rows.map((row) => (
            <li
              key={row.id}
              className="flex flex-wrap items-center justify-between gap-2 py-2"
              data-testid="invitee"
            >
              <div>
                <p className="text-sm font-medium text-slate-900">
                  {row.name} {row.role === 'Host' && <Badge tone="brand">Host</Badge>}
                </p>
                <p className="text-xs text-slate-500">{row.detail}</p>
              </div>
              <Badge tone={row.responseTone}>{row.response}</Badge>
            </li>
          ))}
        </ul>
      </Card>

      <Card
        title="Policy"
        description="What this meeting allows: the organisation’s policy, tightened by the hosts."
      >
        <EffectivePolicySummary effective={meeting.effectivePolicy} />
      </Card>

      <Card title="Recordings">
        <RecordingsList meetingId={meeting.id} pageSize={10} />
      </Card>

      <Card title="Links">
        <div className="space-y-3 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <span className="text-slate-700">Meeting page, for members:</span>
            <CopyButton text={meeting.links.page} label="Copy meeting link" />
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <a
              className="text-brand-700 underline"
              href={`/api/orgs/${org.id}/meetings/${meeting.id}/ics`}
              download
            >
              Add to calendar (.ics)
            </a>
          </div>
          {meeting.viewer.isHost && meeting.guests === 'lobby' && !cancelled && (
            <div className="rounded-md border border-slate-200 p-3">
              <p className="font-medium text-slate-900">Guest link</p>
              <p className="mt-1 text-slate-600">
                Made in your browser: its secret sits after the “#” and is never sent to the server,
                so guests who have it can be told apart from anyone the server could slip in. Send
                it yourself; invitation mails carry only the lobby link.
              </p>
              {guestLink ? (
                <div className="mt-2 space-y-2">
                  <label htmlFor="guest-link" className="sr-only">
                    Guest link
                  </label>
                  <input
                    id="guest-link"
                    readOnly
                    value={guestLink}
                    onFocus={(event) => event.currentTarget.select()}
                    className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
                  />
                  <CopyButton text={guestLink} label="Copy guest link" fallbackId="guest-link" />
                </div>
              ) : (
                <Button
                  className="mt-2"
                  variant="secondary"
                  onClick={() =>
                    setGuestLink(
                      createGuestLink(window.localStorage, window.location.origin, meeting.id).url,
                    )
                  }
                >
                  Make a guest link
                </Button>
              )}
            </div>
          )}
        </div>
      </Card>

      {meeting.viewer.canEdit && !cancelled && (
        <Card title="Manage">
          <div className="flex flex-wrap gap-2">
            <Link
              href={`/orgs/${org.id}/meetings/${meeting.id}/edit`}
              className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
            >
              Change the meeting
            </Link>
            <Button
              variant="danger"
              busy={busy === 'cancel'}
              onClick={() => {
                if (
                  !window.confirm(
                    `Cancel “${meeting.title}”${meeting.recurrence ? ' and all its occurrences' : ''}? Invitees get a cancellation.`,
                  )
                )
                  return;
                void run(
                  'cancel',
                  () => api(`/orgs/${org.id}/meetings/${meeting.id}`, { method: 'DELETE' }),
                  'The meeting is cancelled; invitees were told.',
                ).then(() => router.refresh());
              }}
            >
              Cancel the meeting
            </Button>
          </div>
        </Card>
      )}
    </div>
  );
}
