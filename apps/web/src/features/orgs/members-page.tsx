'use client';

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import {
  invitationListSchema,
  invitationSchema,
  memberListSchema,
  ORG_ROLES,
  type Invitation,
  type Member,
  type OrgRole,
} from '@conclave/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  formatDateTime,
  SelectField,
  Spinner,
  TextField,
} from '../../components/ui';
import { api, ApiError, errorMessage } from '../../lib/api';
import { MANAGER_ROLES, useOrg } from './org-context';

const ROLE_HELP: Record<OrgRole, string> = {
  owner: 'everything, including owners and ownership',
  admin: 'members, invitations and settings (not owners)',
  compliance: 'reads the audit log; holds compliance keys',
  member: 'meetings and recordings shared with them',
};

type Notice = { tone: 'success' | 'error'; text: string } | null;

export function MembersPage() {
  const { org, session } = useOrg();
  const manager = MANAGER_ROLES.includes(org.role);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const noticeRef = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    try {
      setMembers((await api(`/orgs/${org.id}/members`, { schema: memberListSchema })).members);
    } catch (error) {
      setNotice({ tone: 'error', text: errorMessage(error) });
    }
  }, [org.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const announce = useCallback((next: Notice) => {
    setNotice(next);
    requestAnimationFrame(() => noticeRef.current?.focus());
  }, []);

  async function run(action: () => Promise<unknown>, success: string) {
    try {
      await action();
      announce({ tone: 'success', text: success });
      await load();
    } catch (error) {
      announce({ tone: 'error', text: errorMessage(error) });
    }
  }

  const canTouch = (member: Member) =>
    manager &&
    member.userId !== session.user.id &&
    (org.role === 'owner' || member.role !== 'owner');
  const roleChoices = org.role === 'owner' ? ORG_ROLES : ORG_ROLES.filter((r) => r !== 'owner');

  return (
    <div className="space-y-6">
      <div ref={noticeRef} tabIndex={-1} aria-live="polite">
        {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      </div>
      <Card title="Members" description={`${members?.length ?? '…'} people in ${org.name}.`}>
        {!members && <Spinner label="Loading members…" />}
        {members && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Members of {org.name} and their roles</caption>
              <thead className="border-b border-slate-200 text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Name
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    E-mail
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Role
                  </th>
                  <th scope="col" className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {members.map((member) => (
                  <tr key={member.userId} data-testid={`member-${member.email}`}>
                    <th scope="row" className="py-2 pr-4 font-medium text-slate-900">
                      {member.displayName}
                      {member.userId === session.user.id && (
                        <span className="ml-2">
                          <Badge>you</Badge>
                        </span>
                      )}
                    </th>
                    <td className="py-2 pr-4 text-slate-600">{member.email}</td>
                    <td className="py-2 pr-4">
                      {canTouch(member) ? (
                        <SelectField
                          label={`Role of ${member.displayName}`}
                          hideLabel
                          value={member.role}
                          onChange={(event) => {
                            const role = event.target.value as OrgRole;
                            void run(
                              () =>
                                api(`/orgs/${org.id}/members/${member.userId}`, {
                                  method: 'PATCH',
                                  body: { role },
                                  schema: memberListSchema,
                                }),
                              `${member.displayName} is now ${role}.`,
                            );
                          }}
                        >
                          {roleChoices.map((role) => (
                            <option key={role} value={role}>
                              {role}
                            </option>
                          ))}
                        </SelectField>
                      ) : (
                        <Badge tone={member.role === 'owner' ? 'brand' : 'neutral'}>
                          {member.role}
                        </Badge>
                      )}
                    </td>
                    <td className="py-2 text-right">
                      {canTouch(member) && (
                        <div className="flex justify-end gap-2">
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={`Reset the account of ${member.displayName}`}
                            onClick={() => {
                              if (
                                window.confirm(
                                  `Reset the account of ${member.displayName}? They get a link to set a new password and will get new keys. Only do this if they lost both password and recovery code.`,
                                )
                              )
                                void run(
                                  () =>
                                    api(`/orgs/${org.id}/members/${member.userId}/reset`, {
                                      method: 'POST',
                                    }),
                                  `We mailed ${member.email} a link to reset the account.`,
                                );
                            }}
                          >
                            Reset account
                          </Button>
                          <Button
                            variant="secondary"
                            size="sm"
                            aria-label={`Remove ${member.displayName}`}
                            onClick={() => {
                              if (window.confirm(`Remove ${member.displayName} from ${org.name}?`))
                                void run(
                                  () =>
                                    api(`/orgs/${org.id}/members/${member.userId}`, {
                                      method: 'DELETE',
                                    }),
                                  `${member.displayName} was removed.`,
                                );
                            }}
                          >
                            Remove
                          </Button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <details className="mt-4 text-sm text-slate-600">
          <summary className="cursor-pointer">What the roles may do</summary>
          <ul className="mt-2 list-disc pl-5">
            {ORG_ROLES.map((role) => (
              <li key={role}>
                <strong>{role}</strong>: {ROLE_HELP[role]}
              </li>
            ))}
          </ul>
        </details>
      </Card>
      {manager && <Invitations onChange={load} announce={announce} />}
      {!manager && (
        <p className="text-sm text-slate-600">Owners and admins invite people and change roles.</p>
      )}
    </div>
  );
}

function Invitations({
  onChange,
  announce,
}: {
  onChange: () => Promise<void>;
  announce: (n: Notice) => void;
}) {
  const { org } = useOrg();
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('member');
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const emailRef = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      setInvitations(
        (await api(`/orgs/${org.id}/invitations`, { schema: invitationListSchema })).invitations,
      );
    } catch (error) {
      announce({ tone: 'error', text: errorMessage(error) });
    }
  }, [org.id, announce]);
  useEffect(() => {
    void load();
  }, [load]);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFieldError(undefined);
    try {
      const created = await api(`/orgs/${org.id}/invitations`, {
        body: { email, role },
        schema: invitationSchema,
      });
      announce({ tone: 'success', text: `Invitation sent to ${created.email}.` });
      setEmail('');
      emailRef.current?.focus();
      await load();
      await onChange();
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.email)
        setFieldError(error.fieldErrors.email);
      else announce({ tone: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  }

  async function act(action: () => Promise<unknown>, text: string) {
    try {
      await action();
      announce({ tone: 'success', text });
      await load();
    } catch (error) {
      announce({ tone: 'error', text: errorMessage(error) });
    }
  }

  const open = invitations?.filter((i) => i.status === 'pending' || i.status === 'expired') ?? [];
  const past = invitations?.filter((i) => i.status === 'accepted' || i.status === 'revoked') ?? [];
  const choices = org.role === 'owner' ? ORG_ROLES : ORG_ROLES.filter((r) => r !== 'owner');

  return (
    <Card
      title="Invitations"
      description="People get an e-mail with a link that works once, for 7 days."
    >
      <form onSubmit={(event) => void invite(event)} className="flex flex-wrap items-end gap-3">
        <TextField
          ref={emailRef}
          label="E-mail address to invite"
          type="email"
          required
          value={email}
          error={fieldError}
          onChange={(e) => setEmail(e.target.value)}
          className="min-w-64 flex-1"
        />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
          {choices.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <Button type="submit" busy={busy}>
          Send invitation
        </Button>
      </form>
      <h3 className="mt-6 text-sm font-semibold text-slate-800">Open invitations</h3>
      {!invitations && <Spinner label="Loading invitations…" />}
      {invitations && open.length === 0 && (
        <div className="mt-2">
          <EmptyState title="No open invitations">Invite someone with the form above.</EmptyState>
        </div>
      )}
      {open.length > 0 && (
        <ul className="mt-2 divide-y divide-slate-100">
          {open.map((invitation) => (
            <li
              key={invitation.id}
              className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm"
              data-testid={`invitation-${invitation.email}`}
            >
              <span>
                <strong>{invitation.email}</strong> as {invitation.role}{' '}
                {invitation.status === 'expired' ? (
                  <Badge tone="warning">expired</Badge>
                ) : (
                  <span className="text-slate-500">
                    · expires {formatDateTime(invitation.expiresAt)}
                  </span>
                )}
              </span>
              <span className="flex gap-2">
                <Button
                  variant="secondary"
                  size="sm"
                  aria-label={`Resend the invitation to ${invitation.email}`}
                  onClick={() =>
                    void act(
                      () =>
                        api(`/orgs/${org.id}/invitations/${invitation.id}/resend`, {
                          method: 'POST',
                          schema: invitationSchema,
                        }),
                      `Invitation sent again to ${invitation.email}.`,
                    )
                  }
                >
                  Resend
                </Button>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Withdraw the invitation to ${invitation.email}`}
                  onClick={() =>
                    void act(
                      () =>
                        api(`/orgs/${org.id}/invitations/${invitation.id}`, { method: 'DELETE' }),
                      `Invitation to ${invitation.email} withdrawn.`,
                    )
                  }
                >
                  Withdraw
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {past.length > 0 && (
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer text-slate-600">
            Past invitations ({past.length})
          </summary>
          <ul className="mt-2 space-y-1 text-slate-600">
            {past.map((i) => (
              <li key={i.id}>
                {i.email} as {i.role}: {i.status}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}
