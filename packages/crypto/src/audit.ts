import { canonicalJsonBytes, type JsonValue } from './canonical-json';
import { CryptoError } from './errors';
import { keyId } from './identity';
import { sha256Hex } from './sha256';
import { signPayload, verifyPayload, type SigningKeyPair } from './signing';
import {
  requireBytes,
  requireObject,
  requireSafeCount,
  requireString,
  requireTimestamp,
} from './validate';

/** prevHash of the first entry of an org's log. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Version of the hashed entry encoding (hashed as `v`, so it cannot be changed silently). */
export const AUDIT_HASH_VERSION = 1;

/**
 * What the API supplies for a new entry. `chain` names the log the entry belongs to
 * (`org:<orgId>`, or `instance` for instance-wide events); it is hashed, so an entry cannot
 * be moved to another org's log. `occurredAt` is DESIGN's "time".
 */
export interface AuditEntryFields {
  chain: string;
  occurredAt: string;
  actor: JsonValue;
  action: string;
  subject: JsonValue;
  details: JsonValue;
}

/** An entry as chained (DESIGN "Audit log"). `prevHash` and `hash` are lowercase hex SHA-256. */
export interface AuditEntry extends AuditEntryFields {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * An entry's hash: SHA-256 over the RFC 8785 canonical JSON of exactly
 * { v: 1, chain, seq, occurredAt, actor, action, subject, details, prevHash }, as lowercase hex.
 * Other members an exported row may carry (its stored `hash`, a database id) are not part of it.
 */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return hashOf('auditEntryHash', entry);
}

function hashOf(operation: string, entry: Omit<AuditEntry, 'hash'>): string {
  const hashed = {
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
  try {
    return sha256Hex(canonicalJsonBytes(hashed));
  } catch (error) {
    if (error instanceof CryptoError) throw new CryptoError(error.code, operation, error.message);
    throw error;
  }
}

/** The next entry after `previous` (null for an org's first entry, which gets seq 1). */
export function createAuditEntry(previous: AuditHead | null, fields: AuditEntryFields): AuditEntry {
  const operation = 'createAuditEntry';
  const seq = previous === null ? 1 : requireSafeCount(operation, 'previous.seq', previous.seq) + 1;
  const prevHash = previous === null ? AUDIT_GENESIS_HASH : previous.hash;
  if (!SHA256_HEX.test(prevHash)) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      'previous.hash must be a lowercase hex SHA-256',
    );
  }
  requireString(operation, 'chain', fields.chain, { maxLength: 256 });
  requireTimestamp(operation, 'occurredAt', fields.occurredAt);
  requireString(operation, 'action', fields.action);
  const entry = {
    chain: fields.chain,
    seq,
    occurredAt: fields.occurredAt,
    actor: fields.actor,
    action: fields.action,
    subject: fields.subject,
    details: fields.details,
    prevHash,
  };
  return { ...entry, hash: hashOf(operation, entry) };
}

export type AuditChainFailure =
  | 'MALFORMED_ENTRY'
  | 'SEQ_MISMATCH'
  | 'PREV_HASH_MISMATCH'
  | 'HASH_MISMATCH'
  | 'CHAIN_MISMATCH'
  | 'CHECKPOINT_MISMATCH'
  | 'CHECKPOINT_NOT_COVERED';

export type AuditChainResult =
  | { ok: true; count: number; head: AuditHead | null }
  | {
      ok: false;
      /** Position in the array given; for CHECKPOINT_NOT_COVERED, the array's length. */
      index: number;
      /** The entry's seq when it has a readable one. */
      seq: number | null;
      reason: AuditChainFailure;
      message: string;
    };

/**
 * Verifies a run of entries in the order given (a whole log, or an exported range): each
 * entry is well formed and on the same chain (`options.chain` if given), seq goes up by one,
 * prevHash is the previous entry's hash (the genesis hash for seq 1, or `anchor.hash` when the
 * range starts after a known head), and a stored `hash`, if present, is the computed one.
 * Every checkpoint passed (verified with `verifyAuditCheckpoint` first) must be for this chain
 * and name an entry in the range, whose hash must match. Reports the first bad entry instead
 * of throwing. Without a stored hash or a checkpoint covering it, a change to the last entry
 * only shows as a different `head`: compare it with a signed checkpoint.
 */
