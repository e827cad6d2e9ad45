import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '@conclave/contracts';
import { buildTestApp } from '../test/app';
import { createTestDatabase, type TestDatabase } from '../test/database';
import { AppError } from './errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

let database: TestDatabase;
let app: FastifyInstance;

const probeRoutes: FastifyPluginAsyncZod = async (probe) => {
  probe.post(
    '/api/test/echo',
    {
      schema: {
        body: z.object({ email: z.email(), count: z.number().int().min(1) }),
        response: { 200: z.object({ email: z.string(), count: z.number() }) },
      },
    },
    (request) => request.body,
  );
  probe.get('/api/test/crash', () => {
    throw new Error('secret internal detail: password=hunter2 at /srv/app.ts:12');
  });
  probe.get('/api/test/private', () => {
    throw new AppError('unauthenticated', 'Sign in to see this.');
  });
  probe.get(
    '/api/test/bad-response',
    { schema: { response: { 200: z.object({ ok: z.boolean() }) } } },
    () => ({ unexpected: true }) as unknown as { ok: boolean },
  );
};

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildTestApp({ db: database.db, extend: probeRoutes });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function expectProblem(response: Awaited<ReturnType<FastifyInstance['inject']>>, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = problemSchema.parse(response.json());
  expect(body.status).toBe(status);
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

describe('health', () => {
  it('GET /api/health answers without touching the database', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', version: '0.0.0-test' });
  });

  it('GET /api/ready checks the database', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: 'ok' });
  });
});

describe('problem responses (RFC 9457)', () => {
  it('malformed JSON is a 400 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    const problem = expectProblem(response, 400);
    expect(problem.code).toBe('bad_request');
    expect(problem.detail).toBe('The request body is not valid JSON.');
    expect(problem.instance).toBe('/api/test/echo');
  });

  it('malformed JSON to an unknown route is a 400 or 404 problem, never HTML', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/health',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    expectProblem(response, 400);
  });

  it('a schema violation names every bad field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      payload: { email: 'not-an-email', count: 0 },
    });
    const problem = expectProblem(response, 400);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((issue) => issue.path).sort()).toEqual(['body.count', 'body.email']);
  });

  it('a missing body is a validation problem', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/test/echo' });
    const problem = expectProblem(response, 400);
    expect(problem.code).toBe('validation_failed');
  });

  it('an unsupported content type is a 415 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expectProblem(response, 415);
  });

  it('a too large body is a 413 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.co', count: 1, pad: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expectProblem(response, 413);
  });

  it('an unknown route is a 404 problem', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const response = await app.inject({ method, url: '/api/no/such/route?x=1' });
      const problem = expectProblem(response, 404);
      expect(problem.instance).toBe('/api/no/such/route');
      expect(problem.detail).toContain(`${method} /api/no/such/route`);
    }
  });

  it('an auth failure is a 401 problem with its message', async () => {
    const problem = expectProblem(
      await app.inject({ method: 'GET', url: '/api/test/private' }),
      401,
    );
    expect(problem.detail).toBe('Sign in to see this.');
  });

  it('an unexpected error is a 500 problem without internals', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/test/crash' });
    const problem = expectProblem(response, 500);
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('app.ts');
    expect(response.body).not.toMatch(/\bat\s/);
    expect(problem.detail).toMatch(/request id/);
  });

  it('a response that breaks its own schema is a 500 problem, not leaked data', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/test/bad-response' });
    expectProblem(response, 500);
    expect(response.body).not.toContain('unexpected');
  });
});

describe('request ids and headers', () => {
  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const good = await app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'x-request-id': 'proxy-1234abcd' },
    });
    expect(good.headers['x-request-id']).toBe('proxy-1234abcd');
    const bad = await app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'x-request-id': 'bad id\n' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers on API responses', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the zod schemas, and its UI', async () => {
    const spec = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(spec.statusCode).toBe(200);
    const document = spec.json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/ready']),
    );
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Health', 'Problem']),
    );
    const ui = await app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
