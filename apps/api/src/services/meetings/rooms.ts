import type { DbOrTx } from '../../db/transaction';

/**
 * The room row of an occurrence, made on first use. `INSERT ... ON CONFLICT DO NOTHING`
 * (createMany with skipDuplicates), not Prisma's upsert, which reads then writes and so fails
 * when the first participants of an occurrence arrive at the same moment.
 */
export async function ensureRoom(
  db: DbOrTx,
  room: { meetingId: string; occurrenceId: string; roomName: string },
) {
  const existing = await db.meetingRoom.findUnique({ where: { roomName: room.roomName } });
  if (existing) return existing;
  await db.meetingRoom.createMany({ data: [room], skipDuplicates: true });
  return db.meetingRoom.findUniqueOrThrow({ where: { roomName: room.roomName } });
}
