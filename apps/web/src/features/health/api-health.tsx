'use client';

import { useEffect, useState } from 'react';
import { healthSchema, type Health } from '@conclave/contracts';

type State =
  { kind: 'loading' } | { kind: 'ok'; health: Health } | { kind: 'error'; message: string };

/** Shows whether the API answers, from the browser's point of view (same origin). */
export function ApiHealth() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/health', { signal: controller.signal, headers: { accept: 'application/json' } })
      .then(async (response) => {
        if (!response.ok) throw new Error(`the API answered ${response.status}`);
        setState({ kind: 'ok', health: healthSchema.parse(await response.json()) });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          kind: 'error',
          message: error instanceof Error ? error.message : String(error),
        });
      });
    return () => controller.abort();
  }, []);

  return (
    <section
      aria-labelledby="api-health-heading"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id="api-health-heading" className="text-sm font-medium text-slate-600">
        Service status
      </h2>
      <p
        role="status"
        aria-live="polite"
        className="mt-2 flex items-center gap-2"
        data-testid="api-health"
      >
        {state.kind === 'loading' && <span>Checking the API…</span>}
        {state.kind === 'ok' && (
          <>
            <span aria-hidden="true" className="h-2.5 w-2.5 rounded-full bg-emerald-500" />
            <span>
              API healthy · version {state.health.version} · up {state.health.uptimeSeconds}s
            </span>
          </>
        )}
        {state.kind === 'error' && (
          <>
            <span aria-hidden="true" className="h-2.5 w-2.5 rounded-full bg-red-500" />
            <span>API unreachable: {state.message}</span>
          </>
        )}
      </p>
    </section>
  );
}
