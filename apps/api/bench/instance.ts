import { startServer } from '../src/server';

/**
 * One API instance for the benchmark, in a process of its own (as behind a load balancer), so
 * the benchmark's simulated clients do not share its event loop. Prints `READY <loopback url> <public url>`
 * once it listens; stops on SIGTERM.
 */
const server = await startServer({
  ...process.env,
  SERVE_WEB: 'false',
  PORT: '0',
  HOST: '127.0.0.1',
});
const port = new URL(server.url).port;
process.stdout.write(`READY http://127.0.0.1:${port} ${server.url}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
