import type { Metadata } from 'next';
import { MeetingRoomPage } from '../../../src/features/room/components/meeting-room-page';

export const metadata: Metadata = { title: 'Meeting' };

/** The meeting room: `/meet/<meetingId>` (members may add `?org=<orgId>`; guests `#k=<secret>`). */
export default async function MeetPage({
  params,
  searchParams,
}: {
  params: Promise<{ meetingId: string }>;
  searchParams: Promise<{ org?: string | string[] }>;
}) {
  const { meetingId } = await params;
  const { org } = await searchParams;
  return <MeetingRoomPage meetingId={meetingId} orgId={typeof org === 'string' ? org : null} />;
}