export function verifyAuditChain(
  entries: readonly unknown[],
  options: { chain?: string; anchor?: AuditHead; checkpoints?: readonly AuditCheckpoint[] } = {},
): AuditChainResult {
  const fail = (index: number, seq: number | null, reason: AuditChainFailure, message: string) =>
    ({ ok: false, index, seq, reason, message }) as const;
  const hashesBySeq = new Map<number, string>();
  let previous: AuditHead | null = options.anchor ?? null;
  let chain = options.chain;
  for (let index = 0; index < entries.length; index++) {
    const raw = entries[index];
    const parsed = parseEntry(raw);
    if (typeof parsed === 'string') {
      const seq =
        typeof (raw as { seq?: unknown } | null)?.seq === 'number'
          ? (raw as { seq: number }).seq
          : null;
      return fail(index, seq, 'MALFORMED_ENTRY', `entry ${index}: ${parsed}`);
    }
    const { entry, storedHash } = parsed;
    chain ??= entry.chain;
    if (entry.chain !== chain) {
      return fail(
        index,
        entry.seq,
        'CHAIN_MISMATCH',
        `entry seq ${entry.seq} belongs to chain ${entry.chain}, not ${chain}`,
      );
    }
    if (previous !== null && entry.seq !== previous.seq + 1) {
      return fail(
        index,
        entry.seq,
        'SEQ_MISMATCH',
        `entry ${index} has seq ${entry.seq}, expected ${previous.seq + 1}`,
      );
    }
    if (previous === null && entry.seq === 1 && entry.prevHash !== AUDIT_GENESIS_HASH) {
      return fail(
        index,
        entry.seq,
        'PREV_HASH_MISMATCH',
        'the first entry does not start from the genesis hash',
      );
    }
    if (previous !== null && entry.prevHash !== previous.hash) {
      return fail(
        index,
        entry.seq,
        'PREV_HASH_MISMATCH',
        `entry seq ${entry.seq} does not link to the entry before it`,
      );
    }
    let hash: string;
    try {
      hash = hashOf('verifyAuditChain', entry);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      return fail(
        index,
        entry.seq,
        'MALFORMED_ENTRY',
        `entry seq ${entry.seq} has no canonical JSON form`,
      );
    }
    if (storedHash !== undefined && storedHash !== hash) {
      return fail(
        index,
        entry.seq,
        'HASH_MISMATCH',
        `entry seq ${entry.seq} was altered (stored hash differs)`,
      );
    }
    hashesBySeq.set(entry.seq, hash);
    previous = { seq: entry.seq, hash };
  }
  for (const checkpoint of options.checkpoints ?? []) {
    if (chain !== undefined && checkpoint.chain !== chain) {
      return fail(
        entries.length,
        checkpoint.seq,
        'CHAIN_MISMATCH',
        `checkpoint is for chain ${checkpoint.chain}`,
      );
    }
    const hash = hashesBySeq.get(checkpoint.seq);
    if (hash === undefined) {
      return fail(
        entries.length,
        checkpoint.seq,
        'CHECKPOINT_NOT_COVERED',
        `checkpoint at seq ${checkpoint.seq} is outside the entries`,
      );
    }
    if (hash !== checkpoint.headHash) {
      const index = [...hashesBySeq.keys()].indexOf(checkpoint.seq);
      return fail(
        index,
        checkpoint.seq,
        'CHECKPOINT_MISMATCH',
        `entry seq ${checkpoint.seq} differs from the signed checkpoint`,
      );
    }
  }
  return {
    ok: true,
    count: entries.length,
    head: entries.length === 0 ? (options.anchor ?? null) : previous,
  };
}

