import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CONTROL_CLOSE_CODES,
  serverMessageSchema,
  type Participant,
  type ServerMessage,
} from '@conclave/contracts';
import { createInProcessBus, type Bus } from '../../lib/bus';
import {
  ControlHub,
  type Connection,
  type ControlSocket,
  type Decision,
  type HostDecisions,
  type HubLimits,
  type RoomRef,
} from './hub';
import { createMemoryPresenceStore, type PresenceStore } from './presence';
import { RelayLog } from './relay-log';

/**
 * The hub with real parts (the in-process bus, the memory presence store, the relay log) and a
 * socket double that records what the hub writes, as a browser would receive it. Every message
 * the hub sends is checked against the contract's schema.
 */

const room: RoomRef = {
  orgId: '00000000-0000-4000-8000-000000000001',
  meetingId: '00000000-0000-4000-8000-0000000000aa',
  occurrenceId: '20261201T090000Z',
  roomName: 'conclave-test-room',
  title: 'Planning',
  e2ee: true,
  startMs: Date.parse('2026-12-01T09:00:00Z'),
  endMs: Date.parse('2026-12-01T10:00:00Z'),
};

class TestSocket implements ControlSocket {
  readonly received: ServerMessage[] = [];
  closedWith: { code: number; reason: string } | null = null;
  pings = 0;
  terminated = false;
  bufferedAmount = 0;
  onClose: ((code: number) => void) | null = null;

  send(text: string): void {
    this.received.push(serverMessageSchema.parse(JSON.parse(text)));
  }
  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    setImmediate(() => this.onClose?.(code));
  }
  ping(): void {
    this.pings += 1;
  }
  terminate(): void {
    this.terminated = true;
  }
  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
  last(): ServerMessage | undefined {
    return this.received.at(-1);
  }
}

class RecordingDecisions implements HostDecisions {
  readonly calls: string[] = [];
  async admit(d: Decision) {
    this.calls.push(`admit ${d.target.id} by ${d.byUserId}`);
  }
  async deny(d: Decision) {
    this.calls.push(`deny ${d.target.id} by ${d.byUserId}`);
  }
  async remove(d: Decision) {
    this.calls.push(`remove ${d.target.id} by ${d.byUserId}`);
  }
  async makeHost(d: Decision) {
    this.calls.push(`make-host ${d.target.id} by ${d.byUserId}`);
  }
  async endMeeting(input: { room: RoomRef; byUserId: string | null }) {
    this.calls.push(`end ${input.room.roomName} by ${input.byUserId}`);
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function person(
  id: string,
  role: Participant['role'] = 'participant',
  kind: Participant['kind'] = 'member',
): Participant {
  return {
    id,
    kind,
    displayName: id.toUpperCase(),
    role,
    identity:
      kind === 'member'
        ? {
            signingPublicKey: `${id}-sig`,
            exchangePublicKey: `${id}-x`,
            signingKeyId: 's',
            exchangeKeyId: 'x',
          }
        : null,
    guestKey:
      kind === 'guest' ? { exchangePublicKey: 'A'.repeat(43), binding: 'B'.repeat(43) } : null,
    joinedAt: new Date().toISOString(),
  };
}

interface World {
  bus: Bus;
  presence: PresenceStore;
  decisions: RecordingDecisions;
  media: string[];
  relayLog: RelayLog;
  hubs: ControlHub[];
}

const worlds: World[] = [];

function world(): World {
  const w: World = {
    bus: createInProcessBus(),
    presence: createMemoryPresenceStore(),
    decisions: new RecordingDecisions(),
    media: [],
    relayLog: new RelayLog(),
    hubs: [],
  };
  worlds.push(w);
  return w;
}

function hub(w: World, limits: Partial<HubLimits> = {}): ControlHub {
  const created = new ControlHub({
    bus: w.bus,
    presence: w.presence,
    decisions: w.decisions,
    media: {
      removeParticipant: async (roomName, identity) =>
        void w.media.push(`remove ${identity} from ${roomName}`),
      endRoom: async (roomName) => void w.media.push(`delete ${roomName}`),
    },
    relayLog: w.relayLog,
    log: silent,
    limits,
  });
  w.hubs.push(created);
  return created;
}

async function join(
  target: ControlHub,
  participant: Participant,
  status: 'admitted' | 'lobby' = 'admitted',
  options: { sessionId?: string; room?: RoomRef } = {},
): Promise<{
  socket: TestSocket;
  connection: Connection;
  send(message: unknown): void;
  raw(text: string | Buffer, binary?: boolean): void;
}> {
  const socket = new TestSocket();
  const member = participant.kind === 'member';
  const connection = await target.connect(socket, {
    room: options.room ?? room,
    participant,
    status,
    userId: member ? participant.id : null,
    sessionId: member ? (options.sessionId ?? `session-of-${participant.id}`) : null,
    issueTicket: participant.kind === 'guest' ? () => `ticket-for-${participant.id}` : null,
  });
  socket.onClose = (code) => target.closed(connection, code);
  return {
    socket,
    connection,
    send: (message) => target.receive(connection, Buffer.from(JSON.stringify(message)), false),
    raw: (text, binary = false) => target.receive(connection, Buffer.from(text), binary),
  };
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    for (const h of w.hubs) await h.close();
    await w.bus.close();
  }
  vi.useRealTimers();
});

