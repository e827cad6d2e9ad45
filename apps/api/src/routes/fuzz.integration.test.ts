import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app';
import {
  createOrgWithRoles,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../test/factories';
import { meetingNow, scheduleMeeting } from '../../test/meetings';

/**
 * Schema-driven fuzzing of every route in the OpenAPI document the app serves: arbitraries
 * are generated from each route's own JSON Schema (params, query, body), mixed with hostile
 * strings (NUL, lone surrogates, bidi overrides, control characters, huge, path-like) and
 * arbitrary JSON. Every answer must be below 500, and an answer of 4xx must leave the
 * database as it was (users, orgs, memberships, meetings, invitees, invitations: counts and
 * last change). Runs are bounded per route so the whole file takes well under a minute.
 */

const suite = useTestApp({
  env: {
    PRE_LOGIN_RATE_LIMIT: '100000',
    MEETING_LOBBY_RATE_LIMIT: '10000',
    LIVEKIT_URL: 'ws://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'APIfuzz',
    LIVEKIT_API_SECRET: 'fuzz-secret-with-enough-characters-in-it',
  },
});

const RUNS_PER_ROUTE = 6;

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
};

let owner: TestUser;
let client: TestClient;
let orgId: string;
let meetingId: string;
let document: {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

const HOSTILE = [
  '\u0000',
  'a\u0000b',
  'x\ud800y',
  '\udc00',
  'abc\u202egpj.exe',
  '\u0007\u001b[31m',
  '\u0085',
  '../../etc/passwd',
  'x'.repeat(20_000),
  '',
  ' ',
  '🙂👩‍💻',
  '20261201T083000Z',
  '99991231T235959Z',
  '00000000-0000-0000-0000-000000000000',
];

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.split('/').at(-1) ?? '';
  return document.components?.schemas?.[name] ?? {};
}

/** A fast-check arbitrary for a JSON Schema (the subset zod emits), hostile where it can be. */
function arbitrary(input: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input);
  if (depth > 4) return fc.constant(null);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants && variants.length > 0) {
    return fc.oneof(...variants.map((variant) => arbitrary(variant, depth + 1)));
  }
  if (schema.allOf && schema.allOf.length > 0) return arbitrary(schema.allOf[0]!, depth + 1);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) {
    return fc.oneof(fc.constantFrom(...schema.enum), fc.constantFrom(...HOSTILE));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
        { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
        {
          weight: 2,
          arbitrary:
            schema.format === 'uuid'
              ? fc.uuid()
              : schema.format === 'date-time'
                ? fc
                    .date({
                      min: new Date('0001-01-01'),
                      max: new Date('9999-12-31'),
                      noInvalidDate: true,
                    })
                    .map((date) => date.toISOString())
                : fc.string({ maxLength: 30 }),
        },
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({ min: -10, max: 1000 }),
        fc.constantFrom(-1, 0, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e308, 0.5),
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? arbitrary(schema.items, depth + 1) : fc.jsonValue(), {
        maxLength: 3,
      });
    case 'object':
    default: {
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0)
        return fc.dictionary(fc.constantFrom(...HOSTILE.slice(0, 6)), fc.jsonValue(), {
          maxKeys: 2,
        });
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of keys) model[key] = arbitrary(properties[key]!, depth + 1);
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in model) });
    }
  }
}

/** What a rejected request must not change. */
async function fingerprint(): Promise<string> {
  const rows = await suite.db.$queryRawUnsafe<Record<string, unknown>[]>(`
    SELECT (SELECT count(*) FROM users) AS users,
           (SELECT max(updated_at) FROM users) AS users_at,
           (SELECT count(*) FROM orgs) AS orgs,
           (SELECT max(updated_at) FROM orgs) AS orgs_at,
           (SELECT count(*) FROM memberships) AS memberships,
           (SELECT max(updated_at) FROM memberships) AS memberships_at,
           (SELECT count(*) FROM meetings) AS meetings,
           (SELECT max(updated_at) FROM meetings) AS meetings_at,
           (SELECT count(*) FROM meeting_invitees) AS invitees,
           (SELECT count(*) FROM invitations) AS invitations`);
  return JSON.stringify(rows[0], (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** Percent-encodes anything, lone surrogates included (as the bytes a hostile client sends). */
function encodeAny(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    } else out += encodeURIComponent(char);
  }
  return out;
}

function paramValue(name: string, generated: unknown): string {
  if (typeof generated !== 'string' || Math.random() < 0.5) {
    if (/org/i.test(name)) return orgId;
    if (/meeting/i.test(name)) return meetingId;
  }
  return encodeAny(String(generated));
}

beforeAll(async () => {
  const roles = await createOrgWithRoles(suite.db);
  owner = roles.owner;
  orgId = roles.org.id;
  client = await signedInClient(suite.app, owner);
  meetingId = (await scheduleMeeting(client, orgId, meetingNow({ recurrence: 'FREQ=DAILY' }))).id;
  await suite.app.ready();
  document = suite.app.swagger() as unknown as typeof document;
});

describe('fuzzing every route of the OpenAPI document', () => {
  it('answers below 500, and rejected input changes nothing', async () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    let requests = 0;
    const statuses = new Map<number, number>();
    for (const { path, method, operation } of operations) {
      const parameters = operation.parameters ?? [];
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      const input = fc.record({
        params: fc.record(
          Object.fromEntries(
            parameters
              .filter((p) => p.in === 'path')
              .map((p) => [p.name, arbitrary(p.schema ?? { type: 'string' })]),
          ),
        ),
        query: fc.record(
          Object.fromEntries(
            parameters
              .filter((p) => p.in === 'query')
              .map((p) => [p.name, arbitrary(p.schema ?? { type: 'string' })]),
          ),
          { requiredKeys: [] },
        ),
        body: bodySchema
          ? fc.oneof(
              { weight: 4, arbitrary: arbitrary(bodySchema) },
              { weight: 1, arbitrary: fc.jsonValue() },
            )
          : fc.constant(undefined),
      });
      const samples = fc.sample(input, {
        numRuns: RUNS_PER_ROUTE,
        seed: path.length * 7919 + method.length,
      });
      for (const sample of samples) {
        const url = path.replace(/\{([^}]+)\}/g, (_match, name: string) =>
          paramValue(name, (sample.params as Record<string, unknown>)[name]),
        );
        const query = Object.entries(sample.query as Record<string, unknown>)
          .map(
            ([key, value]) =>
              `${encodeAny(key)}=${encodeAny(typeof value === 'string' ? value : JSON.stringify(value))}`,
          )
          .join('&');
        const before = await fingerprint();
        const response = await client.inject({
          method: method,
          url: `${url}${query ? `?${query}` : ''}`,
          ...(sample.body !== undefined && method !== 'GET'
            ? {
                payload: JSON.stringify(sample.body),
                headers: { 'content-type': 'application/json' },
              }
            : {}),
        });
        requests += 1;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const what = `${method} ${url} ${JSON.stringify(sample.body)?.slice(0, 300)}`;
        expect(response.statusCode, `${what} -> ${response.body.slice(0, 500)}`).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(await fingerprint(), `${what} changed state with ${response.statusCode}`).toBe(
            before,
          );
        }
      }
      // A route may have signed the client out (sign-out, deleting sessions): sign in again.
      const account = await client.inject({ method: 'GET', url: '/api/account' });
      if (account.statusCode === 401) client = await signedInClient(suite.app, owner);
    }
    expect(requests).toBeGreaterThan(200);
    console.info(
      `fuzz: ${operations.length} operations, ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 120_000);
});
