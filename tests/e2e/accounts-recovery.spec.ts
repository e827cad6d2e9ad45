import { expect, test } from '../support/fixtures';
import {
  linkIn,
  saveRecoveryCode,
  seedMember,
  seedOrg,
  signIn,
  waitForMail,
} from '../support/accounts';

test('forgot password: the recovery code sets a new password and keeps the keys', async ({
  page,
  request,
}) => {
  const owner = await seedOrg(request, { displayName: 'Rita Recover' });
  await signIn(page, owner);
  await page.goto('/account');
  const fingerprint = await page.getByTestId('my-fingerprint').textContent();
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  // The sign-in page has an "E-mail address" field too: wait until the router has moved on.
  await expect(
    page.getByRole('heading', { level: 1, name: 'Forgot your password?' }),
  ).toBeVisible();
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByText(/If an account exists for/)).toBeVisible();

  const mail = await waitForMail(request, owner.email, /Reset your Conclave password/);
  await page.goto(linkIn(mail));
  await expect(page.getByText(`For ${owner.email}.`)).toBeVisible();
  const newPassword = 'recovered with the code 42';
  // A typo is caught by the code's check group, before anything is sent.
  const typo = owner.recoveryCode.slice(0, -1) + (owner.recoveryCode.endsWith('A') ? 'B' : 'A');
  await page.getByLabel('Recovery code').fill(typo);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(
    page.getByText(/not a valid recovery code|does not belong to your account/),
  ).toBeVisible();

  await page.getByLabel('Recovery code').fill(owner.recoveryCode.toLowerCase());
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('heading', { name: 'Your new password is set' })).toBeVisible({
    timeout: 30_000,
  });
  const newCode = await saveRecoveryCode(page);
  expect(newCode).not.toBe(owner.recoveryCode);
  await expect(page.getByRole('heading', { level: 1, name: owner.orgName })).toBeVisible();

  // Same identity: the fingerprint did not change. The new password works.
  await page.goto('/account');
  await expect(page.getByTestId('my-fingerprint')).toHaveText(fingerprint ?? '');
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, { email: owner.email, password: newPassword });
  await page.goto(`/orgs/${owner.orgId}/audit`);
  await expect(
    page.getByTestId('audit-entry').filter({ hasText: 'account.recovered' }),
  ).toBeVisible();
});

test('an admin reset gives new keys; a colleague who pinned the old ones sees a clear warning', async ({
  page,
  browser,
  request,
}) => {
  const owner = await seedOrg(request, { displayName: 'Olga Owner' });
  const member = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Max Member',
  });
  await signIn(page, owner);

  // The owner's browser pins Max's keys the first time it sees them.
  await page.goto(`/orgs/${owner.orgId}/directory`);
  const entry = page.getByTestId(`directory-${member.email}`);
  await expect(entry).toContainText('First seen now');
  await page.reload();
  await expect(entry).toContainText('Matches the keys you saw before');
  const before = (await entry.locator('p.font-mono').textContent())?.replace('Fingerprint: ', '');

  // Max lost password and recovery code: the owner resets the account.
  await page.goto(`/orgs/${owner.orgId}/members`);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Reset the account of Max Member' }).click();
  await expect(
    page.getByText(`We mailed ${member.email} a link to reset the account.`),
  ).toBeVisible();

  const maxContext = await browser.newContext();
  const max = await maxContext.newPage();
  const mail = await waitForMail(request, member.email, /reset by an admin/);
  await max.goto(linkIn(mail));
  await expect(max.getByText('You will get new keys')).toBeVisible();
  await max.getByLabel('New password', { exact: true }).fill('max has new keys now');
  await max.getByLabel('Repeat the new password').fill('max has new keys now');
  await max.getByRole('button', { name: 'Set the password and make new keys' }).click();
  await saveRecoveryCode(max);
  await expect(max.getByRole('heading', { level: 1, name: owner.orgName })).toBeVisible();
  await maxContext.close();

  // Back in the owner's browser: the directory warns, with both fingerprints.
  await page.goto(`/orgs/${owner.orgId}/directory`);
  await expect(
    page.getByRole('alert').filter({ hasText: 'Keys changed for Max Member' }),
  ).toBeVisible();
  const warning = entry.getByTestId('key-change-warning');
  await expect(warning).toContainText("Max Member's keys changed");
  await expect(warning).toContainText('compare the new fingerprint with them');
  await expect(warning).toContainText('The server says the new keys come from an admin reset');
  const fingerprints = await warning.locator('dd').allTextContents();
  expect(fingerprints[0]).toBe(before);
  expect(fingerprints[1]).not.toBe(before);
  await expect(entry).toContainText('Key history (2)');

  await warning
    .getByRole('button', { name: 'I checked with Max Member: trust the new keys' })
    .click();
  await expect(entry).toContainText('Matches the keys you saw before');
  await expect(entry.getByTestId('key-change-warning')).toHaveCount(0);

  await page.goto(`/orgs/${owner.orgId}/audit`);
  await page.getByLabel('Action').selectOption('key.changed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('audit-entry')).toHaveCount(1);
  await expect(page.getByTestId('audit-entry')).toContainText('admin_reset');
});
