'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { RecordingSummary } from '@conclave/contracts';
import { Alert, Button } from '../../components/ui';
import { errorMessage, isApiError } from '../../lib/api';
import { deletionHint } from './recording-view';
import { deleteRecording } from './recordings-api';

/** Delete with a confirmation step; the retention minimum's 409 becomes a helpful message. */
export function DeletePanel({ summary, orgId }: { summary: RecordingSummary; orgId: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hint = deletionHint(summary, new Date());

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await deleteRecording(summary.id);
      router.push(`/orgs/${orgId}/recordings?deleted=1`);
    } catch (caught) {
      setError(
        isApiError(caught, 409)
          ? `${errorMessage(caught)} Your organisation’s retention policy keeps recordings for a minimum time; try again once it has passed, or ask an admin about the policy.`
          : errorMessage(caught),
      );
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-3">
      {hint && <Alert tone="info">{hint}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      {!confirming ? (
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Delete recording…
        </Button>
      ) : (
        <div role="group" aria-label="Confirm deletion" className="space-y-2">
          <p className="text-sm text-slate-700">
            Delete this recording for everyone? The encrypted file is removed from storage and
            cannot be recovered. The deletion is recorded in the audit log.
          </p>
          <div className="flex gap-2">
            <Button
              variant="danger"
              busy={busy}
              busyLabel="Deleting…"
              onClick={() => void remove()}
            >
              Delete for everyone
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
