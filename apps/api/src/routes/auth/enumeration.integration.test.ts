import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '@conclave/crypto';
import { testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import {
  anonymousClient,
  createTestOrg,
  createUser,
  signInThroughApi,
  uniqueEmail,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import conclaveApi, { fastifyOptions } from '../../app';
import type { Db } from '../../db/client';
import type { Mailer } from '../../services/mail/mailer';

/**
 * Whether an address has an account must not show in what a request does before its answer:
 * every database operation and mail is logged in one sequence with the moment the reply is
 * sent, and the work before the reply must be the same for an existing and an unknown address
 * (docs/security.md, "Lower findings"). Also the per-address sign-in budget, which does not
 * depend on the client's network address.
 */
const events: string[] = [];
let database: TestDatabase;
let app: FastifyInstance;
let user: TestUser;

beforeAll(async () => {
  database = await createTestDatabase();
  user = await createUser(database.db);
  await createTestOrg(database.db, { owner: user });
  const counted = database.db.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        events.push(`db:${model ?? 'raw'}.${operation}`);
        return (await query(args)) as unknown;
      },
    },
  }) as unknown as Db;
  const mailer: Mailer = {
    kind: 'outbox',
    async send(message) {
      events.push(`mail:${message.to}`);
    },
    async close() {},
  };
  const config = testConfig({
    SIGN_IN_RATE_LIMIT: '1000',
    SIGN_IN_ACCOUNT_FAILURE_LIMIT: '4',
    PRE_LOGIN_RATE_LIMIT: '1000',
  });
  app = Fastify(fastifyOptions(config));
  // At the root, before the app's routes: marks the moment each reply is sent.
  app.addHook('onSend', async (_request, _reply, payload) => {
    events.push('reply');
    return payload;
  });
  await app.register(conclaveApi, { config, db: counted, version: '0.0.0-test', mailer });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** What happened before the reply and after it (until deferred work finished). */
async function workOf(send: () => Promise<{ statusCode: number; body: string }>) {
  await app.deferred.idle();
  events.length = 0;
  const response = await send();
  await app.deferred.idle();
  const reply = events.indexOf('reply');
  expect(reply).toBeGreaterThanOrEqual(0);
  return {
    status: response.statusCode,
    body: response.body,
    before: events.slice(0, reply),
    after: events.slice(reply + 1),
  };
}

const recoveryRequest = (email: string) => () =>
  anonymousClient(app).inject({
    method: 'POST',
    url: '/api/auth/recovery/request',
    payload: { email },
  });

const signInAttempt = (email: string) => () =>
  anonymousClient(app).inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    payload: { email, authKey: toBase64Url(new Uint8Array(32).fill(7)) },
    remoteAddress: '192.0.2.1',
  });

describe('no account enumeration by the work a request does', () => {
  it('"forgot password" does the same before its answer for existing and unknown addresses', async () => {
    const unknown = uniqueEmail('nobody');
    const existing = await workOf(recoveryRequest(user.email));
    const missing = await workOf(recoveryRequest(unknown));
    expect(existing.status).toBe(202);
    expect(missing.status).toBe(202);
    expect(existing.before).toEqual(missing.before);
    expect(existing.body.replace(user.email, 'X')).toBe(missing.body.replace(unknown, 'X'));
    // The look-up, the token and the mail happen after the answer, for the existing one only.
    expect(existing.after).toContain(`mail:${user.email}`);
    expect(existing.after.some((event) => event.startsWith('db:AccountToken.create'))).toBe(true);
    expect(missing.after.some((event) => event.startsWith('mail:'))).toBe(false);
  });

  it('a failed sign-in does the same before its answer for existing and unknown addresses', async () => {
    const existing = await workOf(signInAttempt(user.email));
    const missing = await workOf(signInAttempt(uniqueEmail('nobody')));
    expect(existing.status).toBe(401);
    expect(missing.status).toBe(401);
    const problem = (body: string) => {
      const { detail, code, status } = JSON.parse(body) as Record<string, unknown>;
      return { detail, code, status };
    };
    expect(problem(existing.body)).toEqual(problem(missing.body));
    expect(existing.before).toEqual(missing.before);
    // The failure is still audited, after the answer.
    expect(existing.after.some((event) => event.startsWith('db:AuditEntry.create'))).toBe(true);
    const audited = await database.db.auditEntry.count({
      where: { action: 'auth.sign_in_failed', subjectId: user.id },
    });
    expect(audited).toBeGreaterThanOrEqual(1);
  });
});

describe('failed sign-ins per e-mail address, whatever the client address', () => {
  it('refuses an address after its budget of failures from many client addresses', async () => {
    const victim = await createUser(database.db);
    const attempt = (email: string, remoteAddress: string) =>
      anonymousClient(app).inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email, authKey: toBase64Url(new Uint8Array(32)) },
        remoteAddress,
      });
    // A correct sign-in does not use the budget.
    expect((await signInThroughApi(app, victim)).response.statusCode).toBe(200);
    for (let i = 0; i < 4; i++) {
      expect((await attempt(victim.email, `198.51.100.${i + 1}`)).statusCode).toBe(401);
    }
    const refused = expectProblem(await attempt(victim.email, '198.51.100.99'), 429);
    expect(refused.detail).toMatch(/Too many failed sign-ins for .* in the last hour/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(3000);
    // The right password waits too (the budget belongs to the address, not the guesser) ...
    expect((await signInThroughApi(app, victim)).response.statusCode).toBe(429);
    // ... and another address is not affected.
    expect((await signInThroughApi(app, user)).response.statusCode).toBe(200);
  });

  it('treats an address without an account the same (no enumeration through the limit)', async () => {
    const nobody = uniqueEmail('nobody');
    const attempt = (i: number) =>
      anonymousClient(app).inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email: nobody, authKey: toBase64Url(new Uint8Array(32)) },
        remoteAddress: `203.0.113.${i}`,
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(i)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});
