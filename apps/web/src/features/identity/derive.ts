import type { AccountKeys, KdfParams } from '@conclave/crypto';
import type { KdfRequest, KdfResponse } from './kdf.worker';

/**
 * Runs packages/crypto's deriveAccountKeys (Argon2id) in a Web Worker. One worker per page,
 * made on first use and kept: the second derivation skips loading libsodium again.
 */
let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<
  number,
  { resolve: (keys: DerivedKeys) => void; reject: (e: Error) => void }
>();

export interface DerivedKeys extends AccountKeys {
  /** How long Argon2id took in the worker (shown nowhere; measured by tests and docs). */
  ms: number;
}

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./kdf.worker.ts', import.meta.url), {
    type: 'module',
    name: 'conclave-kdf',
  });
  worker.onmessage = (event: MessageEvent<KdfResponse>) => {
    const request = pending.get(event.data.id);
    if (!request) return;
    pending.delete(event.data.id);
    if (event.data.ok) {
      // Visible in the browser's performance timeline (and to the e2e tests, which report it).
      performance.measure('conclave:argon2id', {
        start: Math.max(0, performance.now() - event.data.ms),
        duration: event.data.ms,
      });
      request.resolve({
        authKey: event.data.authKey,
        wrapKey: event.data.wrapKey,
        ms: event.data.ms,
      });
    } else {
      request.reject(new Error(event.data.message));
    }
  };
  worker.onerror = (event) => {
    const error = new Error(
      `The key derivation worker failed: ${event.message || 'could not start'}`,
    );
    for (const request of pending.values()) request.reject(error);
    pending.clear();
    worker?.terminate();
    worker = undefined;
  };
  return worker;
}

export function deriveKeysInWorker(password: string, params: KdfParams): Promise<DerivedKeys> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const message: KdfRequest = { id, password, params };
    getWorker().postMessage(message);
  });
}
