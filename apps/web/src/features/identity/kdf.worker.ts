/// <reference lib="webworker" />
import { deriveAccountKeys, ready, type KdfParams } from '@conclave/crypto';

/**
 * Argon2id off the main thread: the page stays responsive (and can show "Unlocking…") while
 * libsodium spends ~0.5 s and 128 MiB on the password. The password arrives by postMessage
 * and never leaves this worker and the page; the two keys go back as transferred buffers.
 */
export interface KdfRequest {
  id: number;
  password: string;
  params: KdfParams;
}

export type KdfResponse =
  | { id: number; ok: true; authKey: Uint8Array; wrapKey: Uint8Array; ms: number }
  | { id: number; ok: false; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<KdfRequest>) => {
  const { id, password, params } = event.data;
  void (async () => {
    try {
      await ready();
      const started = performance.now();
      const { authKey, wrapKey } = deriveAccountKeys(password, params);
      const response: KdfResponse = {
        id,
        ok: true,
        authKey,
        wrapKey,
        ms: Math.round(performance.now() - started),
      };
      scope.postMessage(response, [authKey.buffer, wrapKey.buffer]);
    } catch (error) {
      const response: KdfResponse = {
        id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      };
      scope.postMessage(response);
    }
  })();
};
