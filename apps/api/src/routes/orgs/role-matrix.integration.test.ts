import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OrgRole } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createTestOrg,
  createUser,
  signedInClient,
  uniqueEmail,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { createInvitation } from '../../services/accounts/invitations';

/**
 * Every org-scoped route against every role: allowed (its success status) or 403; a
 * non-member gets 404 for all of them, and so does a member who guesses ids of another org's
 * members, invitations or keys.
 */
const suite = useTestApp();
let users: Record<OrgRole | 'target' | 'outsider', TestUser>;
let clients: Record<OrgRole | 'outsider', TestClient>;

const ROLES: OrgRole[] = ['owner', 'admin', 'compliance', 'member'];

beforeAll(async () => {
  const made = await Promise.all(
    ['owner', 'admin', 'compliance', 'member', 'target', 'outsider'].map(async (name) => [
      name,
      await createUser(suite.db, { displayName: name }),
    ]),
  );
  users = Object.fromEntries(made) as typeof users;
  clients = Object.fromEntries(
    await Promise.all(
      [...ROLES, 'outsider' as const].map(async (name) => [
        name,
        await signedInClient(suite.app, users[name]),
      ]),
    ),
  ) as typeof clients;
});

interface Fixture {
  orgId: string;
  invitationId: string;
}

/** A fresh org per case: the four roles, a member to act on, and a pending invitation. */
async function fixture(): Promise<Fixture> {
  const org = await createTestOrg(suite.db, { owner: users.owner });
  for (const role of ['admin', 'compliance', 'member'] as const) {
    await addMember(suite.db, { org, user: users[role], role });
  }
  await addMember(suite.db, { org, user: users.target, role: 'member' });
  const invitation = await createInvitation({
    db: suite.db,
    mailer: suite.app.conclave.mailer,
    publicUrl: 'http://localhost',
    orgId: org.id,
    actorUserId: users.owner.id,
    email: uniqueEmail('pending'),
    role: 'member',
  });
  return { orgId: org.id, invitationId: invitation.id };
}

interface RouteCase {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: (f: Fixture) => string;
  payload?: () => object;
  /** Roles allowed, with the status each gets (success, or a rule's refusal like 409). */
  allowed: Partial<Record<OrgRole, number>>;
}

const all = (status: number) => ({
  owner: status,
  admin: status,
  compliance: status,
  member: status,
});
const managers = (status: number) => ({ owner: status, admin: status });

const routes: RouteCase[] = [
  { name: 'read the org', method: 'GET', url: (f) => `/api/orgs/${f.orgId}`, allowed: all(200) },
  {
    name: 'rename the org',
    method: 'PATCH',
    url: (f) => `/api/orgs/${f.orgId}`,
    payload: () => ({ name: `Renamed ${randomUUID().slice(0, 6)}` }),
    allowed: managers(200),
  },
  {
    name: 'list members',
    method: 'GET',
    url: (f) => `/api/orgs/${f.orgId}/members`,
    allowed: all(200),
  },
  {
    name: 'change a role',
    method: 'PATCH',
    url: (f) => `/api/orgs/${f.orgId}/members/${users.target.id}`,
    payload: () => ({ role: 'compliance' }),
    allowed: managers(200),
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    url: (f) => `/api/orgs/${f.orgId}/members/${users.target.id}`,
    allowed: managers(204),
  },
  {
    name: 'reset a member',
    method: 'POST',
    url: (f) => `/api/orgs/${f.orgId}/members/${users.target.id}/reset`,
    allowed: managers(202),
  },
  {
    name: 'leave',
    method: 'POST',
    url: (f) => `/api/orgs/${f.orgId}/leave`,
    allowed: { owner: 409, admin: 204, compliance: 204, member: 204 },
  },
  {
    name: 'transfer ownership',
    method: 'POST',
    url: (f) => `/api/orgs/${f.orgId}/transfer-ownership`,
    payload: () => ({ userId: users.target.id }),
    allowed: { owner: 200 },
  },
  {
    name: 'list invitations',
    method: 'GET',
    url: (f) => `/api/orgs/${f.orgId}/invitations`,
    allowed: managers(200),
  },
  {
    name: 'invite',
    method: 'POST',
    url: (f) => `/api/orgs/${f.orgId}/invitations`,
    payload: () => ({ email: uniqueEmail('invited'), role: 'member' }),
    allowed: managers(201),
  },
  {
    name: 'resend an invitation',
    method: 'POST',
    url: (f) => `/api/orgs/${f.orgId}/invitations/${f.invitationId}/resend`,
    allowed: managers(200),
  },
  {
    name: 'revoke an invitation',
    method: 'DELETE',
    url: (f) => `/api/orgs/${f.orgId}/invitations/${f.invitationId}`,
    allowed: managers(204),
  },
  {
    name: 'read the audit log',
    method: 'GET',
    url: (f) => `/api/orgs/${f.orgId}/audit`,
    allowed: { owner: 200, admin: 200, compliance: 200 },
  },
  {
    name: 'read the key directory',
    method: 'GET',
    url: (f) => `/api/orgs/${f.orgId}/directory`,
    allowed: all(200),
  },
  {
    name: "read a member's keys",
    method: 'GET',
    url: (f) => `/api/orgs/${f.orgId}/directory/${users.target.id}`,
    allowed: all(200),
  },
];

