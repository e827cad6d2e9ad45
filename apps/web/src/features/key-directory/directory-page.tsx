'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import { identityFingerprint } from '@conclave/crypto';
import { directorySchema, type DirectoryEntry } from '@conclave/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  Spinner,
} from '../../components/ui';
import { errorMessage, api } from '../../lib/api';
import { useOrg } from '../orgs/org-context';
import { describeChange, KeyPins, localStoragePinStorage, type KeyCheck } from './pins';

type Checked = {
  entry: DirectoryEntry;
  check: KeyCheck | { status: 'invalid'; message: string } | null;
};

/**
 * The org's key directory as this browser sees it: every member's fingerprint, checked
 * against the keys this browser pinned before. A changed key is a warning that stays until
 * the user says they checked it with the person.
 */
export function DirectoryPage() {
  const { org, session } = useOrg();
  const pins = useMemo(
    () => new KeyPins(localStoragePinStorage(window.localStorage), session.user.id),
    [session.user.id],
  );
  const [rows, setRows] = useState<Checked[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const { entries } = await api(`/orgs/${org.id}/directory`, { schema: directorySchema });
      setRows(
        entries.map((entry) => {
          if (!entry.current) return { entry, check: null };
          try {
            return { entry, check: pins.observe(entry.userId, entry.current, entry.email) };
          } catch (caught) {
            return { entry, check: { status: 'invalid' as const, message: errorMessage(caught) } };
          }
        }),
      );
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [org.id, pins]);
  useEffect(() => {
    void load();
  }, [load]);

  const changed =
    rows?.filter(
      (row) =>
        row.check?.status === 'changed' ||
        row.check?.status === 'invalid' ||
        row.check?.status === 'address-reused',
    ) ?? [];

  return (
    <div className="space-y-6">
      {error && <Alert tone="error">{error}</Alert>}
      {changed.length > 0 && (
        <Alert
          tone="warning"
          title={`Keys changed for ${changed.map((r) => r.entry.displayName).join(', ')}`}
        >
          Check the new fingerprints with them before you trust their keys (details below).
        </Alert>
      )}
      <Card
        title="Key directory"
        description="Everyone's public keys. This browser remembers the keys it has seen and warns you when one changes. Compare fingerprints with colleagues in person or on a call."
      >
        {!rows && !error && <Spinner label="Loading keys…" />}
        {rows && rows.length === 0 && <EmptyState title="No members yet" />}
        {rows && rows.length > 0 && (
          <ul className="divide-y divide-slate-100">
            {rows.map((row) => (
              <DirectoryRow
                key={row.entry.userId}
                row={row}
                isMe={row.entry.userId === session.user.id}
                verified={
                  row.entry.current ? pins.isVerified(row.entry.userId, row.entry.current) : false
                }
                onAccept={() => {
                  if (row.entry.current) {
                    pins.accept(row.entry.userId, row.entry.current, row.entry.email);
                  }
                  void load();
                }}
                onVerify={() => {
                  pins.markVerified(row.entry.userId);
                  void load();
                }}
              />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function DirectoryRow({
  row,
  isMe,
  verified,
  onAccept,
  onVerify,
}: {
  row: Checked;
  isMe: boolean;
  verified: boolean;
  onAccept: () => void;
  onVerify: () => void;
}) {
  const { entry, check } = row;
  return (
    <li className="py-4" data-testid={`directory-${entry.email}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-medium text-slate-900">
          {entry.displayName}{' '}
          <span className="text-sm font-normal text-slate-500">
            {entry.email} · {entry.role}
          </span>
        </p>
        {check?.status === 'same' && !verified && (
          <Badge tone="brand">Matches the keys you saw before</Badge>
        )}
        {(check?.status === 'same' || check?.status === 'new') && verified && (
          <Badge tone="brand">Verified: you compared fingerprints</Badge>
        )}
        {check?.status === 'new' && !verified && (
          <Badge>{isMe ? 'Your keys' : 'First seen now'}</Badge>
        )}
      </div>
      {entry.current ? (
        <p className="mt-1 font-mono text-sm text-slate-700">
          <span className="sr-only">Fingerprint: </span>
          {identityFingerprint(entry.current)}
        </p>
      ) : (
        <p className="mt-1 text-sm text-slate-500">No keys published.</p>
      )}
      {check?.status === 'invalid' && (
        <Alert tone="error" className="mt-2" title="These keys are not valid">
          The server sent keys that do not match their own identifiers ({check.message}). Do not
          trust them; tell your admin.
        </Alert>
      )}
      {!isMe && !verified && (check?.status === 'same' || check?.status === 'new') && (
        <Button variant="secondary" size="sm" className="mt-2" onClick={onVerify}>
          I compared this fingerprint with {entry.displayName}: mark as verified
        </Button>
      )}
      {check?.status === 'changed' && (
        <ChangeWarning entry={entry} check={check} onAccept={onAccept} />
      )}
      {check?.status === 'address-reused' && (
        <div className="mt-2" data-testid="address-reused-warning">
          <Alert tone="warning" title={`${entry.email} belongs to another account you met before`}>
            <p>
              This browser knew {entry.email} under a different account. A new account for the same
              address happens when someone was removed and invited again; it is also what it would
              look like if the server presented a look-alike of your colleague. Compare the
              fingerprint above with {entry.displayName} in person or on a call before you trust it.
            </p>
            <Button variant="secondary" size="sm" className="mt-3" onClick={onAccept}>
              I checked with {entry.displayName}: trust this account
            </Button>
          </Alert>
        </div>
      )}
      {entry.history.length > 1 && (
        <details className="mt-2 text-sm text-slate-600">
          <summary className="cursor-pointer">Key history ({entry.history.length})</summary>
          <ol className="mt-2 space-y-1">
            {entry.history.map((key) => (
              <li key={key.signingKeyId} className="font-mono text-xs">
                {identityFingerprint(key)} ·{' '}
                {key.reason === 'admin_reset' ? 'after an admin reset' : 'at sign-up'} ·{' '}
                {formatDateTime(key.createdAt)}
                {key.replacedAt ? ` – replaced ${formatDateTime(key.replacedAt)}` : ' (current)'}
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}

function ChangeWarning({
  entry,
  check,
  onAccept,
}: {
  entry: DirectoryEntry;
  check: Extract<KeyCheck, { status: 'changed' }>;
  onAccept: () => void;
}) {
  const change = describeChange(check);
  const serverSays = entry.history.find((key) => key.replacedAt === null)?.reason;
  return (
    <div className="mt-2" data-testid="key-change-warning">
      <Alert tone="warning" title={`${entry.displayName}'s keys changed`}>
        <p>{change.explanation}</p>
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
          <dt className="font-medium">Before</dt>
          <dd className="font-mono">{change.oldFingerprint}</dd>
          <dt className="font-medium">Now</dt>
          <dd className="font-mono">{change.newFingerprint}</dd>
        </dl>
        {serverSays === 'admin_reset' && (
          <p className="mt-2">
            The server says the new keys come from an admin reset of the account.
          </p>
        )}
        <Button variant="secondary" size="sm" className="mt-3" onClick={onAccept}>
          I checked with {entry.displayName}: trust the new keys
        </Button>
      </Alert>
    </div>
  );
}
