'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import {
  signUpLinkSchema,
  signUpStatusSchema,
  type SignedIn,
  type SignUpStatus,
} from '@conclave/contracts';
import { Alert, AuthLayout, PageHeader, Spinner, TextLink } from '../../components/ui';
import { api, errorMessage } from '../../lib/api';
import { RecoveryCodeStep } from '../identity/recovery-code-step';
import { destinationAfterSignIn, useLinkToken } from './guards';
import { RequestLinkForm } from './request-link-form';
import { SignUpForm } from './sign-up-form';

type View =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'status'; status: SignUpStatus }
  | { kind: 'link'; email: string; token: string };

/**
 * Sign-up. The first person on a new installation creates the first org; after that, people
 * join by invitation (/invite), or, when the instance admin opened sign-up, ask for a link
 * here that proves their address and come back with it.
 */
export function SignUpPage() {
  const router = useRouter();
  const link = useLinkToken();
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [created, setCreated] = useState<{ session: SignedIn; recoveryCode: string } | null>(null);

  useEffect(() => {
    if (!link.read) return;
    const load = async () => {
      try {
        if (link.token) {
          const { email } = await api('/auth/sign-up/lookup', {
            body: { token: link.token },
            schema: signUpLinkSchema,
          });
          setView({ kind: 'link', email, token: link.token });
        } else {
          setView({
            kind: 'status',
            status: await api('/auth/sign-up/status', { schema: signUpStatusSchema }),
          });
        }
      } catch (error) {
        setView({ kind: 'error', message: errorMessage(error) });
      }
    };
    void load();
  }, [link.read, link.token]);

  if (created) {
    return (
      <AuthLayout>
        <PageHeader title="Your account is ready" />
        <RecoveryCodeStep
          recoveryCode={created.recoveryCode}
          email={created.session.user.email}
          onDone={() => router.push(destinationAfterSignIn(created.session, null))}
        />
      </AuthLayout>
    );
  }

  const onCreated = (session: SignedIn, recoveryCode: string) =>
    setCreated({ session, recoveryCode });

  return (
    <AuthLayout>
      {view.kind === 'loading' && (
        <p role="status">
          <Spinner label="Loading…" />
        </p>
      )}
      {view.kind === 'error' && (
        <>
          <PageHeader title="Create an account" />
          <Alert tone="error" title="This sign-up link does not work">
            {view.message}
          </Alert>
          <p className="text-sm">
            <TextLink href="/sign-up">Ask for a new link</TextLink>
          </p>
        </>
      )}
      {view.kind === 'link' && (
        <>
          <PageHeader title="Create your account" description={`For ${view.email}.`} />
          <SignUpForm email={view.email} signUpToken={view.token} onCreated={onCreated} />
        </>
      )}
      {view.kind === 'status' && view.status.mode === 'first' && (
        <>
          <PageHeader
            title="Set up Conclave"
            description="Nobody has an account here yet. Create yours and your organisation; you can invite colleagues next."
          />
          <SignUpForm needsOrgName onCreated={onCreated} />
        </>
      )}
      {view.kind === 'status' && view.status.mode === 'open' && (
        <RequestSignUpLink allowedDomains={view.status.allowedDomains} />
      )}
      {view.kind === 'status' && view.status.mode === 'invitation' && (
        <>
          <PageHeader title="Create an account" />
          <Alert tone="info" title="Sign-up is by invitation">
            Ask an admin of your organisation to invite you; the e-mail has a link to create your
            account.
          </Alert>
          <p className="text-sm text-slate-600">
            Already have an account? <TextLink href="/sign-in">Sign in</TextLink>
          </p>
        </>
      )}
    </AuthLayout>
  );
}

function RequestSignUpLink({ allowedDomains }: { allowedDomains: string[] }) {
  return (
    <>
      <PageHeader
        title="Create an account"
        description={
          allowedDomains.length > 0
            ? `Sign-up is open to addresses at ${allowedDomains.join(', ')}.`
            : 'Enter your e-mail address; we send you a link to create your account.'
        }
      />
      <RequestLinkForm
        path="/auth/sign-up/request"
        autoComplete="email"
        submitLabel="Send me a sign-up link"
      />
      <p className="text-sm text-slate-600">
        Already have an account? <TextLink href="/sign-in">Sign in</TextLink>
      </p>
    </>
  );
}
