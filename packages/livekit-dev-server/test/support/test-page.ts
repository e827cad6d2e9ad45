import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Serves the test page on http://127.0.0.1 (a secure context, so getUserMedia works): an
 * empty HTML page, the esbuild bundle of test/page/client.ts with the installed
 * livekit-client, and livekit-client's E2EE worker.
 */

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export interface TestPageServer {
  url: string;
  close(): Promise<void>;
}

let bundle: Promise<string> | undefined;

function bundleClient(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(here, '..', 'page', 'client.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  }).then((result) => {
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no bundle');
    return output.text;
  });
  return bundle;
}

async function e2eeWorker(): Promise<string> {
  // The package exports the worker as "livekit-client/e2ee-worker"; the classic-script build
  // sits next to it.
  const moduleWorker = require.resolve('livekit-client/e2ee-worker');
  return readFile(moduleWorker.replace(/\.mjs$/, '.js'), 'utf8');
}

export async function startTestPage(): Promise<TestPageServer> {
  const [client, worker] = await Promise.all([bundleClient(), e2eeWorker()]);
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        '<!doctype html><meta charset="utf-8"><title>lk</title><script src="/client.js"></script>',
      );
    } else if (path === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(client);
    } else if (path === '/e2ee-worker.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(worker);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
