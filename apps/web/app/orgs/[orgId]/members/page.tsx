'use client';

import { MembersPage } from '../../../../src/features/orgs/members-page';

export default function Page() {
  return <MembersPage />;
}