describe('presence', () => {
  it('welcomes a participant with who is in the room, and tells the others', async () => {
    const w = world();
    const h = hub(w);
    const alice = await join(h, person('alice', 'host'));
    expect(alice.socket.received[0]).toMatchObject({
      type: 'welcome',
      status: 'admitted',
      self: { id: 'alice', role: 'host' },
      participants: [],
      lobby: [],
      ticket: null,
      meeting: { meetingId: room.meetingId, occurrenceId: room.occurrenceId, e2ee: true },
    });
    const bob = await join(h, person('bob'));
    await vi.waitFor(() => expect(alice.socket.of('participant-joined')).toHaveLength(1));
    expect(alice.socket.of('participant-joined')[0]?.participant).toMatchObject({
      id: 'bob',
      identity: { exchangePublicKey: 'bob-x' },
    });
    expect(bob.socket.received[0]).toMatchObject({
      type: 'welcome',
      participants: [{ id: 'alice' }],
    });

    bob.send({ type: 'leave' });
    await vi.waitFor(() =>
      expect(alice.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'bob', reason: 'left' },
      ]),
    );
    expect(bob.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.normal);
  });

  it('a second connection of the same participant replaces the first', async () => {
    const w = world();
    const h = hub(w);
    const alice = await join(h, person('alice', 'host'));
    const bobFirst = await join(h, person('bob'));
    await vi.waitFor(() => expect(alice.socket.of('participant-joined')).toHaveLength(1));
    const bobSecond = await join(h, person('bob'));
    expect(bobFirst.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.replaced);
    await vi.waitFor(() => expect(alice.socket.of('participant-joined')).toHaveLength(2));
    expect(alice.socket.of('participant-left')).toEqual([
      { type: 'participant-left', participantId: 'bob', reason: 'replaced' },
    ]);
    // Relays reach the new connection, not the old one.
    alice.send({ type: 'relay', to: 'bob', channel: 'sender-key', payload: 'x' });
    await vi.waitFor(() => expect(bobSecond.socket.of('relay')).toHaveLength(1));
    expect(bobFirst.socket.of('relay')).toHaveLength(0);
  });
});

