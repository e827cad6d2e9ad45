import type { JsonObject } from '@conclave/crypto';
import { inTransaction, type DbOrTx } from '../../db/transaction';
import type { AuditEntry } from '../../db/generated/client';
import { chainForOrg, createAuditEntry, type AuditSubject } from './chain';

export interface RecordAuditInput {
  /** The org whose log gets the entry; null for instance-wide events. */
  orgId: string | null;
  /** Who did it; null for the system (retention job, expiry) or an anonymous request. */
  actorUserId: string | null;
  /** The actor's label when the caller has it (else the user's e-mail is looked up). */
  actorLabel?: string | null;
  /** Dotted, past tense: `member.role_changed`, `meeting.created`, `recording.deleted`. */
  action: string;
  subject?: AuditSubject | null;
  /** JSON only: no secrets, no content (the operator can read audit entries). */
  details?: JsonObject;
}

/**
 * Appends one entry to an org's audit chain. Call it with the transaction that makes the
 * change it records, so both commit or neither does; given the client, it opens its own.
 * The chain's head row is locked (audit_lock_head) while the entry is written, so concurrent
 * appends to one org get consecutive sequence numbers and a correct link; the database refuses
 * an entry that does not follow the head.
 */
export async function recordAudit(db: DbOrTx, input: RecordAuditInput): Promise<AuditEntry> {
  return inTransaction(db, async (tx) => {
    const chain = chainForOrg(input.orgId);
    // The API's database role may not write audit_heads (migration 20261203130000_roles): a
    // SECURITY DEFINER function locks the head, and the insert's trigger advances it.
    const [head] = await tx.$queryRaw<{ seq: number; hash: string }[]>`
      SELECT "seq", "hash" FROM audit_lock_head(${chain})`;
    if (!head) throw new Error(`recordAudit: no head row for chain ${chain}`);

    let label = input.actorLabel ?? null;
    if (input.actorUserId && input.actorLabel === undefined) {
      const actor = await tx.user.findUnique({
        where: { id: input.actorUserId },
        select: { email: true },
      });
      label = actor?.email ?? null;
    }
    const content = createAuditEntry(head.seq === 0 ? null : head, {
      chain,
      occurredAt: new Date().toISOString(),
      actor: input.actorUserId || label ? { userId: input.actorUserId, label } : null,
      action: input.action,
      subject: input.subject ?? null,
      details: input.details ?? {},
    });
    const entry = await tx.auditEntry.create({
      data: {
        chain,
        orgId: input.orgId,
        seq: content.seq,
        occurredAt: new Date(content.occurredAt),
        actorUserId: input.actorUserId,
        actorLabel: label,
        action: content.action,
        subjectType: input.subject?.type ?? null,
        subjectId: input.subject?.id ?? null,
        details: input.details ?? {},
        prevHash: content.prevHash,
        hash: content.hash,
      },
    });
    return entry;
  });
}

/** Records the same event in several orgs' logs (e.g. a sign-in of a member of two orgs). */
export async function recordAuditInOrgs(
  db: DbOrTx,
  orgIds: readonly string[],
  input: Omit<RecordAuditInput, 'orgId'>,
): Promise<void> {
  for (const orgId of orgIds) await recordAudit(db, { ...input, orgId });
}
