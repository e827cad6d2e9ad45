'use client';

import { useParams } from 'next/navigation';
import { RecordingPage } from '../../../../../src/features/recordings/recording-page';

export default function Page() {
  const { recordingId } = useParams<{ recordingId: string }>();
  return <RecordingPage key={recordingId} recordingId={recordingId} />;
}
