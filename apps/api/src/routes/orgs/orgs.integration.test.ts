import { beforeAll, describe, expect, it } from 'vitest';
import {
  invitationLookupSchema,
  invitationSchema,
  memberListSchema,
  signedInSchema,
  type OrgRole,
} from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createTestOrg,
  createUser,
  makeClientKeys,
  signedInClient,
  uniqueEmail,
  type TestClient,
} from '../../../test/factories';
import { expectProblem, expectStatus } from '../../../test/helpers';
import { linkFromMail, tokenFromLink } from '../../../test/smtp';
import { verifyAuditChain } from '../../services/audit/chain';
import { auditContent } from '../../services/audit/list';

const suite = useTestApp({ smtp: true, env: { PUBLIC_URL: 'https://conclave.example' } });

beforeAll(async () => {
  // Past the first sign-up, as every installation but a new one.
  await createUser(suite.db, { isInstanceAdmin: true });
});

async function members(orgId: string, as: { id: string }) {
  const client = await signedInClient(suite.app, as);
  const response = await client.inject({ method: 'GET', url: `/api/orgs/${orgId}/members` });
  return memberListSchema.parse(response.json()).members;
}

async function auditActions(orgId: string): Promise<string[]> {
  const rows = await suite.db.auditEntry.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
  expect(verifyAuditChain(rows.map(auditContent))).toMatchObject({ ok: true });
  return rows.map((row) => row.action);
}

function changeRole(as: TestClient, orgId: string, userId: string, role: OrgRole) {
  return as.inject({
    method: 'PATCH',
    url: `/api/orgs/${orgId}/members/${userId}`,
    payload: { role },
  });
}

function removeMember(as: TestClient, orgId: string, userId: string) {
  return as.inject({ method: 'DELETE', url: `/api/orgs/${orgId}/members/${userId}` });
}

describe('organisations', () => {
  it('creates an org with me as owner, lists it, renames it, and lets me switch between orgs', async () => {
    const user = await createUser(suite.db);
    const client = await signedInClient(suite.app, user);
    const created = await client.inject({
      method: 'POST',
      url: '/api/orgs',
      payload: { name: ' Alpha ' },
    });
    expectStatus(created, 201);
    const alpha = created.json<{ id: string; name: string; role: string }>();
    expect(alpha).toMatchObject({ name: 'Alpha', role: 'owner' });
    const beta = (
      await client.inject({ method: 'POST', url: '/api/orgs', payload: { name: 'Beta' } })
    ).json<{ id: string }>();
    const list = await client.inject({ method: 'GET', url: '/api/orgs' });
    expect(list.json<{ orgs: { name: string }[] }>().orgs.map((o) => o.name)).toEqual([
      'Alpha',
      'Beta',
    ]);
    const renamed = await client.inject({
      method: 'PATCH',
      url: `/api/orgs/${alpha.id}`,
      payload: { name: 'Alpha Team' },
    });
    expectStatus(renamed, 200);
    expect(renamed.json()).toMatchObject({ name: 'Alpha Team' });
    expect(await auditActions(alpha.id)).toEqual(['org.created', 'member.joined', 'org.renamed']);
    const session = signedInSchema.parse(
      (await client.inject({ method: 'GET', url: '/api/auth/session' })).json(),
    );
    expect(session.orgs.map((o) => o.id).sort()).toEqual([alpha.id, beta.id].sort());
  });

  it('refuses an empty name with a clear message', async () => {
    const client = await signedInClient(suite.app, await createUser(suite.db));
    const problem = expectProblem(
      await client.inject({ method: 'POST', url: '/api/orgs', payload: { name: '   ' } }),
      400,
    );
    expect(problem.errors?.[0]?.path).toBe('body.name');
  });
});

