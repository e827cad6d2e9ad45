import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPrismaClient, type Db } from '../src/db/client';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { applyMigrations } from '../src/db/migrations';

/**
 * A fresh, migrated database for one test file: on the PostgreSQL already running on this
 * machine (TEST_DATABASE_ADMIN_URL, default postgresql://conclave_test@127.0.0.1:5432/postgres)
 * when it answers, else an embedded PGlite in a temporary folder. `drop()` removes it.
 */
export interface TestDatabase {
  connectionString: string;
  db: Db;
  kind: 'postgresql' | 'pglite';
  drop(): Promise<void>;
}

const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://conclave_test@127.0.0.1:5432/postgres';

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function createEmptyDatabase(): Promise<{
  connectionString: string;
  kind: TestDatabase['kind'];
  drop(): Promise<void>;
}> {
  const available = await postgresAvailable();
  // CI installs and starts PostgreSQL (.ci/run): falling back to PGlite there would hide a
  // broken set-up behind a green run.
  if (!available && process.env.CI)
    throw new Error(`createEmptyDatabase: no PostgreSQL answers at ${ADMIN_URL} (CI requires it)`);
  if (available) {
    const name = `conclave_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      connectionString: url.toString(),
      kind: 'postgresql',
      async drop() {
        const client = new pg.Client({ connectionString: ADMIN_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'conclave-pglite-'));
  const embedded = await startEmbeddedPostgres(dir);
  return {
    connectionString: embedded.connectionString,
    kind: 'pglite',
    async drop() {
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The login role tests connect as to play the API (a member of `conclave_api`). */
export const TEST_API_ROLE = 'conclave_test_api';
// Test-only, on the loopback cluster the tests already own as superuser: not a secret.
const TEST_API_PASSWORD = 'conclave-test-api-role';

/**
 * A connection string for `database` as the API's own role (migration 20261203130000_roles):
 * a login role that is a member of `conclave_api`, made on first use. Null for PGlite, which
 * has a single session user. Several test files may call it at once: an advisory lock keeps
 * the role's creation and grant in one file at a time.
 */
export async function apiRoleConnectionString(database: {
  connectionString: string;
  kind: TestDatabase['kind'];
}): Promise<string | null> {
  if (database.kind !== 'postgresql') return null;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query('SELECT pg_advisory_xact_lock(72707370)');
    const { rows } = await admin.query<{ member: boolean | null }>(
      `SELECT pg_has_role($1, 'conclave_api', 'MEMBER') AS member
         FROM pg_roles WHERE rolname = $1`,
      [TEST_API_ROLE],
    );
    if (rows.length === 0) {
      await admin.query(
        `CREATE ROLE ${TEST_API_ROLE} LOGIN PASSWORD '${TEST_API_PASSWORD}' IN ROLE conclave_api`,
      );
    } else if (!rows[0]?.member) {
      await admin.query(`GRANT conclave_api TO ${TEST_API_ROLE}`);
    }
    await admin.query('COMMIT');
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await admin.end();
  }
  const url = new URL(database.connectionString);
  url.username = TEST_API_ROLE;
  url.password = TEST_API_PASSWORD;
  return url.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  await applyMigrations({ connectionString: empty.connectionString });
  const db = createPrismaClient({
    connectionString: empty.connectionString,
    poolSize: empty.kind === 'pglite' ? 1 : 5,
  });
  return {
    ...empty,
    db,
    async drop() {
      await db.$disconnect();
      await empty.drop();
    },
  };
}
