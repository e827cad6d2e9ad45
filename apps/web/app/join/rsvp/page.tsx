import type { Metadata } from 'next';
import { RsvpPage } from '../../../src/features/meetings/join-pages';

export const metadata: Metadata = { title: 'Answer an invitation' };

/** `/join/rsvp#token=...`: the token stays in the fragment, never in a request. */
export default function Page() {
  return <RsvpPage />;
}
