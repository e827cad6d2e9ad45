import { describe, expect, it } from 'vitest';
import {
  deriveAccountKeys,
  generateKdfParams,
  generateRecoveryCode,
  identityFingerprint,
  toBase64Url,
  unwrapIdentity,
  unwrapIdentityWithRecoveryCode,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
} from '@conclave/crypto';
import {
  directoryEntrySchema,
  recoveryStartResponseSchema,
  signedInSchema,
} from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createOrgWithRoles,
  createUser,
  makeClientKeys,
  signedInClient,
  signInThroughApi,
  signStatement,
  TEST_KDF_COST,
  type TestUser,
} from '../../../test/factories';
import { expectProblem, expectStatus } from '../../../test/helpers';
import { linkFromMail, tokenFromLink } from '../../../test/smtp';
import { recoveryProofStatement } from '../../services/accounts/recovery';

const suite = useTestApp({ smtp: true });

async function requestRecoveryLink(user: TestUser): Promise<string> {
  const before = suite.smtp.mails.length;
  const response = await anonymousClient(suite.app).inject({
    method: 'POST',
    url: '/api/auth/recovery/request',
    payload: { email: user.email },
  });
  expectStatus(response, 202);
  const mail = await suite.smtp.waitForMail(
    user.email,
    (m) => suite.smtp.mails.indexOf(m) >= before,
  );
  const link = linkFromMail(mail.raw);
  expect(link.pathname).toBe('/recover');
  return tokenFromLink(link);
}

/** What the recovery page does in the browser, given the typed recovery code. */
async function recoverInBrowser(token: string, recoveryCode: string, newPassword: string) {
  const client = anonymousClient(suite.app);
  const start = await client.inject({
    method: 'POST',
    url: '/api/auth/recovery/start',
    payload: { token },
  });
  expectStatus(start, 200);
  const started = recoveryStartResponseSchema.parse(start.json());
  const identity = unwrapIdentityWithRecoveryCode(started.recoveryWrappedIdentity, recoveryCode);
  const kdfParams = generateKdfParams(TEST_KDF_COST);
  const { authKey, wrapKey } = deriveAccountKeys(newPassword, kdfParams);
  const newRecoveryCode = generateRecoveryCode();
  const body = {
    token,
    kdfParams,
    authKey: toBase64Url(authKey),
    wrappedIdentity: wrapIdentity(identity, wrapKey),
    recoveryWrappedIdentity: wrapIdentityWithRecoveryCode(identity, newRecoveryCode),
  };
  const signature = signStatement(
    recoveryProofStatement({ ...body, userId: started.userId, challenge: started.challenge }),
    identity,
  );
  return { client, started, identity, newRecoveryCode, body: { ...body, signature } };
}

describe('"forgot password" with the recovery code', () => {
  it('answers the same for unknown addresses and mails nothing to them', async () => {
    const before = suite.smtp.mails.length;
    const response = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: '/api/auth/recovery/request',
      payload: { email: 'nobody-here@example.test' },
    });
    expectStatus(response, 202);
    expect(response.json<{ message: string }>().message).toMatch(/^If an account exists/);
    await suite.app.deferred.idle();
    expect(
      suite.smtp.mails.slice(before).some((m) => m.to.includes('nobody-here@example.test')),
    ).toBe(false);
  });

  it('sets a new password, keeps the identity, ends every session and audits it', async () => {
    const { org, member } = await createOrgWithRoles(suite.db);
    const oldSession = await signedInClient(suite.app, member);
    const token = await requestRecoveryLink(member);
    const { client, body, identity } = await recoverInBrowser(
      token,
      member.recoveryCode,
      'a brand new password',
    );
    expect(identity.signingPublicKey).toEqual(member.identity.signingPublicKey);

    const done = await client.inject({
      method: 'POST',
      url: '/api/auth/recovery/complete',
      payload: body,
    });
    expectStatus(done, 200);
    const state = signedInSchema.parse(done.json());
    expect(state.keys.publicIdentity).toEqual(member.publicIdentity);
    // The new password unlocks the same identity.
    const { wrapKey } = deriveAccountKeys('a brand new password', state.keys.kdfParams);
    expect(unwrapIdentity(state.keys.wrappedIdentity, wrapKey).exchangePrivateKey).toEqual(
      member.identity.exchangePrivateKey,
    );

    expect((await oldSession.inject({ method: 'GET', url: '/api/auth/session' })).json()).toEqual({
      user: null,
    });
    expectStatus(
      (await signInThroughApi(suite.app, { email: member.email, password: 'a brand new password' }))
        .response,
      200,
    );
    expectStatus((await signInThroughApi(suite.app, member)).response, 401);
    // Single use.
    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/auth/recovery/start',
        payload: { token },
      }),
      410,
    );

    const entry = await suite.db.auditEntry.findFirstOrThrow({
      where: { orgId: org.id, action: 'account.recovered' },
    });
    expect(entry.details).toMatchObject({
      identityKept: true,
      signingKeyId: member.publicIdentity.signingKeyId,
    });
    const keys = await suite.db.identityKey.count({ where: { userId: member.id } });
    expect(keys).toBe(1);
  });

  it('refuses a completion whose signature is not by the identity (the code did not open it)', async () => {
    const user = await createUser(suite.db);
    const token = await requestRecoveryLink(user);
    const { client, body } = await recoverInBrowser(token, user.recoveryCode, 'another password');
    const stranger = await makeClientKeys();
    const forged = signStatement(
      recoveryProofStatement({ ...body, userId: user.id, challenge: 'x' }),
      stranger.identity,
    );
    const problem = expectProblem(
      await client.inject({
        method: 'POST',
        url: '/api/auth/recovery/complete',
        payload: { ...body, signature: forged },
      }),
      403,
    );
    expect(problem.detail).toMatch(/could not be proven/);
    // A signature over other credentials (swapped auth key) fails as well.
    const swapped = await client.inject({
      method: 'POST',
      url: '/api/auth/recovery/complete',
      payload: { ...body, authKey: toBase64Url(new Uint8Array(32).fill(9)) },
    });
    expectProblem(swapped, 403);
    // The genuine one still works afterwards: the link is used only by a success.
    expectStatus(
      await client.inject({ method: 'POST', url: '/api/auth/recovery/complete', payload: body }),
      200,
    );
  });

  it('refuses a wrong recovery code in the browser, before anything reaches the server', async () => {
    const user = await createUser(suite.db);
    const token = await requestRecoveryLink(user);
    await expect(recoverInBrowser(token, generateRecoveryCode(), 'x password')).rejects.toThrow(
      /DECRYPTION_FAILED|wrong recovery code/,
    );
  });
});

