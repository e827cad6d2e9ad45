import { defineConfig } from 'prisma/config';

// Used only by the Prisma CLI (generate; migrate deploy on machines that can run Prisma's
// schema engine). The application reads DATABASE_URL through apps/api/src/config.ts.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/conclave' },
});
