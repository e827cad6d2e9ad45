'use client';

import { useState, type FormEvent } from 'react';
import { preLoginResponseSchema, signedInSchema, type SignedIn } from '@conclave/contracts';
import { Button, Checkbox, Spinner, TextField } from '../../components/ui';
import { api, errorMessage, isApiError } from '../../lib/api';
import { identityStore } from '../identity';
import { deriveForSignIn, openIdentity } from '../identity/account-keys';
import { browserKdfPins, isKdfParamsRefused } from '../identity/kdf-pins';
import { FormError } from './form-error';
import { sessionStore } from './session';

type Stage = 'idle' | 'unlocking' | 'signing-in';

/**
 * Sign-in: pre-login for the salt and parameters, Argon2id in a worker (the visible
 * "Unlocking…" state), the auth key to the server, then the wrapped identity opened here.
 */
export function SignInForm({
  initialEmail = '',
  emailLocked = false,
  onSignedIn,
}: {
  initialEmail?: string;
  emailLocked?: boolean;
  onSignedIn: (session: SignedIn) => void;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [keep, setKeep] = useState(false);
  const [stage, setStage] = useState<Stage>('idle');
  const [error, setError] = useState<string | null>(null);
  /** The server re-salted this account's parameters: continuing needs the person's word. */
  const [saltChanged, setSaltChanged] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaltChanged(false);
    setStage('unlocking');
    try {
      const { kdfParams } = await api('/auth/pre-login', {
        body: { email },
        schema: preLoginResponseSchema,
      });
      const derived = await deriveForSignIn(password, kdfParams, email);
      setStage('signing-in');
      try {
        const session = await api('/auth/sign-in', {
          body: { email, authKey: derived.authKey },
          schema: signedInSchema,
        });
        const identity = openIdentity(session.keys, derived.wrapKey);
        // The identity opened with keys from these parameters: they are the account's own.
        browserKdfPins()?.remember(email, derived.kdfParams);
        await identityStore.unlock(session.user.id, identity, { keep });
        sessionStore.signedIn(session);
        onSignedIn(session);
      } finally {
        derived.wrapKey.fill(0);
      }
    } catch (caught) {
      setStage('idle');
      if (isKdfParamsRefused(caught)) setSaltChanged(caught.reason === 'salt-changed');
      setError(
        isApiError(caught, 429)
          ? `${caught.detail} This protects your account from password guessing.`
          : errorMessage(caught),
      );
    }
  }

  const busy = stage !== 'idle';
  return (
    <form onSubmit={(event) => void submit(event)} className="space-y-4" noValidate={false}>
      {error && <FormError title="Could not sign in">{error}</FormError>}
      {saltChanged && (
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            browserKdfPins()?.forget(email);
            setSaltChanged(false);
            setError(null);
          }}
        >
          I changed my password on another device: accept the new parameters
        </Button>
      )}
      <TextField
        label="E-mail address"
        type="email"
        name="email"
        autoComplete="username"
        required
        value={email}
        readOnly={emailLocked}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <Checkbox
        label="Keep me unlocked on this device"
        hint="Your keys stay on this device, encrypted, so a reload does not ask for your password. Only on a device that is yours."
        checked={keep}
        onChange={(event) => setKeep(event.target.checked)}
      />
      <Button type="submit" busy={busy} className="w-full">
        Sign in
      </Button>
      {busy && (
        <p
          role="status"
          aria-live="polite"
          className="text-sm text-slate-600"
          data-testid="unlocking"
        >
          <Spinner
            label={
              stage === 'unlocking'
                ? 'Unlocking… deriving your keys from the password on this device.'
                : 'Signing in…'
            }
          />
        </p>
      )}
    </form>
  );
}
