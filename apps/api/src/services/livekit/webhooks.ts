import { createHash } from 'node:crypto';
import { TokenVerifier, WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import type { Db } from '../../db/client';
import { Prisma } from '../../db/generated/client';
import { ensureRoom } from '../meetings/rooms';
import { parseRoomName } from './tokens';

/**
 * LiveKit webhooks: the body is the event as protobuf JSON (content type
 * `application/webhook+json`), and the `Authorization` header is a JWT issued with the API key
 * and signed with the API secret whose `sha256` claim is the body's SHA-256 (base64).
 * `WebhookReceiver` checks both. On top of that an event must carry an id and a recent
 * createdAt, and each id is accepted once, so a captured request cannot be replayed.
 */

export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;
export const WEBHOOK_MAX_CLOCK_SKEW_MS = 60_000;

export type WebhookRejection = 'unsigned' | 'bad_signature' | 'malformed' | 'stale' | 'replayed';

export class WebhookRejected extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

/** Verifies signature and freshness; does not yet know whether the id was seen. */
export async function verifyWebhook(options: {
  apiKey: string;
  apiSecret: string;
  body: string;
  authorization: string | undefined;
  nowMs: number;
}): Promise<WebhookEvent> {
  if (!options.authorization) {
    throw new WebhookRejected('unsigned', 'The webhook has no Authorization header.');
  }
  const authorization = options.authorization.replace(/^Bearer\s+/i, '');
  // The same checks WebhookReceiver makes, done first to say which one failed.
  let claims: Awaited<ReturnType<TokenVerifier['verify']>>;
  try {
    claims = await new TokenVerifier(options.apiKey, options.apiSecret).verify(authorization);
  } catch {
    throw new WebhookRejected(
      'bad_signature',
      "The webhook's Authorization is not a token signed with this server's LiveKit key and secret (or it expired).",
    );
  }
  const digest = createHash('sha256').update(options.body, 'utf8').digest('base64');
  if (claims.sha256 !== digest) {
    throw new WebhookRejected('bad_signature', 'The webhook body does not match its signature.');
  }
  let event: WebhookEvent;
  try {
    event = await new WebhookReceiver(options.apiKey, options.apiSecret).receive(
      options.body,
      authorization,
    );
  } catch {
    throw new WebhookRejected('malformed', 'The webhook body is not a LiveKit event.');
  }
  if (!event.id || !event.event) {
    throw new WebhookRejected('malformed', 'The webhook event has no id or no event name.');
  }
  const createdMs = Number(event.createdAt) * 1000;
  if (!Number.isFinite(createdMs) || createdMs <= 0) {
    throw new WebhookRejected('malformed', 'The webhook event has no createdAt.');
  }
  if (
    createdMs < options.nowMs - WEBHOOK_MAX_AGE_MS ||
    createdMs > options.nowMs + WEBHOOK_MAX_CLOCK_SKEW_MS
  ) {
    throw new WebhookRejected(
      'stale',
      'The webhook event is too old (or from the future): refused as a possible replay.',
    );
  }
  return event;
}

export type WebhookOutcome =
  | { handled: true; event: string; roomName: string }
  | { handled: false; event: string; reason: string };

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records the event id (refusing one seen before) and applies it, in one transaction:
 * attendance from participant_joined/left, the room's lifecycle from room_started/finished.
 * Events for rooms that are not Conclave's are acknowledged and ignored.
 */
export async function applyWebhookEvent(db: Db, event: WebhookEvent): Promise<WebhookOutcome> {
  const atMs = Number(event.createdAt) * 1000;
  const at = new Date(atMs);
  const roomName = event.room?.name ?? null;
  try {
    return await db.$transaction(async (tx) => {
      await tx.livekitWebhookEvent.create({
        data: { id: event.id, event: event.event, roomName, createdAt: at },
      });
      if (!roomName) return { handled: false, event: event.event, reason: 'no room' };
      const parsed = parseRoomName(roomName);
      if (!parsed) return { handled: false, event: event.event, reason: 'not a Conclave room' };
      const meeting = await tx.meeting.findUnique({
        where: { id: parsed.meetingId },
        select: { id: true },
      });
      if (!meeting) return { handled: false, event: event.event, reason: 'unknown meeting' };
      const room = await ensureRoom(tx, {
        meetingId: parsed.meetingId,
        occurrenceId: parsed.occurrenceId,
        roomName,
      });
      switch (event.event) {
        case 'room_started':
          await tx.meetingRoom.update({
            where: { id: room.id },
            data: {
              startedAt: room.startedAt ?? at,
              finishedAt: null,
              livekitRoomSid: event.room?.sid || room.livekitRoomSid,
            },
          });
          break;
        case 'room_finished':
          await tx.meetingRoom.update({ where: { id: room.id }, data: { finishedAt: at } });
          await tx.meetingAttendance.updateMany({
            where: { roomId: room.id, leftAt: null },
            data: { leftAt: at },
          });
          break;
        case 'participant_joined': {
          const participant = event.participant;
          if (!participant?.identity) {
            return { handled: false, event: event.event, reason: 'no participant' };
          }
          const joinedSeconds = Number(participant.joinedAt);
          await tx.meetingAttendance.create({
            data: {
              roomId: room.id,
              identity: participant.identity,
              userId: UUID.test(participant.identity)
                ? await existingUser(tx, participant.identity)
                : null,
              displayName: participant.name || participant.identity,
              livekitParticipantSid: participant.sid || null,
              joinedAt: joinedSeconds > 0 ? new Date(joinedSeconds * 1000) : at,
            },
          });
          break;
        }
        case 'participant_left':
        case 'participant_connection_aborted': {
          const identity = event.participant?.identity;
          if (!identity) return { handled: false, event: event.event, reason: 'no participant' };
          const open = await tx.meetingAttendance.findFirst({
            where: {
              roomId: room.id,
              identity,
              leftAt: null,
              ...(event.participant?.sid ? { livekitParticipantSid: event.participant.sid } : {}),
            },
            orderBy: { joinedAt: 'desc' },
          });
          if (open) {
            await tx.meetingAttendance.update({ where: { id: open.id }, data: { leftAt: at } });
          }
          break;
        }
        default:
          return { handled: false, event: event.event, reason: 'event not used' };
      }
      return { handled: true, event: event.event, roomName };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new WebhookRejected('replayed', `The webhook event ${event.id} was already received.`);
    }
    throw error;
  }
}

async function existingUser(tx: Prisma.TransactionClient, id: string): Promise<string | null> {
  const user = await tx.user.findUnique({ where: { id }, select: { id: true } });
  return user?.id ?? null;
}

/** Processed event ids are kept long enough to outlive the freshness window, then pruned. */
export async function pruneWebhookEvents(db: Db, nowMs: number): Promise<number> {
  const { count } = await db.livekitWebhookEvent.deleteMany({
    where: { receivedAt: { lt: new Date(nowMs - 24 * 3_600_000) } },
  });
  return count;
}
