import {
  checkRecordingAgainstSeal,
  concatBytes,
  decryptRecordingBytes,
  generateIdentity,
  generateSigningKeyPair,
  keyId,
  openRecordingKey,
  ready,
  signConsent,
  toBase64Url,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  type Identity,
  type RecordingEnvelope,
  type RecordingSeal,
  type Signed,
} from '@conclave/crypto';
import type { ClientMessage, CreatedRecording, RoomRecording } from '@conclave/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../room/testing';
import type { KnownParticipant } from './consent-trust';
import { guestConsentSigner, memberConsentSigner } from './consent-signer';
import type { MediaCapture } from './encrypting-recorder';
import type { MediaPipeline, RecorderPorts } from './recorder-run';
import { RecordingRoom, type RoomRoster } from './recording-room';
import type { RecordingUpload, UploadProgress } from './recording-upload';

/**
 * Three browsers' recording models on an in-memory stand-in for the control channel and the
 * API (the real ones run in the end-to-end test), with real libsodium: consent checked by each
 * browser itself, the decliner and the undecided left out, and what the recorder uploads
 * decrypting, with the recorder's key, to exactly what it captured.
 */

const MEETING = '5b0c4a7e-0000-4000-8000-000000000001';
const OCCURRENCE = '2026-12-03T17:00:00.000Z';

beforeAll(async () => {
  await ready();
});

interface Person {
  id: string;
  name: string;
  role: 'host' | 'participant';
  identity: Identity;
}

function person(id: string, name: string, role: 'host' | 'participant' = 'participant'): Person {
  return { id, name, role, identity: generateIdentity() };
}

function known(p: Person, verified = true): KnownParticipant {
  return {
    id: p.id,
    kind: 'member',
    displayName: p.name,
    role: p.role,
    verified,
    signingPublicKey: p.identity.signingPublicKey,
    exchangePublicKey: p.identity.exchangePublicKey,
  };
}

class MemoryUpload implements RecordingUpload {
  readonly pieces: Uint8Array[] = [];
  private done = false;
  append(bytes: Uint8Array) {
    this.pieces.push(bytes);
  }
  complete() {
    this.done = true;
    return Promise.resolve();
  }
  abort() {}
  progress(): UploadProgress {
    const n = this.pieces.reduce((s, p) => s + p.length, 0);
    return {
      appendedBytes: n,
      acknowledgedBytes: n,
      state: this.done ? 'complete' : 'uploading',
      problem: null,
    };
  }
  subscribe() {
    return () => undefined;
  }
}

class ScriptedCapture implements MediaCapture {
  readonly mimeType = 'video/webm;codecs=vp8,opus';
  private onData: ((bytes: Uint8Array) => void) | null = null;
  readonly produced: Uint8Array[] = [];
  start(onData: (bytes: Uint8Array) => void) {
    this.onData = onData;
  }
  emit(bytes: Uint8Array) {
    this.produced.push(bytes);
    this.onData?.(bytes);
  }
  stop() {
    this.emit(new Uint8Array([0x1f, 0x43, 0xb6, 0x75])); // MediaRecorder's last piece
    this.onData = null;
    return Promise.resolve();
  }
}

/** The control channel and the API, as far as recording goes. */
class World {
  readonly clock = new ManualClock();
  readonly rooms = new Map<string, RecordingRoom>();
  readonly present = new Map<string, Person>();
  readonly capture = new ScriptedCapture();
  readonly upload = new MemoryUpload();
  readonly included: string[][] = [];
  envelope: Signed<RecordingEnvelope> | null = null;
  seal: Signed<RecordingSeal> | null = null;
  recording: RoomRecording | null = null;
  /** What the API names as hosts' keys (a test may swap one). */
  hostKeys = new Map<string, Uint8Array>();

  constructor(readonly consent: 'notify' | 'explicit' = 'explicit') {}

