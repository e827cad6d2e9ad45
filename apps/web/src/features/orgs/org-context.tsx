'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { orgSchema, type Org, type OrgRole, type SignedIn } from '@conclave/contracts';
import { Alert, cx, Spinner, TextLink } from '../../components/ui';
import { api, errorMessage, isApiError } from '../../lib/api';

interface OrgContextValue {
  org: Org;
  session: SignedIn;
  reload: () => Promise<void>;
}

const OrgContext = createContext<OrgContextValue | null>(null);

export function useOrg(): OrgContextValue {
  const value = useContext(OrgContext);
  if (!value) throw new Error('useOrg outside an org page');
  return value;
}

export const MANAGER_ROLES: readonly OrgRole[] = ['owner', 'admin'];
export const AUDIT_ROLES: readonly OrgRole[] = ['owner', 'admin', 'compliance'];

/**
 * The org pages' tabs. Other features add theirs here (e.g. meetings), each with the roles
 * that see it.
 */
export const orgTabs: { segment: string; label: string; roles?: readonly OrgRole[] }[] = [
  { segment: 'meetings', label: 'Meetings' },
  { segment: 'recordings', label: 'Recordings' },
  { segment: 'members', label: 'Members' },
  { segment: 'directory', label: 'Key directory' },
  { segment: 'audit', label: 'Audit log', roles: AUDIT_ROLES },
  { segment: 'settings', label: 'Settings' },
];

/** Loads the org (and my role in it) for every page under /orgs/<orgId>/. */
export function OrgFrame({
  orgId,
  session,
  children,
}: {
  orgId: string;
  session: SignedIn;
  children: ReactNode;
}) {
  const pathname = usePathname();
  const [org, setOrg] = useState<Org | null>(null);
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null);
  const reload = useCallback(async () => {
    try {
      setOrg(await api(`/orgs/${orgId}`, { schema: orgSchema }));
      setError(null);
    } catch (caught) {
      setError({
        message: errorMessage(caught),
        notFound: isApiError(caught, 404) || isApiError(caught, 400),
      });
    }
  }, [orgId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  if (error) {
    return (
      <Alert
        tone="error"
        title={error.notFound ? 'Organisation not found' : 'Could not load the organisation'}
      >
        {error.message} <TextLink href="/orgs">Go to your organisations</TextLink>
      </Alert>
    );
  }
  if (!org) return <Spinner label="Loading the organisation…" />;
  return (
    <OrgContext.Provider value={{ org, session, reload }}>
      <div className="mb-6">
        <p className="text-sm text-slate-500">Organisation · your role: {org.role}</p>
        <h1 className="text-2xl font-semibold tracking-tight">{org.name}</h1>
        <nav aria-label="Organisation" className="mt-4 border-b border-slate-200">
          <ul className="-mb-px flex flex-wrap gap-1">
            {orgTabs
              .filter((tab) => !tab.roles || tab.roles.includes(org.role))
              .map((tab) => {
                const href = `/orgs/${org.id}/${tab.segment}`;
                const current = pathname.startsWith(href);
                return (
                  <li key={tab.segment}>
                    <Link
                      href={href}
                      aria-current={current ? 'page' : undefined}
                      className={cx(
                        'inline-block border-b-2 px-3 py-2 text-sm',
                        current
                          ? 'border-brand-600 font-medium text-brand-900'
                          : 'border-transparent text-slate-600 hover:text-slate-900',
                      )}
                    >
                      {tab.label}
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
      </div>
      {children}
    </OrgContext.Provider>
  );
}
