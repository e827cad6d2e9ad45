import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RoomServiceClient, WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livekitVersion, startLivekitServer, type RunningLivekit } from './server';

/**
 * The real LiveKit server as the tests and `npm run start:livekit` run it: the binary that
 * build.sh made from the pinned version, the YAML written by server.ts. RoomService through
 * livekit-server-sdk (as the API calls it) and webhooks that LiveKit signs and posts to the
 * URL in its YAML, verified by the SDK's WebhookReceiver (as the API verifies them).
 */
const binary = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../../.cache/livekit',
  livekitVersion(),
  'server',
);

describe.skipIf(!existsSync(binary))('the real LiveKit server (scripts/livekit/build.sh)', () => {
  const apiKey = `APItest${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(32).toString('base64url');
  const events: WebhookEvent[] = [];
  const rejected: string[] = [];
  let sink: Server;
  let livekit: RunningLivekit;
  let dir: string;

  beforeAll(async () => {
    const receiver = new WebhookReceiver(apiKey, apiSecret);
    sink = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        receiver.receive(body, request.headers.authorization).then(
          (event) => events.push(event),
          (error: unknown) => rejected.push(String(error)),
        );
        response.end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const address = sink.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    dir = await mkdtemp(path.join(tmpdir(), 'conclave-livekit-'));
    livekit = await startLivekitServer({
      apiKey,
      apiSecret,
      webhookUrls: [`http://127.0.0.1:${port}/api/livekit/webhook`],
      dir,
      departureTimeoutSeconds: 1,
    });
  }, 60_000);

  afterAll(async () => {
    await livekit?.close();
    sink?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the pinned version and keeps signalling on loopback', async () => {
    expect(await (await fetch(livekit.httpUrl)).text()).toBe('OK');
    const yaml = await readFile(livekit.configPath, 'utf8');
    expect(yaml).toContain('"bind_addresses": [\n    "127.0.0.1"\n  ]');
    expect(yaml).toContain('"use_external_ip": false');
    expect(yaml).not.toMatch(/"node_ip": "127\./);
  });

  it('serves RoomService to livekit-server-sdk and signs webhooks the SDK verifies', async () => {
    const rooms = new RoomServiceClient(livekit.httpUrl, apiKey, apiSecret);
    await rooms.createRoom({ name: 'conclave-test-room', emptyTimeout: 1 });
    expect((await rooms.listRooms()).map((room) => room.name)).toContain('conclave-test-room');
    await rooms.deleteRoom('conclave-test-room');
    expect((await rooms.listRooms()).map((room) => room.name)).not.toContain('conclave-test-room');
    await expect
      .poll(() => events.map((event) => `${event.event}:${event.room?.name}`), { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          'room_started:conclave-test-room',
          'room_finished:conclave-test-room',
        ]),
      );
    expect(rejected).toEqual([]);
    // A client with another secret is refused.
    const impostor = new RoomServiceClient(
      livekit.httpUrl,
      apiKey,
      randomBytes(32).toString('hex'),
    );
    await expect(impostor.listRooms()).rejects.toThrow();
  });
});
