'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { AuthLayout, Card, PageHeader } from '../../src/components/ui';
import { UnlockPanel } from '../../src/features/identity/unlock-panel';
import { destinationAfterSignIn, RequireSignedIn } from '../../src/features/session/guards';

export default function UnlockPage() {
  const router = useRouter();
  const next = useSearchParams().get('next');
  return (
    <AuthLayout>
      <PageHeader title="Unlock your keys" />
      <RequireSignedIn>
        {(session) => (
          <Card>
            <UnlockPanel
              session={session}
              onUnlocked={() => router.push(destinationAfterSignIn(session, next))}
            />
          </Card>
        )}
      </RequireSignedIn>
    </AuthLayout>
  );
}
