import type { JsonObject } from '@conclave/crypto';

/**
 * The audit chain (DESIGN.md, "Audit log") is packages/crypto's: `createAuditEntry` hashes
 * each entry (SHA-256 over the RFC 8785 canonical JSON of sequence number, time, actor,
 * action, subject, details and the previous hash), `verifyAuditChain` checks a run of
 * entries, `signAuditCheckpoint` signs a head. One chain per org (`org:<orgId>`) and one for
 * instance-wide events (`instance`).
 */
export {
  AUDIT_GENESIS_HASH as GENESIS_HASH,
  auditEntryHash,
  createAuditEntry,
  verifyAuditChain,
} from '@conclave/crypto';

// Type aliases (not interfaces) so that they count as JSON values for the hash.
export type AuditActor = { userId: string | null; label: string | null };

export type AuditSubject = { type: string; id: string };

/** Everything an entry's hash covers, as stored. */
export type AuditEntryContent = {
  chain: string;
  seq: number;
  occurredAt: string;
  actor: AuditActor | null;
  action: string;
  subject: AuditSubject | null;
  details: JsonObject;
  prevHash: string;
};

export function chainForOrg(orgId: string | null): string {
  return orgId ? `org:${orgId}` : 'instance';
}
