'use client';

import { useParams } from 'next/navigation';
import { MeetingPage } from '../../../../../src/features/meetings/meeting-page';

export default function Page() {
  const { meetingId } = useParams<{ meetingId: string }>();
  return <MeetingPage key={meetingId} meetingId={meetingId} />;
}
