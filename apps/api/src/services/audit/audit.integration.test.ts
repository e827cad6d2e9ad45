import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import { createTestOrg, createUser } from '../../../test/factories';
import { auditEntryHash, GENESIS_HASH, verifyAuditChain } from './chain';
import { auditContent } from './list';
import { recordAudit } from './record';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function chainOf(orgId: string) {
  const rows = await database.db.auditEntry.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
  return rows.map(auditContent);
}

describe('audit log', () => {
  it('chains entries: each links to the previous hash and the chain verifies', async () => {
    const user = await createUser(database.db);
    const org = await createTestOrg(database.db, { owner: user });
    await recordAudit(database.db, {
      orgId: org.id,
      actorUserId: user.id,
      action: 'test.something',
      subject: { type: 'thing', id: '1' },
      details: { nested: { b: 2, a: [1, 'x', null] } },
    });
    const entries = await chainOf(org.id);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[2]).toMatchObject({
      actor: { userId: user.id, label: user.email },
      action: 'test.something',
    });
    expect(verifyAuditChain(entries)).toEqual({
      ok: true,
      count: 3,
      head: { seq: 3, hash: entries[2]!.hash },
    });
    const head = await database.db.auditHead.findUniqueOrThrow({
      where: { chain: `org:${org.id}` },
    });
    expect(head).toMatchObject({ seq: 3, hash: entries[2]!.hash });
  });

  it('detects a changed, removed or reordered entry', async () => {
    const user = await createUser(database.db);
    const org = await createTestOrg(database.db, { owner: user });
    await recordAudit(database.db, { orgId: org.id, actorUserId: null, action: 'test.third' });
    const entries = await chainOf(org.id);
    const changed = entries.map((e) =>
      e.seq === 2 ? { ...e, details: { ...e.details, role: 'admin' } } : e,
    );
    expect(verifyAuditChain(changed)).toMatchObject({ ok: false, seq: 2, reason: 'HASH_MISMATCH' });
    const rehashed = changed.map((e) =>
      e.seq === 2 ? { ...e, hash: auditEntryHash({ ...e }) } : e,
    );
    expect(verifyAuditChain(rehashed)).toMatchObject({
      ok: false,
      seq: 3,
      reason: 'PREV_HASH_MISMATCH',
    });
    expect(verifyAuditChain(entries.filter((e) => e.seq !== 2))).toMatchObject({
      ok: false,
      seq: 3,
      reason: 'SEQ_MISMATCH',
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    const user = await createUser(database.db);
    const org = await createTestOrg(database.db, { owner: user });
    const [entry] = await chainOf(org.id);
    await expect(
      database.db.$executeRawUnsafe(
        `UPDATE "audit_entries" SET "action" = 'forged' WHERE "org_id" = '${org.id}'`,
      ),
    ).rejects.toThrow(/append-only/);
    await expect(
      database.db.$executeRawUnsafe(`DELETE FROM "audit_entries" WHERE "org_id" = '${org.id}'`),
    ).rejects.toThrow(/append-only/);
    await expect(database.db.$executeRawUnsafe('TRUNCATE "audit_entries"')).rejects.toThrow(
      /append-only/,
    );
    await expect(
      database.db.auditEntry.delete({ where: { chain_seq: { chain: entry!.chain, seq: 1 } } }),
    ).rejects.toThrow();
    expect(await chainOf(org.id)).toHaveLength(2);
  });

  it('gives concurrent appends consecutive sequence numbers and a valid chain', async () => {
    const user = await createUser(database.db);
    const org = await createTestOrg(database.db, { owner: user });
    const other = await createTestOrg(database.db, { owner: user });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        recordAudit(database.db, {
          orgId: i % 4 === 0 ? other.id : org.id,
          actorUserId: user.id,
          action: 'test.concurrent',
          details: { i },
        }),
      ),
    );
    const entries = await chainOf(org.id);
    expect(entries).toHaveLength(2 + 30);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(verifyAuditChain(entries)).toMatchObject({ ok: true, count: 32 });
    expect(verifyAuditChain(await chainOf(other.id))).toMatchObject({ ok: true, count: 12 });
  });

  it('rolls back with the change it records', async () => {
    const user = await createUser(database.db);
    const org = await createTestOrg(database.db, { owner: user });
    await expect(
      database.db.$transaction(async (tx) => {
        await recordAudit(tx, { orgId: org.id, actorUserId: user.id, action: 'test.rolled_back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const entries = await chainOf(org.id);
    expect(entries.map((e) => e.action)).not.toContain('test.rolled_back');
    await recordAudit(database.db, { orgId: org.id, actorUserId: user.id, action: 'test.after' });
    expect(verifyAuditChain(await chainOf(org.id))).toMatchObject({ ok: true, count: 3 });
  });
});