describe('lobby', () => {
  it('hosts see who waits, admit them, and the room learns of the newcomer', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const member = await join(h, person('member'));
    const guest = await join(h, person('guest-1', 'participant', 'guest'), 'lobby');
    expect(guest.socket.received[0]).toMatchObject({
      type: 'welcome',
      status: 'lobby',
      participants: [],
      ticket: 'ticket-for-guest-1',
    });
    await vi.waitFor(() => expect(host.socket.of('lobby-joined')).toHaveLength(1));
    expect(host.socket.of('lobby-joined')[0]?.entry).toMatchObject({
      id: 'guest-1',
      kind: 'guest',
    });
    expect(member.socket.of('lobby-joined')).toHaveLength(0); // only hosts see the lobby
    expect(member.socket.of('participant-joined').map((m) => m.participant.id)).toEqual([]);

    // A guest in the lobby cannot relay, and nobody can relay to it.
    guest.send({ type: 'relay', to: '*', channel: 'chat', payload: 'hello', id: 'g1' });
    member.send({ type: 'relay', to: 'guest-1', channel: 'chat', payload: 'hi', id: 'm1' });
    await vi.waitFor(() => expect(guest.socket.of('error')).toHaveLength(1));
    expect(guest.socket.of('error')[0]).toMatchObject({ code: 'not_admitted', ref: 'g1' });
    await vi.waitFor(() => expect(member.socket.of('error')).toHaveLength(1));
    expect(member.socket.of('error')[0]).toMatchObject({
      code: 'recipient_not_in_meeting',
      ref: 'm1',
    });
    expect(member.socket.of('error')[0]?.message).toMatch(/waiting in the lobby/);

    // Only hosts decide.
    member.send({ type: 'admit', participantId: 'guest-1' });
    await vi.waitFor(() => expect(member.socket.of('error')).toHaveLength(2));
    expect(member.socket.of('error')[1]).toMatchObject({ code: 'forbidden', ref: 'admit' });

    host.send({ type: 'admit', participantId: 'guest-1' });
    await vi.waitFor(() => expect(guest.socket.of('admitted')).toHaveLength(1));
    expect(guest.socket.of('admitted')[0]).toMatchObject({
      self: { id: 'guest-1' },
      ticket: 'ticket-for-guest-1',
    });
    expect(
      guest.socket
        .of('admitted')[0]
        ?.participants.map((p) => p.id)
        .sort(),
    ).toEqual(['host', 'member']);
    await vi.waitFor(() => expect(member.socket.of('participant-joined')).toHaveLength(1));
    expect(member.socket.of('participant-joined')[0]?.participant.guestKey).toEqual({
      exchangePublicKey: 'A'.repeat(43),
      binding: 'B'.repeat(43),
    });
    await vi.waitFor(() =>
      expect(host.socket.of('lobby-left')).toEqual([
        { type: 'lobby-left', participantId: 'guest-1', outcome: 'admitted', by: 'host' },
      ]),
    );
    expect(w.decisions.calls).toEqual(['admit guest-1 by host']);

    // Admitted, the guest relays like everyone else.
    guest.send({ type: 'relay', to: 'member', channel: 'chat', payload: 'thanks' });
    await vi.waitFor(() => expect(member.socket.of('relay')).toHaveLength(1));
  });

  it('a denied guest is told and disconnected with 4412', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const guest = await join(h, person('guest-2', 'participant', 'guest'), 'lobby');
    await vi.waitFor(() => expect(host.socket.of('lobby-joined')).toHaveLength(1));
    host.send({ type: 'deny', participantId: 'guest-2', reason: 'Not on the list' });
    await vi.waitFor(() => expect(guest.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.denied));
    expect(guest.socket.of('denied')).toEqual([{ type: 'denied', reason: 'Not on the list' }]);
    await vi.waitFor(() =>
      expect(host.socket.of('lobby-left')).toEqual([
        { type: 'lobby-left', participantId: 'guest-2', outcome: 'denied', by: 'host' },
      ]),
    );
    // Deciding again about someone no longer waiting is a clear error.
    host.send({ type: 'admit', participantId: 'guest-2' });
    await vi.waitFor(() => expect(host.socket.of('error')).toHaveLength(1));
    expect(host.socket.of('error')[0]).toMatchObject({ code: 'not_found' });
    expect(w.decisions.calls).toEqual(['deny guest-2 by host']);
  });

  it("a guest who gives up waiting leaves the hosts' lobby list", async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const guest = await join(h, person('guest-3', 'participant', 'guest'), 'lobby');
    await vi.waitFor(() => expect(host.socket.of('lobby-joined')).toHaveLength(1));
    guest.send({ type: 'leave' });
    await vi.waitFor(() =>
      expect(host.socket.of('lobby-left')).toEqual([
        { type: 'lobby-left', participantId: 'guest-3', outcome: 'left', by: null },
      ]),
    );
  });

  it('a member made host sees the lobby and can admit', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const member = await join(h, person('member'));
    const guest = await join(h, person('guest-4', 'participant', 'guest'), 'lobby');
    host.send({ type: 'make-host', participantId: 'guest-4' });
    await vi.waitFor(() => expect(host.socket.of('error')).toHaveLength(1));
    expect(host.socket.of('error')[0]?.code).toBe('not_found'); // in the lobby, not the room
    host.send({ type: 'make-host', participantId: 'member' });
    await vi.waitFor(() => expect(member.socket.of('participant-updated')).toHaveLength(1));
    expect(member.socket.of('participant-updated')[0]?.participant).toMatchObject({
      id: 'member',
      role: 'host',
    });
    await vi.waitFor(() => expect(member.socket.of('lobby-joined')).toHaveLength(1));
    member.send({ type: 'admit', participantId: 'guest-4' });
    await vi.waitFor(() => expect(guest.socket.of('admitted')).toHaveLength(1));
    expect(w.decisions.calls).toEqual(['make-host member by host', 'admit guest-4 by member']);
  });
});

