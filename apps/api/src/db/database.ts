import type { Config } from '../config';
import { createPrismaClient, type Db } from './client';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations, pendingMigrations, type MigrationLogger } from './migrations';

export interface Database {
  db: Db;
  connectionString: string;
  embedded: boolean;
  close(): Promise<void>;
}

export class DatabaseNotMigratedError extends Error {
  constructor(pending: string[]) {
    super(
      `The database has ${pending.length} pending migration(s) (${pending.join(', ')}). Run \`npm run db:migrate\` with the same DATABASE_URL, then start again.`,
    );
    this.name = 'DatabaseNotMigratedError';
  }
}

export interface DatabaseRole {
  name: string;
  superuser: boolean;
  /** Owner (or a member of the owner) of audit_entries: could disable its triggers. */
  ownsAuditLog: boolean;
}

/** Who the connection logs in as, and whether that role could tamper with the audit log. */
export async function databaseRole(db: Db): Promise<DatabaseRole> {
  const [row] = await db.$queryRaw<DatabaseRole[]>`
    SELECT current_user::text AS "name", r.rolsuper AS "superuser",
           pg_has_role(current_user, c.relowner, 'MEMBER') AS "ownsAuditLog"
      FROM pg_roles r, pg_class c
     WHERE r.rolname = current_user AND c.oid = '"audit_entries"'::regclass`;
  if (!row) throw new Error('databaseRole: no audit_entries table');
  return row;
}

/**
 * With DATABASE_URL: the given PostgreSQL, which must already be migrated (operators migrate
 * as a deliberate step; several API instances must not race to do it). Without: the embedded
 * PGlite under DATA_DIR, migrated here at start so that `npm start` just works (it has one
 * session user: the role separation needs PostgreSQL; the socket is private to this user).
 * A DATABASE_URL that logs in as a superuser or as the audit tables' owner starts with a
 * warning: the audit log is append-only only for the conclave_api role.
 */
export async function openDatabase(config: Config, logger: MigrationLogger): Promise<Database> {
  if (config.DATABASE_URL) {
    const pending = await pendingMigrations(config.DATABASE_URL);
    if (pending.length > 0) throw new DatabaseNotMigratedError(pending);
    const db = createPrismaClient({
      connectionString: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
    });
    const role = await databaseRole(db).catch(() => null);
    if (role && (role.superuser || role.ownsAuditLog)) {
      (logger.warn ?? logger.info)(
        `DATABASE_URL logs in as ${role.name}, ${role.superuser ? 'a superuser' : 'the owner of the audit tables'}: the API could rewrite the audit log. Connect as a member of the conclave_api role and migrate with DATABASE_MIGRATION_URL (docs/database.md, "Roles").`,
      );
    }
    return {
      db,
      connectionString: config.DATABASE_URL,
      embedded: false,
      close: () => db.$disconnect(),
    };
  }
  const embedded = await startEmbeddedPostgres(config.DATA_DIR);
  try {
    await applyMigrations({ connectionString: embedded.connectionString, logger });
  } catch (error) {
    await embedded.close();
    throw error;
  }
  const db = createPrismaClient({ connectionString: embedded.connectionString, poolSize: 1 });
  return {
    db,
    connectionString: embedded.connectionString,
    embedded: true,
    async close() {
      await db.$disconnect();
      await embedded.close();
    },
  };
}
