'use client';

import { useState, type FormEvent } from 'react';
import type { Identity } from '@conclave/crypto';
import type { DirectoryEntry, RecordingDetail } from '@conclave/contracts';
import { Alert, Button, SelectField } from '../../components/ui';
import { errorMessage } from '../../lib/api';
import type { DirectoryTrust, OpenedEnvelope, SharedKey } from './recording-trust';
import { unsealRecordingKey } from './recording-trust';
import { shareCandidates } from './share-grant';
import { makeShareGrant } from './share-grant';
import { shareRecording } from './recordings-api';
import { keyId } from '@conclave/crypto';

/**
 * Sharing happens in this browser: the recording key is unsealed with my key, sealed to the
 * member's current exchange key from the key directory (refused when that key differs from
 * the one this browser pinned), and the grant is signed with my identity key.
 */
export function SharePanel(props: {
  detail: RecordingDetail;
  opened: OpenedEnvelope;
  directory: DirectoryTrust;
  members: readonly DirectoryEntry[];
  identity: Identity;
  userId: string;
  shares: readonly SharedKey[];
  onShared: () => void;
}) {
  const candidates = shareCandidates({
    members: props.members,
    detail: props.detail,
    directory: props.directory,
    me: props.userId,
  });
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const member = candidates.find((c) => c.userId === choice);
    if (!member) return;
    setBusy(true);
    setMessage(null);
    let recordingKey: Uint8Array | null = null;
    try {
      const exchange = props.directory.exchangeKeyOf(member.userId);
      if (!exchange) throw new Error(member.blocked ?? `${member.name} has no usable key.`);
      recordingKey = unsealRecordingKey({
        envelope: props.opened.envelope,
        identity: props.identity,
        myKeyId: keyId(props.identity.exchangePublicKey),
        shares: props.shares,
      });
      const grant = makeShareGrant({
        recordingId: props.detail.recording.id,
        recordingKey,
        granterUserId: props.userId,
        identity: props.identity,
        recipientUserId: member.userId,
        recipientExchangeKey: exchange.publicKey,
      });
      await shareRecording(props.detail.recording.id, grant);
      setMessage({ tone: 'success', text: `Shared with ${member.name}. They can open it now.` });
      setChoice('');
      props.onShared();
    } catch (caught) {
      setMessage({ tone: 'error', text: errorMessage(caught) });
    } finally {
      recordingKey?.fill(0);
      setBusy(false);
    }
  }

  const available = candidates.filter((c) => !c.blocked);
  const blocked = candidates.filter((c) => c.blocked);
  return (
    <form onSubmit={(event) => void submit(event)} className="space-y-3">
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
      {available.length === 0 ? (
        <p className="text-sm text-slate-700">
          Everyone in the organisation who can hold a key already has access.
        </p>
      ) : (
        <div className="flex flex-wrap items-end gap-2">
          <SelectField
            label="Member"
            value={choice}
            onChange={(event) => setChoice(event.target.value)}
            required
          >
            <option value="">Choose a member…</option>
            {available.map((c) => (
              <option key={c.userId} value={c.userId}>
                {c.name} ({c.email})
              </option>
            ))}
          </SelectField>
          <Button type="submit" busy={busy} busyLabel="Sharing…" disabled={!choice}>
            Share
          </Button>
        </div>
      )}
      {blocked.length > 0 && (
        <ul className="text-xs text-slate-600">
          {blocked.map((c) => (
            <li key={c.userId}>
              {c.name}: {c.blocked}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
