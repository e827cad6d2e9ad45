import Link from 'next/link';
import { AccountMenu } from '../features/session/account-menu';

const links = [{ href: '/', label: 'Home' }];

export function SiteHeader() {
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-5xl items-center gap-6 px-4 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold text-brand-900">
          <span aria-hidden="true" className="inline-block h-3 w-3 rounded-full bg-brand-600" />
          Conclave
        </Link>
        <ul className="flex gap-4 text-sm">
          {links.map((link) => (
            <li key={link.href}>
              <Link
                href={link.href}
                className="rounded px-1 py-0.5 text-slate-700 hover:text-brand-700"
              >
                {link.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="ml-auto">
          <AccountMenu />
        </div>
      </nav>
    </header>
  );
}
