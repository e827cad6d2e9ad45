import {
  createRecordingEnvelope,
  generateIdentity,
  generateRecordingKey,
  keyId,
  publicIdentity,
  ready,
  signConsent,
  signRecordingShare,
  type Identity,
} from '@conclave/crypto';
import { describe, expect, it } from 'vitest';
import { KeyPins, memoryPinStorage } from '../key-directory/pins';
import {
  checkEnvelope,
  directoryTrust,
  guestConsentKeys,
  unsealRecordingKey,
} from './recording-trust';
import { sharedKeysFrom } from './share-grant';
import { directoryEntry } from './testing';

await ready();

const recordingId = '6b0c1a52-6a0e-4a37-9b65-0d0f5b1f3a11';
const meetingId = 'm-1';

function envelopeBy(
  recorder: Identity,
  consents: ReturnType<typeof signConsent>[] = [],
  extra: Identity[] = [],
) {
  const recordingKey = generateRecordingKey();
  const envelope = createRecordingEnvelope({
    recordingId,
    meetingId,
    recorderUserId: 'u-rec',
    recorder,
    mimeType: 'video/webm;codecs=vp8,opus',
    startedAt: '2026-12-01T10:00:00.000Z',
    recordingKey,
    recipientExchangeKeys: extra.map((i) => i.exchangePublicKey),
    consents,
  });
  return { envelope, recordingKey };
}

describe('directoryTrust', () => {
  const recorder = generateIdentity();

  it('verifies a recording signed with a key the recorder had before a reset (history)', () => {
    const { envelope } = envelopeBy(recorder);
    const current = generateIdentity();
    const entry = directoryEntry('u-rec', 'Rita', current);
    const old = {
      ...directoryEntry('u-rec', 'Rita', recorder).history[0]!,
      replacedAt: '2026-06-01T00:00:00.000Z',
    };
    entry.history = [entry.current!, old];
    const opened = checkEnvelope({
      envelope,
      seal: null,
      recordingId,
      directory: directoryTrust([entry], null),
    });
    expect(opened.recorder.name).toBe('Rita');
  });

  it('trusts only the pinned key when the served key changed (a possible swap by the server)', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    pins.observe('u-rec', publicIdentity(recorder));
    const { envelope: genuine } = envelopeBy(recorder);
    const mallory = generateIdentity();
    const { envelope: forged } = envelopeBy(mallory);
    const swapped = directoryEntry('u-rec', 'Rita', mallory);
    swapped.history = [swapped.current!, directoryEntry('u-rec', 'Rita', recorder).current!];
    const directory = directoryTrust([swapped], pins);
    expect(directory.signer('u-rec')?.keyChanged).toBe(true);
    expect(directory.exchangeKeyOf('u-rec')).toBeUndefined();
    expect(() => checkEnvelope({ envelope: forged, seal: null, recordingId, directory })).toThrow(
      /no trusted key/,
    );
    const opened = checkEnvelope({ envelope: genuine, seal: null, recordingId, directory });
    expect(opened.recorder.keyChanged).toBe(true);
  });

  it('refuses a recorder outside the directory even when the signature is valid', () => {
    const own = signConsent({
      meetingId,
      recordingId,
      decision: 'accept',
      userId: 'u-rec',
      identity: recorder,
    });
    const { envelope } = envelopeBy(recorder, [own]);
    // Not a member: its consent key is taken as a guest's, which verifies the signature...
    const directory = directoryTrust([], null, guestConsentKeys(envelope, new Set()));
    // ...but a recorder must be in the key directory.
    expect(() => checkEnvelope({ envelope, seal: null, recordingId, directory })).toThrow(
      /not a member/,
    );
  });

  it('checks a guest’s consent against the key it carries and counts declines', () => {
    const guest = generateIdentity();
    const member = generateIdentity();
    const consents = [
      signConsent({
        meetingId,
        recordingId,
        decision: 'accept',
        userId: 'guest:g1',
        identity: guest,
      }),
      signConsent({ meetingId, recordingId, decision: 'decline', userId: 'u-m', identity: member }),
    ];
    const { envelope } = envelopeBy(recorder, consents);
    const entries = [
      directoryEntry('u-rec', 'Rita', recorder),
      directoryEntry('u-m', 'Max', member),
    ];
    const directory = directoryTrust(
      entries,
      null,
      guestConsentKeys(envelope, new Set(['u-rec', 'u-m'])),
    );
    const opened = checkEnvelope({ envelope, seal: null, recordingId, directory });
    expect(opened.acceptedConsents).toBe(1);
    expect(opened.declinedConsents).toBe(1);
  });

  it('does not let a member’s consent borrow its embedded key', () => {
    const member = generateIdentity();
    const impostor = generateIdentity();
    const consents = [
      signConsent({
        meetingId,
        recordingId,
        decision: 'accept',
        userId: 'u-m',
        identity: impostor,
      }),
    ];
    const { envelope } = envelopeBy(recorder, consents);
    const entries = [
      directoryEntry('u-rec', 'Rita', recorder),
      directoryEntry('u-m', 'Max', member),
    ];
    const ids = new Set(['u-rec', 'u-m']);
    const directory = directoryTrust(entries, null, guestConsentKeys(envelope, ids));
    expect(() => checkEnvelope({ envelope, seal: null, recordingId, directory })).toThrow(
      /no trusted key/,
    );
  });
});

