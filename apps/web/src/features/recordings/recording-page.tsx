'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  keyId,
  ready,
  type RecordingEnvelope,
  type RecordingSeal,
  type Signed,
} from '@conclave/crypto';
import { directorySchema, type DirectoryEntry, type RecordingDetail } from '@conclave/contracts';
import {
  Alert,
  Badge,
  Card,
  formatDateTime,
  PageHeader,
  Spinner,
  TextLink,
} from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { useIdentity } from '../identity';
import { UnlockPanel } from '../identity/unlock-panel';
import { KeyPins, localStoragePinStorage } from '../key-directory/pins';
import { useOrg } from '../orgs/org-context';
import { DeletePanel } from './delete-panel';
import { RecordingPlayer } from './recording-player';
import {
  checkEnvelope,
  directoryTrust,
  guestConsentKeys,
  type DirectoryTrust,
  type OpenedEnvelope,
  type SharedKey,
} from './recording-trust';
import { formatBytes, formatDuration, STATE_LABELS, whoCanOpen } from './recording-view';
import { getRecording } from './recordings-api';
import { SharePanel } from './share-panel';
import { sharedKeysFrom } from './share-grant';

type Checked =
  | { opened: OpenedEnvelope; directory: DirectoryTrust; shares: SharedKey[] }
  | { failure: string; directory: DirectoryTrust };

interface Loaded {
  detail: RecordingDetail;
  directory: DirectoryEntry[];
}

function Facts({ detail }: { detail: RecordingDetail }) {
  const r = detail.recording;
  const facts: [string, string][] = [
    ['Started', r.startedAt ? formatDateTime(r.startedAt) : '—'],
    ['Duration', formatDuration(r.durationMs)],
    ['Size', formatBytes(r.sizeBytes)],
    ['Recorded by', r.recorder.name],
    ['Kind', r.mode === 'audio' ? 'Audio only' : 'Video with audio'],
    [
      'Consent',
      r.consent === 'explicit'
        ? `Explicit: ${r.consentCount} accepted, ${r.declinedCount} declined`
        : `Participants notified: ${r.consentCount} acknowledged`,
    ],
  ];
  if (r.occurrence) facts.splice(1, 0, ['Occurrence', r.occurrence]);
  if (r.expiresAt) facts.push(['Deleted automatically', formatDateTime(r.expiresAt)]);
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
      {facts.map(([term, value]) => (
        <div key={term} className="flex gap-2">
          <dt className="w-40 shrink-0 text-slate-500">{term}</dt>
          <dd className="text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One recording: facts, who can open it, the player, sharing and deletion. */
export function RecordingPage({ recordingId }: { recordingId: string }) {
  const { org, session } = useOrg();
  const identity = useIdentity();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [detail, { entries }] = await Promise.all([
        getRecording(recordingId),
        api(`/orgs/${org.id}/directory`, { schema: directorySchema }),
        ready(),
      ]);
      setLoaded({ detail, directory: entries });
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [recordingId, org.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const checked = useMemo((): Checked | null => {
    if (!loaded?.detail.envelope) return null;
    const envelope = loaded.detail.envelope as unknown as Signed<RecordingEnvelope>;
    const pins = new KeyPins(localStoragePinStorage(window.localStorage), session.user.id);
    const memberIds = new Set(loaded.directory.map((e) => e.userId));
    const directory = directoryTrust(loaded.directory, pins, guestConsentKeys(envelope, memberIds));
    try {
      const opened: OpenedEnvelope = checkEnvelope({
        envelope,
        seal: loaded.detail.seal as unknown as Signed<RecordingSeal> | null,
        recordingId,
        directory,
      });
      return {
        opened,
        directory,
        shares: sharedKeysFrom(loaded.detail.shares, directory, opened.envelope),
      };
    } catch (caught) {
      return { failure: errorMessage(caught), directory };
    }
  }, [loaded, recordingId, session.user.id]);

  if (error) return <Alert tone="error">{error}</Alert>;
  if (!loaded) return <Spinner label="Loading the recording…" />;
  const { detail } = loaded;
  const summary = detail.recording;
  const unlocked =
    identity.status === 'unlocked' && identity.userId === session.user.id ? identity : null;

  return (
    <div className="space-y-6">
      <PageHeader
        title={summary.meetingTitle}
        description={
          <>
            <Badge tone={summary.state === 'ended_early' ? 'warning' : 'brand'}>
              {STATE_LABELS[summary.state]}
            </Badge>{' '}
            <TextLink href={`/orgs/${org.id}/recordings`}>All recordings</TextLink>
          </>
        }
      />
      <Card title="About this recording">
        <Facts detail={detail} />
        <h3 className="mt-4 text-sm font-semibold text-slate-900">Who can open it</h3>
        <ul className="mt-1 list-inside list-disc text-sm text-slate-700">
          {whoCanOpen(detail).map((who) => (
            <li key={who}>{who}</li>
          ))}
        </ul>
      </Card>
      <Card
        title="Play or download"
        description="Decrypted in this browser; the server only ever sends ciphertext."
      >
        {!summary.canOpen && (
          <Alert tone="info">
            This recording is not shared with you. The recorder or a host can share it.
          </Alert>
        )}
        {summary.canOpen && !detail.envelope && (
          <Alert tone="info">The recording has not started yet: there is nothing to play.</Alert>
        )}
        {summary.canOpen && checked && 'failure' in checked && (
          <Alert tone="error" title="Not verified: the recording will not be opened">
            {checked.failure}
          </Alert>
        )}
        {summary.canOpen && checked && 'opened' in checked && !unlocked && (
          <div className="space-y-2">
            <p className="text-sm text-slate-700">
              Unlock your keys to open the recording; only your password opens them.
            </p>
            <UnlockPanel session={session} />
          </div>
        )}
        {summary.canOpen && checked && 'opened' in checked && unlocked && (
          <RecordingPlayer
            summary={summary}
            opened={checked.opened}
            identity={unlocked.identity}
            myKeyId={keyId(unlocked.identity.exchangePublicKey)}
            shares={checked.shares}
          />
        )}
      </Card>
      {summary.canShare && checked && 'opened' in checked && (
        <Card
          title="Share"
          description="Give a member of the organisation their own key to this recording."
        >
          {unlocked ? (
            <SharePanel
              detail={detail}
              opened={checked.opened}
              directory={checked.directory}
              members={loaded.directory}
              identity={unlocked.identity}
              userId={session.user.id}
              shares={checked.shares}
              onShared={() => void load()}
            />
          ) : (
            <p className="text-sm text-slate-700">Unlock your keys (above) to share.</p>
          )}
        </Card>
      )}
      {summary.canDelete && (
        <Card title="Delete">
          <DeletePanel summary={summary} orgId={org.id} />
        </Card>
      )}
    </div>
  );
}
