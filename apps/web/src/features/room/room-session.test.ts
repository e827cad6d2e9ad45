import {
  encryptSenderKey,
  generateSenderKey,
  bindGuestKey,
  generateExchangeKeyPair,
  generateIdentity,
  generateLinkSecret,
  publicIdentity,
  ready,
  toBase64Url,
  type PublicIdentity,
} from '@conclave/crypto';
import type { ClientMessage, Participant } from '@conclave/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PinCheck, PinStore } from './participant-trust';
import { MEDIA_REMOVAL_GRACE_MS, RoomSession } from './room-session';
import { InMemoryControlServer, ManualClock, RecordingMediaSink } from './testing';

const MEETING_ID = '7d3c1f70-4a55-4c47-9d39-2f0a1b2c3d4e';
const MEETING = {
  meetingId: MEETING_ID,
  occurrenceId: '20261201T083000Z',
  title: 'Board',
  roomName: 'room-1',
  e2ee: true,
  start: new Date(0).toISOString(),
  end: new Date(3_600_000).toISOString(),
};

class MemoryPins implements PinStore {
  readonly pins = new Map<string, PublicIdentity>();
  check(userId: string, identity: PublicIdentity): PinCheck {
    const pinned = this.pins.get(userId);
    if (!pinned) return 'new';
    return pinned.exchangePublicKey === identity.exchangePublicKey ? 'same' : 'changed';
  }
  pin(userId: string, identity: PublicIdentity): void {
    this.pins.set(userId, identity);
  }
}

interface Client {
  id: string;
  session: RoomSession;
  media: RecordingMediaSink;
  pins: MemoryPins | null;
  identity: PublicIdentity | null;
  close: () => void;
  muteRequests: string[];
}

function harness() {
  const clock = new ManualClock();
  const server = new InMemoryControlServer(MEETING);
  const clients = new Map<string, Client>();
  // Identities persist across sessions, like a user's account.
  const identities = new Map<string, ReturnType<typeof generateIdentity>>();
  const pinsOf = new Map<string, MemoryPins>();

  function join(
    id: string,
    options: { role?: 'host' | 'participant'; lobby?: boolean; linkSecret?: string } = {},
  ): Client {
    const identity = identities.get(id) ?? generateIdentity();
    identities.set(id, identity);
    const pins = pinsOf.get(id) ?? new MemoryPins();
    pinsOf.set(id, pins);
    const participant: Participant = {
      id,
      kind: 'member',
      displayName: id.toUpperCase(),
      role: options.role ?? 'participant',
      identity: publicIdentity(identity),
      guestKey: null,
      joinedAt: new Date(clock.now()).toISOString(),
    };
    return attach(participant, identity, pins, 'member', options);
  }

  function joinGuest(id: string, linkSecret: string, boundWith = linkSecret): Client {
    const keys = generateExchangeKeyPair();
    const participant: Participant = {
      id,
      kind: 'guest',
      displayName: `Guest ${id}`,
      role: 'participant',
      identity: null,
      guestKey: {
        exchangePublicKey: toBase64Url(keys.publicKey),
        binding: bindGuestKey({
          linkSecret: boundWith,
          meetingId: MEETING_ID,
          guestPublicKey: keys.publicKey,
        }),
      },
      joinedAt: new Date(clock.now()).toISOString(),
    };
    return attach(
      participant,
      { exchangePublicKey: keys.publicKey, exchangePrivateKey: keys.privateKey },
      null,
      'guest',
      { lobby: true, linkSecret },
    );
  }

  function attach(
    participant: Participant,
    keys: { exchangePublicKey: Uint8Array; exchangePrivateKey: Uint8Array },
    pins: MemoryPins | null,
    viewer: 'member' | 'guest',
    options: { lobby?: boolean; linkSecret?: string },
  ): Client {
    const media = new RecordingMediaSink();
    const muteRequests: string[] = [];
    const outbox: { send: (message: ClientMessage) => void } = { send: () => undefined };
    const session = new RoomSession({
      send: (message) => outbox.send(message),
      exchangeKeys: { publicKey: keys.exchangePublicKey, privateKey: keys.exchangePrivateKey },
      viewer,
      pins,
      linkSecret: options.linkSecret ?? null,
      media,
      clock,
      onMuteRequested: (source, from) => muteRequests.push(`${from.id}:${source}`),
    });
    const connection = server.connect(participant, (message) => session.handle(message), {
      lobby: options.lobby ?? false,
    });
    outbox.send = connection.send;
    const client: Client = {
      id: participant.id,
      session,
      media,
      pins,
      identity: participant.identity,
      close: () => connection.close(),
      muteRequests,
    };
    clients.set(participant.id, client);
    return client;
  }

  /** Lets messages flow and every pending key become active. */
  async function settle() {
    await server.flush();
    clock.advance(5_000);
    await server.flush();
  }

  const code = (client: Client) => client.session.view().securityCode?.code;
  const keyMessagesTo = (id: string) =>
    server.relayLog.filter((entry) => entry.channel === 'sender-key' && entry.to === id);

  return { clock, server, join, joinGuest, settle, code, keyMessagesTo, identities, pinsOf };
}

