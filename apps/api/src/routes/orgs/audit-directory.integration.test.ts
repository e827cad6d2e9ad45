import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@conclave/crypto';
import { auditPageSchema, directorySchema, type AuditEntry } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import { createOrgWithRoles, signedInClient } from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { recordAudit } from '../../services/audit/record';

const suite = useTestApp();

describe('audit log API', () => {
  it('pages newest first, filters by action, action prefix, actor and time, and the entries verify', async () => {
    const { org, owner, admin, compliance } = await createOrgWithRoles(suite.db);
    for (let i = 0; i < 25; i++) {
      await recordAudit(suite.db, {
        orgId: org.id,
        actorUserId: i % 2 ? admin.id : owner.id,
        action: i % 5 === 0 ? 'test.special' : 'test.routine',
        details: { i },
      });
    }
    const client = await signedInClient(suite.app, compliance);
    const get = async (query: string) => {
      const response = await client.inject({
        method: 'GET',
        url: `/api/orgs/${org.id}/audit?${query}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      return auditPageSchema.parse(response.json());
    };
    const pages: AuditEntry[] = [];
    let before: number | null = null;
    do {
      const page = await get(`limit=10${before ? `&before=${before}` : ''}`);
      pages.push(...page.entries);
      before = page.nextBefore;
    } while (before !== null);
    const total = await suite.db.auditEntry.count({ where: { orgId: org.id } });
    expect(pages).toHaveLength(total);
    expect(pages.map((e) => e.seq)).toEqual([...Array(total).keys()].map((i) => total - i));
    const chain = [...pages].reverse().map((e) => ({ ...e, chain: `org:${org.id}` }));
    expect(verifyAuditChain(chain)).toMatchObject({ ok: true, count: total });

    expect((await get('action=test.special')).entries).toHaveLength(5);
    expect((await get('action=test.')).entries).toHaveLength(25);
    expect(
      (await get(`actor=${admin.id}&action=test.routine`)).entries.every(
        (e) => e.actor?.userId === admin.id,
      ),
    ).toBe(true);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`from=${encodeURIComponent(future)}`)).entries).toEqual([]);
    const past = new Date(Date.now() - 3600_000).toISOString();
    expect((await get(`to=${encodeURIComponent(past)}`)).entries).toEqual([]);
  });

  it('explains bad filters instead of failing', async () => {
    const { org, owner } = await createOrgWithRoles(suite.db);
    const client = await signedInClient(suite.app, owner);
    for (const query of ['from=yesterday', 'limit=100000', 'before=-1', 'actor=bob']) {
      const problem = expectProblem(
        await client.inject({ method: 'GET', url: `/api/orgs/${org.id}/audit?${query}` }),
        400,
      );
      expect(problem.errors?.[0]?.path).toMatch(/^querystring\./);
    }
  });
});

describe('key directory API', () => {
  it("lists every member's current public identity, which matches what they published", async () => {
    const { org, owner, admin, compliance, member } = await createOrgWithRoles(suite.db);
    const client = await signedInClient(suite.app, member);
    const response = await client.inject({ method: 'GET', url: `/api/orgs/${org.id}/directory` });
    const { entries } = directorySchema.parse(response.json());
    expect(entries).toHaveLength(4);
    for (const user of [owner, admin, compliance, member]) {
      const entry = entries.find((e) => e.userId === user.id);
      expect(entry?.current).toMatchObject(user.publicIdentity);
      expect(entry?.history).toHaveLength(1);
    }
  });
});
