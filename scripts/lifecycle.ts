import type { ChildProcess } from 'node:child_process';

/**
 * How every way of starting Conclave stops everything it started. A service manager or
 * `docker stop` sends SIGTERM to the process it started, which for `npm start` is npm: npm and
 * the shell under it exit without passing the signal on. So a starter also stops when its
 * parent goes away (its parent process id changes), and it stops its children itself.
 */

/** Calls `onGone` once when the process that started this one exits. */
export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Lifecycle {
  /** A child to stop on shutdown. */
  adopt(child: ChildProcess): ChildProcess;
  /** Something to close first (the API server), once it runs. */
  onStop(close: () => Promise<void>): void;
}

/**
 * SIGINT, SIGTERM or the parent's exit: close what was registered, stop the children, exit 0;
 * all within `boundMs` (then SIGKILL to the children and exit 1). A second signal exits at once.
 * Installed first thing, so a signal during start-up also stops the children started so far.
 */
export function stopEverythingOnSignals(
  log: (message: string) => void,
  boundMs = 10_000,
): Lifecycle {
  const children = new Set<ChildProcess>();
  const closers: (() => Promise<void>)[] = [];
  let stopping = false;
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  const stop = (reason: string) => {
    if (stopping) {
      log(`${reason} again: exiting now`);
      killAll();
      process.exit(1);
    }
    stopping = true;
    log(`${reason}: stopping everything (at most ${boundMs / 1000} s)`);
    const timer = setTimeout(() => {
      log(`stopping took longer than ${boundMs / 1000} s: killing what is left`);
      killAll();
      process.exit(1);
    }, boundMs);
    timer.unref();
    void (async () => {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => log(`error while stopping: ${String(error)}`));
      }
      await Promise.all(
        [...children].map((child) => stopChild(child, Math.min(5_000, boundMs / 2))),
      );
      process.exit(0);
    })();
  };
  // Whatever way this process ends, its children do not outlive it.
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  watchParent(() => stop('the process that started Conclave exited'));
  return {
    adopt(child) {
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    onStop(close) {
      closers.push(close);
    },
  };
}
