'use client';

import { AccountPage } from '../../src/features/account/account-page';
import { RequireSignedIn } from '../../src/features/session/guards';

export default function Page() {
  return <RequireSignedIn>{(session) => <AccountPage session={session} />}</RequireSignedIn>;
}