  join(p: Person, options: { recorder?: boolean; trusts?: (other: Person) => boolean } = {}) {
    this.present.set(p.id, p);
    if (p.role === 'host') this.hostKeys.set(p.id, p.identity.exchangePublicKey);
    const trusts = options.trusts ?? (() => true);
    const roster: RoomRoster = {
      self: () => known(p),
      participant: (id) => {
        const other = id === p.id ? undefined : this.present.get(id);
        return other ? known(other, trusts(other)) : null;
      },
      participants: () =>
        [...this.present.values()].filter((o) => o.id !== p.id).map((o) => known(o, trusts(o))),
      meetingId: () => MEETING,
      occurrenceId: () => OCCURRENCE,
      linkSecret: () => null,
    };
    const room = new RecordingRoom({
      roster,
      send: (message) => this.receive(p, message),
      signer: memberConsentSigner(p.id, p.identity),
      recorder: options.recorder ? this.ports(p) : null,
      policy: { allowed: 'hosts', audioOnly: 'allowed' },
    });
    this.rooms.set(p.id, room);
    for (const other of this.rooms.values()) other.rosterChanged();
    if (this.recording) room.handle({ type: 'recording', recording: this.recording });
    return room;
  }

  leave(p: Person) {
    this.present.delete(p.id);
    this.rooms.delete(p.id);
    for (const room of this.rooms.values()) room.rosterChanged();
  }

  broadcast(recording: RoomRecording) {
    this.recording = recording;
    for (const room of this.rooms.values()) room.handle({ type: 'recording', recording });
  }

  private receive(from: Person, message: ClientMessage) {
    if (message.type !== 'recording-consent') return;
    for (const room of this.rooms.values()) {
      room.handle({
        type: 'recording-consent',
        recordingId: message.recordingId,
        participantId: from.id,
        statement: message.statement,
        guestBinding: message.guestBinding ?? null,
      });
    }
  }

