import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `prisma generate` without Prisma's native schema engine: generation does not run the engine,
 * but the CLI tries to download it, which fails on machines without internet. Pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at any executable skips the download (see docs/database.md).
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync('npx', ['prisma', 'generate'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
