import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ORG_POLICY,
  lobbyInfoSchema,
  meetingSchema,
  orgPolicyResponseSchema,
  type OrgPolicy,
  type OrgRole,
} from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createTestOrg,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem, expectStatus } from '../../../test/helpers';
import { meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * The policy matrix: who reads and changes an org's policy, locks, what a meeting may tighten
 * and never loosen, a later org change tightening an existing meeting, escrow without
 * compliance keys, bad input, and the audit entries with old and new values.
 */
const suite = useTestApp();
const ROLES: OrgRole[] = ['owner', 'admin', 'compliance', 'member'];
let users: Record<OrgRole | 'outsider', TestUser>;
let clients: Record<OrgRole | 'outsider', TestClient>;

beforeAll(async () => {
  const names = [...ROLES, 'outsider'] as const;
  users = Object.fromEntries(
    await Promise.all(
      names.map(async (name) => [name, await createUser(suite.db, { displayName: name })]),
    ),
  ) as typeof users;
  clients = Object.fromEntries(
    await Promise.all(
      names.map(async (name) => [name, await signedInClient(suite.app, users[name])]),
    ),
  ) as typeof clients;
});

async function orgWithRoles(): Promise<string> {
  const org = await createTestOrg(suite.db, { owner: users.owner });
  for (const role of ['admin', 'compliance', 'member'] as const) {
    await addMember(suite.db, { org, user: users[role], role });
  }
  return org.id;
}

function policy(change: (p: OrgPolicy) => void = () => {}): OrgPolicy {
  const p = structuredClone(DEFAULT_ORG_POLICY);
  change(p);
  return p;
}

async function putPolicy(client: TestClient, orgId: string, body: unknown) {
  return client.inject({
    method: 'PUT',
    url: `/api/orgs/${orgId}/policy`,
    payload: body as object,
  });
}

async function getPolicy(client: TestClient, orgId: string) {
  const response = await client.inject({ method: 'GET', url: `/api/orgs/${orgId}/policy` });
  expectStatus(response, 200);
  return orgPolicyResponseSchema.parse(response.json());
}

async function getMeeting(client: TestClient, orgId: string, meetingId: string) {
  const response = await client.inject({
    method: 'GET',
    url: `/api/orgs/${orgId}/meetings/${meetingId}`,
  });
  expectStatus(response, 200);
  return meetingSchema.parse(response.json());
}

describe('org policy: who may read and change it', () => {
  it('gives every member the defaults of an org that never saved a policy', async () => {
    const orgId = await orgWithRoles();
    for (const role of ROLES) {
      const body = await getPolicy(clients[role], orgId);
      expect(body.policy).toEqual(DEFAULT_ORG_POLICY);
      expect(body.updatedAt).toBeNull();
    }
  });

  it('lets owners and admins change it; compliance and members get 403; outsiders 404', async () => {
    const orgId = await orgWithRoles();
    const expected: Record<OrgRole | 'outsider', number> = {
      owner: 200,
      admin: 200,
      compliance: 403,
      member: 403,
      outsider: 404,
    };
    for (const [who, status] of Object.entries(expected) as [OrgRole | 'outsider', number][]) {
      const wanted = policy((p) => {
        p.recording.retentionDays.value = who === 'owner' ? 30 : 31;
      });
      const response = await putPolicy(clients[who], orgId, wanted);
      if (status === 200) {
        expectStatus(response, 200);
        expect(orgPolicyResponseSchema.parse(response.json()).policy).toEqual(wanted);
      } else {
        const problem = expectProblem(response, status);
        if (status === 403) expect(problem.detail).toMatch(/owner or admin/);
      }
    }
    // The refused writes changed nothing: the admin's save is the last one.
    expect((await getPolicy(clients.member, orgId)).policy.recording.retentionDays.value).toBe(31);
    expectProblem(
      await clients.outsider.inject({ method: 'GET', url: `/api/orgs/${orgId}/policy` }),
      404,
    );
  });

  it('isolates orgs: an admin of one org cannot read or change another org’s policy', async () => {
    const mine = await orgWithRoles();
    const other = await createTestOrg(suite.db, { owner: users.outsider });
    expect(mine).not.toBe(other.id);
    expectProblem(
      await clients.admin.inject({ method: 'GET', url: `/api/orgs/${other.id}/policy` }),
      404,
    );
    expectProblem(await putPolicy(clients.admin, other.id, policy()), 404);
    expectProblem(
      await anonymousClient(suite.app).inject({ method: 'GET', url: `/api/orgs/${mine}/policy` }),
      401,
    );
  });

  it('answers bad input with 400 and the field at fault', async () => {
    const orgId = await orgWithRoles();
    const cases: [unknown, string][] = [
      [{ ...policy(), e2ee: { value: 'off', locked: false } }, 'body.e2ee.value'],
      [
        policy((p) => ((p.recording.retentionDays.value as unknown) = 0)),
        'body.recording.retentionDays.value',
      ],
      [
        policy((p) => ((p.recording.allowed as unknown) = { value: 'hosts' })),
        'body.recording.allowed.locked',
      ],
      [
        policy((p) => {
          p.recording.retentionDays.value = 10;
          p.recording.minRetentionDays.value = 20;
        }),
        'body.recording.minRetentionDays.value',
      ],
      [{ ...policy(), surprise: true }, 'body'],
    ];
    for (const [body, path] of cases) {
      const problem = expectProblem(await putPolicy(clients.admin, orgId, body), 400);
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(problem),
      ).toContain(path);
    }
    expect((await getPolicy(clients.admin, orgId)).updatedAt).toBeNull();
  });

  it('refuses escrow to compliance keys while the org has none (422, nothing saved)', async () => {
    const orgId = await orgWithRoles();
    const response = await putPolicy(
      clients.owner,
      orgId,
      policy((p) => (p.recording.escrow.value = 'compliance')),
    );
    const problem = expectProblem(response, 422);
    expect(problem.detail).toMatch(/no approved compliance keys/);
    expect(problem.errors?.[0]?.path).toBe('body.recording.escrow.value');
    expect((await getPolicy(clients.owner, orgId)).policy.recording.escrow.value).toBe('none');
  });

  it('records each change in the audit log with old and new values, and no entry for no change', async () => {
    const orgId = await orgWithRoles();
    const first = policy((p) => {
      p.recording.allowed = { value: 'everyone', locked: true };
      p.guests.value = 'forbidden';
    });
    expectStatus(await putPolicy(clients.admin, orgId, first), 200);
    expectStatus(await putPolicy(clients.admin, orgId, first), 200);
    const second = structuredClone(first);
    second.recording.allowed.value = 'off';
    expectStatus(await putPolicy(clients.owner, orgId, second), 200);

    const entries = await suite.db.auditEntry.findMany({
      where: { orgId, action: 'org.policy_changed' },
      orderBy: { seq: 'asc' },
    });
    expect(entries).toHaveLength(2);
    expect(entries[0]?.actorUserId).toBe(users.admin.id);
    expect(entries[0]?.details).toEqual({
      changes: [
        {
          setting: 'guests',
          from: { value: 'lobby', locked: false },
          to: { value: 'forbidden', locked: false },
        },
        {
          setting: 'recording.allowed',
          from: { value: 'hosts', locked: false },
          to: { value: 'everyone', locked: true },
        },
      ],
    });
    expect(entries[1]?.actorUserId).toBe(users.owner.id);
    expect(entries[1]?.details).toEqual({
      changes: [
        {
          setting: 'recording.allowed',
          from: { value: 'everyone', locked: true },
          to: { value: 'off', locked: true },
        },
      ],
    });
  });
});

