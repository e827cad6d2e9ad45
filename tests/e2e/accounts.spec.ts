import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures';
import {
  linkIn,
  openSignUp,
  saveRecoveryCode,
  seedInvitation,
  seedOrg,
  signIn,
  uniqueEmail,
  waitForMail,
} from '../support/accounts';

async function signOut(page: Page) {
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

test('sign up with a mailed link, save the recovery code, create an org, sign out and in', async ({
  page,
  request,
}) => {
  const workers: string[] = [];
  const cspViolations: string[] = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text()))
      cspViolations.push(message.text());
  });
  await openSignUp(request);
  const email = uniqueEmail('ada');
  const password = 'analytical engine 1843';

  await page.goto('/sign-up');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send me a sign-up link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Check your inbox' })).toBeVisible();
  const mail = await waitForMail(request, email, /Create your Conclave account/);
  await page.goto(linkIn(mail));
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByLabel('E-mail address')).toHaveValue(email);

  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Repeat the password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText(/Use at least 10 characters/)).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat the password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('unlocking')).toBeVisible();
  await saveRecoveryCode(page);

  // No org yet: the portal offers to create one.
  await expect(page.getByRole('heading', { name: 'Create your organisation' })).toBeVisible();
  await page.getByLabel('Organisation name').fill('Analytical Society');
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Analytical Society' })).toBeVisible();
  await expect(page.getByTestId(`member-${email}`)).toContainText('owner');

  // The keys were derived in a worker served from /_next/static, under the portal's CSP.
  expect(workers.some((url) => url.includes('/_next/static/'))).toBe(true);
  const argon2idMs = await page.evaluate(() =>
    performance.getEntriesByName('conclave:argon2id').map((entry) => Math.round(entry.duration)),
  );
  expect(argon2idMs.length).toBeGreaterThan(0);
  console.log(
    `[accounts] Argon2id in the browser worker (128 MiB, 5 passes): ${argon2idMs.join(', ')} ms`,
  );

  await signOut(page);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: 'The e-mail address or the password is not correct.' }),
  ).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('unlocking')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Analytical Society' })).toBeVisible();
  expect(cspViolations).toEqual([]);
});

