import { createHash } from 'node:crypto';
import { WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookRejected } from './webhooks';

const apiKey = 'APIwebhook';
const apiSecret = 'webhook-secret-with-enough-characters-123';

/** Signs a body the way LiveKit does: a JWT from the API key whose sha256 claim is the body's. */
async function sign(body: string, secret = apiSecret): Promise<string> {
  const token = new AccessToken(apiKey, secret, { ttl: '5m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

function eventBody(overrides: { id?: string; createdAt?: number; event?: string } = {}): string {
  return new WebhookEvent({
    event: overrides.event ?? 'participant_joined',
    id: overrides.id ?? `EV_${Math.random().toString(36).slice(2)}`,
    createdAt: BigInt(overrides.createdAt ?? Math.floor(Date.now() / 1000)),
    room: { name: 'conclave-room', sid: 'RM_1' },
    participant: { identity: 'guest-1', name: 'Gail', sid: 'PA_1' },
  }).toJsonString();
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookRejected) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('verifyWebhook', () => {
  it('accepts an event signed as LiveKit signs it', async () => {
    const body = eventBody({ id: 'EV_ok' });
    const event = await verifyWebhook({
      apiKey,
      apiSecret,
      body,
      authorization: await sign(body),
      nowMs: Date.now(),
    });
    expect(event.id).toBe('EV_ok');
    expect(event.event).toBe('participant_joined');
    expect(event.participant?.identity).toBe('guest-1');
  });

  it('refuses unsigned, wrongly signed and altered events', async () => {
    const body = eventBody();
    const now = Date.now();
    expect(
      await rejection(
        verifyWebhook({ apiKey, apiSecret, body, authorization: undefined, nowMs: now }),
      ),
    ).toBe('unsigned');
    expect(
      await rejection(
        verifyWebhook({
          apiKey,
          apiSecret,
          body,
          authorization: await sign(body, 'another-secret-that-is-long-enough-0000'),
          nowMs: now,
        }),
      ),
    ).toBe('bad_signature');
    expect(
      await rejection(
        verifyWebhook({ apiKey, apiSecret, body, authorization: 'not-a-jwt', nowMs: now }),
      ),
    ).toBe('bad_signature');
    const altered = body.replace('guest-1', 'guest-2');
    expect(
      await rejection(
        verifyWebhook({
          apiKey,
          apiSecret,
          body: altered,
          authorization: await sign(body),
          nowMs: now,
        }),
      ),
    ).toBe('bad_signature');
  });

  it('refuses events that are too old or from the future (replays of captured requests)', async () => {
    const now = Date.now();
    const old = eventBody({ createdAt: Math.floor(now / 1000) - 600 });
    expect(
      await rejection(
        verifyWebhook({ apiKey, apiSecret, body: old, authorization: await sign(old), nowMs: now }),
      ),
    ).toBe('stale');
    const future = eventBody({ createdAt: Math.floor(now / 1000) + 600 });
    expect(
      await rejection(
        verifyWebhook({
          apiKey,
          apiSecret,
          body: future,
          authorization: await sign(future),
          nowMs: now,
        }),
      ),
    ).toBe('stale');
  });

  it('refuses signed bodies that are not events', async () => {
    const now = Date.now();
    for (const body of [
      '{not json',
      JSON.stringify({ event: 'room_started', createdAt: String(Math.floor(now / 1000)) }),
    ]) {
      expect(
        await rejection(
          verifyWebhook({ apiKey, apiSecret, body, authorization: await sign(body), nowMs: now }),
        ),
      ).toBe('malformed');
    }
  });
});
