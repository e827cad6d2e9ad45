import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  deriveAccountKeys,
  generateRecoveryCode,
  toBase64Url,
  unwrapIdentityWithRecoveryCode,
  wrapIdentityWithRecoveryCode,
} from '@conclave/crypto';
import { recoveryStartResponseSchema } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createTestOrg,
  createUser,
  makeClientKeys,
  signedInClient,
  signStatement,
  TestClient,
  uniqueEmail,
  type ClientKeys,
} from '../../../test/factories';
import { expectStatus } from '../../../test/helpers';
import { linkFromMail, tokenFromLink } from '../../../test/smtp';
import { clientSecrets, findSecrets, forms, type Secret } from '../../../test/secrets';
import { recoveryProofStatement } from '../../services/accounts/recovery';

/**
 * The proof that no password, wrap key, master key, recovery code or private key reaches the
 * server: every request body of sign-up, sign-in, password change, recovery and recovery-code
 * replacement is captured, every row of every table is read afterwards, and none of those
 * secrets is found in any form. (The server log is scanned by the e2e suite.)
 */
const suite = useTestApp();
const sent: string[] = [];

class CapturingClient extends TestClient {
  override async inject(
    options: InjectOptions & { csrf?: boolean },
  ): Promise<LightMyRequestResponse> {
    if (options.payload !== undefined) {
      sent.push(
        typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload),
      );
    }
    return super.inject(options);
  }
}

async function everyRow(): Promise<string[]> {
  const client = new pg.Client({ connectionString: suite.database.connectionString });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const result = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      rows.push(...result.rows.map((r) => r.row));
    }
    return rows;
  } finally {
    await client.end();
  }
}

describe('no secret reaches the server', () => {
  it('sign-up, sign-in, password change, recovery and a new recovery code send and store none of them', async () => {
    const secrets: Secret[] = [];
    const owner = await createUser(suite.db);
    const org = await createTestOrg(suite.db, { owner });

    // An invitation, sent to the outbox; the newcomer signs up through it.
    const asOwner = await signedInClient(suite.app, owner);
    const email = uniqueEmail('careful');
    expectStatus(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email, role: 'member' },
      }),
      201,
    );
    const mail = await suite.db.outboxMail.findFirstOrThrow({ where: { to: email } });
    const invitationToken = tokenFromLink(linkFromMail(mail.text));

    const browser = new CapturingClient(
      suite.app,
      Object.fromEntries(anonymousClient(suite.app).cookies),
    );
    const first: ClientKeys = await makeClientKeys('correct horse battery staple');
    secrets.push(...(await clientSecrets('sign-up', first)));
    expectStatus(
      await browser.inject({
        method: 'POST',
        url: '/api/auth/sign-up',
        payload: { ...first.body, email, displayName: 'Careful', invitationToken },
      }),
      201,
    );

    // Sign out and in again (pre-login, derive, sign-in).
    expectStatus(await browser.inject({ method: 'POST', url: '/api/auth/sign-out' }), 204);
    const preLogin = await browser.inject({
      method: 'POST',
      url: '/api/auth/pre-login',
      payload: { email },
    });
    const { authKey } = deriveAccountKeys(
      first.password,
      preLogin.json<{ kdfParams: typeof first.kdfParams }>().kdfParams,
    );
    expectStatus(
      await browser.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email, authKey: toBase64Url(authKey) },
      }),
      200,
    );

    // Password change.
    const second = await makeClientKeys('a different long passphrase', first.identity);
    secrets.push(...(await clientSecrets('password change', second)));
    expectStatus(
      await browser.inject({
        method: 'POST',
        url: '/api/account/password',
        payload: {
          currentAuthKey: first.body.authKey,
          kdfParams: second.kdfParams,
          authKey: second.body.authKey,
          wrappedIdentity: second.wrappedIdentity,
        },
      }),
      200,
    );

    // A new recovery code.
    const newCode = generateRecoveryCode();
    secrets.push(
      ...(await clientSecrets('new recovery code', { ...second, recoveryCode: newCode })),
    );
    expectStatus(
      await browser.inject({
        method: 'POST',
        url: '/api/account/recovery-code',
        payload: {
          authKey: second.body.authKey,
          recoveryWrappedIdentity: wrapIdentityWithRecoveryCode(second.identity, newCode),
        },
      }),
      204,
    );

    // Forgot password: recovery with that code.
    const visitor = new CapturingClient(
      suite.app,
      Object.fromEntries(anonymousClient(suite.app).cookies),
    );
    expectStatus(
      await visitor.inject({
        method: 'POST',
        url: '/api/auth/recovery/request',
        payload: { email },
      }),
      202,
    );
    await suite.app.deferred.idle(); // the mail is sent after the answer
    const recoveryMail = await suite.db.outboxMail.findFirstOrThrow({
      where: { to: email, subject: 'Reset your Conclave password' },
    });
    const token = tokenFromLink(linkFromMail(recoveryMail.text));
    const started = recoveryStartResponseSchema.parse(
      (
        await visitor.inject({
          method: 'POST',
          url: '/api/auth/recovery/start',
          payload: { token },
        })
      ).json(),
    );
    const identity = unwrapIdentityWithRecoveryCode(started.recoveryWrappedIdentity, newCode);
    const third = await makeClientKeys('recovered and renewed passphrase', identity);
    secrets.push(...(await clientSecrets('recovery', third)));
    const body = {
      token,
      kdfParams: third.kdfParams,
      authKey: third.body.authKey,
      wrappedIdentity: third.wrappedIdentity,
      recoveryWrappedIdentity: third.recoveryWrappedIdentity,
    };
    const signature = signStatement(
      recoveryProofStatement({ ...body, userId: started.userId, challenge: started.challenge }),
      identity,
    );
    expectStatus(
      await visitor.inject({
        method: 'POST',
        url: '/api/auth/recovery/complete',
        payload: { ...body, signature },
      }),
      200,
    );

    const rows = await everyRow();
    const haystacks = [...sent, ...rows];
    expect(sent.length).toBe(8);
    expect(findSecrets(secrets, haystacks)).toEqual([]);

    // The search does find what is allowed to be there (so an empty result means something).
    const authKeyForms = forms(first.authKey);
    expect(sent.some((body) => authKeyForms.some((form) => body.includes(form)))).toBe(true);
    expect(rows.some((row) => row.includes(third.recoveryWrappedIdentity.signingPublicKey))).toBe(
      true,
    );
    expect(
      findSecrets(
        [{ name: 'planted', bytes: second.wrapKey }],
        [`x${toBase64Url(second.wrapKey)}x`],
      ),
    ).not.toEqual([]);
  });
});
