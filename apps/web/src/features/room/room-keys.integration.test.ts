import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindGuestKey,
  generateExchangeKeyPair,
  generateIdentity,
  generateLinkSecret,
  publicIdentity,
  ready,
  toBase64Url,
} from '@conclave/crypto';
import { lobbyTicketSchema } from '@conclave/contracts';
import { useTestApp } from '../../../../api/test/app';
import {
  addMember,
  anonymousClient,
  createTestOrg,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../../api/test/factories';
import { listen, meetingNow, scheduleMeeting } from '../../../../api/test/meetings';
import { MemoryPins, SimParticipant, waitUntilKeyed } from '../../../bench/sim-participant';

/**
 * Key exchange of the room (RoomSession) between Node participants over the real control
 * channel of the real API on PostgreSQL: keys, rotation, the security code, guests, the
 * key-swap fault switch, and chat that never reaches the server readable.
 */

const suite = useTestApp({ env: { CONCLAVE_TEST_HOOKS: 'true', LOG_LEVEL: 'silent' } });
let wsUrl: string;
let origin: string;
let host: TestUser;
let orgId: string;
const members: TestUser[] = [];
const clients = new Map<string, TestClient>();
const pinsOf = new Map<string, MemoryPins>();
const started: SimParticipant[] = [];

beforeAll(async () => {
  await ready();
  ({ wsUrl, origin } = await listen(suite.app));
  host = await createUser(suite.db, { displayName: 'Host' });
  orgId = (await createTestOrg(suite.db, { owner: host })).id;
  for (const name of ['Ben', 'Cleo', 'Dev']) {
    const user = await createUser(suite.db, { displayName: name });
    await addMember(suite.db, { org: { id: orgId }, user, role: 'member' });
    members.push(user);
  }
  for (const user of [host, ...members])
    clients.set(user.id, await signedInClient(suite.app, user));
});

afterAll(async () => {
  for (const participant of started) participant.connection.close();
});

async function newMeeting(overrides: Parameters<typeof scheduleMeeting>[2] = meetingNow()) {
  return scheduleMeeting(clients.get(host.id)!, orgId, { ...overrides, audience: 'org' });
}

function join(meetingId: string, user: TestUser): SimParticipant {
  const client = clients.get(user.id)!;
  const pins = pinsOf.get(user.id) ?? new MemoryPins();
  pinsOf.set(user.id, pins);
  const participant = new SimParticipant({
    url: `${wsUrl}/api/meetings/${meetingId}/control`,
    headers: {
      cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      origin,
    },
    exchangeKeys: {
      publicKey: user.identity.exchangePublicKey,
      privateKey: user.identity.exchangePrivateKey,
    },
    viewer: 'member',
    pins,
  });
  started.push(participant);
  return participant;
}

/** The host, Ben and Cleo in one meeting. */
function joinThree(meetingId: string): [SimParticipant, SimParticipant, SimParticipant] {
  return [join(meetingId, host), join(meetingId, members[0]!), join(meetingId, members[1]!)];
}

async function relayLog(meetingId: string) {
  const response = await suite.app.inject({
    method: 'GET',
    url: `/api/test/meetings/relay-log?meetingId=${meetingId}`,
  });
  return response.json<{
    entries: { from: string; to: string; channel: string; outcome: string; at: string }[];
  }>().entries;
}

const codeOf = (p: SimParticipant) => p.view().securityCode?.code;

describe('room key exchange over the real control channel', () => {
  it('keys three members, gives them one code, rotates for a fourth and after a leave', async () => {
    const meeting = await newMeeting();
    const [a, b, c] = joinThree(meeting.id);
    await waitUntilKeyed([a, b, c]);
    const three = codeOf(a);
    expect(three).toMatch(/^(\d{5} ){7}\d{5}$/);
    expect(codeOf(b)).toBe(three);
    expect(codeOf(c)).toBe(three);

    const before = new Map([a, b, c].map((p) => [p.view().self!.id, p.ownKeyIndex()!]));
    const d = join(meeting.id, members[2]!);
    await waitUntilKeyed([a, b, c, d]);
    expect(codeOf(a)).not.toBe(three);
    for (const p of [b, c, d]) expect(codeOf(p)).toBe(codeOf(a));
    // the joiner only ever got keys made after it joined
    for (const entry of d.installed) {
      if (entry.identity === members[2]!.id) continue;
      expect(entry.keyIndex).toBeGreaterThan(before.get(entry.identity)!);
    }

    const indicesBeforeLeave = new Map([a, b, c].map((p) => [p.view().self!.id, p.ownKeyIndex()!]));
    d.leave();
    await a.waitFor((v) => v.participants.length === 3, 10_000, 'd to leave');
    const leftAt = new Date().toISOString();
    // every remaining sender moves to a higher index, and everyone holds it
    for (const p of [a, b, c]) {
      const before = indicesBeforeLeave.get(p.view().self!.id)!;
      await p.waitFor((v) => (v.myKey?.activeKeyIndex ?? 0) > before, 10_000, 'a new key');
    }
    await waitUntilKeyed([a, b, c]);
    expect(codeOf(a)).toBe(three);
    const toLeaver = (await relayLog(meeting.id)).filter(
      (e) => e.to === members[2]!.id && e.channel === 'sender-key',
    );
    expect(toLeaver.length).toBeGreaterThan(0); // it did get keys while it was there
    expect(toLeaver.filter((e) => e.at > leftAt && e.outcome === 'delivered')).toEqual([]);
    for (const p of [a, b, c]) p.leave();
  });

  it('re-establishes keys after a participant’s connection drops and comes back', async () => {
    const meeting = await newMeeting();
    const [a, b, c] = joinThree(meeting.id);
    await waitUntilKeyed([a, b, c]);
    const before = new Map([a, b, c].map((p) => [p.view().self!.id, p.ownKeyIndex()!]));
    const opened = c.opens;
    c.simulateNetworkDrop();
    await c.waitFor(() => c.opens > opened, 10_000, 'the control channel to reconnect');
    // c replaced its key on return; everyone holds everyone's current key again
    await c.waitFor(
      (v) => (v.myKey?.activeKeyIndex ?? 0) > before.get(members[1]!.id)!,
      10_000,
      'c to replace its key',
    );
    await waitUntilKeyed([a, b, c]);
    expect(new Set([a, b, c].map(codeOf)).size).toBe(1);
    for (const p of [a, b, c]) p.leave();
  });

  it('carries chat sealed: all three read it, the server stored and relayed no plaintext', async () => {
    const meeting = await newMeeting();
    const [a, b, c] = joinThree(meeting.id);
    await waitUntilKeyed([a, b, c]);
    const secret = `quarterly numbers ${toBase64Url(generateExchangeKeyPair().publicKey)}`;
    a.session.sendChat(secret);
    for (const p of [b, c]) {
      await p.waitFor((v) => v.chat.some((m) => m.text === secret), 10_000, 'the chat message');
    }
    // Every table of the database, as text: the plaintext is nowhere.
    const pgClient = new pg.Client({ connectionString: suite.database.connectionString });
    await pgClient.connect();
    try {
      const tables = await pgClient.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      for (const { table_name } of tables.rows) {
        const rows = await pgClient.query(`SELECT * FROM "${table_name}"`);
        expect(JSON.stringify(rows.rows)).not.toContain('quarterly numbers');
      }
    } finally {
      await pgClient.end();
    }
    for (const p of [a, b, c]) p.leave();
  });

  it('admits a guest bound by the link secret and keeps an unbound one unverified, keyless', async () => {
    const meeting = await newMeeting();
    const linkSecret = generateLinkSecret();
    const a = new SimParticipant({
      url: `${wsUrl}/api/meetings/${meeting.id}/control`,
      headers: {
        cookie: [...clients.get(host.id)!.cookies].map(([n, v]) => `${n}=${v}`).join('; '),
        origin,
      },
      exchangeKeys: {
        publicKey: host.identity.exchangePublicKey,
        privateKey: host.identity.exchangePrivateKey,
      },
      viewer: 'member',
      pins: new MemoryPins(),
      linkSecret,
    });
    started.push(a);
    const b = join(meeting.id, members[0]!);
    await waitUntilKeyed([a, b]);

    async function guest(name: string, bindWith: string) {
      const keys = generateExchangeKeyPair();
      const response = await anonymousClient(suite.app).inject({
        method: 'POST',
        url: `/api/meetings/${meeting.id}/lobby`,
        payload: {
          displayName: name,
          guestKey: {
            exchangePublicKey: toBase64Url(keys.publicKey),
            binding: bindGuestKey({
              linkSecret: bindWith,
              meetingId: meeting.id,
              guestPublicKey: keys.publicKey,
            }),
          },
        },
      });
      expect(response.statusCode, response.body).toBe(200);
      const { ticket, guestId } = lobbyTicketSchema.parse(response.json());
      const participant = new SimParticipant({
        url: `${wsUrl}/api/meetings/${meeting.id}/control?ticket=${encodeURIComponent(ticket)}`,
        headers: { origin },
        exchangeKeys: keys,
        viewer: 'guest',
        pins: null,
        linkSecret,
      });
      started.push(participant);
      await a.waitFor((v) => v.lobby.some((e) => e.id === guestId), 10_000, 'the guest to knock');
      a.session.admit(guestId);
      await participant.waitFor((v) => v.status === 'admitted', 10_000, 'admission');
      return { participant, guestId };
    }

    const good = await guest('Good guest', linkSecret);
    const bad = await guest('Bad guest', generateLinkSecret());
    for (const p of [a, b, good.participant, bad.participant]) {
      await p.waitFor((v) => v.participants.length === 4, 10_000, 'all four in the room');
    }
    await waitUntilKeyed([a, b, good.participant]);
    // b learned the link secret from a (boxed), so it can check guests too
    expect(b.view().canVerifyGuests).toBe(true);
    for (const viewer of [a, b]) {
      const list = viewer.view().participants;
      expect(list.find((p) => p.id === good.guestId)?.trust).toEqual({
        verified: true,
        basis: 'guest-link',
      });
      expect(list.find((p) => p.id === bad.guestId)?.trust).toEqual({
        verified: false,
        problem: 'guest-binding-invalid',
      });
    }
    const log = await relayLog(meeting.id);
    expect(log.filter((e) => e.to === bad.guestId && e.channel === 'sender-key')).toEqual([]);
    expect(bad.participant.installed.filter((e) => e.identity !== bad.guestId)).toEqual([]);
    // everyone sees the same four keys, so the code agrees
    expect(new Set([a, b, good.participant, bad.participant].map(codeOf)).size).toBe(1);
    for (const p of [a, b, good.participant, bad.participant]) p.leave();
  });

  it('notices a server that swaps a member’s public key: codes differ, a warning, no key', async () => {
    // a and b meet first, so their pins hold each other's real keys
    const first = await newMeeting();
    const a1 = join(first.id, members[1]!);
    const b1 = join(first.id, members[2]!);
    await waitUntilKeyed([a1, b1]);
    a1.leave();
    b1.leave();

    const impostor = publicIdentity(generateIdentity());
    const swap = await suite.app.inject({
      method: 'PUT',
      url: '/api/test/meetings/faults/identity-swap',
      payload: { userId: members[2]!.id, identity: impostor },
    });
    expect(swap.statusCode, swap.body).toBe(200);
    try {
      const second = await newMeeting();
      const a = join(second.id, members[1]!);
      const b = join(second.id, members[2]!);
      await a.waitFor((v) => v.keyChangeWarnings.length === 1, 10_000, 'the key-change warning');
      await b.waitFor((v) => v.participants.length === 2, 10_000, 'a to appear');
      expect(a.view().keyChangeWarnings).toEqual([
        { participantId: members[2]!.id, displayName: 'Dev' },
      ]);
      expect(codeOf(a)).toBeDefined();
      expect(codeOf(a)).not.toBe(codeOf(b));
      expect(a.view().myKey?.holders).toEqual([]);
      const log = await relayLog(second.id);
      expect(
        log.filter(
          (e) => e.from === members[1]!.id && e.to === members[2]!.id && e.channel === 'sender-key',
        ),
      ).toEqual([]);
      a.leave();
      b.leave();
    } finally {
      await suite.app.inject({ method: 'DELETE', url: '/api/test/meetings/faults/identity-swap' });
    }
  });
});
