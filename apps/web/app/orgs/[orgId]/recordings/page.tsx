'use client';

import { RecordingsPage } from '../../../../src/features/recordings/recordings-list';

export default function Page() {
  return <RecordingsPage />;
}
