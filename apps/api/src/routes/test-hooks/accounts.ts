import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deriveAccountKeys,
  generateIdentity,
  generateKdfParams,
  generateRecoveryCode,
  KDF_LIMITS,
  normalizeEmail,
  publicIdentity,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
} from '@conclave/crypto';
import {
  displayNameSchema,
  emailSchema,
  idSchema,
  orgNameSchema,
  orgRoleSchema,
  signUpPolicySchema,
} from '@conclave/contracts';
import { hashAuthKey } from '../../services/accounts/auth-key-hash';
import { publishIdentity } from '../../services/accounts/identity';
import { createOrg } from '../../services/accounts/orgs';
import { setSignUpPolicy } from '../../services/accounts/settings';
import { recordAudit } from '../../services/audit/record';
import { listOutbox } from '../../services/accounts/admin';
import { createInvitation } from '../../services/accounts/invitations';

/**
 * Test-only routes for the end-to-end tests (exist only with CONCLAVE_TEST_HOOKS=true, which
 * production refuses). The e2e suite shares one server, and the first sign-up on an empty
 * installation is special, so tests make their own users and orgs here instead of depending
 * on which test ran first. Users get the keys a browser would make, at the cheapest Argon2id
 * cost packages/crypto accepts, so signing in as them in the browser is fast.
 */
const accountTestHooks: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;

  async function makeUser(input: {
    email: string;
    password: string;
    displayName: string;
    isInstanceAdmin?: boolean;
  }) {
    const kdfParams = generateKdfParams({
      opsLimit: KDF_LIMITS.minOpsLimit,
      memLimit: KDF_LIMITS.minMemLimit,
    });
    const { authKey, wrapKey } = deriveAccountKeys(input.password, kdfParams);
    const identity = generateIdentity();
    const recoveryCode = generateRecoveryCode();
    const authKeyHash = await hashAuthKey(authKey);
    const user = await db.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          email: normalizeEmail(input.email),
          displayName: input.displayName,
          isInstanceAdmin: input.isInstanceAdmin ?? false,
          kdfParams: { ...kdfParams },
          authKeyHash,
          wrappedIdentity: { ...wrapIdentity(identity, wrapKey) },
          recoveryWrappedIdentity: { ...wrapIdentityWithRecoveryCode(identity, recoveryCode) },
        },
      });
      await publishIdentity(tx, {
        userId: created.id,
        identity: publicIdentity(identity),
        reason: 'sign_up',
        actorUserId: created.id,
      });
      return created;
    });
    return { userId: user.id, email: user.email, recoveryCode };
  }

  const userBody = z.object({
    email: emailSchema,
    password: z.string().min(1),
    displayName: displayNameSchema,
  });

  app.post(
    '/test/accounts/org',
    {
      config: { csrf: false },
      schema: {
        hide: true,
        body: userBody.extend({
          orgName: orgNameSchema,
          instanceAdmin: z.boolean().default(false),
        }),
      },
    },
    async (request, reply) => {
      const owner = await makeUser({
        ...request.body,
        isInstanceAdmin: request.body.instanceAdmin,
      });
      const org = await createOrg(db, { name: request.body.orgName, ownerId: owner.userId });
      return reply.code(201).send({ ...owner, orgId: org.id });
    },
  );

  app.post(
    '/test/accounts/member',
    {
      config: { csrf: false },
      schema: { hide: true, body: userBody.extend({ orgId: idSchema, role: orgRoleSchema }) },
    },
    async (request, reply) => {
      const user = await makeUser(request.body);
      await db.$transaction(async (tx) => {
        await tx.membership.create({
          data: { orgId: request.body.orgId, userId: user.userId, role: request.body.role },
        });
        await recordAudit(tx, {
          orgId: request.body.orgId,
          actorUserId: null,
          action: 'member.joined',
          subject: { type: 'user', id: user.userId },
          details: { role: request.body.role, via: 'test hook' },
        });
      });
      return reply.code(201).send(user);
    },
  );

  /** Opens (or closes) sign-up; makes sure the installation is past its first sign-up. */
  app.put(
    '/test/accounts/sign-up-policy',
    { config: { csrf: false }, schema: { hide: true, body: signUpPolicySchema } },
    async (request) => {
      let admin = await db.user.findFirst({ where: { isInstanceAdmin: true } });
      if (!admin) {
        const made = await makeUser({
          email: `instance-admin-${Date.now()}@example.test`,
          password: 'instance admin password',
          displayName: 'Instance admin',
          isInstanceAdmin: true,
        });
        admin = await db.user.findUniqueOrThrow({ where: { id: made.userId } });
      }
      return setSignUpPolicy({ db, actorUserId: admin.id, policy: request.body });
    },
  );

  app.post(
    '/test/accounts/invitation',
    {
      config: { csrf: false },
      schema: {
        hide: true,
        body: z.object({
          orgId: idSchema,
          inviterUserId: idSchema,
          email: emailSchema,
          role: orgRoleSchema,
        }),
      },
    },
    async (request, reply) => {
      const invitation = await createInvitation({
        db,
        mailer: app.conclave.mailer,
        publicUrl: app.conclave.config.PUBLIC_URL,
        orgId: request.body.orgId,
        actorUserId: request.body.inviterUserId,
        email: request.body.email,
        role: request.body.role,
      });
      return reply.code(201).send(invitation);
    },
  );

  app.get(
    '/test/outbox',
    { schema: { hide: true, querystring: z.object({ to: emailSchema }) } },
    async (request) => ({ mails: await listOutbox(db, { to: normalizeEmail(request.query.to) }) }),
  );
};

export default accountTestHooks;
