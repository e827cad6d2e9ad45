'use client';

import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import type { RecordingSummary } from '@conclave/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  Spinner,
} from '../../components/ui';
import { errorMessage } from '../../lib/api';
import { useOrg } from '../orgs/org-context';
import { recordingRow, type RecordingRow } from './recording-view';
import { listRecordings } from './recordings-api';

function StateBadge({ row }: { row: RecordingRow }) {
  const tone =
    row.state === 'complete' ? 'brand' : row.state === 'ended_early' ? 'warning' : 'neutral';
  return <Badge tone={tone}>{row.stateLabel}</Badge>;
}

/**
 * The recordings of an org (or of one meeting), newest first, a page at a time. Each row
 * links to the recording's page, where it is opened and decrypted in this browser.
 */
export function RecordingsList({
  meetingId,
  pageSize = 25,
}: {
  meetingId?: string;
  pageSize?: number;
}) {
  const { org } = useOrg();
  const [items, setItems] = useState<RecordingSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      const page = await listRecordings({
        orgId: org.id,
        ...(meetingId ? { meetingId } : {}),
        cursor: after,
        limit: pageSize,
      });
      setItems((previous) =>
        after && previous ? [...previous, ...page.recordings] : page.recordings,
      );
      setCursor(page.nextCursor);
    },
    [org.id, meetingId, pageSize],
  );

  useEffect(() => {
    load(null).catch((caught: unknown) => setError(errorMessage(caught)));
  }, [load]);

  async function more() {
    setLoadingMore(true);
    try {
      await load(cursor);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setLoadingMore(false);
    }
  }

  if (error && !items) return <Alert tone="error">{error}</Alert>;
  if (!items) return <Spinner label="Loading recordings…" />;
  if (items.length === 0) {
    return (
      <EmptyState title="No recordings yet">
        {meetingId
          ? 'Recordings of this meeting appear here once someone records it (if the meeting’s policy allows recording).'
          : 'Recordings appear here when someone records a meeting. They are made and encrypted in the recorder’s browser; only the recorder, the hosts and the people they share them with can open them.'}
      </EmptyState>
    );
  }
  const rows = items.map(recordingRow);
  return (
    <div className="space-y-3">
      {error && <Alert tone="error">{error}</Alert>}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Recordings, newest first</caption>
          <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="py-2 pr-3">
                Meeting
              </th>
              <th scope="col" className="py-2 pr-3">
                Started
              </th>
              <th scope="col" className="py-2 pr-3">
                Duration
              </th>
              <th scope="col" className="py-2 pr-3">
                Size
              </th>
              <th scope="col" className="py-2 pr-3">
                Recorder
              </th>
              <th scope="col" className="py-2 pr-3">
                State
              </th>
              <th scope="col" className="py-2 pr-3">
                Consent
              </th>
              <th scope="col" className="py-2">
                Access
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((row) => (
              <tr key={row.id} data-recording-id={row.id}>
                <td className="py-2 pr-3">
                  <Link
                    href={`/orgs/${org.id}/recordings/${row.id}`}
                    className="font-medium text-brand-700 underline underline-offset-2 hover:text-brand-900 focus-visible:outline-2"
                  >
                    {row.meetingTitle}
                  </Link>
                  {row.occurrence && (
                    <span className="block text-xs text-slate-500">
                      Occurrence {row.occurrence}
                    </span>
                  )}
                </td>
                <td className="py-2 pr-3">{row.startedAt ? formatDateTime(row.startedAt) : '—'}</td>
                <td className="py-2 pr-3">{row.duration}</td>
                <td className="py-2 pr-3">{row.size}</td>
                <td className="py-2 pr-3">{row.recorder}</td>
                <td className="py-2 pr-3">
                  <StateBadge row={row} />
                </td>
                <td className="py-2 pr-3">{row.consent}</td>
                <td className="py-2">{row.access}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {cursor && (
        <Button variant="secondary" onClick={() => void more()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show older recordings'}
        </Button>
      )}
    </div>
  );
}

/** The org's Recordings page. */
export function RecordingsPage() {
  const [deleted, setDeleted] = useState(false);
  useEffect(() => {
    setDeleted(new URLSearchParams(window.location.search).has('deleted'));
  }, []);
  return (
    <div className="space-y-4">
      {deleted && <Alert tone="success">The recording was deleted.</Alert>}
      <Card
        title="Recordings"
        description="Recordings are encrypted in the recorder’s browser and decrypted only in yours; the server stores ciphertext it cannot read."
      >
        <RecordingsList />
      </Card>
    </div>
  );
}
