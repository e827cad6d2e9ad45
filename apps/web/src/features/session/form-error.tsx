'use client';

import { useEffect, useRef, type ReactNode } from 'react';
import { Alert } from '../../components/ui';

/**
 * Why a sign-in or sign-up failed. It takes the focus when it appears, so a screen reader
 * reads it at once and keyboard users start again from it.
 */
export function FormError({ title, children }: { title: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div ref={ref} tabIndex={-1}>
      <Alert tone="error" title={title}>
        {children}
      </Alert>
    </div>
  );
}
