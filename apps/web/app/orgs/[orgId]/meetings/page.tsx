'use client';

import { MeetingsAgendaPage } from '../../../../src/features/meetings/agenda-page';

export default function Page() {
  return <MeetingsAgendaPage />;
}
