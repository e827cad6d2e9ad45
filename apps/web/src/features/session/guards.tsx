'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import type { SignedIn } from '@conclave/contracts';
import { Spinner } from '../../components/ui';
import { safeNextPath } from './safe-next';
import { useSession } from './session';

/** Renders children with the session, or sends signed-out visitors to sign in (and back). */
export function RequireSignedIn({ children }: { children: (session: SignedIn) => ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const pathname = usePathname();
  useEffect(() => {
    if (session.status === 'signed-out') {
      router.replace(`/sign-in?next=${encodeURIComponent(pathname)}`);
    }
  }, [session.status, router, pathname]);
  if (session.status !== 'signed-in') {
    return (
      <p role="status" className="text-slate-600">
        <Spinner label={session.status === 'loading' ? 'Loading…' : 'Taking you to sign in…'} />
      </p>
    );
  }
  return <>{children(session.data)}</>;
}

/**
 * The token of an e-mailed link (`/page#token=...`). Read once, then removed from the address
 * bar so it does not linger in history or screenshots. Fragments never reach the server.
 */
export function useLinkToken(): { token: string | null; read: boolean } {
  const [state, setState] = useState<{ token: string | null; read: boolean }>({
    token: null,
    read: false,
  });
  useEffect(() => {
    const read = () => {
      const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
      if (token) {
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
      }
      setState((previous) => (token || !previous.read ? { token, read: true } : previous));
    };
    read();
    // A link opened while the page is already showing only changes the fragment.
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  return state;
}

/** Where to go after signing in: `?next=` when it is a path of this site, else the first org. */
export function destinationAfterSignIn(session: SignedIn, next: string | null): string {
  const path = safeNextPath(next);
  if (path) return path;
  const first = session.orgs[0];
  return first ? `/orgs/${first.id}/members` : '/orgs/new';
}
