import { randomBytes } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * Account helpers for the e2e suite. The product under test is shared by every spec, and the
 * first sign-up of an installation is special, so specs make their own users and orgs
 * through the test-only routes (/api/test/accounts/*, present only with CONCLAVE_TEST_HOOKS)
 * and read mails from the outbox (no SMTP server is configured in e2e).
 */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.test`;
}

export interface SeededUser {
  userId: string;
  email: string;
  password: string;
  displayName: string;
  recoveryCode: string;
}

/** A new org and its owner (keys made at the cheapest Argon2id cost, so sign-in is fast). */
export async function seedOrg(
  request: APIRequestContext,
  options: { orgName?: string; displayName?: string; instanceAdmin?: boolean } = {},
): Promise<SeededUser & { orgId: string; orgName: string }> {
  const owner = {
    email: uniqueEmail('owner'),
    password: `owner password ${randomBytes(4).toString('hex')}`,
    displayName: options.displayName ?? 'Olivia Owner',
  };
  const orgName = options.orgName ?? `Org ${randomBytes(3).toString('hex')}`;
  const response = await request.post('/api/test/accounts/org', {
    data: { ...owner, orgName, instanceAdmin: options.instanceAdmin ?? false },
  });
  expect(response.status(), await response.text()).toBe(201);
  const body = (await response.json()) as { userId: string; orgId: string; recoveryCode: string };
  return { ...owner, ...body, orgName };
}

export async function seedMember(
  request: APIRequestContext,
  options: {
    orgId: string;
    role: 'owner' | 'admin' | 'compliance' | 'member';
    displayName?: string;
  },
): Promise<SeededUser> {
  const user = {
    email: uniqueEmail(options.role),
    password: `member password ${randomBytes(4).toString('hex')}`,
    displayName: options.displayName ?? `Mia ${options.role}`,
  };
  const response = await request.post('/api/test/accounts/member', {
    data: { ...user, orgId: options.orgId, role: options.role },
  });
  expect(response.status(), await response.text()).toBe(201);
  const body = (await response.json()) as { userId: string; recoveryCode: string };
  return { ...user, ...body };
}

/** Opens sign-up to everyone (the installation is initialised first if it is empty). */
export async function openSignUp(request: APIRequestContext): Promise<void> {
  const response = await request.put('/api/test/accounts/sign-up-policy', {
    data: { mode: 'open', allowedDomains: [] },
  });
  expect(response.status(), await response.text()).toBe(200);
}

interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

/** Waits for a mail to `to` whose subject matches, and returns the newest such mail. */
export async function waitForMail(
  request: APIRequestContext,
  to: string,
  subject: RegExp,
): Promise<OutboxMail> {
  let found: OutboxMail | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/test/outbox?to=${encodeURIComponent(to)}`);
        const { mails } = (await response.json()) as { mails: OutboxMail[] };
        found = mails.find((mail) => subject.test(mail.subject));
        return found !== undefined;
      },
      { message: `a mail to ${to} with subject ${subject}`, timeout: 15_000 },
    )
    .toBe(true);
  return found!;
}

/** The link (with its #token) in a mail, as a path on the site under test. */
export function linkIn(mail: { text: string }): string {
  const match = /https?:\/\/[^\s]+#token=[A-Za-z0-9_-]+/.exec(mail.text);
  if (!match) throw new Error(`no link in the mail "${mail.text.slice(0, 80)}…"`);
  const url = new URL(match[0]);
  return `${url.pathname}${url.hash}`;
}

/** Signs in through the portal's form and waits until the portal shows the signed-in user. */
export async function signIn(
  page: Page,
  user: { email: string; password: string },
  options: { keep?: boolean } = {},
) {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  if (options.keep) await page.getByLabel('Keep me unlocked on this device').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: /Account menu/ })).toBeVisible({ timeout: 20_000 });
  // The header knows the session before the router has left the sign-in page; a reload or a
  // click made in between would act on the sign-in page.
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

/**
 * The recovery code step: reads the code, downloads it, ticks "saved", types back the groups
 * asked for, and continues. Returns the code.
 */
export async function saveRecoveryCode(page: Page, continueLabel = 'Continue'): Promise<string> {
  const shown = page.getByTestId('recovery-code');
  await expect(shown).toBeVisible({ timeout: 30_000 });
  const code = (await shown.textContent())?.trim() ?? '';
  expect(code).toMatch(/^([A-Z0-9]{4}-){8}[A-Z0-9]{4}$/);
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download as a text file' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('conclave-recovery-code.txt');
  const saved = await download.path();
  const { readFile } = await import('node:fs/promises');
  expect(await readFile(saved, 'utf8')).toContain(code);
  await page.getByLabel('I saved my recovery code somewhere safe').check();
  await page.getByRole('button', { name: 'Next' }).click();
  const groups = code.split('-');
  const fields = page.getByLabel(/^Group \d+ of 9$/);
  await expect(fields).toHaveCount(2);
  for (const field of await fields.all()) {
    const label = await field
      .getAttribute('id')
      .then((id) => page.locator(`label[for="${id}"]`).textContent());
    const index = Number(/Group (\d+)/.exec(label ?? '')?.[1]) - 1;
    await field.fill(groups[index] ?? '');
  }
  await page.getByRole('button', { name: continueLabel }).click();
  return code;
}

/** An invitation made by an org's owner, mailed to the outbox as the members page does. */
export async function seedInvitation(
  request: APIRequestContext,
  options: {
    orgId: string;
    inviterUserId: string;
    email: string;
    role: 'owner' | 'admin' | 'compliance' | 'member';
  },
): Promise<void> {
  const response = await request.post('/api/test/accounts/invitation', { data: options });
  expect(response.status(), await response.text()).toBe(201);
}
