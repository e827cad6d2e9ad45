'use client';

import { useState, type FormEvent } from 'react';
import { signedInSchema, type SignedIn } from '@conclave/contracts';
import { Button, Checkbox, Spinner, TextField } from '../../components/ui';
import { api, ApiError, errorMessage } from '../../lib/api';
import { identityStore } from '../identity';
import { makeNewAccountKeys } from '../identity/account-keys';
import { browserKdfPins } from '../identity/kdf-pins';
import { FormError } from './form-error';
import { NewPasswordFields, passwordProblems } from './new-password-fields';
import { sessionStore } from './session';

/**
 * Creates an account: the keys are made here (Argon2id in a worker, a new identity, a new
 * recovery code) and only the auth key, public keys and wrapped keys are sent.
 */
export function SignUpForm({
  email: fixedEmail,
  needsOrgName = false,
  invitationToken,
  signUpToken,
  onCreated,
}: {
  email?: string;
  needsOrgName?: boolean;
  invitationToken?: string;
  signUpToken?: string;
  onCreated: (session: SignedIn, recoveryCode: string) => void;
}) {
  const [email, setEmail] = useState(fixedEmail ?? '');
  const [displayName, setDisplayName] = useState('');
  const [orgName, setOrgName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [keep, setKeep] = useState(false);
  const [busy, setBusy] = useState<false | 'keys' | 'account'>(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const problems = passwordProblems(password, confirm);
    setFieldErrors(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy('keys');
    try {
      const keys = await makeNewAccountKeys(password);
      setBusy('account');
      const session = await api('/auth/sign-up', {
        body: {
          ...keys.body,
          email,
          displayName,
          ...(needsOrgName ? { orgName } : {}),
          ...(invitationToken ? { invitationToken } : {}),
          ...(signUpToken ? { signUpToken } : {}),
        },
        schema: signedInSchema,
      });
      await identityStore.unlock(session.user.id, keys.identity, { keep });
      browserKdfPins()?.remember(email, keys.body.kdfParams);
      sessionStore.signedIn(session);
      onCreated(session, keys.recoveryCode);
    } catch (caught) {
      setBusy(false);
      if (caught instanceof ApiError) setFieldErrors(caught.fieldErrors);
      setError(errorMessage(caught));
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="space-y-4">
      {error && <FormError title="Could not create the account">{error}</FormError>}
      {needsOrgName && (
        <TextField
          label="Organisation name"
          name="orgName"
          required
          value={orgName}
          error={fieldErrors.orgName}
          hint="You are the first person on this server: you become its owner and the instance admin."
          onChange={(event) => setOrgName(event.target.value)}
        />
      )}
      <TextField
        label="Your name"
        name="displayName"
        autoComplete="name"
        required
        value={displayName}
        error={fieldErrors.displayName}
        onChange={(event) => setDisplayName(event.target.value)}
      />
      <TextField
        label="E-mail address"
        type="email"
        name="email"
        autoComplete="username"
        required
        readOnly={fixedEmail !== undefined}
        value={email}
        error={fieldErrors.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <NewPasswordFields
        forNewAccount
        password={password}
        confirm={confirm}
        onPasswordChange={setPassword}
        onConfirmChange={setConfirm}
        fieldErrors={fieldErrors}
      />
      <Checkbox
        label="Keep me unlocked on this device"
        checked={keep}
        onChange={(event) => setKeep(event.target.checked)}
      />
      <Button type="submit" busy={busy !== false} className="w-full">
        Create account
      </Button>
      {busy && (
        <p role="status" className="text-sm text-slate-600" data-testid="unlocking">
          <Spinner
            label={
              busy === 'keys'
                ? 'Making your keys on this device… (this takes a moment)'
                : 'Creating your account…'
            }
          />
        </p>
      )}
    </form>
  );
}