describe('roles and the last owner', () => {
  it('changes roles, and admins cannot touch owners or make owners', async () => {
    const { org, owner, admin, member } = await createOrgWithRoles(suite.db);
    const asAdmin = await signedInClient(suite.app, admin);
    expectStatus(await changeRole(asAdmin, org.id, member.id, 'compliance'), 200);
    expectProblem(await changeRole(asAdmin, org.id, member.id, 'owner'), 403);
    expectProblem(await changeRole(asAdmin, org.id, owner.id, 'member'), 403);
    expectProblem(await removeMember(asAdmin, org.id, owner.id), 403);
    const roles = Object.fromEntries((await members(org.id, owner)).map((m) => [m.userId, m.role]));
    expect(roles[member.id]).toBe('compliance');
    expect(roles[owner.id]).toBe('owner');
    const entries = await suite.db.auditEntry.findMany({
      where: { orgId: org.id, action: 'member.role_changed' },
    });
    expect(entries.map((e) => e.details)).toEqual([
      { email: member.email, from: 'member', to: 'compliance' },
    ]);
  });

  it('keeps at least one owner: demote, remove and leave as the last owner are refused', async () => {
    const { org, owner, admin } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    const demote = expectProblem(await changeRole(asOwner, org.id, owner.id, 'admin'), 409);
    expect(demote.detail).toMatch(/always have an owner/);
    expectProblem(await removeMember(asOwner, org.id, owner.id), 409);
    expectProblem(await asOwner.inject({ method: 'POST', url: `/api/orgs/${org.id}/leave` }), 409);

    // With a second owner, the first may step down; the second is then the last.
    expectStatus(await changeRole(asOwner, org.id, admin.id, 'owner'), 200);
    expectStatus(await changeRole(asOwner, org.id, owner.id, 'member'), 200);
    const asAdmin = await signedInClient(suite.app, admin);
    expectProblem(await asAdmin.inject({ method: 'POST', url: `/api/orgs/${org.id}/leave` }), 409);
  });

  it('does not let two owners demote each other at the same time', async () => {
    const { org, owner, admin } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    expectStatus(await changeRole(asOwner, org.id, admin.id, 'owner'), 200);
    const asSecond = await signedInClient(suite.app, admin);
    const results = await Promise.all([
      changeRole(asOwner, org.id, owner.id, 'admin'),
      changeRole(asSecond, org.id, admin.id, 'admin'),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const owners = (await suite.db.membership.findMany({ where: { orgId: org.id, role: 'owner' } }))
      .length;
    expect(owners).toBe(1);
  });

  it('removes a member and lets a member leave', async () => {
    const { org, owner, member, compliance } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    expectStatus(await removeMember(asOwner, org.id, member.id), 204);
    const asCompliance = await signedInClient(suite.app, compliance);
    expectStatus(
      await asCompliance.inject({ method: 'POST', url: `/api/orgs/${org.id}/leave` }),
      204,
    );
    expect((await members(org.id, owner)).map((m) => m.userId).sort()).not.toContain(member.id);
    // Removed members get the same 404 as strangers.
    const asMember = await signedInClient(suite.app, member);
    expectProblem(
      await asMember.inject({ method: 'GET', url: `/api/orgs/${org.id}/members` }),
      404,
    );
    const actions = await auditActions(org.id);
    expect(actions).toContain('member.removed');
    expect(actions).toContain('member.left');
  });

  it('transfers ownership: the other member becomes owner and I become admin', async () => {
    const { org, owner, member } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    const response = await asOwner.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/transfer-ownership`,
      payload: { userId: member.id },
    });
    expectStatus(response, 200);
    const roles = Object.fromEntries(
      memberListSchema.parse(response.json()).members.map((m) => [m.userId, m.role]),
    );
    expect(roles[member.id]).toBe('owner');
    expect(roles[owner.id]).toBe('admin');
    expectProblem(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/transfer-ownership`,
        payload: { userId: member.id },
      }),
      403,
    );
    expect(await auditActions(org.id)).toContain('org.ownership_transferred');
  });
});

