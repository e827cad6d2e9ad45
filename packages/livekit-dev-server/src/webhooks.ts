import { createHash } from 'node:crypto';
import { WebhookEvent, type ParticipantInfo, type Room, type TrackInfo } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { newSid } from './ids';
import type { DevMediaServerLogger } from './options';

export type WebhookEventName =
  | 'room_started'
  | 'room_finished'
  | 'participant_joined'
  | 'participant_left'
  | 'track_published'
  | 'track_unpublished';

export interface WebhookPayload {
  room: Room;
  participant?: ParticipantInfo;
  track?: TrackInfo;
}

const ATTEMPTS = 3;

/**
 * Posts LiveKit webhooks: the body is the WebhookEvent as protobuf JSON with content type
 * `application/webhook+json`, and `Authorization` is a JWT (no "Bearer") issued by the API
 * key and signed with its secret, whose `sha256` claim is the base64 SHA-256 of the body:
 * what livekit-server-sdk's WebhookReceiver verifies. Events go out in order, one URL at a
 * time, with a few retries; each carries a unique id and createdAt for replay protection.
 */
export class WebhookNotifier {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly urls: readonly string[],
    private readonly apiKey: string,
    private readonly apiSecret: string,
    private readonly logger: DevMediaServerLogger,
  ) {}

  notify(event: WebhookEventName, payload: WebhookPayload): void {
    if (this.urls.length === 0) return;
    const message = new WebhookEvent({
      event,
      room: payload.room,
      ...(payload.participant ? { participant: payload.participant } : {}),
      ...(payload.track ? { track: payload.track } : {}),
      id: newSid('EV_'),
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
    });
    const body = message.toJsonString();
    this.queue = this.queue.then(() => this.deliver(event, body));
  }

  private async deliver(event: string, body: string): Promise<void> {
    for (const url of this.urls) {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        try {
          const token = new AccessToken(this.apiKey, this.apiSecret, { ttl: '5m' });
          token.sha256 = createHash('sha256').update(body).digest('base64');
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/webhook+json',
              authorization: await token.toJwt(),
            },
            body,
            signal: AbortSignal.timeout(5000),
          });
          if (response.ok) break;
          throw new Error(`HTTP ${response.status}`);
        } catch (error) {
          if (attempt === ATTEMPTS) {
            this.logger.warn('webhook not delivered', { event, url, error: String(error) });
          } else {
            await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          }
        }
      }
    }
  }

  /** Resolves when every queued webhook has been delivered or given up on. */
  flush(): Promise<void> {
    return this.queue;
  }
}
