'use client';

import { useEffect, useRef } from 'react';
import type { SecurityCodeView } from '../room-session';

/**
 * The whole security code and how to compare it. Everyone's browser computes the code from
 * the meeting and every participant's public key; if the server slipped someone in or swapped
 * a key, the codes differ.
 */
export function SecurityCodeDialog({
  code,
  participantCount,
  onConfirm,
  onClose,
}: {
  code: SecurityCodeView;
  participantCount: number;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="security-code-title"
      onClose={onClose}
      className="m-auto max-w-lg rounded-xl bg-white p-6 text-slate-900 shadow-2xl backdrop:bg-black/60"
    >
      <h2 id="security-code-title" className="text-lg font-semibold">
        Compare the security code
      </h2>
      <p
        data-testid="security-code"
        className="mt-4 grid grid-cols-4 gap-2 text-center font-mono text-xl tracking-wider"
      >
        {code.groups.map((group, i) => (
          <span key={i} className="rounded bg-slate-100 px-2 py-1">
            {group}
          </span>
        ))}
      </p>
      <p className="mt-2 text-xs text-slate-500">
        Made from this meeting and the {code.keyCount} public key
        {code.keyCount === 1 ? '' : 's'} of the {participantCount} people your browser sees. It
        changes whenever someone joins or leaves.
      </p>
      <div className="mt-4 space-y-2 text-sm text-slate-700">
        <p>
          <strong>How to check:</strong> one person reads the first two groups aloud; everyone else
          checks that their screen shows the same digits. Do it by voice or video, where you
          recognise each other, not in the chat.
        </p>
        <p>
          <strong>If they match</strong>, everyone sees the same participants with the same keys:
          nobody, not even whoever runs the server, is listening in.
        </p>
        <p>
          <strong>If they differ</strong>, someone&apos;s key was replaced or someone is in the
          meeting that not everyone can see. Stop discussing anything sensitive, leave, and tell
          your administrator.
        </p>
      </div>
      <div className="mt-6 flex justify-end gap-3">
        <button
          type="button"
          onClick={() => dialog.current?.close()}
          className="rounded-md px-4 py-2 text-sm text-slate-700 hover:bg-slate-100"
        >
          Close
        </button>
        <button
          type="button"
          disabled={code.confirmed}
          onClick={() => {
            onConfirm();
            dialog.current?.close();
          }}
          className="rounded-md bg-emerald-700 px-4 py-2 text-sm font-medium text-white hover:bg-emerald-800 disabled:opacity-60"
        >
          {code.confirmed ? 'Compared ✓' : 'We compared it: it matches'}
        </button>
      </div>
    </dialog>
  );
}
