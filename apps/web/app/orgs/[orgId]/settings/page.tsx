'use client';

import { SettingsPage } from '../../../../src/features/orgs/settings-page';

export default function Page() {
  return <SettingsPage />;
}
