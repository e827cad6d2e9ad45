import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { problemSchema, type Problem } from '@conclave/contracts';

/** Asserts a problem+json response with the given status and returns the problem. */
export function expectProblem(response: LightMyRequestResponse, status: number): Problem {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = problemSchema.parse(response.json());
  expect(problem.status).toBe(status);
  expect(problem.detail.length).toBeGreaterThan(5);
  return problem;
}

export function expectStatus(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode, `${response.statusCode}: ${response.body}`).toBe(status);
}