  private ports(recorder: Person): RecorderPorts {
    return {
      self: { userId: recorder.id, identity: recorder.identity },
      clock: this.clock,
      consentWaitMs: 30_000,
      api: {
        create: ({ mode, mimeType }) => {
          const created: CreatedRecording = {
            recording: {
              id: 'rec-1',
              orgId: 'org-1',
              meetingId: MEETING,
              occurrence: OCCURRENCE,
              meetingTitle: 'Board',
              recorder: { userId: recorder.id, name: recorder.name },
              mode,
              mimeType,
              state: 'requested',
              consent: this.consent,
              startedAt: null,
              endedAt: null,
              durationMs: null,
              sizeBytes: 0,
              consentCount: 0,
              declinedCount: 0,
              canOpen: true,
              canShare: true,
              canDelete: true,
              deletableFrom: null,
              expiresAt: null,
            },
            requiredRecipients: [
              {
                kind: 'recorder',
                userId: recorder.id,
                keyId: keyId(recorder.identity.exchangePublicKey),
                exchangePublicKey: toBase64Url(recorder.identity.exchangePublicKey),
              },
              ...[...this.hostKeys].map(([userId, key]) => ({
                kind: 'host' as const,
                userId,
                keyId: keyId(key),
                exchangePublicKey: toBase64Url(key),
              })),
            ],
          };
          queueMicrotask(() =>
            this.broadcast({
              id: 'rec-1',
              state: 'requested',
              recorder: { participantId: recorder.id, userId: recorder.id, name: recorder.name },
              mode,
              consent: this.consent,
              startedAt: null,
              endedAt: null,
            }),
          );
          return Promise.resolve(created);
        },
        putEnvelope: (_id, envelope) => {
          this.envelope = envelope;
          return Promise.resolve();
        },
        seal: (_id, seal) => {
          this.seal = seal;
          return Promise.resolve();
        },
      },
      media: {
        mimeTypeFor: () => this.capture.mimeType,
        open: (): MediaPipeline => ({
          capture: this.capture,
          setIncluded: (ids) => this.included.push([...ids].sort()),
          dispose: () => undefined,
        }),
      },
      createUpload: () => this.upload,
      pinCheck: () => 'new',
      describeError: (error) => (error instanceof Error ? error.message : String(error)),
    };
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RecordingRoom', () => {
  it('records only who accepted; the decliner sees it; the upload decrypts to what was captured', async () => {
    const world = new World('explicit');
    const alice = person('alice', 'Alice', 'host');
    const bob = person('bob', 'Bob');
    const carol = person('carol', 'Carol');
    const a = world.join(alice, { recorder: true });
    const b = world.join(bob);
    const c = world.join(carol);

    await a.requestRecording('video');
    await settle();
    expect(a.view().run?.phase).toBe('waiting-consent');
    expect(b.view().prompt).toMatchObject({ consent: 'explicit', recorderName: 'Alice' });
    expect(b.view().leftOut).toBe('undecided');

    b.decide('accept');
    expect(a.view().run?.phase).toBe('waiting-consent');
    c.decide('decline');
    await settle();
    expect(a.view().run?.phase).toBe('recording');
    expect(world.included.at(-1)).toEqual(['alice', 'bob']);
    expect(c.view().leftOut).toBe('declined');
    expect(c.view().prompt).toBeNull();
    expect(a.view().consents.map((x) => [x.participantId, x.decision, x.included])).toEqual([
      ['alice', 'accept', true],
      ['bob', 'accept', true],
      ['carol', 'decline', false],
    ]);

    world.capture.emit(new Uint8Array([1, 2, 3]));
    world.clock.advance(5_000); // a flush: a short chunk goes up
    const afterFlush = world.upload.pieces.length;
    expect(afterFlush).toBeGreaterThan(0);
    world.capture.emit(new Uint8Array(1_200_000).fill(7)); // fills a whole 1 MiB chunk
    await a.stopRecording();
    expect(a.view().run?.phase).toBe('sealed');

    const envelope = verifyRecordingEnvelope(world.envelope!, {
      signingKeyFor: (userId) =>
        ({ alice, bob, carol })[userId as 'alice']?.identity.signingPublicKey,
    });
    expect(
      envelope.consents.map((x) => [x.payload.participant.userId, x.payload.decision]),
    ).toEqual([
      ['alice', 'accept'],
      ['bob', 'accept'],
      ['carol', 'decline'],
    ]);
    const key = openRecordingKey(envelope, {
      publicKey: alice.identity.exchangePublicKey,
      privateKey: alice.identity.exchangePrivateKey,
    });
    const stored = concatBytes(world.upload.pieces);
    const { plaintext, result } = decryptRecordingBytes(stored, {
      recordingKey: key,
      recordingId: 'rec-1',
      mimeType: envelope.mimeType,
      hashes: 'all',
    });
    expect(result.complete).toBe(true);
    expect(Buffer.compare(plaintext, concatBytes(world.capture.produced))).toBe(0);
    const seal = verifyRecordingSeal(world.seal!, { trustEmbeddedKeys: true }, envelope);
    checkRecordingAgainstSeal(seal, result);
    // What went up holds no plaintext: not even the EBML magic MediaRecorder's output starts with.
    expect(Buffer.from(stored).indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]))).toBe(-1);
  });

  it('believes a consent only under the key the room verified, never the server’s word', async () => {
    const world = new World('explicit');
    const alice = person('alice', 'Alice', 'host');
    const bob = person('bob', 'Bob');
    const a = world.join(alice, { recorder: true });
    world.join(bob);
    await a.requestRecording('video');
    await settle();
    // The server forges Bob's acceptance with a key of its own making.
    const forger = generateSigningKeyPair();
    const forged = signConsent({
      meetingId: MEETING,
      recordingId: 'rec-1',
      decision: 'accept',
      userId: 'bob',
      identity: { signingPublicKey: forger.publicKey, signingPrivateKey: forger.privateKey },
    });
    a.handle({
      type: 'recording-consent',
      recordingId: 'rec-1',
      participantId: 'bob',
      statement: forged as unknown as { payload: Record<string, unknown>; signature: string },
      guestBinding: null,
    });
    const bobView = a.view().consents.find((x) => x.participantId === 'bob')!;
    expect(bobView.decision).toBe('pending');
    expect(bobView.problem).toMatch(/signature does not check out/);
    expect(a.includedIds()).toEqual(['alice']);
    // Bob's real statement, replayed under Carol's name, does not count for Carol either.
    const real = signConsent({
      meetingId: MEETING,
      recordingId: 'rec-1',
      decision: 'accept',
      userId: 'bob',
      identity: bob.identity,
    });
    a.handle({
      type: 'recording-consent',
      recordingId: 'rec-1',
      participantId: 'carol',
      statement: real as unknown as { payload: Record<string, unknown>; signature: string },
      guestBinding: null,
    });
    expect(a.includedIds()).toEqual(['alice']);
  });

  it('leaves a late joiner out until they accept, and an unverified participant out entirely', async () => {
    const world = new World('notify');
    const alice = person('alice', 'Alice', 'host');
    const bob = person('bob', 'Bob');
    const mallory = person('mallory', 'Mallory');
    const a = world.join(alice, {
      recorder: true,
      trusts: (other) => other.id !== 'mallory',
    });
    const b = world.join(bob);
    await a.requestRecording('audio');
    await settle();
    b.decide('decline'); // under notify there is nothing to decline: ignored
    expect(b.view().myDecision).toBeNull();
    b.decide('accept');
    await settle();
    expect(a.view().run?.phase).toBe('recording');
    expect(a.view().run?.mode).toBe('audio');

    const dave = person('dave', 'Dave');
    const d = world.join(dave);
    expect(d.view().prompt).toMatchObject({ consent: 'notify', recordingId: 'rec-1' });
    expect(world.included.at(-1)).toEqual(['alice', 'bob']);
    d.decide('accept');
    expect(world.included.at(-1)).toEqual(['alice', 'bob', 'dave']);

    const m = world.join(mallory);
    m.decide('accept');
    expect(world.included.at(-1)).toEqual(['alice', 'bob', 'dave']);
    expect(a.view().consents.find((x) => x.participantId === 'mallory')?.problem).toMatch(
      /could not be verified/,
    );

    world.leave(dave);
    expect(world.included.at(-1)).toEqual(['alice', 'bob']);
  });

  it('refuses to seal to a host key that differs from the one the room verified', async () => {
    const world = new World('explicit');
    const alice = person('alice', 'Alice');
    const hank = person('hank', 'Hank', 'host');
    const a = world.join(alice, { recorder: true });
    world.join(hank);
    world.hostKeys.set('hank', generateIdentity().exchangePublicKey);
    await a.requestRecording('video');
    expect(a.view().run).toMatchObject({ phase: 'failed' });
    expect(a.view().run?.error).toMatch(/different key for Hank/);
    expect(world.envelope).toBeNull();
  });

  it('shows the API’s refusal in its own words', async () => {
    const world = new World();
    const alice = person('alice', 'Alice');
    const a = world.join(alice, { recorder: true });
    const ports = (a as unknown as { options: { recorder: RecorderPorts } }).options.recorder;
    ports.api.create = () => Promise.reject(new Error('Only hosts may record this meeting.'));
    await a.requestRecording('video');
    expect(a.view().run?.error).toBe('Recording was refused: Only hosts may record this meeting.');
  });

  it('signs a guest’s consent with a link-bound ephemeral key that members holding the link accept', async () => {
    const keys = generateSigningKeyPair();
    const linkSecret = toBase64Url(new Uint8Array(32).fill(9));
    const signed = guestConsentSigner(keys, linkSecret).sign({
      meetingId: MEETING,
      recordingId: 'rec-1',
      decision: 'accept',
      participantId: 'guest-1',
    });
    expect(signed.guestBinding).not.toBeNull();
    const { checkConsent } = await import('./consent-trust');
    const guest: KnownParticipant = {
      id: 'guest-1',
      kind: 'guest',
      displayName: 'Gus',
      role: 'participant',
      verified: true,
      signingPublicKey: null,
      exchangePublicKey: null,
    };
    const consent = { participantId: 'guest-1', ...signed };
    const context = { meetingId: MEETING, recordingId: 'rec-1' };
    expect(checkConsent(consent, guest, { ...context, linkSecret })).toMatchObject({ ok: true });
    expect(checkConsent(consent, guest, { ...context, linkSecret: null })).toMatchObject({
      ok: false,
      reason: /guest link/,
    });
    const otherLink = toBase64Url(new Uint8Array(32).fill(1));
    expect(checkConsent(consent, guest, { ...context, linkSecret: otherLink })).toMatchObject({
      ok: false,
    });
  });
});