describe('relay', () => {
  it('forwards opaque payloads to one participant or to all others, and logs only metadata', async () => {
    const w = world();
    const h = hub(w);
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    const c = await join(h, person('c'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(2));
    const payload = JSON.stringify({ v: 1, box: 'opaque-ciphertext' });
    a.send({ type: 'relay', to: 'b', channel: 'sender-key', payload, id: 'k1' });
    await vi.waitFor(() => expect(b.socket.of('relay')).toHaveLength(1));
    expect(b.socket.of('relay')[0]).toEqual({
      type: 'relay',
      from: 'a',
      channel: 'sender-key',
      payload,
      id: 'k1',
      broadcast: false,
    });
    a.send({ type: 'relay', to: '*', channel: 'sealed', payload: 'x'.repeat(100) });
    await vi.waitFor(() => expect(c.socket.of('relay')).toHaveLength(1));
    await vi.waitFor(() => expect(b.socket.of('relay')).toHaveLength(2));
    expect(a.socket.of('relay')).toHaveLength(0);
    expect(c.socket.of('relay')[0]).toMatchObject({ broadcast: true, channel: 'sealed' });
    const log = w.relayLog.entries({ meetingId: room.meetingId });
    expect(log.map((e) => [e.from, e.to, e.channel, e.bytes, e.outcome])).toEqual([
      ['a', 'b', 'sender-key', Buffer.byteLength(payload), 'delivered'],
      ['a', 'b', 'sealed', 100, 'delivered'],
      ['a', 'c', 'sealed', 100, 'delivered'],
    ]);
    expect(JSON.stringify(log)).not.toContain('opaque-ciphertext');
  });

  it('refuses to relay to someone outside the meeting, or who left, with a clear error', async () => {
    const w = world();
    const h = hub(w);
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    a.send({ type: 'relay', to: 'mallory', channel: 'sender-key', payload: 'k', id: 'x1' });
    await vi.waitFor(() => expect(a.socket.of('error')).toHaveLength(1));
    expect(a.socket.of('error')[0]).toMatchObject({ code: 'recipient_not_in_meeting', ref: 'x1' });
    expect(a.socket.of('error')[0]?.message).toMatch(/mallory is not in this meeting/);

    b.send({ type: 'leave' });
    await vi.waitFor(() => expect(a.socket.of('participant-left')).toHaveLength(1));
    a.send({ type: 'relay', to: 'b', channel: 'sender-key', payload: 'k', id: 'x2' });
    await vi.waitFor(() => expect(a.socket.of('error')).toHaveLength(2));
    expect(a.socket.of('error')[1]).toMatchObject({ code: 'recipient_not_in_meeting', ref: 'x2' });
    expect(w.relayLog.entries().filter((e) => e.to === 'b')).toEqual([]);

    a.send({ type: 'relay', to: 'a', channel: 'sender-key', payload: 'k', id: 'x3' });
    await vi.waitFor(() => expect(a.socket.of('error')).toHaveLength(3));
    expect(a.socket.of('error')[2]).toMatchObject({ code: 'invalid_message', ref: 'x3' });
  });

  it('a relay that finds its recipient gone is reported back, and logged as not delivered', async () => {
    const w = world();
    const h = hub(w);
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    // b's connection ends; a sends in the same moment, before it has heard that b left.
    h.closed(b.connection, 1006);
    a.send({ type: 'relay', to: 'b', channel: 'sender-key', payload: 'k', id: 'late' });
    await vi.waitFor(() => expect(a.socket.of('error')).toHaveLength(1));
    expect(a.socket.of('error')[0]).toMatchObject({ code: 'recipient_left', ref: 'late' });
    expect(b.socket.of('relay')).toHaveLength(0);
    expect(w.relayLog.entries().map((e) => [e.to, e.outcome])).toEqual([['b', 'recipient-left']]);
    await vi.waitFor(() =>
      expect(a.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'b', reason: 'disconnected' },
      ]),
    );
  });
});

