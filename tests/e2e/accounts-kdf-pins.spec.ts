import { expect, test } from '../support/fixtures';
import { seedOrg, signIn } from '../support/accounts';

/**
 * The browser remembers its account's key-derivation parameters and refuses weaker or re-salted
 * ones before the password is used (issue 13, low): a hostile server that serves a salt of its
 * choosing at pre-login never receives an auth key derived from it.
 */
test('a known account served a different salt at pre-login: refused with a clear message, nothing sent, until the person confirms', async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  const owner = await seedOrg(request, { displayName: 'Kim Keeper' });
  await signIn(page, owner);
  // Signed out (the cookie gone), the browser still remembers Kim's parameters.
  await page.context().clearCookies();

  const signInRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/auth/sign-in')) signInRequests.push(r.url());
  });
  await page.route('**/api/auth/pre-login', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { kdfParams: { salt: string } };
    const fixedSalt = 'A'.repeat(body.kdfParams.salt.length);
    await route.fulfill({
      response,
      json: { ...body, kdfParams: { ...body.kdfParams, salt: fixedSalt } },
    });
  });
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'a new salt' });
  await expect(alert).toContainText('different password parameters (a new salt)');
  await expect(alert).toContainText('Your password was not used or sent');
  expect(signInRequests).toEqual([]);

  // The real parameters again: the pin still matches and sign-in works.
  await page.unroute('**/api/auth/pre-login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: /Account menu/ })).toBeVisible({ timeout: 20_000 });
  expect(signInRequests).toHaveLength(1);
});
