import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface TestPageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Bundles ./entry.ts for the browser with esbuild and serves it with a blank page on
 * http://127.0.0.1:<ephemeral port>/ (a secure context, like the real portal on localhost).
 */
export async function startTestPageServer(): Promise<TestPageServer> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error('esbuild produced no output');
  const html =
    '<!doctype html><meta charset="utf-8"><title>@conclave/crypto test page</title>' +
    '<script type="module" src="/crypto-test.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url === '/crypto-test.js') {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(script);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
