import { expect, test } from '../support/fixtures';
import { seedMember, seedOrg } from '../support/accounts';
import { createMeeting, signedInPage } from '../support/room';

/**
 * Org policy in the portal: an admin sets and locks recording settings on the settings page
 * (a refused escrow shows the server's reason), and a member then sees the effective policy in
 * plain words on the meeting page and on the room's pre-join screen, for a meeting scheduled
 * before the change (a later org change tightens existing meetings).
 */
test('an admin sets and locks the policy; a member sees it on the meeting page and before joining', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const owner = await seedOrg(request, { displayName: 'Olga Owner' });
  const admin = await seedMember(request, {
    orgId: owner.orgId,
    role: 'admin',
    displayName: 'Ada Admin',
  });
  const member = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Mo Member',
  });

  const memberPage = await signedInPage(browser, baseURL!, member);
  const meeting = await createMeeting(memberPage, owner.orgId, { title: 'Quarterly review' });

  // The member sees the policy read-only on the settings page.
  await memberPage.goto(`/orgs/${owner.orgId}/settings`);
  await expect(memberPage.getByLabel('Who may record', { exact: true })).toBeDisabled();
  await expect(memberPage.getByRole('button', { name: 'Save policy' })).toHaveCount(0);

  const adminPage = await signedInPage(browser, baseURL!, admin);
  await adminPage.goto(`/orgs/${owner.orgId}/settings`);
  const policy = adminPage.getByRole('form', { name: 'Organisation policy' });
  await expect(policy.getByLabel('Who may record', { exact: true })).toHaveValue('hosts');
  await expect(policy.getByText(/The defaults apply/)).toBeVisible();

  // Escrow cannot be saved without compliance keys: the server's reason is shown.
  await policy.getByLabel('Compliance escrow', { exact: true }).selectOption('compliance');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('alert').first()).toContainText('no approved compliance keys');
  await policy.getByLabel('Compliance escrow', { exact: true }).selectOption('none');

  // A minimum retention above the retention is caught before asking the server.
  await policy.getByLabel('Delete recordings after (days)', { exact: true }).fill('30');
  await policy.getByLabel('Keep recordings at least (days)', { exact: true }).fill('60');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(
    policy.getByText('Cannot be longer than the deletion period (30 days).'),
  ).toBeVisible();
  await policy.getByLabel('Keep recordings at least (days)', { exact: true }).fill('7');

  await policy.getByLabel('Recording consent', { exact: true }).selectOption('notify');
  await policy.getByLabel('Recording format', { exact: true }).selectOption('required');
  await policy.getByLabel('Who may record', { exact: true }).selectOption('everyone');
  await policy.getByLabel('Lock who may record').check();
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('status').first()).toContainText('The policy was saved');

  // Saved for real: a reload shows the values and the lock.
  await adminPage.reload();
  const reloaded = adminPage.getByRole('form', { name: 'Organisation policy' });
  await expect(reloaded.getByLabel('Who may record', { exact: true })).toHaveValue('everyone');
  await expect(reloaded.getByLabel('Lock who may record')).toBeChecked();
  await expect(reloaded.getByLabel('Delete recordings after (days)', { exact: true })).toHaveValue(
    '30',
  );

  // The member's meeting, scheduled before the change, follows the new policy.
  await memberPage.goto(`/orgs/${owner.orgId}/meetings/${meeting.id}`);
  const summary = memberPage.getByTestId('effective-policy');
  await expect(summary).toContainText(
    'This meeting may be recorded by any participant (audio only); you will be told when a recording starts.',
  );
  await expect(summary).toContainText(
    'Recordings are deleted after 30 days and kept at least 7 days.',
  );
  await expect(summary).toContainText('1 setting locked by the organisation');

  await memberPage.goto(`/meet/${meeting.id}?org=${owner.orgId}`);
  await expect(memberPage.getByTestId('prejoin-recording')).toHaveText(
    /This meeting may be recorded by any participant \(audio only\); you will be told when a recording starts\./,
    { timeout: 30_000 },
  );

  await memberPage.context().close();
  await adminPage.context().close();
});