describe('admin reset without the recovery code', () => {
  it('gives the member a new identity, recorded in the key directory history and the audit log', async () => {
    const { org, admin, member, owner } = await createOrgWithRoles(suite.db);
    const asAdmin = await signedInClient(suite.app, admin);
    const memberSession = await signedInClient(suite.app, member);
    expectProblem(
      await asAdmin.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/members/${owner.id}/reset`,
      }),
      403,
    );
    expectProblem(
      await asAdmin.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/members/${admin.id}/reset`,
      }),
      409,
    );
    const before = suite.smtp.mails.length;
    expectStatus(
      await asAdmin.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/members/${member.id}/reset`,
      }),
      202,
    );
    const mail = await suite.smtp.waitForMail(
      member.email,
      (m) => suite.smtp.mails.indexOf(m) >= before,
    );
    const link = linkFromMail(mail.raw);
    expect(link.pathname).toBe('/reset');
    const token = tokenFromLink(link);
    // Until the member uses the link, the old password keeps working.
    expectStatus((await signInThroughApi(suite.app, member)).response, 200);

    const visitor = anonymousClient(suite.app);
    const start = await visitor.inject({
      method: 'POST',
      url: '/api/auth/reset/start',
      payload: { token },
    });
    expect(start.json()).toEqual({
      email: member.email,
      displayName: member.displayName,
      orgName: org.name,
    });
    const sameIdentity = await makeClientKeys('x', member.identity);
    expectProblem(
      await visitor.inject({
        method: 'POST',
        url: '/api/auth/reset/complete',
        payload: { ...sameIdentity.body, token },
      }),
      400,
    );
    const fresh = await makeClientKeys('the reset password');
    const done = await visitor.inject({
      method: 'POST',
      url: '/api/auth/reset/complete',
      payload: { ...fresh.body, token },
    });
    expectStatus(done, 200);
    expect(signedInSchema.parse(done.json()).keys.publicIdentity).toEqual(fresh.publicIdentity);
    expect(
      (await memberSession.inject({ method: 'GET', url: '/api/auth/session' })).json(),
    ).toEqual({ user: null });

    const directory = await asAdmin.inject({
      method: 'GET',
      url: `/api/orgs/${org.id}/directory/${member.id}`,
    });
    const entry = directoryEntrySchema.parse(directory.json());
    expect(entry.current).toMatchObject({
      ...fresh.publicIdentity,
      reason: 'admin_reset',
      replacedAt: null,
    });
    expect(entry.history).toHaveLength(2);
    expect(entry.history[1]).toMatchObject({ ...member.publicIdentity, reason: 'sign_up' });
    expect(entry.history[1]?.replacedAt).not.toBeNull();
    expect(identityFingerprint(entry.current!)).not.toBe(
      identityFingerprint(member.publicIdentity),
    );

    const actions = (
      await suite.db.auditEntry.findMany({ where: { orgId: org.id }, orderBy: { seq: 'asc' } })
    ).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['account.reset_requested', 'key.changed', 'account.reset_completed']),
    );
    expectProblem(
      await visitor.inject({ method: 'POST', url: '/api/auth/reset/start', payload: { token } }),
      410,
    );
  });
});
