import type { OutboxMail } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { OutboxMail as OutboxRow } from '../../db/generated/client';
import { AppError } from '../../errors';
import type { Auth } from './sessions';

/** Instance administration (sign-up policy, outbox) is for the instance admin only. */
export function requireInstanceAdmin(auth: Auth): void {
  if (!auth.user.isInstanceAdmin) {
    throw new AppError('forbidden', 'Only the instance admin can do this.');
  }
}

function view(row: OutboxRow): OutboxMail {
  return {
    id: row.id,
    to: row.to,
    subject: row.subject,
    text: row.text,
    html: row.html,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function listOutbox(db: Db, options: { to?: string | undefined } = {}) {
  const rows = await db.outboxMail.findMany({
    where: options.to ? { to: options.to } : {},
    orderBy: { createdAt: 'desc' },
    take: 200,
  });
  return rows.map(view);
}

export async function outboxMail(db: Db, id: string): Promise<OutboxMail> {
  const row = await db.outboxMail.findUnique({ where: { id } });
  if (!row) throw new AppError('not_found', 'There is no such mail in the outbox.');
  return view(row);
}
