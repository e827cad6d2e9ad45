'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { resetStartResponseSchema, signedInSchema, type SignedIn } from '@conclave/contracts';
import { Alert, AuthLayout, Button, PageHeader, Spinner, TextField } from '../../src/components/ui';
import { identityStore } from '../../src/features/identity';
import { makeNewAccountKeys } from '../../src/features/identity/account-keys';
import { RecoveryCodeStep } from '../../src/features/identity/recovery-code-step';
import { destinationAfterSignIn, useLinkToken } from '../../src/features/session/guards';
import { sessionStore } from '../../src/features/session/session';
import { passwordProblems } from '../../src/features/session/sign-up-form';
import { api, errorMessage } from '../../src/lib/api';

/** After an admin reset: a new password and new keys (the old keys cannot be recovered). */
export default function ResetPage() {
  const router = useRouter();
  const link = useLinkToken();
  const [info, setInfo] = useState<{ email: string; displayName: string; orgName: string } | null>(
    null,
  );
  const [loadError, setLoadError] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ session: SignedIn; recoveryCode: string } | null>(null);

  useEffect(() => {
    if (!link.read) return;
    if (!link.token) {
      setLoadError('Open this page from the link in the e-mail we sent you.');
      return;
    }
    api('/auth/reset/start', { body: { token: link.token }, schema: resetStartResponseSchema })
      .then(setInfo)
      .catch((caught: unknown) => setLoadError(errorMessage(caught)));
  }, [link.read, link.token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!link.token) return;
    const problems = passwordProblems(password, confirm);
    setFieldErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const keys = await makeNewAccountKeys(password);
      const session = await api('/auth/reset/complete', {
        body: { ...keys.body, token: link.token },
        schema: signedInSchema,
      });
      await identityStore.unlock(session.user.id, keys.identity, { keep: false });
      sessionStore.signedIn(session);
      setDone({ session, recoveryCode: keys.recoveryCode });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <AuthLayout>
        <PageHeader
          title="Your account is reset"
          description="You have new keys and a new recovery code."
        />
        <RecoveryCodeStep
          recoveryCode={done.recoveryCode}
          email={done.session.user.email}
          onDone={() => router.push(destinationAfterSignIn(done.session, null))}
        />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout>
      <PageHeader title="Reset your account" />
      {loadError && (
        <Alert tone="error" title="This link does not work">
          {loadError}
        </Alert>
      )}
      {!info && !loadError && (
        <p role="status">
          <Spinner label="Checking the link…" />
        </p>
      )}
      {info && (
        <form onSubmit={(event) => void submit(event)} className="space-y-4">
          <Alert tone="warning" title="You will get new keys">
            An admin of {info.orgName} reset the account of {info.displayName} ({info.email}). Your
            colleagues will see that your keys changed, and recordings made for your old keys stay
            readable only by their other recipients. If you still have your recovery code, use
            “Forgot password” on the sign-in page instead.
          </Alert>
          {error && <Alert tone="error">{error}</Alert>}
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            error={fieldErrors.password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <TextField
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            error={fieldErrors.confirm}
            onChange={(event) => setConfirm(event.target.value)}
          />
          <Button type="submit" busy={busy}>
            Set the password and make new keys
          </Button>
          {busy && (
            <p role="status" className="text-sm text-slate-600" data-testid="unlocking">
              <Spinner label="Making your new keys on this device…" />
            </p>
          )}
        </form>
      )}
    </AuthLayout>
  );
}
