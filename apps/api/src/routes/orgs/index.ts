import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInvitationResponseSchema,
  auditPageSchema,
  auditQuerySchema,
  changeRoleRequestSchema,
  createInvitationRequestSchema,
  createOrgRequestSchema,
  invitationListSchema,
  invitationLookupSchema,
  invitationParamsSchema,
  invitationSchema,
  memberListSchema,
  memberParamsSchema,
  orgListSchema,
  orgParamsSchema,
  orgSchema,
  problemSchema,
  renameOrgRequestSchema,
  tokenRequestSchema,
  transferOwnershipRequestSchema,
} from '@conclave/contracts';
import { requireOrgRole, requireUser } from '../../plugins/app/auth';
import { userOrgs } from '../../services/accounts/account-state';
import { AUDIT_READER_ROLES } from '../../services/accounts/authorization';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  lookUpInvitation,
  resendInvitation,
  revokeInvitation,
} from '../../services/accounts/invitations';
import {
  changeRole,
  leaveOrg,
  listMembers,
  removeMember,
  transferOwnership,
} from '../../services/accounts/members';
import { createOrg, getOrg, renameOrg } from '../../services/accounts/orgs';
import { requestAdminReset } from '../../services/accounts/recovery';
import { listAudit } from '../../services/audit/list';
import { unauthenticatedLimit } from '../auth/limits';
import policyRoutes from './policy';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};

