import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  orgParamsSchema,
  orgPolicyResponseSchema,
  problemSchema,
  updateOrgPolicySchema,
} from '@conclave/contracts';
import { requireUser } from '../../plugins/app/auth';
import { getOrgPolicy, updateOrgPolicy } from '../../services/policies/org-policy';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  422: problemSchema,
};

/** An org's policy (docs/policies.md): every member reads it, owners and admins change it. */
const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;

  app.get(
    '/orgs/:orgId/policy',
    {
      schema: {
        tags: ['orgs'],
        summary: "The org's policy: each setting with its lock (every member)",
        params: orgParamsSchema,
        response: { 200: orgPolicyResponseSchema, ...problems },
      },
    },
    async (request) =>
      getOrgPolicy(db, { orgId: request.params.orgId, userId: requireUser(request).user.id }),
  );

  app.put(
    '/orgs/:orgId/policy',
    {
      schema: {
        tags: ['orgs'],
        summary: "Replace the org's policy (owner, admin); existing meetings are tightened too",
        params: orgParamsSchema,
        body: updateOrgPolicySchema,
        response: { 200: orgPolicyResponseSchema, ...problems },
      },
    },
    async (request) =>
      updateOrgPolicy(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
        policy: request.body,
      }),
  );
};

export default policyRoutes;
