import { describe, expect, it } from 'vitest';
import {
  deriveAccountKeys,
  generateKdfParams,
  generateRecoveryCode,
  toBase64Url,
  unwrapIdentityWithRecoveryCode,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
} from '@conclave/crypto';
import { sessionListSchema, signedInSchema } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  createOrgWithRoles,
  createUser,
  makeClientKeys,
  signedInClient,
  signInThroughApi,
  TEST_KDF_COST,
} from '../../../test/factories';
import { expectProblem, expectStatus } from '../../../test/helpers';

const suite = useTestApp();

describe('password change', () => {
  it('re-wraps the identity under the new password and ends the other sessions', async () => {
    const { org, member } = await createOrgWithRoles(suite.db);
    const { client } = await signInThroughApi(suite.app, member);
    const other = await signedInClient(suite.app, member);
    const kdfParams = generateKdfParams(TEST_KDF_COST);
    const next = deriveAccountKeys('my new password', kdfParams);
    const body = {
      currentAuthKey: toBase64Url(member.authKey),
      kdfParams,
      authKey: toBase64Url(next.authKey),
      wrappedIdentity: wrapIdentity(member.identity, next.wrapKey),
    };
    const wrong = expectProblem(
      await client.inject({
        method: 'POST',
        url: '/api/account/password',
        payload: { ...body, currentAuthKey: toBase64Url(new Uint8Array(32)) },
      }),
      403,
    );
    expect(wrong.detail).toMatch(/current password/);
    const stranger = await makeClientKeys();
    expectProblem(
      await client.inject({
        method: 'POST',
        url: '/api/account/password',
        payload: { ...body, wrappedIdentity: wrapIdentity(stranger.identity, next.wrapKey) },
      }),
      400,
    );
    const changed = await client.inject({
      method: 'POST',
      url: '/api/account/password',
      payload: body,
    });
    expectStatus(changed, 200);
    expect(signedInSchema.parse(changed.json()).keys.kdfParams).toEqual(kdfParams);
    expect((await client.inject({ method: 'GET', url: '/api/auth/session' })).json()).toMatchObject(
      { user: { id: member.id } },
    );
    expect((await other.inject({ method: 'GET', url: '/api/auth/session' })).json()).toEqual({
      user: null,
    });
    expectStatus(
      (await signInThroughApi(suite.app, { email: member.email, password: 'my new password' }))
        .response,
      200,
    );
    expectStatus((await signInThroughApi(suite.app, member)).response, 401);
    const entry = await suite.db.auditEntry.findFirstOrThrow({
      where: { orgId: org.id, action: 'account.password_changed' },
    });
    expect(entry.details).toEqual({ otherSessionsEnded: 1 });
  });
});

describe('recovery code', () => {
  it('replaces the recovery code: the new one opens the identity, the old one no longer does', async () => {
    const user = await createUser(suite.db);
    const client = await signedInClient(suite.app, user);
    const code = generateRecoveryCode();
    const recoveryWrappedIdentity = wrapIdentityWithRecoveryCode(user.identity, code);
    expectProblem(
      await client.inject({
        method: 'POST',
        url: '/api/account/recovery-code',
        payload: { authKey: toBase64Url(new Uint8Array(32)), recoveryWrappedIdentity },
      }),
      403,
    );
    expectStatus(
      await client.inject({
        method: 'POST',
        url: '/api/account/recovery-code',
        payload: { authKey: toBase64Url(user.authKey), recoveryWrappedIdentity },
      }),
      204,
    );
    const stored = await suite.db.user.findUniqueOrThrow({ where: { id: user.id } });
    const wrapped = stored.recoveryWrappedIdentity as unknown as typeof recoveryWrappedIdentity;
    expect(unwrapIdentityWithRecoveryCode(wrapped, code).signingPublicKey).toEqual(
      user.identity.signingPublicKey,
    );
    expect(() => unwrapIdentityWithRecoveryCode(wrapped, user.recoveryCode)).toThrow();
  });
});

describe('sessions', () => {
  it('lists my sessions with the current one marked, and revokes one', async () => {
    const user = await createUser(suite.db);
    const { client } = await signInThroughApi(suite.app, user);
    const laptop = await signedInClient(suite.app, user);
    const list = sessionListSchema.parse(
      (await client.inject({ method: 'GET', url: '/api/account/sessions' })).json(),
    );
    expect(list.sessions).toHaveLength(2);
    expect(list.sessions.filter((s) => s.current)).toHaveLength(1);
    const other = list.sessions.find((s) => !s.current)!;
    expect(other.userAgent).toBe('vitest');
    expectStatus(
      await client.inject({ method: 'DELETE', url: `/api/account/sessions/${other.id}` }),
      204,
    );
    expect((await laptop.inject({ method: 'GET', url: '/api/auth/session' })).json()).toEqual({
      user: null,
    });
  });

  it("cannot see or end someone else's session", async () => {
    const alice = await createUser(suite.db);
    const bob = await createUser(suite.db);
    const asAlice = await signedInClient(suite.app, alice);
    const asBob = await signedInClient(suite.app, bob);
    const bobs = sessionListSchema.parse(
      (await asBob.inject({ method: 'GET', url: '/api/account/sessions' })).json(),
    ).sessions;
    expectProblem(
      await asAlice.inject({ method: 'DELETE', url: `/api/account/sessions/${bobs[0]!.id}` }),
      404,
    );
    expect((await asBob.inject({ method: 'GET', url: '/api/auth/session' })).json()).toMatchObject({
      user: { id: bob.id },
    });
  });

  it('needs a signed-in user', async () => {
    expectProblem(await suite.app.inject({ method: 'GET', url: '/api/account/sessions' }), 401);
  });
});

describe('profile', () => {
  it('changes my display name', async () => {
    const user = await createUser(suite.db);
    const client = await signedInClient(suite.app, user);
    const response = await client.inject({
      method: 'PATCH',
      url: '/api/account',
      payload: { displayName: 'Ada L.' },
    });
    expectStatus(response, 200);
    expect(signedInSchema.parse(response.json()).user.displayName).toBe('Ada L.');
    expectProblem(
      await client.inject({ method: 'PATCH', url: '/api/account', payload: { displayName: '' } }),
      400,
    );
  });
});
