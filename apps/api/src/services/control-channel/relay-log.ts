/**
 * What the relay forwarded, for tests to observe (kept only when CONCLAVE_TEST_HOOKS is on):
 * who sent to whom, on which channel, when and how many bytes; never the payload. The meeting
 * room's tests use it to show that no key message addressed to a participant who left was
 * relayed after it left. Kept per API instance, in memory, capped.
 */
export interface RelayLogEntry {
  meetingId: string;
  occurrenceId: string;
  from: string;
  to: string;
  channel: string;
  bytes: number;
  broadcast: boolean;
  /** `delivered`: written to the recipient's socket; `recipient-left`: it was gone by then. */
  outcome: 'delivered' | 'recipient-left';
  at: string;
}

export class RelayLog {
  private items: RelayLogEntry[] = [];

  constructor(private readonly capacity = 100_000) {}

  record(entry: RelayLogEntry): void {
    this.items.push(entry);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  entries(filter: { meetingId?: string; participantId?: string } = {}): RelayLogEntry[] {
    return this.items.filter(
      (entry) =>
        (filter.meetingId === undefined || entry.meetingId === filter.meetingId) &&
        (filter.participantId === undefined ||
          entry.from === filter.participantId ||
          entry.to === filter.participantId),
    );
  }

  clear(): void {
    this.items = [];
  }
}