async function call(client: TestClient, route: RouteCase, f: Fixture) {
  return client.inject({
    method: route.method,
    url: route.url(f),
    ...(route.payload ? { payload: route.payload() } : {}),
  });
}

describe('role matrix: each role x each org route', () => {
  for (const route of routes) {
    it(`${route.name}: ${ROLES.map((r) => `${r} ${route.allowed[r] ?? 403}`).join(', ')}`, async () => {
      const outcome: Record<string, number> = {};
      for (const role of ROLES) {
        const f = await fixture();
        const response = await call(clients[role], route, f);
        outcome[role] = response.statusCode;
        if (response.statusCode >= 400) {
          expect(response.headers['content-type']).toMatch(/problem\+json/);
        }
      }
      expect(outcome).toEqual(Object.fromEntries(ROLES.map((r) => [r, route.allowed[r] ?? 403])));
    });
  }
});

describe('org isolation', () => {
  it('a non-member gets 404 for every route of an org, exactly as for an org that does not exist', async () => {
    const f = await fixture();
    const missing = { orgId: randomUUID(), invitationId: randomUUID() };
    for (const route of routes) {
      const real = await call(clients.outsider, route, f);
      const ghost = await call(clients.outsider, route, missing);
      expect([route.name, real.statusCode]).toEqual([route.name, 404]);
      expect([route.name, ghost.statusCode]).toEqual([route.name, 404]);
      expect(real.json<{ detail: string }>().detail).toBe(ghost.json<{ detail: string }>().detail);
    }
  });

  it("a member of org A gets 404 for org B's members, invitations and keys through A's routes", async () => {
    const a = await fixture();
    // Org B: its own owner, a member, an invitation.
    const bOwner = await createUser(suite.db);
    const bMember = await createUser(suite.db);
    const b = await createTestOrg(suite.db, { owner: bOwner });
    await addMember(suite.db, { org: b, user: bMember, role: 'member' });
    const bInvitation = await createInvitation({
      db: suite.db,
      mailer: suite.app.conclave.mailer,
      publicUrl: 'http://localhost',
      orgId: b.id,
      actorUserId: bOwner.id,
      email: uniqueEmail('b-invitee'),
      role: 'member',
    });
    const owner = clients.owner;
    const guesses: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, object?][] = [
      [
        'change role of a B member',
        'PATCH',
        `/api/orgs/${a.orgId}/members/${bMember.id}`,
        { role: 'admin' },
      ],
      ['remove a B member', 'DELETE', `/api/orgs/${a.orgId}/members/${bMember.id}`],
      ['reset a B member', 'POST', `/api/orgs/${a.orgId}/members/${bMember.id}/reset`],
      [
        'transfer to a B member',
        'POST',
        `/api/orgs/${a.orgId}/transfer-ownership`,
        { userId: bMember.id },
      ],
      [
        'resend a B invitation',
        'POST',
        `/api/orgs/${a.orgId}/invitations/${bInvitation.id}/resend`,
      ],
      ['revoke a B invitation', 'DELETE', `/api/orgs/${a.orgId}/invitations/${bInvitation.id}`],
      ["read a B member's keys", 'GET', `/api/orgs/${a.orgId}/directory/${bMember.id}`],
      ['read B', 'GET', `/api/orgs/${b.id}`],
      ['read B audit', 'GET', `/api/orgs/${b.id}/audit`],
      ['random member id', 'DELETE', `/api/orgs/${a.orgId}/members/${randomUUID()}`],
      ['random invitation id', 'DELETE', `/api/orgs/${a.orgId}/invitations/${randomUUID()}`],
    ];
    for (const [name, method, url, payload] of guesses) {
      const response = await owner.inject({ method, url, ...(payload ? { payload } : {}) });
      expect([name, response.statusCode]).toEqual([name, 404]);
    }
    // Nothing in B changed.
    expect(await suite.db.membership.count({ where: { orgId: b.id } })).toBe(2);
    const invitation = await suite.db.invitation.findUniqueOrThrow({
      where: { id: bInvitation.id },
    });
    expect(invitation.revokedAt).toBeNull();
    const audit = await suite.db.auditEntry.findMany({ where: { orgId: b.id } });
    expect(audit.every((entry) => entry.actorUserId !== users.owner.id)).toBe(true);
  });

  it('malformed ids are a 400 with a clear message, never a 500', async () => {
    for (const url of [
      '/api/orgs/not-a-uuid',
      '/api/orgs/1/members',
      "/api/orgs/'%20OR%201=1/audit",
    ]) {
      const response = await clients.owner.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toMatch(/UUID/);
    }
  });

  it('signed-out requests get 401 for every route (403 without a CSRF token first)', async () => {
    const f = await fixture();
    const anonymous = anonymousClient(suite.app);
    for (const route of routes) {
      const response = await call(anonymous, route, f);
      expect([route.name, response.statusCode]).toEqual([route.name, 401]);
      const forged = await suite.app.inject({
        method: route.method,
        url: route.url(f),
        ...(route.payload ? { payload: route.payload() } : {}),
        headers: { cookie: 'conclave_csrf=x.y', 'x-csrf-token': 'x.y' },
      });
      expect([route.name, forged.statusCode]).toEqual([
        route.name,
        route.method === 'GET' ? 401 : 403,
      ]);
    }
  });
});