test('a colleague invited through the outbox accepts in their own browser; role changed, then removed', async ({
  page,
  browser,
  request,
}) => {
  const owner = await seedOrg(request, { instanceAdmin: true, displayName: 'Grace Owner' });
  await signIn(page, owner);
  await expect(page.getByRole('heading', { level: 1, name: owner.orgName })).toBeVisible();

  const colleague = uniqueEmail('bob');
  await page.getByLabel('E-mail address to invite').fill(colleague);
  await page.getByLabel('Role').selectOption('member');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status').or(page.getByRole('alert')).first()).toContainText(
    `Invitation sent to ${colleague}`,
  );
  await expect(page.getByTestId(`invitation-${colleague}`)).toBeVisible();

  // Without SMTP, the instance admin finds the mail in the outbox, with a working link.
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('link', { name: 'Instance admin' }).click();
  const item = page.getByTestId('outbox-mail').filter({ hasText: colleague }).first();
  await item.getByText(`Join ${owner.orgName} on Conclave`, { exact: true }).click();
  const href = await item.getByRole('link', { name: /#token=/ }).getAttribute('href');
  expect(href).toMatch(/\/invite#token=/);

  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await bob.goto(new URL(href!).pathname + new URL(href!).hash);
  await expect(
    bob.getByText(`Grace Owner invited you to join ${owner.orgName} as member.`),
  ).toBeVisible();
  await bob.getByLabel('Your name').fill('Bob Builder');
  await bob.getByLabel('Password', { exact: true }).fill('bob can build it 2024');
  await bob.getByLabel('Repeat the password').fill('bob can build it 2024');
  await bob.getByRole('button', { name: 'Create account' }).click();
  await saveRecoveryCode(bob);
  await expect(bob.getByRole('heading', { level: 1, name: owner.orgName })).toBeVisible();
  await expect(bob.getByTestId(`member-${owner.email}`)).toContainText('owner');
  // Members do not manage invitations.
  await expect(bob.getByLabel('E-mail address to invite')).toHaveCount(0);

  // The owner sees Bob, makes him admin, then removes him.
  await page.goto(`/orgs/${owner.orgId}/members`);
  const row = page.getByTestId(`member-${colleague}`);
  await expect(row).toContainText('Bob Builder');
  await row.getByLabel('Role of Bob Builder').selectOption('admin');
  await expect(page.getByText('Bob Builder is now admin.')).toBeVisible();
  await bob.reload();
  await expect(bob.getByLabel('E-mail address to invite')).toBeVisible();

  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Remove Bob Builder' }).click();
  await expect(page.getByText('Bob Builder was removed.')).toBeVisible();
  await expect(page.getByTestId(`member-${colleague}`)).toHaveCount(0);

  await bob.reload();
  await expect(bob.getByText('Organisation not found')).toBeVisible();

  await page.goto(`/orgs/${owner.orgId}/audit`);
  for (const action of ['invitation.accepted', 'member.role_changed', 'member.removed']) {
    await expect(page.getByTestId('audit-entry').filter({ hasText: action }).first()).toBeVisible();
  }
  await bobContext.close();
});

test('an existing user accepts an invitation while signed in, and switches between orgs', async ({
  page,
  request,
}) => {
  const first = await seedOrg(request, { orgName: 'First Org' });
  const second = await seedOrg(request, { orgName: 'Second Org' });
  await signIn(page, first);
  // The second org's owner invites the first org's owner.
  await seedInvitation(request, {
    orgId: second.orgId,
    inviterUserId: second.userId,
    email: first.email,
    role: 'compliance',
  });
  const mail = await waitForMail(request, first.email, /Join Second Org/);
  await page.goto(linkIn(mail));
  await page.getByRole('button', { name: 'Accept and join Second Org' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Second Org' })).toBeVisible();
  await expect(page.getByText('your role: compliance')).toBeVisible();

  await page.getByRole('button', { name: /Switch organisation/ }).click();
  await page.getByRole('link', { name: /First Org/ }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${first.orgId}/members`));
  await expect(page.getByRole('heading', { level: 1, name: 'First Org' })).toBeVisible();
});

test('keys stay unlocked across a reload only when asked; otherwise the unlock page asks again', async ({
  page,
  request,
}) => {
  const owner = await seedOrg(request);
  await signIn(page, owner);
  await page.reload();
  await page.getByRole('button', { name: /Account menu/ }).click();
  await expect(page.getByText('Keys locked')).toBeVisible();
  await page.getByRole('link', { name: 'Unlock keys…' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your keys' })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('wrong password here');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'does not unlock your keys' }),
  ).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByLabel('Keep me unlocked on this device').check();
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { level: 1, name: owner.orgName })).toBeVisible();

  await page.reload();
  await page.getByRole('button', { name: /Account menu/ }).click();
  await expect(page.getByText('Keys unlocked on this device')).toBeVisible();
  // The copy kept on the device is encrypted under a non-extractable WebCrypto key.
  const stored = await page.evaluate(
    () =>
      new Promise<{ extractable: boolean; algorithm: string; ciphertextBytes: number }>(
        (resolve, reject) => {
          const open = indexedDB.open('conclave-identity');
          open.onsuccess = () => {
            const store = open.result.transaction('unlocked').objectStore('unlocked');
            const key = store.get('device-key');
            const all = store.getAll();
            all.onsuccess = () => {
              const record = (all.result as { ciphertext?: ArrayBuffer }[]).find(
                (r) => r.ciphertext,
              );
              const cryptoKey = key.result as CryptoKey;
              resolve({
                extractable: cryptoKey.extractable,
                algorithm: cryptoKey.algorithm.name,
                ciphertextBytes: record?.ciphertext?.byteLength ?? 0,
              });
            };
          };
          open.onerror = () => reject(new Error('no database'));
        },
      ),
  );
  expect(stored).toEqual({ extractable: false, algorithm: 'AES-GCM', ciphertextBytes: 160 + 16 });

  // Signing out forgets the kept keys.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  const left = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('conclave-identity');
        open.onsuccess = () => {
          const count = open.result.transaction('unlocked').objectStore('unlocked').getAllKeys();
          count.onsuccess = () =>
            resolve((count.result as string[]).filter((k) => k.startsWith('identity:')).length);
        };
      }),
  );
  expect(left).toBe(0);
});
