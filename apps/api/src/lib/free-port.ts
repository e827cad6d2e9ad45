import { createServer } from 'node:net';

/**
 * A TCP port that is free on `host` right now: the kernel picks one for a probe that closes
 * at once. Another process may take it before the caller listens, so callers that can should
 * listen on port 0 instead. Has no imports beyond `node:net`, so scripts and test runners can
 * use it without loading the server.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('freePort: the probe has no port')),
      );
    });
  });
}
