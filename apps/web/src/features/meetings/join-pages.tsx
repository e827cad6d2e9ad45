'use client';

import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import {
  lobbyInfoSchema,
  outsideRsvpResultSchema,
  type LobbyInfo,
  type RsvpResponse,
} from '@conclave/contracts';
import { Alert, Button, Card, Spinner } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { RESPONSE_LABELS } from './meeting-view';
import { formatDay, formatRange, formatTime, viewerTimeZone } from './time';

/**
 * `/join/<meetingId>`: where invitation mails send people outside the organisation. It says
 * what the meeting is and when it opens, and that this link (unlike a guest link) carries no
 * secret, then leads to the meeting room, whose lobby lets a host admit them.
 */
export function JoinLandingPage({ meetingId }: { meetingId: string }) {
  const [info, setInfo] = useState<LobbyInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timeZone = useMemo(() => viewerTimeZone(), []);
  useEffect(() => {
    api(`/meetings/${meetingId}/lobby`, { schema: lobbyInfoSchema }).then(
      setInfo,
      (caught: unknown) => setError(errorMessage(caught)),
    );
  }, [meetingId]);
  if (error)
    return (
      <Alert tone="error" title="This meeting cannot be joined">
        {error}
      </Alert>
    );
  if (!info) return <Spinner label="Looking the meeting up…" />;
  const next = info.nextOccurrence;
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <h1 className="text-2xl font-semibold text-slate-900">{info.title ?? 'Meeting'}</h1>
      {info.status === 'cancelled' ? (
        <Alert tone="warning" title="Cancelled">
          This meeting was cancelled.
        </Alert>
      ) : info.guests === 'forbidden' ? (
        <Alert tone="warning" title="Members only">
          This meeting does not admit guests: only members of the organisation can join.
        </Alert>
      ) : (
        <Card>
          {next ? (
            <p className="text-slate-800" data-testid="join-when">
              {formatDay(Date.parse(next.start), timeZone)},{' '}
              {formatRange(Date.parse(next.start), Date.parse(next.end), timeZone)} (your time,{' '}
              {timeZone}). Joining opens at {formatTime(Date.parse(next.opensAt), timeZone)}.
            </p>
          ) : (
            <p className="text-slate-800">The meeting has no more occurrences.</p>
          )}
          <p className="mt-3 text-sm text-slate-600">
            This link does not contain the meeting’s guest link secret (the organiser’s browser
            makes it, and it never passes through the server). A host will let you in from the
            lobby, but in an end-to-end encrypted meeting the others can only check who you are with
            the secret: if the organiser sent you a guest link, use that one instead.
          </p>
          {info.passcodeRequired && (
            <p className="mt-2 text-sm text-slate-600">You will need the meeting’s passcode.</p>
          )}
          {next && (
            <Link
              href={`/meet/${info.meetingId}`}
              className="mt-4 inline-block rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
            >
              Continue to the lobby
            </Link>
          )}
        </Card>
      )}
    </div>
  );
}

type Answer = Exclude<RsvpResponse, 'needs_action'>;

/** `/join/rsvp#token=...`: an outside invitee answers from the mail; the token stays in the fragment. */
export function RsvpPage() {
  const [token, setToken] = useState<string | null>(null);
  const [result, setResult] = useState<{
    meetingTitle: string;
    start: string;
    response: RsvpResponse;
    cancelled: boolean;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Answer | null>(null);
  useEffect(() => {
    const value = new URLSearchParams(window.location.hash.slice(1)).get('token');
    if (!value) {
      setError('This page needs the link from your invitation mail.');
      return;
    }
    setToken(value);
    api('/meetings/rsvp', {
      method: 'POST',
      body: { token: value },
      schema: outsideRsvpResultSchema,
    }).then(setResult, (caught: unknown) => setError(errorMessage(caught)));
  }, []);
  async function answer(response: Answer) {
    if (!token) return;
    setBusy(response);
    try {
      setResult(
        await api('/meetings/rsvp', {
          method: 'POST',
          body: { token, response },
          schema: outsideRsvpResultSchema,
        }),
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(null);
    }
  }
  if (error)
    return (
      <Alert tone="error" title="Cannot answer this invitation">
        {error}
      </Alert>
    );
  if (!result) return <Spinner label="Looking the invitation up…" />;
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold text-slate-900">{result.meetingTitle}</h1>
      {result.cancelled ? (
        <Alert tone="warning">This meeting was cancelled.</Alert>
      ) : (
        <Card description={`Your answer: ${RESPONSE_LABELS[result.response]}.`}>
          <div className="flex gap-2" role="group" aria-label="Your answer">
            {(['accepted', 'tentative', 'declined'] as Answer[]).map((choice) => (
              <Button
                key={choice}
                variant={result.response === choice ? 'primary' : 'secondary'}
                aria-pressed={result.response === choice}
                busy={busy === choice}
                onClick={() => void answer(choice)}
              >
                {choice === 'accepted' ? 'Accept' : choice === 'tentative' ? 'Maybe' : 'Decline'}
              </Button>
            ))}
          </div>
        </Card>
      )}
    </div>
  );
}
