import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import {
  signIdentityStatement,
  deriveAccountKeys,
  generateIdentity,
  generateKdfParams,
  generateRecoveryCode,
  KDF_LIMITS,
  publicIdentity,
  ready,
  toBase64Url,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
  type Identity,
  type KdfParams,
  type PublicIdentity,
  type WrappedIdentity,
} from '@conclave/crypto';
import type { OrgRole } from '@conclave/contracts';
import type { Db } from '../src/db/client';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '../src/plugins/app/auth';
import { hashAuthKey } from '../src/services/accounts/auth-key-hash';
import { newCsrfToken } from '../src/services/accounts/csrf';
import { publishIdentity } from '../src/services/accounts/identity';
import { createOrg } from '../src/services/accounts/orgs';
import { createSession } from '../src/services/accounts/sessions';
import { recordAudit } from '../src/services/audit/record';

/**
 * Test data for integration tests: users (with real keys made the way the browser makes them,
 * at the cheapest Argon2id cost packages/crypto accepts), orgs, memberships, and clients that
 * are signed in. Every test makes its own; addresses are unique.
 *
 *   const alice = await createUser(db);
 *   const org = await createTestOrg(db, { owner: alice });
 *   const bob = await createUser(db);
 *   await addMember(db, { org, user: bob, role: 'member' });
 *   const asBob = await signedInClient(app, bob);
 *   const response = await asBob.inject({ method: 'GET', url: `/api/orgs/${org.id}/members` });
 */
