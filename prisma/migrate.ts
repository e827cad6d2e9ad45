import { loadConfig } from '../apps/api/src/config';
import { startEmbeddedPostgres } from '../apps/api/src/db/embedded';
import { applyMigrations } from '../apps/api/src/db/migrations';

/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_MIGRATION_URL (the tables'
 * owner; else DATABASE_URL), or to the embedded database under DATA_DIR when neither is set.
 * Safe to run repeatedly and from several machines at once (it takes Prisma Migrate's
 * advisory lock).
 */
const config = loadConfig(process.env);
const log = (message: string) => console.log(`[db:migrate] ${message}`);
const target = config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL;
const embedded = target ? undefined : await startEmbeddedPostgres(config.DATA_DIR);
const connectionString = target ?? embedded?.connectionString ?? '';
try {
  const result = await applyMigrations({ connectionString, logger: { info: log } });
  log(
    result.applied.length > 0
      ? `applied ${result.applied.length} migration(s); ${result.alreadyApplied.length} were already applied`
      : `up to date (${result.alreadyApplied.length} migration(s) applied earlier)`,
  );
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await embedded?.close();
}
