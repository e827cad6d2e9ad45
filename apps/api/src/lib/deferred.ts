/**
 * Work that runs after the reply: the answer to a request must not wait for (and so must not
 * reveal) work that differs with something secret, such as whether an address has an account
 * (docs/security.md, "Lower findings"). Tasks start on the next turn of the event loop, at
 * most `maxPending` at a time waiting (past that a task is dropped with a warning: a flood
 * must not grow memory without bound), and `idle()` waits for all of them (shutdown, tests).
 */
export interface DeferredWork {
  run(name: string, task: () => Promise<unknown>): void;
  /** Resolves once every task started so far has finished. */
  idle(): Promise<void>;
  readonly pending: number;
}

export function createDeferredWork(options: {
  log: {
    warn(details: object, message: string): void;
    error(details: object, message: string): void;
  };
  maxPending?: number;
}): DeferredWork {
  const maxPending = options.maxPending ?? 1000;
  const running = new Set<Promise<void>>();
  return {
    get pending() {
      return running.size;
    },
    run(name, task) {
      if (running.size >= maxPending) {
        options.log.warn({ task: name }, 'deferred work: too many tasks waiting, dropped one');
        return;
      }
      const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .then(
          () => undefined,
          (error: unknown) => options.log.error({ err: error, task: name }, 'deferred work failed'),
        )
        .finally(() => running.delete(done));
      running.add(done);
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