/** Organisations, members, roles, invitations and the audit log. */
const orgRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db, mailer } = app.conclave;
  const mail = { db, mailer, publicUrl: config.PUBLIC_URL };

  await app.register(policyRoutes);

  app.get(
    '/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: 'The orgs I belong to',
        response: { 200: orgListSchema, 401: problemSchema },
      },
    },
    async (request) => ({ orgs: await userOrgs(db, requireUser(request).user.id) }),
  );

  app.post(
    '/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Create an org; I become its owner',
        body: createOrgRequestSchema,
        response: { 201: orgSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const org = await createOrg(db, { name: request.body.name, ownerId: user.id });
      return reply.code(201).send(await getOrg(db, { orgId: org.id, userId: user.id }));
    },
  );

  app.get(
    '/orgs/:orgId',
    {
      schema: {
        tags: ['orgs'],
        summary: 'An org I belong to, with my role',
        params: orgParamsSchema,
        response: { 200: orgSchema, ...problems },
      },
    },
    async (request) =>
      getOrg(db, { orgId: request.params.orgId, userId: requireUser(request).user.id }),
  );

  app.patch(
    '/orgs/:orgId',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Rename an org (owner, admin)',
        params: orgParamsSchema,
        body: renameOrgRequestSchema,
        response: { 200: orgSchema, ...problems },
      },
    },
    async (request) =>
      renameOrg(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
        name: request.body.name,
      }),
  );

  app.get(
    '/orgs/:orgId/members',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Members and their roles (every member may see them)',
        params: orgParamsSchema,
        response: { 200: memberListSchema, ...problems },
      },
    },
    async (request) => ({
      members: await listMembers(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
      }),
    }),
  );

  app.patch(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags: ['orgs'],
        summary: "Change a member's role (owner, admin; only owners touch owners)",
        params: memberParamsSchema,
        body: changeRoleRequestSchema,
        response: { 200: memberListSchema, ...problems },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      await changeRole(db, {
        orgId: request.params.orgId,
        actorUserId: user.id,
        targetUserId: request.params.userId,
        role: request.body.role,
      });
      return { members: await listMembers(db, { orgId: request.params.orgId, userId: user.id }) };
    },
  );

  app.delete(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Remove a member (owner, admin), or leave when it is me',
        params: memberParamsSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const actorUserId = requireUser(request).user.id;
      const { orgId, userId } = request.params;
      await removeMember(db, { orgId, actorUserId, targetUserId: userId });
      // A former member's open control channels into the org's meetings close (4403).
      await app.meetings.hub.endMembership({ orgId, userId, left: userId === actorUserId });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/orgs/:orgId/members/:userId/reset',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Admin reset: mail the member a link to set a new password and get new keys',
        params: memberParamsSchema,
        response: { 202: z.object({ message: z.string() }), ...problems, 503: problemSchema },
      },
    },
    async (request, reply) => {
      await requestAdminReset({
        ...mail,
        orgId: request.params.orgId,
        actorUserId: requireUser(request).user.id,
        targetUserId: request.params.userId,
      });
      return reply.code(202).send({
        message: 'We mailed the member a link to set a new password. Their keys will change.',
      });
    },
  );

  app.post(
    '/orgs/:orgId/leave',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Leave an org (not as its last owner)',
        params: orgParamsSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const userId = requireUser(request).user.id;
      await leaveOrg(db, { orgId: request.params.orgId, userId });
      await app.meetings.hub.endMembership({ orgId: request.params.orgId, userId, left: true });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/orgs/:orgId/transfer-ownership',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Make another member owner; I become admin (owner)',
        params: orgParamsSchema,
        body: transferOwnershipRequestSchema,
        response: { 200: memberListSchema, ...problems },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      await transferOwnership(db, {
        orgId: request.params.orgId,
        actorUserId: user.id,
        targetUserId: request.body.userId,
      });
      return { members: await listMembers(db, { orgId: request.params.orgId, userId: user.id }) };
    },
  );

  app.get(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invitations of an org, newest first (owner, admin)',
        params: orgParamsSchema,
        response: { 200: invitationListSchema, ...problems },
      },
    },
    async (request) => ({
      invitations: await listInvitations(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
      }),
    }),
  );

  app.post(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invite someone by e-mail (owner, admin); the link works once, for 7 days',
        params: orgParamsSchema,
        body: createInvitationRequestSchema,
        response: { 201: invitationSchema, ...problems, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const invitation = await createInvitation({
        ...mail,
        orgId: request.params.orgId,
        actorUserId: requireUser(request).user.id,
        email: request.body.email,
        role: request.body.role,
      });
      return reply.code(201).send(invitation);
    },
  );

  app.post(
    '/orgs/:orgId/invitations/:invitationId/resend',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Send an invitation again with a new link and expiry (owner, admin)',
        params: invitationParamsSchema,
        response: { 200: invitationSchema, ...problems, 503: problemSchema },
      },
    },
    async (request) =>
      resendInvitation({
        ...mail,
        orgId: request.params.orgId,
        actorUserId: requireUser(request).user.id,
        invitationId: request.params.invitationId,
      }),
  );

  app.delete(
    '/orgs/:orgId/invitations/:invitationId',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Withdraw an invitation (owner, admin)',
        params: invitationParamsSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await revokeInvitation({
        db,
        orgId: request.params.orgId,
        actorUserId: requireUser(request).user.id,
        invitationId: request.params.invitationId,
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations/lookup',
    {
      preHandler: unauthenticatedLimit(app),
      schema: {
        tags: ['invitations'],
        summary: 'What an invitation link is for',
        body: tokenRequestSchema,
        response: {
          200: invitationLookupSchema,
          ...problems,
          410: problemSchema,
          429: problemSchema,
        },
      },
    },
    async (request) => lookUpInvitation(db, request.body.token),
  );

  app.post(
    '/invitations/accept',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Accept an invitation sent to my address',
        body: tokenRequestSchema,
        response: { 200: acceptInvitationResponseSchema, ...problems, 410: problemSchema },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return { org: await acceptInvitation({ db, token: request.body.token, user }) };
    },
  );

  app.get(
    '/orgs/:orgId/audit',
    {
      schema: {
        tags: ['audit'],
        summary: "The org's audit log, newest first (owner, admin, compliance)",
        params: orgParamsSchema,
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...problems },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      await requireOrgRole(db, {
        orgId: request.params.orgId,
        userId: user.id,
        roles: AUDIT_READER_ROLES,
      });
      return listAudit(db, { orgId: request.params.orgId, ...request.query });
    },
  );
};

export default orgRoutes;
