'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Card, Checkbox, TextField } from '../../components/ui';

/**
 * Shows a recovery code once: read it, download it (a text file made here, never uploaded),
 * tick that it is saved, then type two of its groups back. Only then can the user go on.
 */
export function RecoveryCodeStep({
  recoveryCode,
  email,
  onDone,
  doneLabel = 'Continue',
}: {
  recoveryCode: string;
  email: string;
  onDone: () => void;
  doneLabel?: string;
}) {
  const groups = recoveryCode.split('-');
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState<Record<number, string>>({});
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Two distinct group positions to type back, chosen once.
  const asked = useMemo(() => {
    const picks = new Set<number>();
    const random = crypto.getRandomValues(new Uint32Array(8));
    for (const value of random) {
      picks.add(value % groups.length);
      if (picks.size === 2) break;
    }
    if (picks.size < 2) picks.add((([...picks][0] ?? 0) + 1) % groups.length);
    return [...picks].sort((a, b) => a - b);
  }, [groups.length]);

  useEffect(() => headingRef.current?.focus(), [confirming]);

  function download() {
    const text = [
      'Conclave recovery code',
      '',
      `Account: ${email}`,
      `Code: ${recoveryCode}`,
      '',
      'Keep this somewhere safe and offline. With it you can set a new password without',
      'losing your keys if you forget your password. Anyone with it and access to your',
      'e-mail can do the same.',
      '',
    ].join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'conclave-recovery-code.txt';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function confirm(event: FormEvent) {
    event.preventDefault();
    const wrong = asked.filter(
      (index) => (typed[index] ?? '').trim().toUpperCase() !== groups[index],
    );
    if (wrong.length > 0) {
      setError(
        `Group ${wrong.map((i) => i + 1).join(' and ')} does not match. Look at your saved code again, or go back to see it.`,
      );
      return;
    }
    onDone();
  }

  if (confirming) {
    return (
      <Card>
        <h2 ref={headingRef} tabIndex={-1} className="text-lg font-semibold">
          Check that you saved it
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Type these groups of your recovery code (groups are separated by dashes).
        </p>
        <form onSubmit={confirm} className="mt-4 space-y-4">
          {error && <Alert tone="error">{error}</Alert>}
          {asked.map((index) => (
            <TextField
              key={index}
              label={`Group ${index + 1} of ${groups.length}`}
              autoComplete="off"
              spellCheck={false}
              maxLength={4}
              required
              className="max-w-40"
              value={typed[index] ?? ''}
              onChange={(event) => setTyped({ ...typed, [index]: event.target.value })}
            />
          ))}
          <div className="flex gap-3">
            <Button type="submit">{doneLabel}</Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Show the code again
            </Button>
          </div>
        </form>
      </Card>
    );
  }

  return (
    <Card>
      <h2 ref={headingRef} tabIndex={-1} className="text-lg font-semibold">
        Save your recovery code
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        If you forget your password, this code is the only way to keep your keys (and the recordings
        made for you). Nobody can show it to you again, not even an admin.
      </p>
      <p
        className="mt-4 rounded-md bg-slate-900 px-4 py-3 text-center font-mono text-lg tracking-wider text-white"
        data-testid="recovery-code"
        aria-label={`Recovery code: ${groups.join(', ')}`}
      >
        {recoveryCode}
      </p>
      <div className="mt-4 flex flex-wrap gap-3">
        <Button variant="secondary" onClick={download}>
          Download as a text file
        </Button>
        <Button
          variant="secondary"
          onClick={() => void navigator.clipboard?.writeText(recoveryCode)}
        >
          Copy
        </Button>
      </div>
      <div className="mt-4 space-y-4">
        <Checkbox
          label="I saved my recovery code somewhere safe"
          checked={saved}
          onChange={(event) => setSaved(event.target.checked)}
        />
        <Button disabled={!saved} onClick={() => setConfirming(true)}>
          Next
        </Button>
      </div>
    </Card>
  );
}
