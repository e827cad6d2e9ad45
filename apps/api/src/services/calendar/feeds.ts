import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/client';
import { feedCalendar } from './ics';
import { icsMeeting } from '../meetings/invitations';
import { MEETING_INCLUDE, meetingLinks, usersById } from '../meetings/model';

/**
 * Personal calendar feeds: a secret URL a calendar program subscribes to, listing every
 * meeting the user hosts or is invited to, in all their orgs. The token is in the path (calendar
 * programs drop query strings in odd ways); only its SHA-256 is stored, the request log
 * redacts it (`redactSecretPath`), and rotating or revoking it makes the old URL a 404.
 */
export const FEED_PATH_PREFIX = '/api/calendar/feeds/';

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

export function feedUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${FEED_PATH_PREFIX}${token}/meetings.ics`;
}

/** Paths as the request log may show them: feed tokens replaced. */
export function redactSecretPath(path: string): string {
  return path.startsWith(FEED_PATH_PREFIX)
    ? path.replace(/^(\/api\/calendar\/feeds\/)[^/]+/, '$1[redacted]')
    : path;
}

export async function feedStatus(db: Db, userId: string) {
  const feed = await db.calendarFeed.findUnique({ where: { userId } });
  return {
    active: feed !== null,
    createdAt: feed?.createdAt.toISOString() ?? null,
    lastUsedAt: feed?.lastUsedAt?.toISOString() ?? null,
  };
}

/** Makes a feed, or gives the existing one a new token (the old URL stops working). */
export async function rotateFeed(db: Db, options: { userId: string; publicUrl: string }) {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const feed = await db.calendarFeed.upsert({
    where: { userId: options.userId },
    create: { userId: options.userId, tokenHash: hash(token), createdAt: now },
    update: { tokenHash: hash(token), createdAt: now, lastUsedAt: null },
  });
  return {
    url: feedUrl(options.publicUrl, token),
    active: true,
    createdAt: feed.createdAt.toISOString(),
    lastUsedAt: null,
  };
}

export async function revokeFeed(db: Db, userId: string): Promise<void> {
  await db.calendarFeed.deleteMany({ where: { userId } });
}

/** The feed for a token, or null (unknown or revoked). */
export async function renderFeed(
  db: Db,
  options: { token: string; publicUrl: string; nowMs: number },
): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(options.token)) return null;
  const feed = await db.calendarFeed.findUnique({ where: { tokenHash: hash(options.token) } });
  if (!feed) return null;
  const user = await db.user.findUnique({
    where: { id: feed.userId },
    select: { id: true, email: true, displayName: true, memberships: { select: { orgId: true } } },
  });
  if (!user) return null;
  await db.calendarFeed.update({
    where: { id: feed.id },
    data: { lastUsedAt: new Date(options.nowMs) },
  });
  const since = new Date(options.nowMs - 60 * 86_400_000);
  const meetings = await db.meeting.findMany({
    where: {
      orgId: { in: user.memberships.map((m) => m.orgId) },
      OR: [
        { invitees: { some: { userId: user.id } } },
        { invitees: { some: { userId: null, email: user.email.toLowerCase() } } },
      ],
      AND: [
        { OR: [{ seriesEndsAt: null }, { seriesEndsAt: { gt: since } }] },
        // Cancelled meetings stay a while, marked CANCELLED, so subscribed calendars drop them.
        { OR: [{ status: 'scheduled' }, { cancelledAt: { gt: since } }] },
      ],
    },
    include: MEETING_INCLUDE,
    orderBy: { startsAt: 'asc' },
    take: 1000,
  });
  const users = await usersById(
    db,
    meetings.flatMap((m) => [m.createdById, ...m.invitees.map((i) => i.userId)]),
  );
  return feedCalendar(
    `Conclave: ${user.displayName}`,
    meetings.map((meeting) =>
      icsMeeting(meeting, users, meetingLinks(options.publicUrl, meeting).page),
    ),
    { dtstampMs: options.nowMs },
  );
}
