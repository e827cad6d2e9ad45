'use client';

import { DirectoryPage } from '../../../../src/features/key-directory/directory-page';

export default function Page() {
  return <DirectoryPage />;
}
