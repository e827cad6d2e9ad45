import type { Db } from './client';
import type { Prisma } from './generated/client';

/** The client or an open interactive transaction: what functions that write take. */
export type DbOrTx = Db | Prisma.TransactionClient;

/**
 * Runs `work` in a transaction: a new one when given the client, the caller's when given a
 * transaction (so a service can be called on its own or as part of a bigger change). Never
 * use the outer client inside `work`: the embedded database has a single connection.
 */
export async function inTransaction<T>(
  db: DbOrTx,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  if ('$transaction' in db) return db.$transaction(work, { timeout: 20_000, maxWait: 20_000 });
  return work(db);
}