/** What a sender encrypts with now, per the key it installed for its own identity. */
const ownIndex = (client: Client) => client.media.latestIndex(client.id);

describe('RoomSession', () => {
  beforeAll(async () => {
    await ready();
  });

  it('three members exchange keys, share one security code, and the code changes for a fourth', async () => {
    const h = harness();
    const [a, b, c] = [h.join('a', { role: 'host' }), h.join('b'), h.join('c')];
    await h.settle();
    for (const client of [a, b, c]) {
      expect(client.session.view().status).toBe('admitted');
      const others = [a, b, c].filter((x) => x !== client);
      for (const other of others) {
        // every member decrypts every other: it installed the sender's current key
        expect(client.media.latestIndex(other.id)).toBe(ownIndex(other));
      }
    }
    const codeOfThree = h.code(a);
    expect(codeOfThree).toMatch(/^(\d{5} ){7}\d{5}$/);
    expect(h.code(b)).toBe(codeOfThree);
    expect(h.code(c)).toBe(codeOfThree);
    expect(a.session.view().securityCode?.keyCount).toBe(3);

    const d = h.join('d');
    await h.settle();
    const codeOfFour = h.code(a);
    expect(codeOfFour).not.toBe(codeOfThree);
    for (const client of [b, c, d]) expect(h.code(client)).toBe(codeOfFour);
    for (const sender of [a, b, c]) expect(d.media.latestIndex(sender.id)).toBe(ownIndex(sender));
  });

  it('never gives a joiner a key that encrypted anything before it joined', async () => {
    const h = harness();
    const [a, b] = [h.join('a'), h.join('b')];
    await h.settle();
    const usedBefore = new Map([a, b].map((x) => [x.id, ownIndex(x)!]));
    const c = h.join('c');
    await h.settle();
    for (const entry of c.media.installed) {
      expect(entry.keyIndex).toBeGreaterThan(usedBefore.get(entry.identity) ?? -1);
    }
    for (const x of [a, b]) expect(ownIndex(x)).toBeGreaterThan(usedBefore.get(x.id)!);
  });

  it('rotates on leave: every remaining sender’s index rises and nothing goes to the leaver', async () => {
    const h = harness();
    const [a, b, c] = [h.join('a'), h.join('b'), h.join('c')];
    await h.settle();
    const before = new Map([a, b].map((x) => [x.id, ownIndex(x)!]));
    const sentToC = h.keyMessagesTo('c').length;
    c.close();
    await h.settle();
    for (const x of [a, b]) {
      expect(ownIndex(x)).toBeGreaterThan(before.get(x.id)!);
      const other = x === a ? b : a;
      expect(other.media.latestIndex(x.id)).toBe(ownIndex(x));
    }
    expect(h.keyMessagesTo('c')).toHaveLength(sentToC);
    expect(a.session.view().participants.map((p) => p.id)).toEqual(['a', 'b']);
  });

  it('keeps media flowing during rotation: the old key stays current until all acknowledge', async () => {
    const h = harness();
    const [a, b, c] = [h.join('a'), h.join('b'), h.join('c')];
    await h.settle();
    const index = ownIndex(a)!;
    c.close();
    await h.server.flush(); // keys delivered and acknowledged, no timeout needed
    expect(ownIndex(a)).toBe(index + 1);
    expect(b.media.latestIndex('a')).toBe(index + 1);
    expect(a.session.view().myKey).toMatchObject({ pendingKeyIndex: null, awaiting: [] });
  });

  it('rotates every key before it is 10 minutes old', async () => {
    const h = harness();
    const [a, b] = [h.join('a'), h.join('b')];
    await h.settle();
    const start = ownIndex(a)!;
    for (let i = 0; i < 4; i++) {
      h.clock.advance(5 * 60_000);
      await h.server.flush();
    }
    expect(ownIndex(a)! - start).toBeGreaterThanOrEqual(2);
    expect(b.media.latestIndex('a')).toBe(ownIndex(a));
    const since = a.session.view().myKey!.activeSince!;
    expect(h.clock.now() - since).toBeLessThan(10 * 60_000);
  });

  it('carries chat end to end: three see each other’s messages, the relay sees ciphertext', async () => {
    const h = harness();
    const [a, b, c] = [h.join('a'), h.join('b'), h.join('c')];
    await h.settle();
    a.session.sendChat('first from a: the password is swordfish');
    await h.server.flush();
    b.session.sendChat('b answers');
    await h.server.flush();
    c.session.sendChat('c agrees');
    await h.server.flush();
    for (const client of [a, b, c]) {
      expect(client.session.view().chat.map((m) => `${m.from}:${m.text}`)).toEqual([
        'a:first from a: the password is swordfish',
        'b:b answers',
        'c:c agrees',
      ]);
    }
    const relayed = JSON.stringify(h.server.relayLog);
    expect(relayed).not.toMatch(/swordfish|answers|agrees/);
    expect(h.server.relayLog.filter((e) => e.channel === 'sealed')).toHaveLength(3);
  });

  it('shares raised hands with everyone, newcomers included', async () => {
    const h = harness();
    const [a, b] = [h.join('a'), h.join('b')];
    await h.settle();
    a.session.setHandRaised(true);
    await h.server.flush();
    expect(b.session.view().participants.find((p) => p.id === 'a')?.handRaised).toBe(true);
    const c = h.join('c');
    await h.settle();
    expect(c.session.view().participants.find((p) => p.id === 'a')?.handRaised).toBe(true);
    a.session.setHandRaised(false);
    await h.server.flush();
    expect(c.session.view().participants.find((p) => p.id === 'a')?.handRaised).toBe(false);
  });

  it('admits a guest with the right link secret; a wrong secret gets no keys and is unverified', async () => {
    const h = harness();
    const linkSecret = generateLinkSecret();
    const host = h.join('host', { role: 'host', linkSecret });
    const member = h.join('m'); // does not know the link secret: gets it from the host
    await h.settle();
    const good = h.joinGuest('guest-good', linkSecret);
    const bad = h.joinGuest('guest-bad', linkSecret, generateLinkSecret());
    await h.settle();
    expect(
      host.session
        .view()
        .lobby.map((e) => e.id)
        .sort(),
    ).toEqual(['guest-bad', 'guest-good']);
    host.session.admit('guest-good');
    host.session.admit('guest-bad');
    await h.settle();
    expect(host.session.view().lobby).toEqual([]);

    expect(member.session.view().canVerifyGuests).toBe(true);
    for (const viewer of [host, member]) {
      const list = viewer.session.view().participants;
      expect(list.find((p) => p.id === 'guest-good')?.trust).toEqual({
        verified: true,
        basis: 'guest-link',
      });
      expect(list.find((p) => p.id === 'guest-bad')?.trust).toEqual({
        verified: false,
        problem: 'guest-binding-invalid',
      });
    }
    // the good guest decodes both members; the bad one received no key at all
    expect(good.media.latestIndex('host')).toBe(ownIndex(host));
    expect(good.media.latestIndex('m')).toBe(ownIndex(member));
    expect(h.keyMessagesTo('guest-bad')).toEqual([]);
    expect(bad.media.installed.filter((e) => e.identity !== 'guest-bad')).toEqual([]);
    // the good guest checks the other guest with its own link secret too
    expect(good.session.view().participants.find((p) => p.id === 'guest-bad')?.trust).toEqual({
      verified: false,
      problem: 'guest-binding-invalid',
    });
    // all four compute the same code: they see the same keys
    expect(new Set([host, member, good, bad].map(h.code)).size).toBe(1);
  });

  it('detects a server that swaps one participant’s key: codes differ and a warning shows', async () => {
    const h = harness();
    // a, b and c met before, so their browsers pinned each other's keys
    let [a, b, c] = [h.join('a'), h.join('b'), h.join('c')];
    await h.settle();
    for (const x of [a, b, c]) x.close();
    await h.settle();

    const impostor = publicIdentity(generateIdentity());
    h.server.swapIdentity = (viewerId, participant) =>
      participant.id === 'b' && viewerId === 'a'
        ? { ...participant, identity: impostor }
        : participant;
    [a, b, c] = [h.join('a'), h.join('b'), h.join('c')];
    await h.settle();
    expect(h.code(a)).not.toBe(h.code(b));
    expect(h.code(b)).toBe(h.code(c));
    expect(a.session.view().keyChangeWarnings).toEqual([{ participantId: 'b', displayName: 'B' }]);
    expect(a.session.view().participants.find((p) => p.id === 'b')?.trust).toEqual({
      verified: false,
      problem: 'key-changed',
    });
    // a gives its key only to c, and does not use what b sends (b's media stays dark for a)
    expect(a.session.view().myKey!.holders).toEqual(['c']);
    expect(a.media.latestIndex('b')).toBeUndefined();
    expect(a.session.view().participants.find((p) => p.id === 'b')?.receivesMyKey).toBe(false);
  });

  it('lets only hosts ask a participant to mute', async () => {
    const h = harness();
    const [host, a, b] = [h.join('host', { role: 'host' }), h.join('a'), h.join('b')];
    await h.settle();
    expect(host.session.requestMute('a', 'microphone')).toBe(true);
    expect(a.session.requestMute('b', 'camera')).toBe(false);
    await h.server.flush();
    expect(a.muteRequests).toEqual(['host:microphone']);
    expect(b.muteRequests).toEqual([]);
  });

  it('follows host actions: removal and the end of the meeting', async () => {
    const h = harness();
    const [host, a, b] = [h.join('host', { role: 'host' }), h.join('a'), h.join('b')];
    await h.settle();
    host.session.remove('a');
    await h.settle();
    expect(a.session.view().status).toBe('removed');
    expect(a.session.view().myKey).toBeNull();
    expect(b.session.view().participants.map((p) => p.id)).toEqual(['b', 'host']);
    host.session.endMeeting();
    await h.settle();
    expect(b.session.view().status).toBe('ended');
    expect(host.session.view().status).toBe('ended');
  });

  it('tells a signed-out or former member apart from a refusal at connect time', async () => {
    const h = harness();
    const [a, b] = [h.join('a'), h.join('b', { lobby: true })];
    await h.settle();
    a.session.closed(4401);
    expect(a.session.view().status).toBe('signed-out');
    expect(a.session.view().myKey).toBeNull();
    b.session.closed(4403);
    expect(b.session.view().status).toBe('no-access');
    // Before the welcome, the same codes are refusals: the controller shows the server's words.
    const refused = new RoomSession({
      send: () => undefined,
      exchangeKeys: { publicKey: new Uint8Array(32), privateKey: new Uint8Array(32) },
      viewer: 'member',
      pins: null,
    });
    refused.closed(4401);
    expect(refused.view().status).toBe('connecting');
  });

  it('waits for the control channel to say why the media server removed me', async () => {
    const h = harness();
    const [a, b] = [h.join('a'), h.join('b')];
    await h.settle();
    // Signed out elsewhere: the media server's disconnect came first, the reason just after.
    a.session.mediaRemoved();
    expect(a.session.view().status).toBe('admitted');
    a.session.closed(4401);
    h.clock.advance(MEDIA_REMOVAL_GRACE_MS);
    expect(a.session.view().status).toBe('signed-out');
    // No reason within the grace: removed, as the media server said.
    b.session.mediaRemoved();
    h.clock.advance(MEDIA_REMOVAL_GRACE_MS - 1);
    expect(b.session.view().status).toBe('admitted');
    h.clock.advance(1);
    expect(b.session.view().status).toBe('removed');
    expect(b.session.view().myKey).toBeNull();
  });

  it('re-establishes keys after the control channel reconnects', async () => {
    const h = harness();
    let a = h.join('a');
    const b = h.join('b');
    await h.settle();
    a.close();
    await h.settle();
    a = h.join('a'); // a fresh session of the same user, like a reload
    await h.settle();
    expect(b.media.latestIndex('a')).toBe(ownIndex(a));
    expect(a.media.latestIndex('b')).toBe(ownIndex(b));
    expect(h.code(a)).toBe(h.code(b));
  });

  it('keeps a key that arrives before presence announces its sender, and uses it then', async () => {
    const clock = new ManualClock();
    const me = generateIdentity();
    const other = generateIdentity();
    const media = new RecordingMediaSink();
    const sent: string[] = [];
    const session = new RoomSession({
      send: (message) => sent.push(message.type === 'relay' ? message.channel : message.type),
      exchangeKeys: { publicKey: me.exchangePublicKey, privateKey: me.exchangePrivateKey },
      viewer: 'member',
      pins: new MemoryPins(),
      media,
      clock,
    });
    const participant = (id: string, identity: ReturnType<typeof generateIdentity>) => ({
      id,
      kind: 'member' as const,
      displayName: id,
      role: 'participant' as const,
      identity: publicIdentity(identity),
      guestKey: null,
      joinedAt: new Date(0).toISOString(),
    });
    session.handle({
      type: 'welcome',
      self: participant('me', me),
      status: 'admitted',
      meeting: MEETING,
      participants: [],
      lobby: [],
      ticket: null,
      limits: {
        maxFrameBytes: 1,
        maxRelayPayloadBytes: 1,
        messageBurst: 1,
        messagesPerSecond: 1,
        heartbeatIntervalMs: 1,
      },
    });
    const message = encryptSenderKey({
      meetingId: `${MEETING.meetingId}/${MEETING.occurrenceId}`,
      senderId: 'other',
      recipientId: 'me',
      keyIndex: 9,
      senderKey: generateSenderKey(),
      senderExchangePrivateKey: other.exchangePrivateKey,
      recipientExchangePublicKey: me.exchangePublicKey,
    });
    session.handle({
      type: 'relay',
      from: 'other',
      channel: 'sender-key',
      payload: JSON.stringify({ message }),
      broadcast: false,
    });
    expect(media.latestIndex('other')).toBeUndefined();
    session.handle({ type: 'participant-joined', participant: participant('other', other) });
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the install settle
    expect(media.latestIndex('other')).toBe(9);
    expect(sent).toContain('sender-key-ack');
    session.dispose();
  });
});
