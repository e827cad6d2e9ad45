import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { livekitVersion, startLivekitServer } from '../../scripts/livekit/server';

/**
 * The real LiveKit server for the `e2e-livekit` project: the binary scripts/livekit/build.sh
 * built (the version docker-compose.yml pins), fresh keys, webhooks to the product's API,
 * its log into the shared server log. The keys are left in the environment (CONCLAVE_LIVEKIT_*)
 * for specs that act as someone holding a LiveKit token, e.g. the operator-blindness check.
 */
export async function startRealLivekit(options: {
  dir: string;
  webhookUrl: string;
  log: Writable;
}): Promise<{
  version: string;
  env: { LIVEKIT_URL: string; LIVEKIT_API_KEY: string; LIVEKIT_API_SECRET: string };
  close: () => Promise<void>;
}> {
  const apiKey = `APIe2e${randomBytes(6).toString('hex')}`;
  const apiSecret = randomBytes(32).toString('base64url');
  const server = await startLivekitServer({
    apiKey,
    apiSecret,
    webhookUrls: [options.webhookUrl],
    dir: options.dir,
    // Rooms finish soon after the last participant left, as the development server does in tests.
    departureTimeoutSeconds: 1,
    log: (message) => console.log(`[e2e-livekit] ${message}`),
  });
  server.process.stdout?.pipe(options.log, { end: false });
  server.process.stderr?.pipe(options.log, { end: false });
  process.env.CONCLAVE_LIVEKIT_URL = server.url;
  process.env.CONCLAVE_LIVEKIT_API_KEY = apiKey;
  process.env.CONCLAVE_LIVEKIT_API_SECRET = apiSecret;
  return {
    version: livekitVersion(),
    env: { LIVEKIT_URL: server.url, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret },
    close: server.close,
  };
}
