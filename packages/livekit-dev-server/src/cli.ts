/**
 * Runs the development media server: `tsx src/cli.ts` (or `npm start -w @conclave/livekit-dev-server`).
 *
 *   LIVEKIT_API_KEY, LIVEKIT_API_SECRET  required; the same pair the API signs tokens with
 *   LIVEKIT_DEV_PORT                     default 7880 (LiveKit's port); 0 picks a free one
 *   LIVEKIT_DEV_HOST                     default 127.0.0.1
 *   LIVEKIT_WEBHOOK_URL                  optional; several URLs separated by commas
 *   LIVEKIT_DEV_ICE_HOSTS                optional; ICE host candidates, default 127.0.0.1
 *   LIVEKIT_DEV_TAP                      "1" enables the test-only media tap (GET /debug/tap)
 */
import { consoleLogger } from './options';
import { startDevMediaServer } from './server';

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

function fail(message: string): never {
  console.error(`livekit-dev-server: ${message}`);
  process.exit(1);
}

const env = process.env;
const apiKey = env.LIVEKIT_API_KEY ?? '';
const apiSecret = env.LIVEKIT_API_SECRET ?? '';
if (!apiKey || !apiSecret) {
  fail(
    'LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set (the same pair the API uses), e.g. LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=<32+ random characters>',
  );
}
const port = Number.parseInt(env.LIVEKIT_DEV_PORT ?? '7880', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`LIVEKIT_DEV_PORT is not a port number: ${env.LIVEKIT_DEV_PORT ?? ''}`);
}
const webhookUrls = list(env.LIVEKIT_WEBHOOK_URL);
const iceCandidateHosts = list(env.LIVEKIT_DEV_ICE_HOSTS);

const server = await startDevMediaServer({
  host: env.LIVEKIT_DEV_HOST ?? '127.0.0.1',
  port,
  apiKey,
  apiSecret,
  ...(webhookUrls ? { webhookUrls } : {}),
  ...(iceCandidateHosts ? { iceCandidateHosts } : {}),
  enableTap: env.LIVEKIT_DEV_TAP === '1',
  logger: consoleLogger,
});

const banner = [
  'LiveKit-compatible DEVELOPMENT media server: NOT FOR PRODUCTION.',
  'It forwards media for small meetings on one machine and for tests.',
  'Production runs the real LiveKit server (docker compose).',
  '',
  `signalling   ${server.url}`,
  `api key      ${apiKey}`,
  `webhooks     ${webhookUrls?.join(', ') ?? 'none'}`,
  ...(env.LIVEKIT_DEV_TAP === '1'
    ? [`media tap    ${server.httpUrl}/debug/tap  (test only: exposes forwarded media)`]
    : []),
];
const width = Math.max(...banner.map((line) => line.length)) + 4;
console.log(
  [
    '',
    '#'.repeat(width),
    ...banner.map((line) => `# ${line.padEnd(width - 4)} #`),
    '#'.repeat(width),
    '',
  ].join('\n'),
);
// Machine-readable, for scripts that start the server with LIVEKIT_DEV_PORT=0.
console.log(`LIVEKIT_DEV_SERVER_URL=${server.url}`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log('livekit-dev-server: closing (participants are told the server is shutting down)');
  server.close().then(
    () => process.exit(0),
    (error: unknown) => fail(`close failed: ${String(error)}`),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Started by `npm start` (scripts/start.ts): do not outlive it, even if it was killed outright.
const parent = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(parentWatch);
  stop();
}, 250);
parentWatch.unref();
