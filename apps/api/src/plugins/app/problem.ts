import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
} from 'fastify-type-provider-zod';
import { PROBLEM_CONTENT_TYPE, type Problem } from '@conclave/contracts';
import {
  AppError,
  errorStatus,
  errorTitle,
  problemType,
  type ErrorCode,
  type FieldIssue,
} from '../../errors';

/** Maps a 4xx status that Fastify or a plugin raised to our closest error code. */
function codeForStatus(status: number): ErrorCode {
  const match = (Object.entries(errorStatus) as [ErrorCode, number][]).find(
    ([, s]) => s === status,
  );
  return match ? match[0] : 'bad_request';
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: { code: ErrorCode; message: string; errors?: FieldIssue[]; retryAfterSeconds?: number },
): FastifyReply {
  const status = errorStatus[error.code];
  const body: Problem = {
    type: problemType(error.code),
    title: errorTitle[error.code],
    status,
    detail: error.message,
    instance: request.url.split('?')[0] ?? request.url,
    code: error.code,
    requestId: request.id,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: error.retryAfterSeconds }
      : {}),
  };
  if (error.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.retryAfterSeconds));
  }
  // The serializer compiler of a route would try to match its own response schemas.
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(body);
}

function zodIssues(error: FastifyError): FieldIssue[] {
  const context =
    (error as FastifyError & { validationContext?: string }).validationContext ?? 'request';
  return (error.validation ?? []).map((issue) => {
    const instancePath = (issue as { instancePath?: string }).instancePath ?? '';
    const fieldPath = instancePath.replace(/^\//, '').replaceAll('/', '.');
    return {
      path: fieldPath ? `${context}.${fieldPath}` : context,
      message: issue.message ?? 'is invalid',
    };
  });
}

/**
 * Every error leaves the API as RFC 9457 problem+json: our AppErrors with their own message,
 * schema violations with one entry per field, Fastify's own 4xx (bad JSON, too large, wrong
 * content type) with Fastify's message, and anything else as a 500 whose detail says only
 * "internal error" and a request id, while the log keeps the stack.
 */
export default fp(
  function problemPlugin(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        if (error.status >= 500) request.log.error({ err: error }, 'server error');
        return sendProblem(request, reply, {
          code: error.code,
          message: error.message,
          ...error.extras,
        });
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = zodIssues(error);
        return sendProblem(request, reply, {
          code: 'validation_failed',
          message: errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
          errors,
        });
      }
      if (isResponseSerializationError(error)) {
        request.log.error({ err: error }, 'response did not match its schema');
        return sendProblem(request, reply, {
          code: 'internal',
          message: 'Internal error. Quote the request id when you report it.',
        });
      }
      const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
      if (status >= 400 && status < 500) {
        const code = codeForStatus(status);
        const message =
          error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? 'The request body is not valid JSON.'
            : error.message;
        return sendProblem(request, reply, { code, message });
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(request, reply, {
        code: status === 503 ? 'unavailable' : 'internal',
        message:
          status === 503
            ? 'The service is not available right now. Try again shortly.'
            : 'Internal error. Quote the request id when you report it.',
      });
    });
  },
  { name: 'problem' },
);
