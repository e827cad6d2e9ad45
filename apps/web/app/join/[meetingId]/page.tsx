import type { Metadata } from 'next';
import { JoinLandingPage } from '../../../src/features/meetings/join-pages';

export const metadata: Metadata = { title: 'Join a meeting' };

/** Where invitation mails send people outside the organisation (no link secret here). */
export default async function Page({ params }: { params: Promise<{ meetingId: string }> }) {
  const { meetingId } = await params;
  return <JoinLandingPage meetingId={meetingId} />;
}
