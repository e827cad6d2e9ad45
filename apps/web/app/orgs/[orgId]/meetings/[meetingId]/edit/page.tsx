'use client';

import { useParams } from 'next/navigation';
import { MeetingFormPage } from '../../../../../../src/features/meetings/meeting-form-page';

export default function Page() {
  const { meetingId } = useParams<{ meetingId: string }>();
  return <MeetingFormPage key={meetingId} meetingId={meetingId} />;
}
