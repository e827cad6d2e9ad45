import { beforeAll, describe, expect, it } from 'vitest';
import { outboxListSchema, signedInSchema } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createOrgWithRoles,
  createUser,
  makeClientKeys,
  signedInClient,
  uniqueEmail,
  type TestClient,
} from '../../../test/factories';
import { expectProblem, expectStatus } from '../../../test/helpers';
import { linkFromMail, tokenFromLink } from '../../../test/smtp';

const suite = useTestApp();
let asInstanceAdmin: TestClient;

beforeAll(async () => {
  const admin = await createUser(suite.db, { isInstanceAdmin: true });
  asInstanceAdmin = await signedInClient(suite.app, admin);
});

async function outboxTo(email: string) {
  const response = await asInstanceAdmin.inject({
    method: 'GET',
    url: `/api/admin/outbox?to=${encodeURIComponent(email)}`,
  });
  expectStatus(response, 200);
  return outboxListSchema.parse(response.json()).mails;
}

function requestSignUp(client: TestClient, email: string) {
  return client.inject({ method: 'POST', url: '/api/auth/sign-up/request', payload: { email } });
}

describe('instance administration', () => {
  it('is for the instance admin only, whatever the org role', async () => {
    const { owner } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    for (const [method, url] of [
      ['GET', '/api/admin/sign-up-policy'],
      ['GET', '/api/admin/outbox'],
    ] as const) {
      expectProblem(await asOwner.inject({ method, url }), 403);
      expectProblem(await anonymousClient(suite.app).inject({ method, url }), 401);
    }
    expectProblem(
      await asOwner.inject({
        method: 'PUT',
        url: '/api/admin/sign-up-policy',
        payload: { mode: 'open', allowedDomains: [] },
      }),
      403,
    );
  });

  it('opens sign-up to listed domains: the address is proven by a mailed link', async () => {
    const set = await asInstanceAdmin.inject({
      method: 'PUT',
      url: '/api/admin/sign-up-policy',
      payload: { mode: 'open', allowedDomains: ['Example.ORG', 'example.org', 'team.example'] },
    });
    expectStatus(set, 200);
    expect(set.json()).toEqual({ mode: 'open', allowedDomains: ['example.org', 'team.example'] });
    const status = await anonymousClient(suite.app).inject({
      method: 'GET',
      url: '/api/auth/sign-up/status',
    });
    expect(status.json()).toEqual({
      mode: 'open',
      allowedDomains: ['example.org', 'team.example'],
    });

    const visitor = anonymousClient(suite.app);
    const outside = expectProblem(await requestSignUp(visitor, 'x@elsewhere.test'), 403);
    expect(outside.detail).toMatch(/example\.org/);
    const email = `new-${Date.now()}@example.org`;
    expectStatus(await requestSignUp(visitor, email), 202);
    const [mail] = await outboxTo(email);
    expect(mail?.subject).toBe('Create your Conclave account');
    const token = tokenFromLink(linkFromMail(mail!.text));
    expect(
      (
        await visitor.inject({
          method: 'POST',
          url: '/api/auth/sign-up/lookup',
          payload: { token },
        })
      ).json(),
    ).toEqual({ email });

    const keys = await makeClientKeys();
    // Without the link, open sign-up still refuses: the address must be proven.
    expectProblem(
      await visitor.inject({
        method: 'POST',
        url: '/api/auth/sign-up',
        payload: { ...keys.body, email, displayName: 'New' },
      }),
      403,
    );
    const created = await visitor.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys.body, email, displayName: 'New', signUpToken: token },
    });
    expectStatus(created, 201);
    expect(signedInSchema.parse(created.json()).orgs).toEqual([]);

    // Asking again for an address with an account mails "you already have one", same answer.
    expectStatus(await requestSignUp(visitor, email), 202);
    expect((await outboxTo(email))[0]?.subject).toBe('You already have a Conclave account');

    const instanceLog = await suite.db.auditEntry.findMany({ where: { chain: 'instance' } });
    expect(instanceLog.map((e) => e.action)).toContain('instance.sign_up_policy_changed');
  });

  it('closing sign-up again stops unused links', async () => {
    await asInstanceAdmin.inject({
      method: 'PUT',
      url: '/api/admin/sign-up-policy',
      payload: { mode: 'open', allowedDomains: [] },
    });
    const email = uniqueEmail('closing');
    await requestSignUp(anonymousClient(suite.app), email);
    const token = tokenFromLink(linkFromMail((await outboxTo(email))[0]!.text));
    await asInstanceAdmin.inject({
      method: 'PUT',
      url: '/api/admin/sign-up-policy',
      payload: { mode: 'invitation', allowedDomains: [] },
    });
    const keys = await makeClientKeys();
    const refused = expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/auth/sign-up',
        payload: { ...keys.body, email, displayName: 'Late', signUpToken: token },
      }),
      403,
    );
    expect(refused.detail).toMatch(/invitation only/);
  });

  it('refuses a malformed domain with a field error', async () => {
    const response = await asInstanceAdmin.inject({
      method: 'PUT',
      url: '/api/admin/sign-up-policy',
      payload: { mode: 'open', allowedDomains: ['not a domain'] },
    });
    const problem = expectProblem(response, 400);
    expect(problem.errors?.[0]?.path).toBe('body.allowedDomains.0');
  });

  it('shows outbox mails with working links, and says how mail is delivered', async () => {
    const { org, owner } = await createOrgWithRoles(suite.db);
    const email = uniqueEmail('outboxed');
    await (
      await signedInClient(suite.app, owner)
    ).inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/invitations`,
      payload: { email, role: 'member' },
    });
    const list = await asInstanceAdmin.inject({ method: 'GET', url: '/api/admin/outbox' });
    expect(list.json()).toMatchObject({ delivery: 'outbox' });
    const [mail] = await outboxTo(email);
    const one = await asInstanceAdmin.inject({
      method: 'GET',
      url: `/api/admin/outbox/${mail!.id}`,
    });
    expect(one.json()).toMatchObject({ to: email, subject: `Join ${org.name} on Conclave` });
    const token = tokenFromLink(linkFromMail(mail!.text));
    expectStatus(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/lookup',
        payload: { token },
      }),
      200,
    );
  });
});
