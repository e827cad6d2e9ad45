'use client';

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { identityFingerprint } from '@conclave/crypto';
import {
  sessionListSchema,
  signedInSchema,
  type SessionInfo,
  type SignedIn,
} from '@conclave/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  PageHeader,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, ApiError, errorMessage } from '../../lib/api';
import { identityStore, useIdentity } from '../identity';
import { makeNewRecoveryCode, makePasswordChange } from '../identity/account-keys';
import { browserKdfPins } from '../identity/kdf-pins';
import { RecoveryCodeStep } from '../identity/recovery-code-step';
import { sessionStore } from '../session/session';
import { NewPasswordFields, passwordProblems } from '../session/new-password-fields';

export function AccountPage({ session }: { session: SignedIn }) {
  return (
    <div className="space-y-6">
      <PageHeader title="Account settings" description={session.user.email} />
      <Profile session={session} />
      <Keys session={session} />
      <ChangePassword session={session} />
      <RecoveryCode session={session} />
      <Sessions />
    </div>
  );
}

function Profile({ session }: { session: SignedIn }) {
  const [name, setName] = useState(session.user.displayName);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      sessionStore.signedIn(
        await api('/account', {
          method: 'PATCH',
          body: { displayName: name },
          schema: signedInSchema,
        }),
      );
      setMessage({ tone: 'success', text: 'Saved.' });
    } catch (error) {
      setMessage({ tone: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Profile">
      <form onSubmit={(event) => void submit(event)} className="flex flex-wrap items-end gap-3">
        <TextField
          label="Display name"
          value={name}
          required
          onChange={(e) => setName(e.target.value)}
          className="min-w-64 flex-1"
        />
        <Button type="submit" busy={busy}>
          Save
        </Button>
      </form>
      {message && (
        <Alert tone={message.tone} className="mt-3">
          {message.text}
        </Alert>
      )}
    </Card>
  );
}

function Keys({ session }: { session: SignedIn }) {
  const identity = useIdentity();
  const unlocked = identity.status === 'unlocked' && identity.userId === session.user.id;
  return (
    <Card
      title="Your keys"
      description="Colleagues see this fingerprint in the key directory. Compare it with them to be sure nobody swapped your keys."
    >
      <p className="font-mono text-sm" data-testid="my-fingerprint">
        {identityFingerprint(session.keys.publicIdentity)}
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-3 text-sm">
        {unlocked ? (
          <>
            <Badge tone="brand">Unlocked{identity.kept ? ' and kept on this device' : ''}</Badge>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => void identityStore.lock({ forget: true })}
            >
              Lock now
            </Button>
          </>
        ) : (
          <Badge>Locked</Badge>
        )}
      </div>
    </Card>
  );
}

function ChangePassword({ session }: { session: SignedIn }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = passwordProblems(password, confirm);
    setFieldErrors(problems);
    setMessage(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const change = await makePasswordChange(current, password, session.keys, session.user.email);
      const updated = await api('/account/password', { body: change.body, schema: signedInSchema });
      browserKdfPins()?.remember(session.user.email, change.body.kdfParams);
      const state = identityStore.getState();
      await identityStore.unlock(updated.user.id, change.identity, {
        keep: state.status === 'unlocked' && state.kept,
      });
      sessionStore.signedIn(updated);
      setCurrent('');
      setPassword('');
      setConfirm('');
      setMessage({
        tone: 'success',
        text: 'Your password is changed. Your other sessions were signed out.',
      });
    } catch (error) {
      const text = /DECRYPTION_FAILED|wrong wrap key/.test(errorMessage(error))
        ? 'The current password is not correct.'
        : errorMessage(error);
      if (error instanceof ApiError && error.fieldErrors.currentAuthKey)
        setFieldErrors({ current: text });
      setMessage({ tone: 'error', text });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card
      title="Change password"
      description="Your keys are re-protected with the new password on this device."
    >
      <form onSubmit={(event) => void submit(event)} className="max-w-md space-y-4">
        {message && <Alert tone={message.tone}>{message.text}</Alert>}
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          error={fieldErrors.current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <NewPasswordFields
          password={password}
          confirm={confirm}
          onPasswordChange={setPassword}
          onConfirmChange={setConfirm}
          fieldErrors={fieldErrors}
        />
        <Button type="submit" busy={busy} busyLabel="Changing…">
          Change password
        </Button>
      </form>
    </Card>
  );
}

function RecoveryCode({ session }: { session: SignedIn }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [newCode, setNewCode] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await makeNewRecoveryCode(password, session.keys, session.user.email);
      await api('/account/recovery-code', { body: made.body });
      setPassword('');
      setNewCode(made.recoveryCode);
    } catch (caught) {
      setError(
        /DECRYPTION_FAILED|wrong wrap key/.test(errorMessage(caught))
          ? 'The password is not correct.'
          : errorMessage(caught),
      );
    } finally {
      setBusy(false);
    }
  }
  if (newCode && !done) {
    return (
      <RecoveryCodeStep
        recoveryCode={newCode}
        email={session.user.email}
        doneLabel="Done"
        onDone={() => setDone(true)}
      />
    );
  }
  return (
    <Card
      title="Recovery code"
      description="Lost your recovery code, or think someone saw it? Make a new one; the old one stops working."
    >
      {done && (
        <Alert tone="success" className="mb-3">
          Your new recovery code is in place.
        </Alert>
      )}
      <form
        onSubmit={(event) => void submit(event)}
        className="flex max-w-md flex-wrap items-end gap-3"
      >
        {error && (
          <Alert tone="error" className="w-full">
            {error}
          </Alert>
        )}
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="min-w-64 flex-1"
        />
        <Button type="submit" variant="secondary" busy={busy}>
          Make a new recovery code
        </Button>
      </form>
    </Card>
  );
}

function Sessions() {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setSessions((await api('/account/sessions', { schema: sessionListSchema })).sessions);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  async function revoke(id: string) {
    try {
      await api(`/account/sessions/${id}`, { method: 'DELETE' });
      await load();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }
  return (
    <Card title="Where you are signed in">
      {error && <Alert tone="error">{error}</Alert>}
      {!sessions && !error && <Spinner label="Loading sessions…" />}
      {sessions && sessions.length === 0 && <EmptyState title="No sessions" />}
      {sessions && sessions.length > 0 && (
        <ul className="divide-y divide-slate-100">
          {sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
              <div className="text-sm">
                <p className="font-medium text-slate-800">
                  {s.userAgent ?? 'Unknown browser'}{' '}
                  {s.current && <Badge tone="brand">This browser</Badge>}
                </p>
                <p className="text-slate-500">
                  {s.ipAddress ?? 'unknown address'} · signed in {formatDateTime(s.createdAt)} ·
                  last seen {formatDateTime(s.lastSeenAt)}
                </p>
              </div>
              {!s.current && (
                <Button variant="secondary" size="sm" onClick={() => void revoke(s.id)}>
                  Sign out this session
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
