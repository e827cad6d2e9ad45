import { createHmac, timingSafeEqual } from 'node:crypto';
import { serverKey } from '../accounts/tokens';

/**
 * Lobby tickets: what a guest (no account) shows on the control channel and to get a LiveKit
 * token. A ticket names one meeting occurrence, the guest id and display name, and an expiry,
 * MACed with a key derived from SERVER_SECRET, so any API instance can check it without a
 * database lookup. Tickets are short-lived; the control channel hands connected guests fresh
 * ones. Whether the guest is admitted is not in the ticket: that is a host's decision, kept in
 * the database (meeting_admissions).
 */
export const TICKET_TTL_MS = 10 * 60_000;
/** A ticket this much past its expiry may still be shown to come back as the same guest. */
export const TICKET_RESUME_MS = 12 * 3_600_000;

export interface TicketClaims {
  meetingId: string;
  occurrenceId: string;
  guestId: string;
  displayName: string;
  expiresAtMs: number;
}

function mac(serverSecret: string, body: string): Buffer {
  return createHmac('sha256', serverKey(serverSecret, 'lobby-ticket')).update(body).digest();
}

export function signTicket(serverSecret: string, claims: TicketClaims): string {
  const body = Buffer.from(
    JSON.stringify({
      v: 1,
      m: claims.meetingId,
      o: claims.occurrenceId,
      g: claims.guestId,
      n: claims.displayName,
      e: claims.expiresAtMs,
    }),
  ).toString('base64url');
  return `${body}.${mac(serverSecret, body).toString('base64url')}`;
}

export type TicketCheck =
  | { ok: true; claims: TicketClaims; expired: boolean }
  | { ok: false; reason: 'malformed' | 'bad_signature' };

/** Checks the MAC; says whether the ticket expired (callers decide what an expired one may do). */
export function readTicket(serverSecret: string, ticket: string, nowMs: number): TicketCheck {
  const [body, signature, extra] = ticket.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const expected = mac(serverSecret, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const record = parsed as Record<string, unknown>;
  if (
    record.v !== 1 ||
    typeof record.m !== 'string' ||
    typeof record.o !== 'string' ||
    typeof record.g !== 'string' ||
    typeof record.n !== 'string' ||
    typeof record.e !== 'number'
  ) {
    return { ok: false, reason: 'malformed' };
  }
  return {
    ok: true,
    claims: {
      meetingId: record.m,
      occurrenceId: record.o,
      guestId: record.g,
      displayName: record.n,
      expiresAtMs: record.e,
    },
    expired: record.e < nowMs,
  };
}