describe('bad input', () => {
  it('answers every malformed message with an error and keeps the connection', async () => {
    const w = world();
    const h = hub(w, { maxRelayPayloadBytes: 1024 });
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    a.raw('{not json');
    a.raw(JSON.stringify([1, 2]));
    a.raw(JSON.stringify({ type: 'teleport', id: 't1' }));
    a.raw(
      JSON.stringify({ type: 'relay', to: 'b', channel: 'Not A Channel!', payload: 'x', id: 'r1' }),
    );
    a.raw(
      JSON.stringify({
        type: 'relay',
        to: 'b',
        channel: 'chat',
        payload: 'x'.repeat(1025),
        id: 'r2',
      }),
    );
    a.raw('binary bytes', true);
    a.raw(JSON.stringify({ type: 'admit' }));
    await vi.waitFor(() => expect(a.socket.of('error')).toHaveLength(7));
    expect(a.socket.of('error').map((e) => [e.code, e.ref])).toEqual([
      ['malformed', null],
      ['invalid_message', null],
      ['unknown_type', 't1'],
      ['invalid_message', 'r1'],
      ['payload_too_large', 'r2'],
      ['binary_not_supported', null],
      ['invalid_message', 'admit'],
    ]);
    expect(a.socket.of('error')[2]?.message).toMatch(/Known types: ping, relay, admit/);
    expect(a.socket.of('error')[3]?.message).toMatch(/channel/);
    expect(a.socket.of('error')[4]?.message).toMatch(/1025 bytes; at most 1024/);
    expect(b.socket.of('relay')).toHaveLength(0);
    expect(a.socket.closedWith).toBeNull();
    a.send({ type: 'ping', id: 'p' });
    await vi.waitFor(() => expect(a.socket.of('pong')).toHaveLength(1));
  });

  it('rate-limits each connection: errors first, then close 4429', async () => {
    const w = world();
    const h = hub(w, { messageBurst: 5, messagesPerSecond: 1, maxViolations: 3 });
    const a = await join(h, person('a'));
    for (let i = 0; i < 9; i++) a.send({ type: 'ping', id: `p${i}` });
    expect(a.socket.of('error').map((e) => e.code)).toEqual([
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
    expect(a.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.rateLimited);
    await vi.waitFor(() => expect(a.socket.of('pong')).toHaveLength(5));
  });

  it('closes a connection that stops answering pings with 4408', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const w = world();
    const h = hub(w, { heartbeatIntervalMs: 1000 });
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    vi.advanceTimersByTime(1000);
    expect(a.socket.pings).toBe(1);
    h.pong(b.connection);
    vi.advanceTimersByTime(1000);
    expect(a.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.heartbeatTimeout);
    expect(a.socket.terminated).toBe(true);
    expect(b.socket.closedWith).toBeNull();
  });

  it('closes a client that does not read (back-pressure) with 4413', async () => {
    const w = world();
    const h = hub(w, { maxBufferedBytes: 1000 });
    const a = await join(h, person('a'));
    const b = await join(h, person('b'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    b.socket.bufferedAmount = 5000;
    a.send({ type: 'relay', to: 'b', channel: 'chat', payload: 'x' });
    await vi.waitFor(() =>
      expect(b.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.slowConsumer),
    );
  });
});

describe('host actions', () => {
  it('remove closes the participant with 4411 and asks the media server to drop them', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const bob = await join(h, person('bob'));
    const carol = await join(h, person('carol'));
    await vi.waitFor(() => expect(carol.socket.of('participant-joined')).toHaveLength(0));
    await vi.waitFor(() => expect(host.socket.of('participant-joined')).toHaveLength(2));
    bob.send({ type: 'remove', participantId: 'carol' });
    await vi.waitFor(() => expect(bob.socket.of('error')).toHaveLength(1));
    expect(bob.socket.of('error')[0]?.code).toBe('forbidden');
    host.send({ type: 'remove', participantId: 'bob' });
    await vi.waitFor(() => expect(bob.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.removed));
    expect(bob.socket.of('removed')).toEqual([{ type: 'removed', by: 'host' }]);
    await vi.waitFor(() =>
      expect(carol.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'bob', reason: 'removed' },
      ]),
    );
    expect(w.media).toEqual([`remove bob from ${room.roomName}`]);
    expect(w.decisions.calls).toEqual(['remove bob by host']);
  });

  it('end-meeting closes everyone with 4410 and ends the media room', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const bob = await join(h, person('bob'));
    const guest = await join(h, person('guest-9', 'participant', 'guest'), 'lobby');
    bob.send({ type: 'end-meeting' });
    await vi.waitFor(() => expect(bob.socket.of('error')).toHaveLength(1));
    host.send({ type: 'end-meeting' });
    for (const socket of [host.socket, bob.socket, guest.socket]) {
      await vi.waitFor(() =>
        expect(socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.meetingEnded),
      );
      expect(socket.of('meeting-ended')).toEqual([{ type: 'meeting-ended', by: 'host' }]);
    }
    expect(w.media).toEqual([`delete ${room.roomName}`]);
    expect(w.decisions.calls).toEqual([`end ${room.roomName} by host`]);
    expect(await w.presence.list(`${room.meetingId}/${room.occurrenceId}`)).toEqual([]);
  });
});