describe('meeting policy: tighten, never loosen', () => {
  it('shows the effective policy on a meeting and keeps what the host tightened', async () => {
    const orgId = await orgWithRoles();
    expectStatus(
      await putPolicy(
        clients.admin,
        orgId,
        policy((p) => {
          p.recording.allowed.value = 'everyone';
          p.recording.retentionDays.value = 90;
        }),
      ),
      200,
    );
    const meeting = await scheduleMeeting(
      clients.member,
      orgId,
      meetingNow({
        policy: { recording: { allowed: 'hosts', retentionDays: 30, audioOnly: 'required' } },
      }),
    );
    expect(meeting.policy).toEqual({
      recording: { allowed: 'hosts', retentionDays: 30, audioOnly: 'required' },
    });
    expect(meeting.effectivePolicy.recording).toMatchObject({
      allowed: 'hosts',
      consent: 'explicit',
      audioOnly: 'required',
      retentionDays: 30,
    });
    expect(meeting.effectivePolicy.sources?.['recording.allowed']).toBe('meeting');
    expect(meeting.effectivePolicy.sources?.['recording.consent']).toBe('org');
    // An invited member sees the same.
    const seen = await getMeeting(clients.owner, orgId, meeting.id);
    expect(seen.effectivePolicy).toEqual(meeting.effectivePolicy);
  });

  it('refuses a looser value with 422 naming the setting, on create and update', async () => {
    const orgId = await orgWithRoles();
    expectStatus(
      await putPolicy(
        clients.admin,
        orgId,
        policy((p) => (p.recording.retentionDays.value = 30)),
      ),
      200,
    );
    const create = await clients.member.inject({
      method: 'POST',
      url: `/api/orgs/${orgId}/meetings`,
      payload: meetingNow({ policy: { recording: { allowed: 'everyone', retentionDays: 60 } } }),
    });
    const problem = expectProblem(create, 422);
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      'body.policy.recording.allowed',
      'body.policy.recording.retentionDays',
    ]);
    expect(problem.detail).toMatch(/recording\.allowed cannot be looser/);

    const meeting = await scheduleMeeting(clients.member, orgId);
    const update = await clients.member.inject({
      method: 'PATCH',
      url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
      payload: { policy: { recording: { consent: 'notify' } } },
    });
    expect(expectProblem(update, 422).errors?.[0]?.path).toBe('body.policy.recording.consent');
    const tightened = await clients.member.inject({
      method: 'PATCH',
      url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
      payload: { policy: { recording: { allowed: 'off' } } },
    });
    expectStatus(tightened, 200);
    expect(meetingSchema.parse(tightened.json()).effectivePolicy.recording.allowed).toBe('off');
  });

  it('refuses to touch a locked setting, even to tighten it', async () => {
    const orgId = await orgWithRoles();
    expectStatus(
      await putPolicy(
        clients.owner,
        orgId,
        policy((p) => {
          p.recording.allowed = { value: 'everyone', locked: true };
          p.e2ee = { value: 'default-on', locked: true };
        }),
      ),
      200,
    );
    const response = await clients.member.inject({
      method: 'POST',
      url: `/api/orgs/${orgId}/meetings`,
      payload: meetingNow({ e2ee: false, policy: { recording: { allowed: 'hosts' } } }),
    });
    const problem = expectProblem(response, 422);
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      'body.e2ee',
      'body.policy.recording.allowed',
    ]);
    expect(problem.detail).toMatch(/recording\.allowed is locked/);
  });

  it('refuses escrow on a meeting while the org has no compliance keys', async () => {
    const orgId = await orgWithRoles();
    const response = await clients.member.inject({
      method: 'POST',
      url: `/api/orgs/${orgId}/meetings`,
      payload: meetingNow({ policy: { recording: { escrow: 'compliance' } } }),
    });
    const problem = expectProblem(response, 422);
    expect(problem.errors?.[0]?.path).toBe('body.policy.recording.escrow');
    expect(problem.detail).toMatch(/no approved compliance keys/);
  });

  it('answers malformed overrides with 400', async () => {
    const orgId = await orgWithRoles();
    const response = await clients.member.inject({
      method: 'POST',
      url: `/api/orgs/${orgId}/meetings`,
      payload: meetingNow({
        policy: { recording: { allowed: 'sometimes' as 'off', retentionDays: -3 } },
      }),
    });
    const problem = expectProblem(response, 400);
    expect(problem.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        'body.policy.recording.allowed',
        'body.policy.recording.retentionDays',
      ]),
    );
  });

  it('tightens existing meetings when the org changes its policy later', async () => {
    const orgId = await orgWithRoles();
    const meeting = await scheduleMeeting(
      clients.member,
      orgId,
      meetingNow({ policy: { recording: { consent: 'explicit' } } }),
    );
    expect(meeting.effectivePolicy.recording.allowed).toBe('hosts');
    expect(meeting.effectivePolicy.guests).toBe('lobby');
    const lobbyBefore = await anonymousClient(suite.app).inject({
      method: 'GET',
      url: `/api/meetings/${meeting.id}/lobby`,
    });
    expectStatus(lobbyBefore, 200);

    expectStatus(
      await putPolicy(
        clients.admin,
        orgId,
        policy((p) => {
          p.recording.allowed = { value: 'off', locked: true };
          p.recording.audioOnly.value = 'required';
          p.guests.value = 'forbidden';
          p.e2ee.value = 'required';
        }),
      ),
      200,
    );
    const after = await getMeeting(clients.member, orgId, meeting.id);
    expect(after.effectivePolicy).toMatchObject({
      e2ee: true,
      guests: 'forbidden',
      recording: { allowed: 'off', audioOnly: 'required', consent: 'explicit' },
    });
    expect(after.effectivePolicy.sources?.['recording.allowed']).toBe('locked');
    // Joining reads the same store: guests are now turned away at the lobby.
    const lobbyAfter = await anonymousClient(suite.app).inject({
      method: 'GET',
      url: `/api/meetings/${meeting.id}/lobby`,
    });
    expectStatus(lobbyAfter, 200);
    const lobby = lobbyInfoSchema.parse(lobbyAfter.json());
    expect(lobby.guests).toBe('forbidden');
    expect(lobby.e2ee).toBe(true);
    // The host can still edit the meeting: unchanged settings are not a change.
    const edit = await clients.member.inject({
      method: 'PATCH',
      url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
      payload: { title: 'Renamed', notify: false },
    });
    expectStatus(edit, 200);
  });

  it('audits a meeting policy change with old and new values', async () => {
    const orgId = await orgWithRoles();
    const meeting = await scheduleMeeting(
      clients.member,
      orgId,
      meetingNow({ policy: { recording: { audioOnly: 'required' } } }),
    );
    const update = await clients.member.inject({
      method: 'PATCH',
      url: `/api/orgs/${orgId}/meetings/${meeting.id}`,
      payload: { policy: { recording: { allowed: 'off' } }, notify: false },
    });
    expectStatus(update, 200);
    const updated = meetingSchema.parse(update.json());
    expect(updated.policy).toEqual({ recording: { allowed: 'off' } });
    expect(updated.effectivePolicy.recording.audioOnly).toBe('allowed');
    const entry = await suite.db.auditEntry.findFirst({
      where: { orgId, action: 'meeting.updated', subjectId: meeting.id },
    });
    const follows = {
      consent: null,
      escrow: null,
      retentionDays: null,
      minRetentionDays: null,
    };
    expect(entry?.details).toMatchObject({
      policy: {
        from: { recording: { ...follows, allowed: null, audioOnly: 'required' } },
        to: { recording: { ...follows, allowed: 'off', audioOnly: null } },
      },
    });
  });
});
