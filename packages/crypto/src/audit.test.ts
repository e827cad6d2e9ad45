import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import {
  AUDIT_GENESIS_HASH,
  auditEntryHash,
  createAuditEntry,
  signAuditCheckpoint,
  verifyAuditChain,
  verifyAuditCheckpoint,
  type AuditEntry,
  type AuditEntryFields,
} from './audit';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './sha256';
import { generateSigningKeyPair } from './signing';
import { ready } from './sodium';
import { utf8 } from './encoding';

await ready();

const fieldsArb = fc.record({
  actor: fc.oneof(
    fc.constant('system'),
    fc.record({ type: fc.constant('user'), id: fc.string({ minLength: 1 }) }),
  ),
  action: fc.constantFrom('policy.changed', 'recording.deleted', 'hold.placed', 'member.invited'),
  subject: fc.record({
    type: fc.constantFrom('org', 'meeting', 'recording'),
    id: fc.string({ minLength: 1 }),
  }),
  details: fc.dictionary(
    fc.string(),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
  ),
});

function chain(fields: Omit<AuditEntryFields, 'occurredAt' | 'chain'>[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  fields.forEach((f, i) => {
    out.push(
      createAuditEntry(out.at(-1) ?? null, {
        ...f,
        chain: 'org:o1',
        occurredAt: new Date(1.7e12 + i * 1000).toISOString(),
      }),
    );
  });
  return out;
}

describe('audit chain', () => {
  it('hash = SHA-256 of the canonical JSON of the entry fields (including prevHash)', () => {
    const [entry] = chain([
      { actor: 'system', action: 'org.created', subject: { type: 'org', id: 'o' }, details: {} },
    ]);
    const { hash, ...rest } = entry!;
    expect(rest.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(hash).toBe(sha256Hex(utf8(canonicalJson({ v: 1, ...rest }))));
    expect(auditEntryHash({ ...rest, extra: 'ignored' } as typeof rest)).toBe(hash);
  });

  it('verifies any chain built with createAuditEntry, with or without stored hashes', () => {
    fc.assert(
      fc.property(fc.array(fieldsArb, { minLength: 1, maxLength: 12 }), (fields) => {
        const entries = chain(fields);
        const head = { seq: entries.length, hash: entries.at(-1)!.hash };
        expect(verifyAuditChain(entries)).toEqual({ ok: true, count: entries.length, head });
        expect(
          verifyAuditChain(
            JSON.parse(JSON.stringify(entries.map(({ hash: _h, ...e }) => e))) as unknown[],
          ),
        ).toEqual({
          ok: true,
          count: entries.length,
          head,
        });
      }),
      { numRuns: 60 },
    );
  });

  it('names the first bad entry when any field of any entry changes', () => {
    fc.assert(
      fc.property(
        fc.array(fieldsArb, { minLength: 2, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom('occurredAt', 'chain', 'actor', 'action', 'subject', 'details', 'prevHash'),
        fc.boolean(),
        (fields, at, field, keepStoredHash) => {
          const entries = chain(fields);
          const index = at % entries.length;
          const target = entries[index]!;
          const changed =
            field === 'prevHash'
              ? { ...target, prevHash: 'f'.repeat(64) }
              : field === 'occurredAt' || field === 'action' || field === 'chain'
                ? {
                    ...target,
                    [field]: {
                      occurredAt: '1999-01-01T00:00:00.000Z',
                      action: 'tampered',
                      chain: 'org:o2',
                    }[field],
                  }
                : { ...target, [field]: { tampered: true } };
          const tampered = entries.map((e, i) => {
            if (i !== index) return e;
            if (keepStoredHash) return changed;
            const { hash: _h, ...rest } = changed;
            return rest;
          });
          const original = entries.at(-1)!;
          const checkpoint = {
            type: 'conclave.audit-checkpoint' as const,
            v: 1 as const,
            chain: 'org:o1',
            seq: original.seq,
            headHash: original.hash,
            signedAt: original.occurredAt,
            serverKeyId: 'k',
          };
          const expectChain = { chain: 'org:o1' };
          if (
            !keepStoredHash &&
            field !== 'prevHash' &&
            field !== 'chain' &&
            index === entries.length - 1
          ) {
            // Nothing links to the last entry: only its stored hash or a checkpoint can show
            // the change. The verifier reports a different head, and a checkpoint catches it.
            const unchecked = verifyAuditChain(tampered, expectChain);
            expect(unchecked.ok && unchecked.head?.hash).not.toBe(original.hash);
            expect(
              verifyAuditChain(tampered, { ...expectChain, checkpoints: [checkpoint] }),
            ).toMatchObject({
              ok: false,
              index,
              reason: 'CHECKPOINT_MISMATCH',
            });
            return;
          }
          const result = verifyAuditChain(tampered, expectChain);
          expect(result.ok).toBe(false);
          if (result.ok) return;
          if (field === 'chain') {
            expect([result.index, result.reason]).toEqual([index, 'CHAIN_MISMATCH']);
          } else if (field === 'prevHash') {
            expect([result.index, result.reason]).toEqual([index, 'PREV_HASH_MISMATCH']);
          } else if (keepStoredHash) {
            expect([result.index, result.reason]).toEqual([index, 'HASH_MISMATCH']);
          } else {
            // Stored hash removed: the change shows where the next entry no longer links.
            expect([result.index, result.reason]).toEqual([index + 1, 'PREV_HASH_MISMATCH']);
          }
          expect(result.seq).toBe(tampered[result.index]!.seq);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports deleted, duplicated and malformed entries', () => {
    const entries = chain(
      Array.from({ length: 5 }, (_, i) => ({
        actor: 'system',
        action: 'a',
        subject: i,
        details: {},
      })),
    );
    expect(verifyAuditChain(entries.filter((_, i) => i !== 3))).toMatchObject({
      ok: false,
      index: 3,
      seq: 5,
      reason: 'SEQ_MISMATCH',
    });
    expect(
      verifyAuditChain([...entries.slice(0, 3), entries[2], ...entries.slice(3)]),
    ).toMatchObject({ ok: false, index: 3, reason: 'SEQ_MISMATCH' });
    expect(verifyAuditChain([entries[0], { ...entries[1], seq: 'two' }])).toMatchObject({
      ok: false,
      index: 1,
      seq: null,
      reason: 'MALFORMED_ENTRY',
    });
    expect(verifyAuditChain([{ ...entries[0], details: { s: '\ud800' } }])).toMatchObject({
      ok: false,
      index: 0,
      reason: 'MALFORMED_ENTRY',
    });
    expect(
      verifyAuditChain(
        [{ ...entries[0]!, prevHash: 'a'.repeat(64) }].map(({ hash: _h, ...e }) => e),
      ),
    ).toMatchObject({
      ok: false,
      index: 0,
      reason: 'PREV_HASH_MISMATCH',
    });
  });

  it('verifies an exported range against an anchor and signed checkpoints', () => {
    const entries = chain(
      Array.from({ length: 6 }, (_, i) => ({
        actor: 'system',
        action: 'a',
        subject: i,
        details: {},
      })),
    );
    const range = entries.slice(2);
    const anchor = { seq: 2, hash: entries[1]!.hash };
    expect(verifyAuditChain(range, { anchor })).toMatchObject({ ok: true, head: { seq: 6 } });
    expect(verifyAuditChain(range, { anchor: { seq: 2, hash: entries[0]!.hash } })).toMatchObject({
      ok: false,
      index: 0,
      reason: 'PREV_HASH_MISMATCH',
    });
    const serverKey = generateSigningKeyPair();
    const signed = signAuditCheckpoint({ chain: 'org:o1', head: entries[3]!, serverKey });
    const checkpoint = verifyAuditCheckpoint(signed, serverKey.publicKey, { chain: 'org:o1' });
    expect(verifyAuditChain(range, { anchor, checkpoints: [checkpoint] })).toMatchObject({
      ok: true,
    });
    const forkedRange = [
      range[0]!,
      createAuditEntry(range[0]!, {
        chain: 'org:o1',
        occurredAt: range[1]!.occurredAt,
        actor: 'x',
        action: 'a',
        subject: 3,
        details: {},
      }),
    ];
    expect(verifyAuditChain(forkedRange, { anchor, checkpoints: [checkpoint] })).toMatchObject({
      ok: false,
      index: 1,
      seq: 4,
      reason: 'CHECKPOINT_MISMATCH',
    });
    expect(
      verifyAuditChain(range.slice(0, 1), { anchor, checkpoints: [checkpoint] }),
    ).toMatchObject({ ok: false, reason: 'CHECKPOINT_NOT_COVERED' });
  });
});

describe('audit checkpoints', () => {
  it('sign, verify, and refuse tampering, another key or another org', () => {
    const serverKey = generateSigningKeyPair();
    const signed = signAuditCheckpoint({
      chain: 'org:o1',
      head: { seq: 9, hash: 'ab'.repeat(32) },
      serverKey,
      signedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(
      verifyAuditCheckpoint(
        JSON.parse(JSON.stringify(signed)) as typeof signed,
        serverKey.publicKey,
      ),
    ).toEqual(signed.payload);
    expectCryptoError(
      () =>
        verifyAuditCheckpoint(
          { ...signed, payload: { ...signed.payload, seq: 10 } },
          serverKey.publicKey,
        ),
      'BAD_SIGNATURE',
      'verifyAuditCheckpoint',
    );
    expectCryptoError(
      () => verifyAuditCheckpoint(signed, generateSigningKeyPair().publicKey),
      'KEY_MISMATCH',
    );
    expectCryptoError(
      () => verifyAuditCheckpoint(signed, serverKey.publicKey, { chain: 'org:o2' }),
      'BINDING_MISMATCH',
    );
    const empty = signAuditCheckpoint({ chain: 'org:o1', head: null, serverKey });
    expect(empty.payload).toMatchObject({ seq: 0, headHash: AUDIT_GENESIS_HASH });
  });
});
