import { z } from 'zod';

/** RFC 9457 problem details, as every error of the API is sent (`application/problem+json`). */
export const problemSchema = z
  .object({
    type: z
      .string()
      .describe('A URN naming the kind of problem, e.g. urn:conclave:problem:not-found'),
    title: z.string().describe('Short summary of the kind of problem'),
    status: z.number().int().describe('HTTP status code'),
    detail: z.string().describe('What went wrong, for a person to read and act on'),
    instance: z.string().describe('The request path'),
    code: z.string().describe('Stable machine-readable code, e.g. not_found'),
    requestId: z.string().describe('Quote this when reporting a problem'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Per-field problems of a request that failed validation'),
    retryAfterSeconds: z.number().int().optional(),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
