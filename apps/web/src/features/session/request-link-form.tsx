'use client';

import { useState, type FormEvent } from 'react';
import { acceptedMessageSchema } from '@conclave/contracts';
import { Alert, Button, TextField } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';

/**
 * Asks the API to mail a link to an address; once it has, the form gives way to the
 * server's answer (it says the same whether or not the address is known).
 */
export function RequestLinkForm({
  path,
  autoComplete,
  submitLabel,
}: {
  path: string;
  autoComplete: 'username' | 'email';
  submitLabel: string;
}) {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api(path, { body: { email }, schema: acceptedMessageSchema });
      setMessage(answer.message);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return message ? (
    <Alert tone="success" title="Check your inbox">
      {message}
    </Alert>
  ) : (
    <form onSubmit={(event) => void submit(event)} className="space-y-4">
      {error && <Alert tone="error">{error}</Alert>}
      <TextField
        label="E-mail address"
        type="email"
        autoComplete={autoComplete}
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <Button type="submit" busy={busy}>
        {submitLabel}
      </Button>
    </form>
  );
}
