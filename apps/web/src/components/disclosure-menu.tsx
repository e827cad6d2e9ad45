'use client';

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { cx } from './ui';

/**
 * A button that opens a list of links or actions (a disclosure, not an ARIA menu: plain links
 * and buttons keep their usual keyboard behaviour). Escape or a click outside closes it and
 * gives focus back to the button.
 */
export function DisclosureMenu({
  label,
  buttonContent,
  children,
  align = 'right',
}: {
  label: string;
  buttonContent: ReactNode;
  children: (close: () => void) => ReactNode;
  align?: 'left' | 'right';
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (
        !panelRef.current?.contains(event.target as Node) &&
        !buttonRef.current?.contains(event.target as Node)
      )
        setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    panelRef.current?.querySelector<HTMLElement>('a, button')?.focus();
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
        className="inline-flex items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100"
      >
        {buttonContent}
        <span aria-hidden="true">▾</span>
      </button>
      <div
        id={id}
        ref={panelRef}
        hidden={!open}
        className={cx(
          'absolute z-20 mt-1 min-w-56 rounded-md border border-slate-200 bg-white py-1 shadow-lg',
          align === 'right' ? 'right-0' : 'left-0',
        )}
      >
        {open && children(() => setOpen(false))}
      </div>
    </div>
  );
}

export const menuItemClass =
  'block w-full px-3 py-2 text-left text-sm text-slate-800 hover:bg-slate-100 focus:bg-slate-100';
