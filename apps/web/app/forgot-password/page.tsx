'use client';

import { AuthLayout, PageHeader, TextLink } from '../../src/components/ui';
import { RequestLinkForm } from '../../src/features/session/request-link-form';

export default function ForgotPasswordPage() {
  return (
    <AuthLayout>
      <PageHeader
        title="Forgot your password?"
        description="We mail you a link. With it and your recovery code you choose a new password and keep your keys."
      />
      <RequestLinkForm
        path="/auth/recovery/request"
        autoComplete="username"
        submitLabel="Send me a link"
      />
      <p className="text-sm text-slate-600">
        Lost your recovery code too? An admin of your organisation can reset your account; you will
        get new keys. <TextLink href="/sign-in">Back to sign in</TextLink>
      </p>
    </AuthLayout>
  );
}
