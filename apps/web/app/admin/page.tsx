'use client';

import { AdminPage } from '../../src/features/account/admin-page';
import { RequireSignedIn } from '../../src/features/session/guards';

export default function Page() {
  return <RequireSignedIn>{(session) => <AdminPage session={session} />}</RequireSignedIn>;
}
