import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Db = PrismaClient;

/** One Prisma client per process, over node-postgres (no native engine needed). */
export function createPrismaClient(options: { connectionString: string; poolSize: number }): Db {
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    max: options.poolSize,
  });
  return new PrismaClient({ adapter });
}
