'use client';

import { useState } from 'react';
import { Button } from '../../components/ui';

/** Copies text and says so (for screen readers too); falls back to selecting it. */
export function CopyButton({
  text,
  label,
  fallbackId,
}: {
  text: string;
  label: string;
  fallbackId?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
      if (fallbackId) {
        const input = document.getElementById(fallbackId);
        if (input instanceof HTMLInputElement) input.select();
      }
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" size="sm" onClick={() => void copy()}>
        {label}
      </Button>
      <span role="status" aria-live="polite" className="text-xs text-slate-600">
        {state === 'copied'
          ? 'Copied.'
          : state === 'failed'
            ? 'Could not copy: the text is selected, press Ctrl+C.'
            : ''}
      </span>
    </span>
  );
}
