import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app';
import {
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
} from '../../test/factories';

/**
 * Malformed input to every accounts route, as the owner of an org and as the instance admin:
 * always a 4xx problem with a message, never a 500.
 */
const suite = useTestApp({ env: { PRE_LOGIN_RATE_LIMIT: '100000' } });
let client: TestClient;
let orgId: string;
let memberId: string;

beforeAll(async () => {
  const { org, owner, member } = await createOrgWithRoles(suite.db);
  await suite.db.user.update({ where: { id: owner.id }, data: { isInstanceAdmin: true } });
  client = await signedInClient(suite.app, owner);
  orgId = org.id;
  memberId = member.id;
  await createUser(suite.db);
});

const GARBAGE: unknown[] = [
  {},
  [],
  'a string',
  42,
  null,
  { email: 'not-an-address', authKey: 'x'.repeat(5000), token: '../../etc/passwd' },
  { email: 12, name: { nested: true }, role: 'emperor', userId: 'nobody', displayName: '' },
  { kdfParams: { alg: 'argon2id13', opsLimit: 1e308, memLimit: -1, salt: '!!' } },
  { wrappedIdentity: { v: 2 }, publicIdentity: [], recoveryWrappedIdentity: 'x' },
  { mode: 'closed', allowedDomains: 'example.org' },
  { name: '\u0000'.repeat(10) },
];

describe('bad input', () => {
  it('every route answers malformed bodies with a 4xx problem, never a 500', async () => {
    const routes: ['POST' | 'PUT' | 'PATCH', string][] = [
      ['POST', '/api/auth/pre-login'],
      ['POST', '/api/auth/sign-in'],
      ['POST', '/api/auth/sign-up'],
      ['POST', '/api/auth/sign-up/request'],
      ['POST', '/api/auth/sign-up/lookup'],
      ['POST', '/api/auth/recovery/request'],
      ['POST', '/api/auth/recovery/start'],
      ['POST', '/api/auth/recovery/complete'],
      ['POST', '/api/auth/reset/start'],
      ['POST', '/api/auth/reset/complete'],
      ['PATCH', '/api/account'],
      ['POST', '/api/account/password'],
      ['POST', '/api/account/recovery-code'],
      ['POST', '/api/orgs'],
      ['PATCH', `/api/orgs/${orgId}`],
      ['PATCH', `/api/orgs/${orgId}/members/${memberId}`],
      ['POST', `/api/orgs/${orgId}/transfer-ownership`],
      ['POST', `/api/orgs/${orgId}/invitations`],
      ['POST', '/api/invitations/lookup'],
      ['POST', '/api/invitations/accept'],
      ['PUT', '/api/admin/sign-up-policy'],
    ];
    const failures: string[] = [];
    for (const [method, url] of routes) {
      for (const payload of GARBAGE) {
        const response = await client.inject({
          method,
          url,
          payload: JSON.stringify(payload),
          headers: { 'content-type': 'application/json' },
        });
        const ok =
          response.statusCode >= 400 &&
          response.statusCode < 500 &&
          /problem\+json/.test(String(response.headers['content-type'])) &&
          response.json<{ detail: string }>().detail.length > 5;
        if (!ok)
          failures.push(
            `${method} ${url} ${JSON.stringify(payload).slice(0, 60)} → ${response.statusCode}`,
          );
      }
    }
    expect(failures).toEqual([]);
  });

  it('query strings and path ids are checked too', async () => {
    for (const url of [
      `/api/orgs/${orgId}/audit?limit=abc`,
      `/api/orgs/${orgId}/audit?from=2020-13-45`,
      `/api/orgs/${orgId}/directory/not-a-uuid`,
      '/api/admin/outbox?to=nope',
      '/api/admin/outbox/123',
      '/api/account/sessions/xyz',
    ]) {
      const response = await client.inject({
        method: url.includes('sessions') ? 'DELETE' : 'GET',
        url,
      });
      expect([url, response.statusCode]).toEqual([url, 400]);
    }
  });

  it('the OpenAPI document describes the accounts routes', async () => {
    const response = await suite.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json<{ paths: object }>().paths);
    for (const path of [
      '/api/auth/sign-in',
      '/api/orgs/{orgId}/members/{userId}',
      '/api/orgs/{orgId}/audit',
      '/api/admin/outbox',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
