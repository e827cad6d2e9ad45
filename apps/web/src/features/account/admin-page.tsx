'use client';

import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { z } from 'zod';
import {
  outboxListSchema,
  signUpPolicySchema,
  type OutboxMail,
  type SignedIn,
  type SignUpPolicy,
} from '@conclave/contracts';
import {
  Alert,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  PageHeader,
  SelectField,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, ApiError, errorMessage } from '../../lib/api';

const outboxResponse = outboxListSchema.extend({ delivery: z.enum(['smtp', 'outbox']) });

/** Turns the links in a plain-text mail into links (the outbox's mails are the real ones). */
function linkify(text: string): ReactNode[] {
  return text.split(/(https?:\/\/[^\s]+)/g).map((part, index) =>
    /^https?:\/\//.test(part) ? (
      <a key={index} href={part} className="break-all text-brand-700 underline">
        {part}
      </a>
    ) : (
      <span key={index}>{part}</span>
    ),
  );
}

export function AdminPage({ session }: { session: SignedIn }) {
  if (!session.user.isInstanceAdmin) {
    return (
      <Alert tone="error" title="Not allowed">
        Only the instance admin sees this page.
      </Alert>
    );
  }
  return (
    <div className="space-y-6">
      <PageHeader
        title="Instance administration"
        description="Settings for this whole Conclave server."
      />
      <SignUpPolicyCard />
      <Outbox />
    </div>
  );
}

function SignUpPolicyCard() {
  const [policy, setPolicy] = useState<SignUpPolicy | null>(null);
  const [domains, setDomains] = useState('');
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api('/admin/sign-up-policy', { schema: signUpPolicySchema })
      .then((loaded) => {
        setPolicy(loaded);
        setDomains(loaded.allowedDomains.join(', '));
      })
      .catch((error: unknown) => setNotice({ tone: 'error', text: errorMessage(error) }));
  }, []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!policy) return;
    setBusy(true);
    try {
      const allowedDomains = domains.split(/[\s,]+/).filter(Boolean);
      const saved = await api('/admin/sign-up-policy', {
        method: 'PUT',
        body: { mode: policy.mode, allowedDomains },
        schema: signUpPolicySchema,
      });
      setPolicy(saved);
      setDomains(saved.allowedDomains.join(', '));
      setNotice({ tone: 'success', text: 'Saved.' });
    } catch (error) {
      setNotice({
        tone: 'error',
        text:
          error instanceof ApiError && Object.keys(error.fieldErrors).length > 0
            ? `Check the domains: ${Object.values(error.fieldErrors).join('; ')}`
            : errorMessage(error),
      });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card
      title="Who may sign up"
      description="By default, people join by invitation only. Open sign-up lets anyone (or anyone at the listed domains) create an account after proving their address by e-mail; they then create or are invited to an organisation."
    >
      {!policy && !notice && <Spinner label="Loading…" />}
      {notice && (
        <Alert tone={notice.tone} className="mb-3">
          {notice.text}
        </Alert>
      )}
      {policy && (
        <form onSubmit={(event) => void submit(event)} className="max-w-lg space-y-4">
          <SelectField
            label="Sign-up"
            value={policy.mode}
            onChange={(e) => setPolicy({ ...policy, mode: e.target.value as SignUpPolicy['mode'] })}
          >
            <option value="invitation">By invitation only</option>
            <option value="open">Open</option>
          </SelectField>
          <TextField
            label="Allowed e-mail domains"
            hint="Comma separated, e.g. example.org, example.com. Empty: any address (when open)."
            value={domains}
            disabled={policy.mode !== 'open'}
            onChange={(e) => setDomains(e.target.value)}
          />
          <Button type="submit" busy={busy}>
            Save
          </Button>
        </form>
      )}
    </Card>
  );
}

function Outbox() {
  const [mails, setMails] = useState<OutboxMail[] | null>(null);
  const [delivery, setDelivery] = useState<'smtp' | 'outbox' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const answer = await api('/admin/outbox', { schema: outboxResponse });
      setMails(answer.mails);
      setDelivery(answer.delivery);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <Card
      title="Outbox"
      description="Without an SMTP server (SMTP_URL), mails are kept here instead of sent. Pass the links on to the people they are for: each link works once."
      actions={
        <Button variant="secondary" size="sm" onClick={() => void load()}>
          Refresh
        </Button>
      }
    >
      {delivery === 'smtp' && (
        <Alert tone="info" className="mb-3">
          Mail goes out through SMTP; this list only shows mails kept before SMTP was configured.
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      {!mails && !error && <Spinner label="Loading mails…" />}
      {mails && mails.length === 0 && (
        <EmptyState title="The outbox is empty">
          Invitations and password reset mails appear here.
        </EmptyState>
      )}
      {mails && mails.length > 0 && (
        <ul className="divide-y divide-slate-100">
          {mails.map((mail) => (
            <li key={mail.id} className="py-3" data-testid="outbox-mail">
              <details>
                <summary className="cursor-pointer text-sm">
                  <strong>{mail.subject}</strong> to {mail.to} · {formatDateTime(mail.createdAt)}
                </summary>
                <pre className="mt-2 whitespace-pre-wrap rounded bg-slate-50 p-3 font-sans text-sm text-slate-800">
                  {linkify(mail.text)}
                </pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
