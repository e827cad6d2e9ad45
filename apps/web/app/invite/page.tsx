'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import {
  acceptInvitationResponseSchema,
  invitationLookupSchema,
  type InvitationLookup,
  type SignedIn,
} from '@conclave/contracts';
import { Alert, AuthLayout, Button, Card, PageHeader, Spinner } from '../../src/components/ui';
import { RecoveryCodeStep } from '../../src/features/identity/recovery-code-step';
import { useLinkToken } from '../../src/features/session/guards';
import { sessionStore, useSession } from '../../src/features/session/session';
import { SignInForm } from '../../src/features/session/sign-in-form';
import { SignUpForm } from '../../src/features/session/sign-up-form';
import { api, errorMessage } from '../../src/lib/api';

/**
 * An invitation link: who invites you where; then, depending on who you are here, create an
 * account (the invitation's address), sign in and accept, or accept right away.
 */
export default function InvitePage() {
  const router = useRouter();
  const link = useLinkToken();
  const session = useSession();
  const [invitation, setInvitation] = useState<InvitationLookup | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ session: SignedIn; recoveryCode: string } | null>(null);

  useEffect(() => {
    if (!link.read) return;
    if (!link.token) {
      setLoadError('Open this page from the link in your invitation e-mail.');
      return;
    }
    api('/invitations/lookup', { body: { token: link.token }, schema: invitationLookupSchema })
      .then(setInvitation)
      .catch((caught: unknown) => setLoadError(errorMessage(caught)));
  }, [link.read, link.token]);

  async function accept() {
    if (!link.token) return;
    setBusy(true);
    setError(null);
    try {
      const { org } = await api('/invitations/accept', {
        body: { token: link.token },
        schema: acceptInvitationResponseSchema,
      });
      await sessionStore.load(true);
      router.push(`/orgs/${org.id}/members`);
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  if (created) {
    const orgId = created.session.orgs[0]?.id;
    return (
      <AuthLayout>
        <PageHeader title={`Welcome to ${invitation?.orgName ?? 'Conclave'}`} />
        <RecoveryCodeStep
          recoveryCode={created.recoveryCode}
          email={created.session.user.email}
          onDone={() => router.push(orgId ? `/orgs/${orgId}/members` : '/orgs/new')}
        />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout>
      <PageHeader title="Invitation" />
      {loadError && (
        <Alert tone="error" title="This invitation link does not work">
          {loadError}
        </Alert>
      )}
      {!invitation && !loadError && (
        <p role="status">
          <Spinner label="Checking the invitation…" />
        </p>
      )}
      {invitation && (
        <>
          <Card>
            <p>
              {invitation.invitedByName
                ? `${invitation.invitedByName} invited you`
                : 'You are invited'}{' '}
              to join <strong>{invitation.orgName}</strong> as <strong>{invitation.role}</strong>.
            </p>
            <p className="mt-1 text-sm text-slate-600">Invitation for {invitation.email}.</p>
          </Card>
          {error && <Alert tone="error">{error}</Alert>}
          {session.status === 'loading' && <Spinner label="Loading…" />}
          {session.status === 'signed-in' &&
            (session.data.user.email === invitation.email ? (
              <Button onClick={() => void accept()} busy={busy}>
                Accept and join {invitation.orgName}
              </Button>
            ) : (
              <Alert tone="warning" title="You are signed in with another address">
                You are signed in as {session.data.user.email}, but this invitation is for{' '}
                {invitation.email}.{' '}
                <button
                  type="button"
                  className="underline"
                  onClick={() => void sessionStore.signOut()}
                >
                  Sign out
                </button>{' '}
                and open the link again.
              </Alert>
            ))}
          {session.status === 'signed-out' &&
            (invitation.accountExists ? (
              <Card title="Sign in to accept" headingLevel={2}>
                <SignInForm
                  initialEmail={invitation.email}
                  emailLocked
                  onSignedIn={() => void accept()}
                />
              </Card>
            ) : (
              <Card title="Create your account" headingLevel={2}>
                <SignUpForm
                  email={invitation.email}
                  invitationToken={link.token ?? ''}
                  onCreated={(signedIn, recoveryCode) =>
                    setCreated({ session: signedIn, recoveryCode })
                  }
                />
              </Card>
            ))}
        </>
      )}
    </AuthLayout>
  );
}
