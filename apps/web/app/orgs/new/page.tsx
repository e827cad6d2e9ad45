'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { orgSchema } from '@conclave/contracts';
import { Alert, AuthLayout, Button, PageHeader, TextField } from '../../../src/components/ui';
import { RequireSignedIn } from '../../../src/features/session/guards';
import { sessionStore } from '../../../src/features/session/session';
import { api, ApiError, errorMessage } from '../../../src/lib/api';

function NewOrgForm({ first }: { first: boolean }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: string | undefined } | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const org = await api('/orgs', { body: { name }, schema: orgSchema });
      await sessionStore.load(true);
      router.push(`/orgs/${org.id}/members`);
    } catch (caught) {
      setError({
        text: errorMessage(caught),
        field: caught instanceof ApiError ? caught.fieldErrors.name : undefined,
      });
      setBusy(false);
    }
  }
  return (
    <AuthLayout>
      <PageHeader
        title={first ? 'Create your organisation' : 'New organisation'}
        description={
          first
            ? 'You do not belong to an organisation yet. Create one (you become its owner), or ask for an invitation to an existing one.'
            : 'You become its owner and can invite colleagues next.'
        }
      />
      <form onSubmit={(event) => void submit(event)} className="space-y-4">
        {error && !error.field && <Alert tone="error">{error.text}</Alert>}
        <TextField
          label="Organisation name"
          required
          value={name}
          error={error?.field}
          onChange={(e) => setName(e.target.value)}
        />
        <Button type="submit" busy={busy}>
          Create organisation
        </Button>
      </form>
    </AuthLayout>
  );
}

export default function NewOrgPage() {
  return (
    <RequireSignedIn>
      {(session) => <NewOrgForm first={session.orgs.length === 0} />}
    </RequireSignedIn>
  );
}
