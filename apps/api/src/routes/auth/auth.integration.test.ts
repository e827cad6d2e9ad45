import { describe, expect, it } from 'vitest';
import { deriveAccountKeys, parseKdfParams, toBase64Url } from '@conclave/crypto';
import { signedInSchema } from '@conclave/contracts';
import { buildTestApp, testConfig, useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createUser,
  makeClientKeys,
  signedInClient,
  signInThroughApi,
  uniqueEmail,
} from '../../../test/factories';
import { verifyAuditChain } from '../../services/audit/chain';
import { auditContent } from '../../services/audit/list';

const suite = useTestApp();

describe('first sign-up on an empty installation', () => {
  it('reports the first-sign-up mode, then creates the org, its owner and the instance admin', async () => {
    const client = anonymousClient(suite.app);
    const status = await client.inject({ method: 'GET', url: '/api/auth/sign-up/status' });
    expect(status.json()).toEqual({ mode: 'first', allowedDomains: [] });

    const keys = await makeClientKeys();
    const email = uniqueEmail('founder');
    const missingOrg = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys.body, email, displayName: 'Founder' },
    });
    expect(missingOrg.statusCode).toBe(400);
    expect(missingOrg.json()).toMatchObject({ errors: [{ path: 'body.orgName' }] });

    const response = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys.body, email, displayName: 'Founder', orgName: 'Acme' },
    });
    expect(response.statusCode).toBe(201);
    const body = signedInSchema.parse(response.json());
    expect(body.user).toMatchObject({ email, displayName: 'Founder', isInstanceAdmin: true });
    expect(body.orgs).toEqual([{ id: expect.any(String) as string, name: 'Acme', role: 'owner' }]);
    expect(body.keys.publicIdentity).toEqual(keys.publicIdentity);
    expect(client.sessionToken).toBeDefined();

    const session = await client.inject({ method: 'GET', url: '/api/auth/session' });
    expect(session.json()).toMatchObject({ user: { email } });

    const orgId = body.orgs[0]!.id;
    const entries = await suite.db.auditEntry.findMany({ where: { orgId } });
    expect(entries.map((entry) => entry.action).sort()).toEqual(
      ['key.published', 'member.joined', 'org.created'].sort(),
    );
    expect(verifyAuditChain(entries.map(auditContent))).toMatchObject({ ok: true, count: 3 });

    const second = await anonymousClient(suite.app).inject({
      method: 'GET',
      url: '/api/auth/sign-up/status',
    });
    expect(second.json()).toEqual({ mode: 'invitation', allowedDomains: [] });
    const keys2 = await makeClientKeys();
    const refused = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys2.body, email: uniqueEmail(), displayName: 'Late', orgName: 'Other' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toMatch(/invitation/);
  });
});

describe('pre-login', () => {
  it('returns the stored parameters for an account and stable fake ones for unknown addresses', async () => {
    const user = await createUser(suite.db);
    const client = anonymousClient(suite.app);
    const real = await client.inject({
      method: 'POST',
      url: '/api/auth/pre-login',
      payload: { email: user.email.toUpperCase() },
    });
    expect(real.statusCode).toBe(200);
    expect(real.json()).toEqual({ kdfParams: user.kdfParams });

    const unknown = uniqueEmail('nobody');
    const first = await client.inject({
      method: 'POST',
      url: '/api/auth/pre-login',
      payload: { email: unknown },
    });
    const again = await client.inject({
      method: 'POST',
      url: '/api/auth/pre-login',
      payload: { email: unknown },
    });
    expect(first.json()).toEqual(again.json());
    const fake = parseKdfParams(first.json<{ kdfParams: unknown }>().kdfParams);
    expect(fake.salt).not.toBe(user.kdfParams.salt);
    expect(Object.keys(first.json<{ kdfParams: object }>().kdfParams).sort()).toEqual(
      Object.keys(real.json<{ kdfParams: object }>().kdfParams).sort(),
    );
  });
});