describe('invitations by e-mail', () => {
  it('invites a new person: the mail arrives over SMTP, its link signs them up into the org', async () => {
    const { org, admin } = await createOrgWithRoles(suite.db);
    const asAdmin = await signedInClient(suite.app, admin);
    const email = uniqueEmail('newcomer');
    const created = await asAdmin.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/invitations`,
      payload: { email: email.toUpperCase(), role: 'compliance' },
    });
    expectStatus(created, 201);
    expect(invitationSchema.parse(created.json())).toMatchObject({
      email,
      role: 'compliance',
      status: 'pending',
    });

    const mail = await suite.smtp.waitForMail(email);
    expect(mail.raw).toContain(`Join ${org.name} on Conclave`);
    const link = linkFromMail(mail.raw);
    expect(link.origin + link.pathname).toBe('https://conclave.example/invite');
    const token = tokenFromLink(link);

    const visitor = anonymousClient(suite.app);
    const lookup = await visitor.inject({
      method: 'POST',
      url: '/api/invitations/lookup',
      payload: { token },
    });
    expect(invitationLookupSchema.parse(lookup.json())).toMatchObject({
      orgName: org.name,
      email,
      role: 'compliance',
      accountExists: false,
      invitedByName: 'Admin',
    });

    const keys = await makeClientKeys();
    const wrongAddress = await visitor.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys.body, email: uniqueEmail(), displayName: 'N', invitationToken: token },
    });
    expectProblem(wrongAddress, 403);
    const signUp = await visitor.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: { ...keys.body, email, displayName: 'Newcomer', invitationToken: token },
    });
    expectStatus(signUp, 201);
    expect(signedInSchema.parse(signUp.json()).orgs).toEqual([
      { id: org.id, name: org.name, role: 'compliance' },
    ]);

    // Single use.
    const again = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: '/api/invitations/lookup',
      payload: { token },
    });
    expectProblem(again, 410);
    const list = await asAdmin.inject({ method: 'GET', url: `/api/orgs/${org.id}/invitations` });
    expect(
      list
        .json<{ invitations: { email: string; status: string }[] }>()
        .invitations.find((i) => i.email === email)?.status,
    ).toBe('accepted');
    const actions = await auditActions(org.id);
    expect(actions).toEqual(
      expect.arrayContaining([
        'invitation.created',
        'invitation.accepted',
        'member.joined',
        'key.published',
      ]),
    );
  });

  it('lets an existing user accept while signed in with the invited address only', async () => {
    const { org, owner } = await createOrgWithRoles(suite.db);
    const existing = await createUser(suite.db);
    const someoneElse = await createUser(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    expectStatus(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email: existing.email, role: 'member' },
      }),
      201,
    );
    const token = tokenFromLink(linkFromMail((await suite.smtp.waitForMail(existing.email)).raw));
    const lookup = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: '/api/invitations/lookup',
      payload: { token },
    });
    expect(lookup.json()).toMatchObject({ accountExists: true });

    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/accept',
        payload: { token },
      }),
      401,
    );
    const wrong = expectProblem(
      await (
        await signedInClient(suite.app, someoneElse)
      ).inject({ method: 'POST', url: '/api/invitations/accept', payload: { token } }),
      403,
    );
    expect(wrong.detail).toContain(existing.email);
    const accepted = await (
      await signedInClient(suite.app, existing)
    ).inject({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expectStatus(accepted, 200);
    expect(accepted.json()).toEqual({ org: { id: org.id, name: org.name, role: 'member' } });
  });

  it('resend replaces the link, revoke withdraws it, duplicates and members are refused', async () => {
    const { org, owner, member } = await createOrgWithRoles(suite.db);
    const asOwner = await signedInClient(suite.app, owner);
    const email = uniqueEmail('invitee');
    const created = await asOwner.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/invitations`,
      payload: { email, role: 'member' },
    });
    const invitation = invitationSchema.parse(created.json());
    const firstToken = tokenFromLink(linkFromMail((await suite.smtp.waitForMail(email)).raw));
    expectProblem(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email, role: 'admin' },
      }),
      409,
    );
    expectProblem(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email: member.email, role: 'admin' },
      }),
      409,
    );

    expectStatus(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations/${invitation.id}/resend`,
      }),
      200,
    );
    const secondToken = tokenFromLink(
      linkFromMail((await suite.smtp.waitForMail(email, (m) => !m.raw.includes(firstToken))).raw),
    );
    expect(secondToken).not.toBe(firstToken);
    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/lookup',
        payload: { token: firstToken },
      }),
      404,
    );
    expectStatus(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/lookup',
        payload: { token: secondToken },
      }),
      200,
    );

    expectStatus(
      await asOwner.inject({
        method: 'DELETE',
        url: `/api/orgs/${org.id}/invitations/${invitation.id}`,
      }),
      204,
    );
    const revoked = expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/lookup',
        payload: { token: secondToken },
      }),
      410,
    );
    expect(revoked.detail).toMatch(/withdrawn/);
    expectProblem(
      await asOwner.inject({
        method: 'DELETE',
        url: `/api/orgs/${org.id}/invitations/${invitation.id}`,
      }),
      409,
    );
    const actions = await auditActions(org.id);
    expect(actions).toEqual(
      expect.arrayContaining(['invitation.created', 'invitation.resent', 'invitation.revoked']),
    );
  });

  it('refuses an expired link with a clear message', async () => {
    const owner = await createUser(suite.db);
    const org = await createTestOrg(suite.db, { owner });
    const asOwner = await signedInClient(suite.app, owner);
    const email = uniqueEmail('late');
    const created = invitationSchema.parse(
      (
        await asOwner.inject({
          method: 'POST',
          url: `/api/orgs/${org.id}/invitations`,
          payload: { email, role: 'member' },
        })
      ).json(),
    );
    const token = tokenFromLink(linkFromMail((await suite.smtp.waitForMail(email)).raw));
    await suite.db.invitation.update({
      where: { id: created.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const problem = expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: '/api/invitations/lookup',
        payload: { token },
      }),
      410,
    );
    expect(problem.detail).toMatch(/expired/);
    const list = await asOwner.inject({ method: 'GET', url: `/api/orgs/${org.id}/invitations` });
    expect(list.json<{ invitations: { status: string }[] }>().invitations[0]?.status).toBe(
      'expired',
    );
    // An expired invitation can be sent again (a new one replaces it).
    expectStatus(
      await asOwner.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email, role: 'member' },
      }),
      201,
    );
  });

  it('only owners invite owners', async () => {
    const { org, admin } = await createOrgWithRoles(suite.db);
    const asAdmin = await signedInClient(suite.app, admin);
    expectProblem(
      await asAdmin.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        payload: { email: uniqueEmail(), role: 'owner' },
      }),
      403,
    );
  });

  it('members of several orgs see each of them', async () => {
    const user = await createUser(suite.db);
    const first = await createOrgWithRoles(suite.db);
    const second = await createOrgWithRoles(suite.db);
    await addMember(suite.db, { org: first.org, user, role: 'member' });
    await addMember(suite.db, { org: second.org, user, role: 'admin' });
    const client = await signedInClient(suite.app, user);
    const orgs = (await client.inject({ method: 'GET', url: '/api/orgs' })).json<{
      orgs: { id: string; role: string }[];
    }>().orgs;
    expect(orgs.map((o) => [o.id, o.role]).sort()).toEqual(
      [
        [first.org.id, 'member'],
        [second.org.id, 'admin'],
      ].sort(),
    );
  });
});