function parseEntry(
  value: unknown,
): { entry: Omit<AuditEntry, 'hash'>; storedHash: string | undefined } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.v !== undefined && r.v !== AUDIT_HASH_VERSION) return `v is not ${AUDIT_HASH_VERSION}`;
  if (typeof r.chain !== 'string') return 'chain is not a string';
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 1)
    return 'seq is not a positive integer';
  if (typeof r.occurredAt !== 'string') return 'occurredAt is not a string';
  if (typeof r.action !== 'string') return 'action is not a string';
  if (typeof r.prevHash !== 'string' || !SHA256_HEX.test(r.prevHash))
    return 'prevHash is not a hex SHA-256';
  if (r.hash !== undefined && (typeof r.hash !== 'string' || !SHA256_HEX.test(r.hash)))
    return 'hash is not a hex SHA-256';
  for (const field of ['actor', 'subject', 'details'] as const) {
    if (!(field in r)) return `${field} is missing`;
  }
  return {
    entry: {
      chain: r.chain,
      seq: r.seq,
      occurredAt: r.occurredAt,
      actor: r.actor as JsonValue,
      action: r.action,
      subject: r.subject as JsonValue,
      details: r.details as JsonValue,
      prevHash: r.prevHash,
    },
    storedHash: r.hash,
  };
}

/** A signed statement of a log's head, by the server's Ed25519 key. */
export interface AuditCheckpoint {
  type: 'conclave.audit-checkpoint';
  v: 1;
  chain: string;
  seq: number;
  headHash: string;
  signedAt: string;
  serverKeyId: string;
}

export interface SignedAuditCheckpoint {
  payload: AuditCheckpoint;
  signature: string;
}

/** Signs the head of a log (seq 0 and the genesis hash for an empty log). */
export function signAuditCheckpoint(input: {
  chain: string;
  head: AuditHead | null;
  serverKey: SigningKeyPair;
  signedAt?: string;
}): SignedAuditCheckpoint {
  const operation = 'signAuditCheckpoint';
  requireBytes(operation, 'serverKey.publicKey', input.serverKey.publicKey, 32);
  const payload = parseCheckpoint(operation, {
    type: 'conclave.audit-checkpoint',
    v: 1,
    chain: input.chain,
    seq: input.head?.seq ?? 0,
    headHash: input.head?.hash ?? AUDIT_GENESIS_HASH,
    signedAt: input.signedAt ?? new Date().toISOString(),
    serverKeyId: keyId(input.serverKey.publicKey),
  });
  return { payload, signature: signPayload(operation, payload, input.serverKey.privateKey) };
}

function parseCheckpoint(operation: string, value: unknown): AuditCheckpoint {
  const r = requireObject(operation, 'checkpoint', value);
  if (r.type !== 'conclave.audit-checkpoint' || r.v !== 1) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'not a version 1 audit checkpoint');
  }
  if (typeof r.headHash !== 'string' || !SHA256_HEX.test(r.headHash)) {
    throw new CryptoError('INVALID_INPUT', operation, 'headHash must be a lowercase hex SHA-256');
  }
  return {
    type: 'conclave.audit-checkpoint',
    v: 1,
    chain: requireString(operation, 'chain', r.chain, { maxLength: 256 }),
    seq: requireSafeCount(operation, 'seq', r.seq),
    headHash: r.headHash,
    signedAt: requireTimestamp(operation, 'signedAt', r.signedAt),
    serverKeyId: requireString(operation, 'serverKeyId', r.serverKeyId),
  };
}

/**
 * Verifies a checkpoint under the server's public key (shown in the admin UI / well-known
 * URL). KEY_MISMATCH if it names another key, BAD_SIGNATURE if the signature fails.
 */
export function verifyAuditCheckpoint(
  signed: SignedAuditCheckpoint,
  serverPublicKey: Uint8Array,
  expected: { chain?: string } = {},
): AuditCheckpoint {
  const operation = 'verifyAuditCheckpoint';
  requireBytes(operation, 'serverPublicKey', serverPublicKey, 32);
  const record = requireObject(operation, 'signed checkpoint', signed);
  const checkpoint = parseCheckpoint(operation, record.payload);
  if (checkpoint.serverKeyId !== keyId(serverPublicKey)) {
    throw new CryptoError(
      'KEY_MISMATCH',
      operation,
      `checkpoint is signed by key ${checkpoint.serverKeyId}, not this one`,
    );
  }
  verifyPayload(operation, record.payload, record.signature, serverPublicKey);
  if (expected.chain !== undefined && checkpoint.chain !== expected.chain) {
    throw new CryptoError('BINDING_MISMATCH', operation, 'checkpoint is for another chain');
  }
  return checkpoint;
}
