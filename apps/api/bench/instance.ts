import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../src/server';

/**
 * One API instance for the benchmark, in a process of its own (as behind a load balancer), so
 * the benchmark's simulated clients do not share its event loop. Prints `READY <loopback url> <public url>`
 * once it listens; stops on SIGTERM. Asked `event-loop-delay` over IPC, it answers how long
 * its event loop was blocked since the last question (p50, p99, max in ms) and starts over.
 */
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
process.on('message', (message) => {
  if (message !== 'event-loop-delay') return;
  process.send?.({
    p50: delay.percentile(50) / 1e6,
    p99: delay.percentile(99) / 1e6,
    max: delay.max / 1e6,
  });
  delay.reset();
});
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
