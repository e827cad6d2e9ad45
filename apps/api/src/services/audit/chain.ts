import { createHash } from 'node:crypto';
import { canonicalJsonBytes, type JsonObject } from '@conclave/crypto';

/**
 * The audit chain's hashing (DESIGN.md, "Audit log"): each entry's hash is SHA-256 over the
 * RFC 8785 canonical JSON of the entry (sequence number, time, actor, action, subject,
 * details) and the previous entry's hash; the first entry of a chain links to GENESIS_HASH.
 * One chain per org (`org:<orgId>`) and one for instance-wide events (`instance`).
 *
 * TODO(crypto): packages/crypto is adding the audit chain functions (entry hash, chain
 * verification, checkpoints); `auditEntryHash` is the one call to switch to them.
 */
export const AUDIT_HASH_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  userId: string | null;
  label: string | null;
}

export interface AuditSubject {
  type: string;
  id: string;
}

/** Everything an entry's hash covers. */
export interface AuditEntryContent {
  chain: string;
  seq: number;
  occurredAt: string;
  actor: AuditActor | null;
  action: string;
  subject: AuditSubject | null;
  details: JsonObject;
  prevHash: string;
}

export function chainForOrg(orgId: string | null): string {
  return orgId ? `org:${orgId}` : 'instance';
}

/** Hex SHA-256 of the canonical JSON of the entry. */
export function auditEntryHash(entry: AuditEntryContent): string {
  const payload = {
    v: AUDIT_HASH_VERSION,
    chain: entry.chain,
    seq: entry.seq,
    occurredAt: entry.occurredAt,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalJsonBytes(payload)).digest('hex');
}

export type ChainVerification =
  { valid: true; length: number; head: string } | { valid: false; seq: number; reason: string };

/**
 * Checks a whole chain (entries in any order): sequence numbers 1..n without gaps, each entry
 * links to the previous entry's hash, and each hash matches its content.
 */
export function verifyAuditChain(
  entries: readonly (AuditEntryContent & { hash: string })[],
): ChainVerification {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  let previous = GENESIS_HASH;
  let chain: string | undefined;
  for (const [index, entry] of sorted.entries()) {
    chain ??= entry.chain;
    if (entry.chain !== chain)
      return { valid: false, seq: entry.seq, reason: 'entry from another chain' };
    if (entry.seq !== index + 1)
      return { valid: false, seq: entry.seq, reason: `expected sequence number ${index + 1}` };
    if (entry.prevHash !== previous)
      return { valid: false, seq: entry.seq, reason: 'does not link to the previous entry' };
    if (auditEntryHash(entry) !== entry.hash)
      return { valid: false, seq: entry.seq, reason: 'hash does not match the content' };
    previous = entry.hash;
  }
  return { valid: true, length: sorted.length, head: previous };
}
