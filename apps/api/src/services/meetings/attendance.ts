import type { Attendance } from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import type { MeetingRecord, ViewerAccess } from './model';

/**
 * Attendance, from LiveKit's participant_joined/left webhooks (services/livekit/webhooks.ts):
 * metadata the operator can see anyway (docs/operator-visibility.md), shown to the meeting's
 * hosts and to the org's owners, admins and compliance officers.
 */
export async function attendanceOf(
  db: Db,
  options: { meeting: MeetingRecord; access: ViewerAccess },
): Promise<Attendance> {
  const { access } = options;
  if (!access.isHost && !['owner', 'admin', 'compliance'].includes(access.orgRole)) {
    throw new AppError(
      'forbidden',
      "Only the meeting's hosts and the organisation's owners, admins and compliance officers see attendance.",
    );
  }
  const rooms = await db.meetingRoom.findMany({
    where: { meetingId: options.meeting.id },
    include: { attendance: { orderBy: { joinedAt: 'asc' } } },
    orderBy: { occurrenceId: 'asc' },
  });
  return {
    occurrences: rooms.map((room) => ({
      occurrenceId: room.occurrenceId,
      roomName: room.roomName,
      startedAt: room.startedAt?.toISOString() ?? null,
      endedAt: (room.endedAt ?? room.finishedAt)?.toISOString() ?? null,
      attendees: room.attendance.map((row) => ({
        identity: row.identity,
        userId: row.userId,
        displayName: row.displayName,
        joinedAt: row.joinedAt.toISOString(),
        leftAt: row.leftAt?.toISOString() ?? null,
      })),
    })),
  };
}