describe('sign-in', () => {
  it('signs in with the derived auth key and audits it in every org of the user', async () => {
    const user = await createUser(suite.db);
    const { client, response } = await signInThroughApi(suite.app, user);
    expect(response.statusCode).toBe(200);
    const body = signedInSchema.parse(response.json());
    expect(body.user.id).toBe(user.id);
    expect(body.keys.wrappedIdentity).toEqual(user.wrappedIdentity);
    const cookie = response.cookies.find((c) => c.name === 'conclave_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    const csrf = response.cookies.find((c) => c.name === 'conclave_csrf');
    expect(csrf?.httpOnly).toBeFalsy();
    const session = await client.inject({ method: 'GET', url: '/api/auth/session' });
    expect(session.json()).toMatchObject({ user: { id: user.id } });
  });

  it('answers a wrong password and an unknown address with the same problem', async () => {
    const user = await createUser(suite.db);
    const client = anonymousClient(suite.app);
    const wrong = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: user.email, authKey: toBase64Url(new Uint8Array(32).fill(7)) },
    });
    const unknown = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: uniqueEmail('ghost'), authKey: toBase64Url(new Uint8Array(32).fill(7)) },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (r: typeof wrong) => {
      const { requestId: _r, ...rest } = r.json<Record<string, unknown>>();
      return rest;
    };
    expect(strip(wrong)).toEqual(strip(unknown));
  });

  it('takes about as long for an unknown address as for a wrong password', async () => {
    const user = await createUser(suite.db);
    const client = anonymousClient(suite.app);
    const time = async (email: string) => {
      const started = performance.now();
      await client.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email, authKey: toBase64Url(new Uint8Array(32).fill(1)) },
      });
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await time(user.email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both run one scrypt (~65 ms); an unknown address must not answer in a fraction of it.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without the header, or with a token of another session', async () => {
    const user = await createUser(suite.db);
    const client = await signedInClient(suite.app, user);
    const without = await client.inject({ method: 'POST', url: '/api/auth/sign-out', csrf: false });
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({ code: 'csrf_failed' });

    const other = await signedInClient(suite.app, await createUser(suite.db));
    const foreign = await suite.app.inject({
      method: 'POST',
      url: '/api/auth/sign-out',
      headers: {
        cookie: `conclave_session=${client.sessionToken}; conclave_csrf=${other.cookies.get('conclave_csrf')}`,
        'x-csrf-token': other.cookies.get('conclave_csrf'),
      },
    });
    expect(foreign.statusCode).toBe(403);

    const ok = await client.inject({ method: 'POST', url: '/api/auth/sign-out' });
    expect(ok.statusCode).toBe(204);
    const after = await client.inject({ method: 'GET', url: '/api/auth/session' });
    expect(after.json()).toEqual({ user: null });
  });

  it('issues a CSRF cookie to a browser that has none', async () => {
    const response = await suite.app.inject({ method: 'GET', url: '/api/auth/session' });
    expect(response.cookies.find((c) => c.name === 'conclave_csrf')?.value).toMatch(/\./);
  });
});

describe('sign-out', () => {
  it('ends the session on the server: the old cookie no longer works', async () => {
    const user = await createUser(suite.db);
    const client = await signedInClient(suite.app, user);
    const token = client.sessionToken;
    await client.inject({ method: 'POST', url: '/api/auth/sign-out' });
    const replay = await suite.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: `conclave_session=${token}` },
    });
    expect(replay.json()).toEqual({ user: null });
  });
});

describe('bad input', () => {
  it('rejects weak KDF parameters and mismatched wrapped identities with field errors', async () => {
    const keys = await makeClientKeys();
    const other = await makeClientKeys();
    const client = anonymousClient(suite.app);
    const weak = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: {
        ...keys.body,
        kdfParams: { ...keys.kdfParams, memLimit: 1024 },
        email: uniqueEmail(),
        displayName: 'X',
      },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ errors: [{ path: 'body.kdfParams' }] });
    const mismatched = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: {
        ...keys.body,
        wrappedIdentity: other.wrappedIdentity,
        email: uniqueEmail(),
        displayName: 'X',
      },
    });
    expect(mismatched.statusCode).toBe(400);
    expect(mismatched.json()).toMatchObject({ errors: [{ path: 'body.wrappedIdentity' }] });
    const notKey = await client.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: 'a@b.example', authKey: 'short' },
    });
    expect(notKey.statusCode).toBe(400);
    expect(notKey.json()).toMatchObject({ errors: [{ path: 'body.authKey' }] });
  });

  it('derives the same keys in Node as the stored parameters say', async () => {
    const user = await createUser(suite.db);
    const { authKey } = deriveAccountKeys(user.password, user.kdfParams);
    expect(toBase64Url(authKey)).toBe(toBase64Url(user.authKey));
  });
});

describe('cookies behind https', () => {
  it('marks the session and CSRF cookies Secure when PUBLIC_URL is https', async () => {
    const secureApp = await buildTestApp({
      db: suite.db,
      config: testConfig({ PUBLIC_URL: 'https://conclave.example' }),
    });
    try {
      const user = await createUser(suite.db);
      const { response } = await signInThroughApi(secureApp, user);
      expect(response.statusCode).toBe(200);
      for (const name of ['conclave_session', 'conclave_csrf']) {
        expect(response.cookies.find((c) => c.name === name)?.secure).toBe(true);
      }
    } finally {
      await secureApp.close();
    }
  });
});
