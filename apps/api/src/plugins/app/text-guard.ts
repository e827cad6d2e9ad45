import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findTextIssue } from '@conclave/contracts';

/**
 * The validator compiler every route uses: first the contracts' shared text check over every
 * string of the body, query and params (control characters, lone surrogates, bidirectional
 * overrides: a 400 naming the field, where a NUL used to reach PostgreSQL and answer 500),
 * then the route's own zod schema. Fields the contracts mark single-line refuse line breaks
 * in their schema as well.
 */
export const textCheckingValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  return (data: unknown) => {
    const issue = findTextIssue(data);
    if (!issue) return validate(data);
    const path = issue.path.split('/').filter((part) => part !== '');
    // Run through the provider itself so the error has exactly its shape (and problem mapping).
    return validatorCompiler({
      ...route,
      schema: z.unknown().superRefine((_value, context) => {
        context.addIssue({ code: 'custom', path, message: issue.message });
      }),
    })(data);
  };
};
