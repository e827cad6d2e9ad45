'use client';

import { useState, type FormEvent } from 'react';
import type { SignedIn } from '@conclave/contracts';
import { Alert, Button, Checkbox, Spinner, TextField } from '../../components/ui';
import { errorMessage } from '../../lib/api';
import { identityStore, useIdentity } from '.';
import { unlockWithPassword } from './account-keys';

/**
 * Unlocks the identity after a reload: the password, Argon2id in the worker (the visible
 * "Unlocking…" state), the wrapped identity opened here. Nothing is sent to the server.
 */
export function UnlockPanel({
  session,
  onUnlocked,
}: {
  session: SignedIn;
  onUnlocked?: () => void;
}) {
  const identity = useIdentity();
  const [password, setPassword] = useState('');
  const [keep, setKeep] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (identity.status === 'unlocked' && identity.userId === session.user.id) {
    return <Alert tone="success">Your keys are unlocked on this device.</Alert>;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const unlocked = await unlockWithPassword(password, session.keys, session.user.email);
      await identityStore.unlock(session.user.id, unlocked, { keep });
      setPassword('');
      onUnlocked?.();
    } catch (caught) {
      const message = errorMessage(caught);
      setError(
        /DECRYPTION_FAILED|wrong wrap key/i.test(message)
          ? 'That password does not unlock your keys. Check it and try again.'
          : message,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="space-y-4">
      <p className="text-sm text-slate-600">
        Your keys are locked on this device. Enter your password to unlock them; it is checked here,
        not on the server.
      </p>
      {error && <Alert tone="error">{error}</Alert>}
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <Checkbox
        label="Keep me unlocked on this device"
        checked={keep}
        onChange={(event) => setKeep(event.target.checked)}
      />
      <Button type="submit" busy={busy}>
        Unlock
      </Button>
      {busy && (
        <p role="status" className="text-sm text-slate-600" data-testid="unlocking">
          <Spinner label="Unlocking… deriving your keys from the password on this device." />
        </p>
      )}
    </form>
  );
}