describe('unsealRecordingKey', () => {
  const recorder = generateIdentity();
  const host = generateIdentity();
  const directory = directoryTrust([directoryEntry('u-rec', 'Rita', recorder)], null);

  it('opens the key for a recipient of the envelope', () => {
    const { envelope, recordingKey } = envelopeBy(recorder, [], [host]);
    const opened = checkEnvelope({ envelope, seal: null, recordingId, directory });
    const key = unsealRecordingKey({
      envelope: opened.envelope,
      identity: host,
      myKeyId: keyId(host.exchangePublicKey),
      shares: [],
    });
    expect(Buffer.from(key).equals(Buffer.from(recordingKey))).toBe(true);
  });

  it('tells someone who is neither recipient nor shared that they must ask for a share', () => {
    const { envelope } = envelopeBy(recorder);
    const opened = checkEnvelope({ envelope, seal: null, recordingId, directory });
    const stranger = generateIdentity();
    expect(() =>
      unsealRecordingKey({
        envelope: opened.envelope,
        identity: stranger,
        myKeyId: keyId(stranger.exchangePublicKey),
        shares: [],
      }),
    ).toThrow(/not sealed to your current key/);
  });

  it('opens the key from a share grant signed by a member, and ignores a forged grant', () => {
    const { envelope, recordingKey } = envelopeBy(recorder);
    const opened = checkEnvelope({ envelope, seal: null, recordingId, directory });
    const ben = generateIdentity();
    const grantBy = (identity: Identity, userId: string) => ({
      userId: 'u-ben',
      name: 'Ben',
      keyId: keyId(ben.exchangePublicKey),
      grantedBy: { userId, name: 'x' },
      grantedAt: '2026-12-01T10:00:00.000Z',
      grant: signRecordingShare({
        recordingId,
        recordingKey,
        recipientUserId: 'u-ben',
        recipientExchangePublicKey: ben.exchangePublicKey,
        grantedByUserId: userId,
        identity,
      }) as unknown as { payload: Record<string, unknown>; signature: string },
    });
    const genuine = sharedKeysFrom([grantBy(recorder, 'u-rec')], directory, opened.envelope);
    const key = unsealRecordingKey({
      envelope: opened.envelope,
      identity: ben,
      myKeyId: keyId(ben.exchangePublicKey),
      shares: genuine,
    });
    expect(Buffer.from(key).equals(Buffer.from(recordingKey))).toBe(true);
    // Signed by someone the directory does not know: left out, so it cannot open.
    expect(
      sharedKeysFrom([grantBy(generateIdentity(), 'u-rec')], directory, opened.envelope),
    ).toEqual([]);
  });
});
