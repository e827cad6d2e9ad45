'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { AuthLayout, PageHeader, TextLink } from '../../components/ui';
import { destinationAfterSignIn } from './guards';
import { SignInForm } from './sign-in-form';

export function SignInPage() {
  const router = useRouter();
  const next = useSearchParams().get('next');
  return (
    <AuthLayout>
      <PageHeader
        title="Sign in"
        description="Your password unlocks your keys on this device; the server never sees it."
      />
      <SignInForm onSignedIn={(session) => router.push(destinationAfterSignIn(session, next))} />
      <p className="text-sm text-slate-600">
        <TextLink href="/forgot-password">Forgot your password?</TextLink>
        {' · '}
        <TextLink href="/sign-up">Create an account</TextLink>
      </p>
    </AuthLayout>
  );
}
