'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { Spinner } from '../../src/components/ui';
import { destinationAfterSignIn, RequireSignedIn } from '../../src/features/session/guards';
import type { SignedIn } from '@conclave/contracts';

function Redirect({ session }: { session: SignedIn }) {
  const router = useRouter();
  useEffect(() => router.replace(destinationAfterSignIn(session, null)), [router, session]);
  return <Spinner label="Opening your organisation…" />;
}

export default function OrgsIndex() {
  return <RequireSignedIn>{(session) => <Redirect session={session} />}</RequireSignedIn>;
}
