import type { Db } from '../../db/client';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { hashToken, newToken } from './tokens';

/** A session lasts 30 days at most and ends after 14 days without use. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
export const SESSION_IDLE_MS = 14 * 24 * 3600 * 1000;
/** lastSeenAt is written at most this often (one write per request would be wasteful). */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export interface AuthUser {
  id: string;
  email: string;
  displayName: string;
  isInstanceAdmin: boolean;
}

export interface Auth {
  sessionId: string;
  user: AuthUser;
}

export async function createSession(options: {
  db: DbOrTx;
  userId: string;
  userAgent?: string | undefined;
  ipAddress?: string | undefined;
}): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = newToken();
  const now = Date.now();
  const session = await options.db.session.create({
    data: {
      userId: options.userId,
      tokenHash: hashToken(token),
      expiresAt: new Date(now + SESSION_MAX_AGE_MS),
      userAgent: options.userAgent?.slice(0, 300) ?? null,
      ipAddress: options.ipAddress ?? null,
    },
  });
  return { token, sessionId: session.id, expiresAt: session.expiresAt };
}

/** The signed-in user for a session cookie, or null (unknown, expired or idle too long). */
export async function authenticateSessionToken(options: {
  db: Db;
  token: string;
}): Promise<Auth | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(options.token)) return null;
  const session = await options.db.session.findUnique({
    where: { tokenHash: hashToken(options.token) },
    include: { user: true },
  });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
    await options.db.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await options.db.session.updateMany({
      where: { id: session.id },
      data: { lastSeenAt: new Date(now) },
    });
  }
  const { user } = session;
  return {
    sessionId: session.id,
    user: {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      isInstanceAdmin: user.isInstanceAdmin,
    },
  };
}

export async function deleteSession(options: { db: DbOrTx; sessionId: string }): Promise<void> {
  await options.db.session.deleteMany({ where: { id: options.sessionId } });
}

export async function listSessions(options: { db: Db; userId: string; currentSessionId: string }) {
  const sessions = await options.db.session.findMany({
    where: { userId: options.userId, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: 'desc' },
  });
  return sessions.map((session) => ({
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    current: session.id === options.currentSessionId,
  }));
}

/** Signs one of my own sessions out. Someone else's session id is "not found", never "forbidden". */
export async function revokeSession(options: {
  db: Db;
  userId: string;
  sessionId: string;
}): Promise<void> {
  const { count } = await options.db.session.deleteMany({
    where: { id: options.sessionId, userId: options.userId },
  });
  if (count === 0) throw new AppError('not_found', 'There is no such session of yours.');
}

/**
 * After a password change, recovery or reset: every other browser must sign in again. Returns
 * the ended sessions' ids, so the caller can close what they opened (control channels) once
 * the change is committed.
 */
export async function revokeOtherSessions(options: {
  db: DbOrTx;
  userId: string;
  exceptSessionId?: string | undefined;
}): Promise<string[]> {
  const sessions = await options.db.session.findMany({
    where: {
      userId: options.userId,
      ...(options.exceptSessionId ? { id: { not: options.exceptSessionId } } : {}),
    },
    select: { id: true },
  });
  const ids = sessions.map((session) => session.id);
  await options.db.session.deleteMany({ where: { id: { in: ids } } });
  return ids;
}
