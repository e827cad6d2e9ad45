import type { EffectivePolicy } from '@conclave/contracts';
import { describeEffectivePolicy, policySourceNote } from './policy-view';

/** The meeting's effective policy in plain words (meeting page). */
export function EffectivePolicySummary({ effective }: { effective: EffectivePolicy }) {
  const note = policySourceNote(effective);
  return (
    <div data-testid="effective-policy">
      <ul className="list-disc space-y-1 pl-5 text-sm text-slate-800">
        {describeEffectivePolicy(effective).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {note && <p className="mt-2 text-xs text-slate-500">{note}</p>}
    </div>
  );
}
