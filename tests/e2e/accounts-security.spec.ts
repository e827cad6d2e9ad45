import { readFile } from 'node:fs/promises';
import pg from 'pg';
import {
  deriveAccountKeys,
  ready,
  unwrapIdentityWithRecoveryCode,
  type KdfParams,
  type WrappedIdentity,
} from '@conclave/crypto';
import { findSecrets, masterKey, type Secret } from '../../apps/api/test/secrets';
import { SERVER_LOG } from '../support/global-setup';
import { expect, test } from '../support/fixtures';
import {
  linkIn,
  openSignUp,
  saveRecoveryCode,
  uniqueEmail,
  waitForMail,
} from '../support/accounts';

/**
 * What the browser sends, what the database keeps and what the server logs, after a sign-up,
 * a password change and a recovery done in the portal: none of it holds a password, a master
 * or wrap key, a recovery code or key, or a private key, in any encoding.
 */
test('no password, key or recovery code reaches the server from the browser', async ({
  page,
  request,
}) => {
  const bodies: string[] = [];
  page.on('request', (req) => {
    const body = req.postData();
    if (body) bodies.push(body);
  });
  await openSignUp(request);
  const email = uniqueEmail('secret-keeper');
  const passwords = [
    'first passphrase of mine',
    'second passphrase, changed',
    'third one, after recovery',
  ];

  // Sign-up.
  await page.goto('/sign-up');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send me a sign-up link' }).click();
  await page.goto(linkIn(await waitForMail(request, email, /Create your Conclave account/)));
  await page.getByLabel('Your name').fill('Sam Secret');
  await page.getByLabel('Password', { exact: true }).fill(passwords[0]!);
  await page.getByLabel('Repeat the password').fill(passwords[0]!);
  await page.getByRole('button', { name: 'Create account' }).click();
  const firstCode = await saveRecoveryCode(page);
  await expect(page.getByRole('heading', { name: 'Create your organisation' })).toBeVisible();

  // Password change.
  await page.goto('/account');
  await page.getByLabel('Current password').fill(passwords[0]!);
  await page.getByLabel('New password', { exact: true }).fill(passwords[1]!);
  await page.getByLabel('Repeat the new password').fill(passwords[1]!);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password is changed.')).toBeVisible({ timeout: 30_000 });

  // Recovery with the code from sign-up.
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/forgot-password');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.goto(linkIn(await waitForMail(request, email, /Reset your Conclave password/)));
  await page.getByLabel('Recovery code').fill(firstCode);
  await page.getByLabel('New password', { exact: true }).fill(passwords[2]!);
  await page.getByLabel('Repeat the new password').fill(passwords[2]!);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  const secondCode = await saveRecoveryCode(page);

  // Rebuild every secret the browser held, from what only the browser knew.
  await ready();
  const sent = bodies.map((body) => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  });
  const signUp = sent.find((b) => b.recoveryWrappedIdentity && b.email === email)!;
  const change = sent.find((b) => b.currentAuthKey)!;
  const recovery = sent.find((b) => b.signature)!;
  const identity = unwrapIdentityWithRecoveryCode(
    signUp.recoveryWrappedIdentity as WrappedIdentity,
    firstCode,
  );
  const secrets: Secret[] = [
    { name: 'signing private key', bytes: identity.signingPrivateKey },
    { name: 'signing seed', bytes: identity.signingPrivateKey.slice(0, 32) },
    { name: 'exchange private key', bytes: identity.exchangePrivateKey },
  ];
  for (const [code, label] of [
    [firstCode, 'first'],
    [secondCode, 'second'],
  ] as const) {
    secrets.push({ name: `${label} recovery code`, bytes: Buffer.from(code) });
    secrets.push({
      name: `${label} recovery code (no dashes)`,
      bytes: Buffer.from(code.replaceAll('-', '')),
    });
    secrets.push({
      name: `${label} recovery code (lower case)`,
      bytes: Buffer.from(code.toLowerCase()),
    });
  }
  const { recoveryKeyFromCode } = await import('@conclave/crypto');
  secrets.push({ name: 'first recovery key', bytes: recoveryKeyFromCode(firstCode) });
  secrets.push({ name: 'second recovery key', bytes: recoveryKeyFromCode(secondCode) });
  for (const [password, body] of [
    [passwords[0]!, signUp],
    [passwords[1]!, change],
    [passwords[2]!, recovery],
  ] as const) {
    const params = body.kdfParams as KdfParams;
    secrets.push({ name: `password "${password}"`, bytes: Buffer.from(password) });
    secrets.push({ name: `master key of "${password}"`, bytes: await masterKey(password, params) });
    secrets.push({
      name: `wrap key of "${password}"`,
      bytes: deriveAccountKeys(password, params).wrapKey,
    });
  }

  const client = new pg.Client({ connectionString: process.env.CONCLAVE_E2E_DATABASE_URL });
  await client.connect();
  const rows: string[] = [];
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables) {
      const result = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      rows.push(...result.rows.map((r) => r.row));
    }
  } finally {
    await client.end();
  }
  const log = await readFile(SERVER_LOG, 'utf8');

  expect(bodies.length).toBeGreaterThanOrEqual(6);
  expect(findSecrets(secrets, bodies)).toEqual([]);
  expect(findSecrets(secrets, rows)).toEqual([]);
  expect(findSecrets(secrets, [log])).toEqual([]);
  // The search finds what may be there: the account's row holds its public key.
  expect(rows.some((row) => row.includes(email))).toBe(true);
  expect(
    bodies.some((body) =>
      body.includes((signUp.publicIdentity as { signingPublicKey: string }).signingPublicKey),
    ),
  ).toBe(true);
});
