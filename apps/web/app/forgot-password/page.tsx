'use client';

import { useState, type FormEvent } from 'react';
import { acceptedMessageSchema } from '@conclave/contracts';
import {
  Alert,
  AuthLayout,
  Button,
  PageHeader,
  TextField,
  TextLink,
} from '../../src/components/ui';
import { api, errorMessage } from '../../src/lib/api';

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setMessage(
        (await api('/auth/recovery/request', { body: { email }, schema: acceptedMessageSchema }))
          .message,
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthLayout>
      <PageHeader
        title="Forgot your password?"
        description="We mail you a link. With it and your recovery code you choose a new password and keep your keys."
      />
      {message ? (
        <Alert tone="success" title="Check your inbox">
          {message}
        </Alert>
      ) : (
        <form onSubmit={(event) => void submit(event)} className="space-y-4">
          {error && <Alert tone="error">{error}</Alert>}
          <TextField
            label="E-mail address"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
          <Button type="submit" busy={busy}>
            Send me a link
          </Button>
        </form>
      )}
      <p className="text-sm text-slate-600">
        Lost your recovery code too? An admin of your organisation can reset your account; you will
        get new keys. <TextLink href="/sign-in">Back to sign in</TextLink>
      </p>
    </AuthLayout>
  );
}
