'use client';

import { useParams } from 'next/navigation';
import type { ReactNode } from 'react';
import { OrgFrame } from '../../../src/features/orgs/org-context';
import { RequireSignedIn } from '../../../src/features/session/guards';

export default function OrgLayout({ children }: { children: ReactNode }) {
  const { orgId } = useParams<{ orgId: string }>();
  return (
    <RequireSignedIn>
      {(session) => (
        <OrgFrame key={orgId} orgId={orgId} session={session}>
          {children}
        </OrgFrame>
      )}
    </RequireSignedIn>
  );
}
