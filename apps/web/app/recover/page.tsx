'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { isCryptoError } from '@conclave/crypto';
import {
  recoveryStartResponseSchema,
  signedInSchema,
  type RecoveryStart,
  type SignedIn,
} from '@conclave/contracts';
import {
  Alert,
  AuthLayout,
  Button,
  PageHeader,
  Spinner,
  TextField,
  TextLink,
} from '../../src/components/ui';
import { identityStore } from '../../src/features/identity';
import { makeRecovery } from '../../src/features/identity/account-keys';
import { RecoveryCodeStep } from '../../src/features/identity/recovery-code-step';
import { destinationAfterSignIn, useLinkToken } from '../../src/features/session/guards';
import { sessionStore } from '../../src/features/session/session';
import { passwordProblems } from '../../src/features/session/sign-up-form';
import { api, errorMessage } from '../../src/lib/api';

/**
 * "Forgot password", step 2 (from the mailed link): the recovery code opens the identity
 * here, the new password re-wraps it, and a signature of the server's challenge proves the
 * code was right. The identity (and access to past recordings) is kept.
 */
export default function RecoverPage() {
  const router = useRouter();
  const link = useLinkToken();
  const [start, setStart] = useState<RecoveryStart | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState('');
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
    api('/auth/recovery/start', {
      body: { token: link.token },
      schema: recoveryStartResponseSchema,
    })
      .then(setStart)
      .catch((caught: unknown) => setLoadError(errorMessage(caught)));
  }, [link.read, link.token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!start || !link.token) return;
    const problems = passwordProblems(password, confirm);
    setFieldErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      let recovery;
      try {
        recovery = await makeRecovery(start, code, password, link.token);
      } catch (caught) {
        if (
          isCryptoError(caught, 'RECOVERY_CODE_CHECKSUM') ||
          isCryptoError(caught, 'INVALID_RECOVERY_CODE')
        ) {
          setFieldErrors({ code: 'This is not a valid recovery code: check for a typo.' });
          return;
        }
        if (isCryptoError(caught, 'DECRYPTION_FAILED')) {
          setFieldErrors({ code: 'This recovery code does not belong to your account.' });
          return;
        }
        throw caught;
      }
      const session = await api('/auth/recovery/complete', {
        body: recovery.body,
        schema: signedInSchema,
      });
      await identityStore.unlock(session.user.id, recovery.identity, { keep: false });
      sessionStore.signedIn(session);
      setDone({ session, recoveryCode: recovery.recoveryCode });
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
          title="Your new password is set"
          description="You kept your keys. Your old recovery code no longer works: here is your new one."
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
      <PageHeader title="Choose a new password" />
      {loadError && (
        <>
          <Alert tone="error" title="This link does not work">
            {loadError}
          </Alert>
          <p className="text-sm">
            <TextLink href="/forgot-password">Ask for a new link</TextLink>
          </p>
        </>
      )}
      {!start && !loadError && (
        <p role="status">
          <Spinner label="Checking the link…" />
        </p>
      )}
      {start && (
        <form onSubmit={(event) => void submit(event)} className="space-y-4">
          <p className="text-sm text-slate-600">For {start.email}.</p>
          {error && <Alert tone="error">{error}</Alert>}
          <TextField
            label="Recovery code"
            autoComplete="off"
            spellCheck={false}
            required
            value={code}
            error={fieldErrors.code}
            hint="The code you saved when you created the account (groups of 4 characters)."
            onChange={(event) => setCode(event.target.value)}
          />
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
            Set the new password
          </Button>
          {busy && (
            <p role="status" className="text-sm text-slate-600" data-testid="unlocking">
              <Spinner label="Opening your keys with the recovery code and protecting them with the new password…" />
            </p>
          )}
        </form>
      )}
    </AuthLayout>
  );
}