export const TEST_KDF_COST = Object.freeze({
  opsLimit: KDF_LIMITS.minOpsLimit,
  memLimit: KDF_LIMITS.minMemLimit,
});

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.test`;
}

/** What a browser holds after making an account: the secrets, and what it sends. */
export interface ClientKeys {
  password: string;
  kdfParams: KdfParams;
  authKey: Uint8Array;
  wrapKey: Uint8Array;
  identity: Identity;
  recoveryCode: string;
  publicIdentity: PublicIdentity;
  wrappedIdentity: WrappedIdentity;
  recoveryWrappedIdentity: WrappedIdentity;
  /** The request body fields of sign-up (and of an admin reset). */
  body: {
    kdfParams: KdfParams;
    authKey: string;
    publicIdentity: PublicIdentity;
    wrappedIdentity: WrappedIdentity;
    recoveryWrappedIdentity: WrappedIdentity;
  };
}

/** Does in Node what the portal does in the browser when it makes an account. */
export async function makeClientKeys(
  password = `pw-${randomBytes(8).toString('hex')}`,
  identity?: Identity,
): Promise<ClientKeys> {
  await ready();
  const kdfParams = generateKdfParams(TEST_KDF_COST);
  const { authKey, wrapKey } = deriveAccountKeys(password, kdfParams);
  const id = identity ?? generateIdentity();
  const recoveryCode = generateRecoveryCode();
  const pub = publicIdentity(id);
  const wrappedIdentity = wrapIdentity(id, wrapKey);
  const recoveryWrappedIdentity = wrapIdentityWithRecoveryCode(id, recoveryCode);
  return {
    password,
    kdfParams,
    authKey,
    wrapKey,
    identity: id,
    recoveryCode,
    publicIdentity: pub,
    wrappedIdentity,
    recoveryWrappedIdentity,
    body: {
      kdfParams,
      authKey: toBase64Url(authKey),
      publicIdentity: pub,
      wrappedIdentity,
      recoveryWrappedIdentity,
    },
  };
}

export interface TestUser extends ClientKeys {
  id: string;
  email: string;
  displayName: string;
}

/** A user written straight to the database (no HTTP), with a published identity. */
export async function createUser(
  db: Db,
  options: {
    email?: string;
    displayName?: string;
    password?: string;
    isInstanceAdmin?: boolean;
  } = {},
): Promise<TestUser> {
  const keys = await makeClientKeys(options.password);
  const email = options.email ?? uniqueEmail();
  const displayName = options.displayName ?? email.split('@')[0] ?? 'Test user';
  const authKeyHash = await hashAuthKey(keys.authKey);
  const user = await db.$transaction(async (tx) => {
    const created = await tx.user.create({
      data: {
        email,
        displayName,
        isInstanceAdmin: options.isInstanceAdmin ?? false,
        kdfParams: { ...keys.kdfParams },
        authKeyHash,
        wrappedIdentity: { ...keys.wrappedIdentity },
        recoveryWrappedIdentity: { ...keys.recoveryWrappedIdentity },
      },
    });
    await publishIdentity(tx, {
      userId: created.id,
      identity: keys.publicIdentity,
      reason: 'sign_up',
      actorUserId: created.id,
    });
    return created;
  });
  return { ...keys, id: user.id, email, displayName };
}

export interface TestOrg {
  id: string;
  name: string;
}

/** An org whose owner is `owner` (audited as the real creation is). */
export async function createTestOrg(
  db: Db,
  options: { owner: { id: string }; name?: string },
): Promise<TestOrg> {
  const org = await createOrg(db, {
    name: options.name ?? `Org ${randomBytes(3).toString('hex')}`,
    ownerId: options.owner.id,
  });
  return { id: org.id, name: org.name };
}

export async function addMember(
  db: Db,
  options: { org: { id: string }; user: { id: string }; role: OrgRole },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.membership.create({
      data: { orgId: options.org.id, userId: options.user.id, role: options.role },
    });
    await recordAudit(tx, {
      orgId: options.org.id,
      actorUserId: null,
      action: 'member.joined',
      subject: { type: 'user', id: options.user.id },
      details: { role: options.role, via: 'test factory' },
    });
  });
}

/** An org with one user per role: `{ org, owner, admin, compliance, member }`. */
export async function createOrgWithRoles(db: Db) {
  const owner = await createUser(db, { displayName: 'Owner' });
  const org = await createTestOrg(db, { owner });
  const [admin, compliance, member] = await Promise.all([
    createUser(db, { displayName: 'Admin' }),
    createUser(db, { displayName: 'Compliance' }),
    createUser(db, { displayName: 'Member' }),
  ]);
  await addMember(db, { org, user: admin, role: 'admin' });
  await addMember(db, { org, user: compliance, role: 'compliance' });
  await addMember(db, { org, user: member, role: 'member' });
  return { org, owner, admin, compliance, member };
}

/**
 * Sends requests with a browser's cookies and CSRF header, and keeps the cookies the API sets
 * (as a browser would: sign-in, sign-out).
 */
export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly app: FastifyInstance,
    cookies: Record<string, string> = {},
  ) {
    for (const [name, value] of Object.entries(cookies)) this.cookies.set(name, value);
  }

  get sessionToken(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }

  async inject(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const { csrf = true, headers = {}, ...rest } = options;
    const csrfToken = this.cookies.get(CSRF_COOKIE);
    const response = await this.app.inject({
      ...rest,
      headers: {
        ...headers,
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(csrf && csrfToken ? { [CSRF_HEADER]: csrfToken } : {}),
      },
    });
    for (const cookie of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const expired =
        cookie.value === '' ||
        cookie.maxAge === 0 ||
        (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

function serverSecret(app: FastifyInstance): string {
  return app.conclave.config.SERVER_SECRET;
}

/** A browser that has opened the portal but not signed in (it has an anonymous CSRF cookie). */
export function anonymousClient(app: FastifyInstance): TestClient {
  return new TestClient(app, { [CSRF_COOKIE]: newCsrfToken(serverSecret(app), undefined) });
}

/** A browser signed in as `user`, with a session made directly in the database (fast). */
export async function signedInClient(
  app: FastifyInstance,
  user: { id: string },
): Promise<TestClient> {
  const session = await createSession({
    db: app.conclave.db,
    userId: user.id,
    userAgent: 'vitest',
  });
  return new TestClient(app, {
    [SESSION_COOKIE]: session.token,
    [CSRF_COOKIE]: newCsrfToken(serverSecret(app), session.token),
  });
}

/** Signs in through the API as the browser does (pre-login, derive, sign-in). */
export async function signInThroughApi(
  app: FastifyInstance,
  user: { email: string; password: string },
): Promise<{ client: TestClient; response: LightMyRequestResponse }> {
  const client = anonymousClient(app);
  const preLogin = await client.inject({
    method: 'POST',
    url: '/api/auth/pre-login',
    payload: { email: user.email },
  });
  const { kdfParams } = preLogin.json<{ kdfParams: KdfParams }>();
  const { authKey } = deriveAccountKeys(user.password, kdfParams);
  const response = await client.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    payload: { email: user.email, authKey: toBase64Url(authKey) },
  });
  return { client, response };
}

/** Signs a statement as the browser does: packages/crypto's `signIdentityStatement`. */
export function signStatement(statement: unknown, identity: Identity): string {
  return signIdentityStatement(identity, statement);
}
