import type { JsonObject } from '@conclave/crypto';
import type { Db } from '../../db/client';
import type { AuditEntry, Prisma } from '../../db/generated/client';
import type { AuditEntryContent } from './chain';

/** A stored row as the content its hash covers (for verification and for the API). */
export function auditContent(row: AuditEntry): AuditEntryContent & { hash: string } {
  return {
    chain: row.chain,
    seq: row.seq,
    occurredAt: row.occurredAt.toISOString(),
    actor:
      row.actorUserId || row.actorLabel ? { userId: row.actorUserId, label: row.actorLabel } : null,
    action: row.action,
    subject: row.subjectType && row.subjectId ? { type: row.subjectType, id: row.subjectId } : null,
    details: row.details as JsonObject,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export interface ListAuditOptions {
  orgId: string;
  action?: string | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  before?: number | undefined;
  limit: number;
}

/**
 * A page of an org's audit log, newest first. `action` matches exactly, or every action under
 * a prefix when it ends with a dot (`member.`). Paging is by sequence number (`before`), which
 * stays stable while new entries are appended.
 */
export async function listAudit(db: Db, options: ListAuditOptions) {
  const where: Prisma.AuditEntryWhereInput = {
    orgId: options.orgId,
    ...(options.action
      ? options.action.endsWith('.')
        ? { action: { startsWith: options.action } }
        : { action: options.action }
      : {}),
    ...(options.actor ? { actorUserId: options.actor } : {}),
    ...(options.from || options.to
      ? {
          occurredAt: {
            ...(options.from ? { gte: new Date(options.from) } : {}),
            ...(options.to ? { lte: new Date(options.to) } : {}),
          },
        }
      : {}),
    ...(options.before ? { seq: { lt: options.before } } : {}),
  };
  const rows = await db.auditEntry.findMany({
    where,
    orderBy: { seq: 'desc' },
    take: options.limit + 1,
  });
  const page = rows.slice(0, options.limit);
  return {
    entries: page.map((row) => {
      const { chain: _chain, ...content } = auditContent(row);
      return { id: row.id, ...content };
    }),
    nextBefore: rows.length > options.limit ? (page.at(-1)?.seq ?? null) : null,
  };
}