describe('when a session or a membership ends', () => {
  const otherRoom: RoomRef = {
    ...room,
    orgId: '00000000-0000-4000-8000-000000000002',
    meetingId: '00000000-0000-4000-8000-0000000000bb',
    roomName: 'conclave-other-room',
  };

  it('a session that ends closes its connection with an error and 4401; the room sees a departure and the media server drops it', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const bob = await join(h, person('bob'));
    await vi.waitFor(() => expect(host.socket.of('participant-joined')).toHaveLength(1));

    await h.endSessions(['session-of-bob']);
    await vi.waitFor(() =>
      expect(bob.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.unauthenticated),
    );
    expect(bob.socket.last()).toMatchObject({ type: 'error', code: 'unauthenticated', ref: null });
    expect(bob.socket.closedWith?.reason).toMatch(/signed out/);
    await vi.waitFor(() =>
      expect(host.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'bob', reason: 'disconnected' },
      ]),
    );
    expect(w.media).toEqual([`remove bob from ${room.roomName}`]);
    expect(host.socket.closedWith).toBeNull();
    expect(await w.presence.list(`${room.meetingId}/${room.occurrenceId}`)).toMatchObject([
      { participant: { id: 'host' } },
    ]);
    // Messages after the close are ignored, not relayed.
    bob.send({ type: 'relay', to: '*', channel: 'chat', payload: 'x' });
    expect(host.socket.of('relay')).toHaveLength(0);
  });

  it('closes only the ended session’s connections, on whichever instance holds them', async () => {
    const w = world();
    const one = hub(w);
    const two = hub(w);
    const host = await join(one, person('host', 'host'));
    const laptop = await join(two, person('bob'), 'admitted', { sessionId: 'bob-laptop' });
    const phone = await join(one, person('bob'), 'admitted', {
      sessionId: 'bob-phone',
      room: otherRoom,
    });
    const guest = await join(two, person('guest-1', 'participant', 'guest'), 'lobby');
    await vi.waitFor(() => expect(host.socket.of('participant-joined')).toHaveLength(1));
    await vi.waitFor(() => expect(host.socket.of('lobby-joined')).toHaveLength(1));

    await one.endSessions(['bob-laptop']);
    await vi.waitFor(() =>
      expect(laptop.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.unauthenticated),
    );
    await vi.waitFor(() => expect(host.socket.of('participant-left')).toHaveLength(1));
    expect(phone.socket.closedWith).toBeNull();
    expect(guest.socket.closedWith).toBeNull();
    expect(w.media).toEqual([`remove bob from ${room.roomName}`]);
    expect(one.connectionCount + two.connectionCount).toBe(3);
  });

  it('a lobby connection of an ended session closes too, and leaves the hosts’ lobby list', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    const waiting = await join(h, person('dave'), 'lobby');
    await vi.waitFor(() => expect(host.socket.of('lobby-joined')).toHaveLength(1));
    await h.endSessions(['session-of-dave']);
    await vi.waitFor(() =>
      expect(waiting.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.unauthenticated),
    );
    await vi.waitFor(() =>
      expect(host.socket.of('lobby-left')).toEqual([
        { type: 'lobby-left', participantId: 'dave', outcome: 'left', by: null },
      ]),
    );
    // It never had media.
    expect(w.media).toEqual([]);
  });

  it('a join authorised before its session ended is refused when it registers', async () => {
    const w = world();
    const h = hub(w);
    const host = await join(h, person('host', 'host'));
    await h.endSessions(['late-session']);
    await new Promise((resolve) => setImmediate(resolve)); // the bus delivers on a microtask
    const late = await join(h, person('erin'), 'admitted', { sessionId: 'late-session' });
    expect(late.socket.received).toEqual([
      expect.objectContaining({ type: 'error', code: 'unauthenticated' }),
    ]);
    expect(late.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.unauthenticated);
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.socket.of('participant-joined')).toHaveLength(0);
    expect(w.media).toEqual([]);
    expect(h.connectionCount).toBe(1);
  });

  it('a membership that ends closes that member’s connections to the org’s meetings with 4403, no others', async () => {
    const w = world();
    const one = hub(w);
    const two = hub(w);
    const host = await join(one, person('host', 'host'));
    const bob = await join(two, person('bob'));
    const bobElsewhere = await join(two, person('bob'), 'admitted', { room: otherRoom });
    const carol = await join(one, person('carol'));
    await vi.waitFor(() => expect(host.socket.of('participant-joined')).toHaveLength(2));

    await one.endMembership({ orgId: room.orgId, userId: 'bob', left: false });
    await vi.waitFor(() => expect(bob.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.forbidden));
    expect(bob.socket.last()).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(bob.socket.closedWith?.reason).toMatch(/removed from this meeting's organisation/);
    await vi.waitFor(() =>
      expect(carol.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'bob', reason: 'removed' },
      ]),
    );
    expect(bobElsewhere.socket.closedWith).toBeNull();
    expect(w.media).toEqual([`remove bob from ${room.roomName}`]);

    await two.endMembership({ orgId: otherRoom.orgId, userId: 'bob', left: true });
    await vi.waitFor(() =>
      expect(bobElsewhere.socket.closedWith?.code).toBe(CONTROL_CLOSE_CODES.forbidden),
    );
    expect(bobElsewhere.socket.closedWith?.reason).toMatch(/You left/);
  });
});

