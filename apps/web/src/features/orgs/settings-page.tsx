'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { memberListSchema, orgSchema, type Member } from '@conclave/contracts';
import { Alert, Button, Card, SelectField, TextField } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { OrgPolicyEditor } from '../policies/org-policy-editor';
import { sessionStore } from '../session/session';
import { MANAGER_ROLES, useOrg } from './org-context';

export function SettingsPage() {
  const { org, session, reload } = useOrg();
  const router = useRouter();
  const [name, setName] = useState(org.name);
  const [members, setMembers] = useState<Member[]>([]);
  const [newOwner, setNewOwner] = useState('');
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const manager = MANAGER_ROLES.includes(org.role);

  useEffect(() => {
    api(`/orgs/${org.id}/members`, { schema: memberListSchema })
      .then((list) => setMembers(list.members.filter((m) => m.userId !== session.user.id)))
      .catch(() => setMembers([]));
  }, [org.id, session.user.id]);

  async function run(action: () => Promise<unknown>, text: string) {
    try {
      await action();
      setNotice({ tone: 'success', text });
      await sessionStore.load(true);
      await reload();
    } catch (error) {
      setNotice({ tone: 'error', text: errorMessage(error) });
    }
  }

  return (
    <div className="space-y-6">
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      {manager && (
        <Card title="Name">
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(event: FormEvent) => {
              event.preventDefault();
              void run(
                () =>
                  api(`/orgs/${org.id}`, { method: 'PATCH', body: { name }, schema: orgSchema }),
                'The organisation was renamed.',
              );
            }}
          >
            <TextField
              label="Organisation name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              className="min-w-64 flex-1"
            />
            <Button type="submit">Rename</Button>
          </form>
        </Card>
      )}
      <OrgPolicyEditor orgId={org.id} canEdit={manager} />
      {org.role === 'owner' && (
        <Card
          title="Transfer ownership"
          description="The member you choose becomes owner; you become admin."
        >
          {members.length === 0 ? (
            <p className="text-sm text-slate-600">
              Invite someone first: there is nobody to transfer to.
            </p>
          ) : (
            <form
              className="flex flex-wrap items-end gap-3"
              onSubmit={(event: FormEvent) => {
                event.preventDefault();
                const target = members.find((m) => m.userId === newOwner);
                if (
                  target &&
                  window.confirm(
                    `Make ${target.displayName} the owner of ${org.name}? You will become admin.`,
                  )
                )
                  void run(
                    () =>
                      api(`/orgs/${org.id}/transfer-ownership`, {
                        body: { userId: target.userId },
                        schema: memberListSchema,
                      }),
                    `${target.displayName} is now the owner.`,
                  );
              }}
            >
              <SelectField
                label="New owner"
                required
                value={newOwner}
                onChange={(e) => setNewOwner(e.target.value)}
              >
                <option value="">Choose a member…</option>
                {members.map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.displayName} ({m.role})
                  </option>
                ))}
              </SelectField>
              <Button type="submit" variant="secondary" disabled={!newOwner}>
                Transfer ownership
              </Button>
            </form>
          )}
        </Card>
      )}
      <Card
        title="Leave the organisation"
        description="You lose access to its meetings and recordings. The last owner cannot leave."
      >
        <Button
          variant="danger"
          onClick={() => {
            if (!window.confirm(`Leave ${org.name}?`)) return;
            api(`/orgs/${org.id}/leave`, { method: 'POST' })
              .then(async () => {
                await sessionStore.load(true);
                router.push('/orgs');
              })
              .catch((error: unknown) => setNotice({ tone: 'error', text: errorMessage(error) }));
          }}
        >
          Leave {org.name}
        </Button>
      </Card>
    </div>
  );
}
