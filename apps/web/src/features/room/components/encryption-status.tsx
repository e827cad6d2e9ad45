'use client';

import type { SecurityCodeView } from '../room-session';

/**
 * The lock in the room's header: whether media is end-to-end encrypted, and the security code
 * (the first groups; the dialog shows all of it and how to compare it).
 */
export function EncryptionStatus({
  e2ee,
  securityCode,
  onShowCode,
}: {
  e2ee: boolean;
  securityCode: SecurityCodeView | null;
  onShowCode: () => void;
}) {
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      <span
        role="status"
        data-testid="encryption-status"
        data-e2ee={e2ee ? 'on' : 'off'}
        className={
          e2ee
            ? 'inline-flex items-center gap-1.5 rounded-full bg-emerald-900/60 px-3 py-1 text-emerald-100'
            : 'inline-flex items-center gap-1.5 rounded-full bg-amber-900/70 px-3 py-1 text-amber-100'
        }
      >
        <span aria-hidden="true">{e2ee ? '🔒' : '🔓'}</span>
        {e2ee
          ? 'End-to-end encrypted'
          : 'Not end-to-end encrypted: the server can see and hear media'}
      </span>
      {securityCode && (
        <button
          type="button"
          onClick={onShowCode}
          className="inline-flex items-center gap-2 rounded-full bg-white/10 px-3 py-1 text-slate-100 hover:bg-white/20"
          aria-label={`Security code ${securityCode.groups.slice(0, 2).join(' ')}, compare it`}
        >
          <span>Security code</span>
          <code data-testid="security-code-short" className="font-mono tracking-wider">
            {securityCode.groups.slice(0, 2).join(' ')}
          </code>
          {securityCode.confirmed && <span aria-label="compared">✓</span>}
        </button>
      )}
    </div>
  );
}