describe('two instances on one bus', () => {
  it('a relay from a client of one instance reaches a client of the other', async () => {
    const w = world();
    const one = hub(w);
    const two = hub(w);
    const a = await join(one, person('a', 'host'));
    const b = await join(two, person('b'));
    expect(b.socket.received[0]).toMatchObject({ type: 'welcome', participants: [{ id: 'a' }] });
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    a.send({ type: 'relay', to: 'b', channel: 'sender-key', payload: 'across' });
    await vi.waitFor(() => expect(b.socket.of('relay')).toHaveLength(1));
    const guest = await join(two, person('guest-x', 'participant', 'guest'), 'lobby');
    await vi.waitFor(() => expect(a.socket.of('lobby-joined')).toHaveLength(1));
    a.send({ type: 'admit', participantId: 'guest-x' });
    await vi.waitFor(() => expect(guest.socket.of('admitted')).toHaveLength(1));
    b.send({ type: 'leave' });
    await vi.waitFor(() => expect(a.socket.of('participant-left')).toHaveLength(1));
    expect(one.connectionCount + two.connectionCount).toBe(2);
  });
});

describe('an instance that stops without saying goodbye', () => {
  it('has its participants dropped by the others once its liveness key is gone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const w = world();
    const dead = new Set<string>();
    // The shared store, except that instances in `dead` no longer refresh their liveness.
    const presence: PresenceStore = {
      ...w.presence,
      liveInstances: async (ids) => new Set(ids.filter((id) => !dead.has(id))),
    };
    w.presence = presence;
    const survivor = hub(w, { heartbeatIntervalMs: 1000 });
    const crashed = hub(w, { heartbeatIntervalMs: 1000 });
    const a = await join(survivor, person('a'));
    await join(crashed, person('b'));
    await vi.waitFor(() => expect(a.socket.of('participant-joined')).toHaveLength(1));
    dead.add(crashed.instanceId);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() =>
      expect(a.socket.of('participant-left')).toEqual([
        { type: 'participant-left', participantId: 'b', reason: 'disconnected' },
      ]),
    );
    expect(
      (await presence.list(`${room.meetingId}/${room.occurrenceId}`)).map((e) => e.participant.id),
    ).toEqual(['a']);
  });
});
