import type { JsonObject } from '@conclave/crypto';
import type { AuditEntry } from '../../db/generated/client';
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
