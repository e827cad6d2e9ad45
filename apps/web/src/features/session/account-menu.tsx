'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { DisclosureMenu, menuItemClass } from '../../components/disclosure-menu';
import { cx } from '../../components/ui';
import { useIdentity } from '../identity';
import { sessionStore, useSession } from './session';

/** The header's right side: sign-in links, or the org switcher and the account menu. */
export function AccountMenu() {
  const session = useSession();
  const identity = useIdentity();
  const pathname = usePathname();
  const router = useRouter();
  if (session.status === 'loading') return <span className="text-sm text-slate-400">…</span>;
  if (session.status === 'signed-out') {
    return (
      <div className="flex items-center gap-3 text-sm">
        {/* No prefetch: these links show on every page of a signed-out visitor. */}
        <Link href="/sign-in" prefetch={false} className="text-slate-700 hover:text-brand-700">
          Sign in
        </Link>
        <Link
          href="/sign-up"
          prefetch={false}
          className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700"
        >
          Sign up
        </Link>
      </div>
    );
  }
  const { user, orgs } = session.data;
  const currentOrgId = /^\/orgs\/([0-9a-f-]{36})/.exec(pathname)?.[1];
  const currentOrg = orgs.find((org) => org.id === currentOrgId);
  const unlocked = identity.status === 'unlocked' && identity.userId === user.id;

  return (
    <div className="flex items-center gap-2">
      <DisclosureMenu
        label={`Switch organisation${currentOrg ? ` (current: ${currentOrg.name})` : ''}`}
        align="left"
        buttonContent={
          <span className="max-w-40 truncate">{currentOrg?.name ?? 'Organisations'}</span>
        }
      >
        {(close) => (
          <ul>
            {orgs.map((org) => (
              <li key={org.id}>
                <Link
                  href={`/orgs/${org.id}/members`}
                  onClick={close}
                  aria-current={org.id === currentOrgId ? 'page' : undefined}
                  className={cx(menuItemClass, org.id === currentOrgId && 'font-semibold')}
                >
                  {org.name} <span className="text-xs text-slate-500">({org.role})</span>
                </Link>
              </li>
            ))}
            <li className="border-t border-slate-100">
              <Link href="/orgs/new" onClick={close} className={menuItemClass}>
                New organisation…
              </Link>
            </li>
          </ul>
        )}
      </DisclosureMenu>
      <DisclosureMenu
        label={`Account menu for ${user.displayName}`}
        buttonContent={
          <span className="flex items-center gap-1.5">
            <span
              aria-hidden="true"
              title={unlocked ? 'Keys unlocked' : 'Keys locked'}
              className={cx('h-2 w-2 rounded-full', unlocked ? 'bg-emerald-500' : 'bg-slate-400')}
            />
            <span className="max-w-40 truncate">{user.displayName}</span>
          </span>
        }
      >
        {(close) => (
          <ul>
            <li className="px-3 py-2 text-xs text-slate-500">
              {user.email}
              <br />
              {unlocked ? 'Keys unlocked on this device' : 'Keys locked'}
            </li>
            <li>
              <Link href="/account" onClick={close} className={menuItemClass}>
                Account settings
              </Link>
            </li>
            {!unlocked && (
              <li>
                <Link
                  href={`/unlock?next=${encodeURIComponent(pathname)}`}
                  onClick={close}
                  className={menuItemClass}
                >
                  Unlock keys…
                </Link>
              </li>
            )}
            {user.isInstanceAdmin && (
              <li>
                <Link href="/admin" onClick={close} className={menuItemClass}>
                  Instance admin
                </Link>
              </li>
            )}
            <li className="border-t border-slate-100">
              <button
                type="button"
                className={menuItemClass}
                onClick={() => {
                  close();
                  void sessionStore.signOut().then(() => router.push('/sign-in'));
                }}
              >
                Sign out
              </button>
            </li>
          </ul>
        )}
      </DisclosureMenu>
    </div>
  );
}
