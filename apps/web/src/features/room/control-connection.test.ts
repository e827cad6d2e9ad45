import type { ServerMessage } from '@conclave/contracts';
import { describe, expect, it } from 'vitest';
import { ControlConnection, type SocketLike } from './control-connection';
import { ManualClock } from './testing';

class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  closedWith: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  deliver(data: unknown) {
    this.onmessage?.({ data });
  }
}

function setup() {
  const clock = new ManualClock();
  const sockets: FakeSocket[] = [];
  const received: ServerMessage[] = [];
  const closed: number[] = [];
  const states: string[] = [];
  const connection = new ControlConnection({
    clock,
    connect: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onMessage: (message) => received.push(message),
    onClosed: (code) => closed.push(code),
    onStateChange: (state) => states.push(state),
  });
  return { clock, sockets, received, closed, states, connection };
}

describe('ControlConnection', () => {
  it('queues what is sent before the socket opens and sends it on open', () => {
    const { sockets, connection } = setup();
    connection.send({ type: 'ping', id: 'one' });
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    connection.send({ type: 'ping', id: 'two' });
    expect(sockets[0]!.sent.map((s) => (JSON.parse(s) as { id: string }).id)).toEqual([
      'one',
      'two',
    ]);
  });

  it('passes on server messages that match the contract and drops the rest', () => {
    const { sockets, received } = setup();
    sockets[0]!.open();
    sockets[0]!.deliver(
      JSON.stringify({ type: 'meeting-ended', by: null } satisfies ServerMessage),
    );
    sockets[0]!.deliver('{not json');
    sockets[0]!.deliver(JSON.stringify({ type: 'nonsense' }));
    sockets[0]!.deliver(new Uint8Array([1]));
    expect(received).toEqual([{ type: 'meeting-ended', by: null }]);
  });

  it('reconnects with back-off after a network drop', () => {
    const { sockets, clock, states } = setup();
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(sockets).toHaveLength(1);
    clock.advance(250);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    clock.advance(499);
    expect(sockets).toHaveLength(2);
    clock.advance(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(states).toEqual(['open', 'reconnecting', 'open']);
  });

  it('stops for good on a close code that means do not come back', () => {
    const { sockets, clock, closed, connection } = setup();
    sockets[0]!.open();
    sockets[0]!.drop(4411);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(closed).toEqual([4411]);
    expect(connection.connectionState).toBe('closed');
  });

  it('sends a queued leave before closing when the user leaves', () => {
    const { sockets, connection } = setup();
    sockets[0]!.open();
    connection.send({ type: 'leave' });
    connection.close();
    expect(sockets[0]!.sent).toEqual([JSON.stringify({ type: 'leave' })]);
    expect(sockets[0]!.closedWith).toBe(1000);
  });
});
