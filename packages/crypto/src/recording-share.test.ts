import { beforeAll, describe, expect, it } from 'vitest';
import { isCryptoError } from './errors';
import { generateIdentity, keyId } from './identity';
import { generateRecordingKey } from './recording-stream';
import {
  openSharedRecordingKey,
  signRecordingShare,
  verifyRecordingShare,
  type RecordingShare,
} from './recording-share';
import type { Signed, SignerTrust } from './signed-statement';
import { ready } from './sodium';

beforeAll(async () => {
  await ready();
});

function setup() {
  const host = generateIdentity();
  const bob = generateIdentity();
  const recordingKey = generateRecordingKey();
  const share = signRecordingShare({
    recordingId: 'rec-1',
    recordingKey,
    recipientUserId: 'bob',
    recipientExchangePublicKey: bob.exchangePublicKey,
    grantedByUserId: 'host',
    identity: host,
    grantedAt: '2026-12-03T10:00:00.000Z',
  });
  const trust: SignerTrust = {
    signingKeyFor: (userId, id) =>
      userId === 'host' && id === keyId(host.signingPublicKey) ? host.signingPublicKey : undefined,
  };
  return { host, bob, recordingKey, share, trust };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isCryptoError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('recording shares', () => {
  it('verifies under the directory and opens with the recipient key only', () => {
    const { bob, host, recordingKey, share, trust } = setup();
    const verified = verifyRecordingShare(share, trust, { recordingId: 'rec-1' });
    expect(verified.recipient).toMatchObject({
      userId: 'bob',
      keyId: keyId(bob.exchangePublicKey),
    });
    const opened = openSharedRecordingKey(verified, {
      publicKey: bob.exchangePublicKey,
      privateKey: bob.exchangePrivateKey,
    });
    expect(Buffer.from(opened).equals(Buffer.from(recordingKey))).toBe(true);
    expect(
      codeOf(() =>
        openSharedRecordingKey(verified, {
          publicKey: host.exchangePublicKey,
          privateKey: host.exchangePrivateKey,
        }),
      ),
    ).toBe('NOT_A_RECIPIENT');
  });

  const tampered: [string, (s: Signed<RecordingShare>) => void, string][] = [
    ['another recipient', (s) => (s.payload.recipient.userId = 'mallory'), 'BAD_SIGNATURE'],
    ['another recording', (s) => (s.payload.recordingId = 'rec-2'), 'BAD_SIGNATURE'],
    [
      'a later grant time',
      (s) => (s.payload.grantedAt = '2026-12-04T10:00:00.000Z'),
      'BAD_SIGNATURE',
    ],
    [
      'a flipped signature',
      (s) => (s.signature = s.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))),
      'BAD_SIGNATURE',
    ],
    ['an unknown granter', (s) => (s.payload.grantedBy.userId = 'stranger'), 'UNKNOWN_SIGNER'],
    [
      'a key id that is not the key',
      (s) => (s.payload.grantedBy.signingKeyId = keyId(new Uint8Array(32))),
      'KEY_MISMATCH',
    ],
    ['a short sealed key', (s) => (s.payload.recipient.sealedKey = 'AAAA'), 'INVALID_INPUT'],
    ['version 2', (s) => ((s.payload as { v: number }).v = 2), 'UNSUPPORTED_VERSION'],
  ];
  it.each(tampered)('refuses %s', (_name, tamper, code) => {
    const { share, trust } = setup();
    const copy = structuredClone(share);
    tamper(copy);
    expect(codeOf(() => verifyRecordingShare(copy, trust))).toBe(code);
  });

  it('refuses a grant for another recording than expected', () => {
    const { share, trust } = setup();
    expect(codeOf(() => verifyRecordingShare(share, trust, { recordingId: 'rec-9' }))).toBe(
      'BINDING_MISMATCH',
    );
  });
});
