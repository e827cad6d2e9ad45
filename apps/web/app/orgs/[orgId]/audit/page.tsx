'use client';

import { AuditPage } from '../../../../src/features/orgs/audit-page';

export default function Page() {
  return <AuditPage />;
}
