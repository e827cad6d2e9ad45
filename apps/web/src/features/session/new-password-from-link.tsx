'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import type { Identity } from '@conclave/crypto';
import type { SignedIn } from '@conclave/contracts';
import { Alert, AuthLayout, Button, PageHeader, Spinner } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { identityStore } from '../identity';
import { RecoveryCodeStep } from '../identity/recovery-code-step';
import { destinationAfterSignIn, useLinkToken } from './guards';
import { sessionStore } from './session';
import { NewPasswordFields, passwordProblems } from './new-password-fields';

/** What choosing the new password ends in: signed in, with keys and a recovery code. */
export interface NewPasswordSet {
  session: SignedIn;
  identity: Identity;
  recoveryCode: string;
}

/** Messages for this page's own fields (the new password's are checked before). */
export interface FieldProblems {
  fieldErrors: Record<string, string>;
}

/**
 * A mailed link that leads to a new password (recovery with the code, or after an admin
 * reset): the link's token is checked on arrival, the new password chosen here, then the
 * identity is kept unlocked for this tab only and the new recovery code is shown once.
 */
export function NewPasswordFromLink<Start>({
  title,
  startPath,
  startSchema,
  loadErrorHelp,
  intro,
  extraFields,
  submitLabel,
  busyLabel,
  complete,
  doneTitle,
  doneDescription,
}: {
  title: string;
  /** Checks the link's token and answers with what the form needs. */
  startPath: string;
  startSchema: z.ZodType<Start>;
  loadErrorHelp?: ReactNode;
  intro: (start: Start) => ReactNode;
  /** Fields before the new password's, with the messages `complete` gave them. */
  extraFields?: (fieldErrors: Record<string, string>) => ReactNode;
  submitLabel: string;
  busyLabel: string;
  complete: (
    start: Start,
    password: string,
    token: string,
  ) => Promise<NewPasswordSet | FieldProblems>;
  doneTitle: string;
  doneDescription: string;
}) {
  const router = useRouter();
  const link = useLinkToken();
  const [start, setStart] = useState<Start | null>(null);
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
    api(startPath, { body: { token: link.token }, schema: startSchema })
      .then(setStart)
      .catch((caught: unknown) => setLoadError(errorMessage(caught)));
  }, [link.read, link.token, startPath, startSchema]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (start === null || !link.token) return;
    const problems = passwordProblems(password, confirm);
    setFieldErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const outcome = await complete(start, password, link.token);
      if ('fieldErrors' in outcome) {
        setFieldErrors(outcome.fieldErrors);
        return;
      }
      const { session, identity, recoveryCode } = outcome;
      await identityStore.unlock(session.user.id, identity, { keep: false });
      sessionStore.signedIn(session);
      setDone({ session, recoveryCode });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <AuthLayout>
        <PageHeader title={doneTitle} description={doneDescription} />
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
      <PageHeader title={title} />
      {loadError && (
        <>
          <Alert tone="error" title="This link does not work">
            {loadError}
          </Alert>
          {loadErrorHelp}
        </>
      )}
      {start === null && !loadError && (
        <p role="status">
          <Spinner label="Checking the link…" />
        </p>
      )}
      {start !== null && (
        <form onSubmit={(event) => void submit(event)} className="space-y-4">
          {intro(start)}
          {error && <Alert tone="error">{error}</Alert>}
          {extraFields?.(fieldErrors)}
          <NewPasswordFields
            password={password}
            confirm={confirm}
            onPasswordChange={setPassword}
            onConfirmChange={setConfirm}
            fieldErrors={fieldErrors}
          />
          <Button type="submit" busy={busy}>
            {submitLabel}
          </Button>
          {busy && (
            <p role="status" className="text-sm text-slate-600" data-testid="unlocking">
              <Spinner label={busyLabel} />
            </p>
          )}
        </form>
      )}
    </AuthLayout>
  );
}
