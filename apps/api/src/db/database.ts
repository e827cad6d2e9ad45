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

/**
 * With DATABASE_URL: the given PostgreSQL, which must already be migrated (operators migrate
 * as a deliberate step; several API instances must not race to do it). Without: the embedded
 * PGlite under DATA_DIR, migrated here at start so that `npm start` just works.
 */
export async function openDatabase(config: Config, logger: MigrationLogger): Promise<Database> {
  if (config.DATABASE_URL) {
    const pending = await pendingMigrations(config.DATABASE_URL);
    if (pending.length > 0) throw new DatabaseNotMigratedError(pending);
    const db = createPrismaClient({
      connectionString: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
    });
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
