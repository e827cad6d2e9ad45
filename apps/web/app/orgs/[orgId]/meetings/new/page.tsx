'use client';

import { MeetingFormPage } from '../../../../../src/features/meetings/meeting-form-page';

export default function Page() {
  return <MeetingFormPage />;
}
