import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { concatBytes, toHex } from './encoding';
import { generateExchangeKeyPair, generateIdentity, keyId, type Identity } from './identity';
import {
  checkRecordingAgainstSeal,
  checkRequiredRecipients,
  createRecordingEnvelope,
  openRecordingKey,
  signConsent,
  signRecordingSeal,
  verifyConsent,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  type RecordingEnvelope,
  type VerifiedRecordingEnvelope,
} from './recording-envelope';
import { RecordingWriter, decryptRecordingBytes, generateRecordingKey } from './recording-stream';
import type { Signed, SignerTrust } from './signed-statement';
import { ready } from './sodium';

await ready();

const users: Record<string, Identity> = {
  alice: generateIdentity(),
  bob: generateIdentity(),
  carol: generateIdentity(),
};
const directory: SignerTrust = { signingKeyFor: (userId) => users[userId]?.signingPublicKey };
const compliance = generateExchangeKeyPair();
const ids = { meetingId: 'mtg-1', recordingId: 'rec-1' };
const startedAt = '2025-03-04T10:00:00.000Z';

function consent(
  user: string,
  decision: 'accept' | 'decline' = 'accept',
  over: Partial<typeof ids> = {},
) {
  return signConsent({
    ...ids,
    ...over,
    decision,
    userId: user,
    identity: users[user]!,
    decidedAt: startedAt,
  });
}

function envelope(recordingKey = generateRecordingKey()) {
  return {
    recordingKey,
    signed: createRecordingEnvelope({
      ...ids,
      recorderUserId: 'alice',
      recorder: users.alice!,
      mimeType: 'video/webm',
      startedAt,
      recordingKey,
      recipientExchangeKeys: [
        users.bob!.exchangePublicKey,
        compliance.publicKey,
        users.bob!.exchangePublicKey,
      ],
      consents: [consent('alice'), consent('bob'), consent('carol', 'decline')],
    }),
  };
}

describe('consent statements', () => {
  it('sign and verify, bound to meeting and recording', () => {
    const signed = consent('carol', 'decline');
    const statement = verifyConsent(signed, directory, ids);
    expect(statement.decision).toBe('decline');
    expect(statement.participant.signingKeyId).toBe(keyId(users.carol!.signingPublicKey));
    expectCryptoError(
      () => verifyConsent(signed, directory, { recordingId: 'rec-2' }),
      'CONSENT_MISMATCH',
      'verifyConsent',
    );
    expectCryptoError(
      () =>
        verifyConsent({ ...signed, payload: { ...signed.payload, decision: 'accept' } }, directory),
      'BAD_SIGNATURE',
      'verifyConsent',
    );
  });

  it('are checked against the directory key, not only the key they carry', () => {
    const signed = consent('bob');
    const impostor = generateIdentity();
    const lying: SignerTrust = { signingKeyFor: () => impostor.signingPublicKey };
    expectCryptoError(() => verifyConsent(signed, lying), 'KEY_MISMATCH', 'verifyConsent');
    expectCryptoError(
      () => verifyConsent(signed, { signingKeyFor: () => undefined }),
      'UNKNOWN_SIGNER',
    );
    // A forger signing with their own key but claiming bob's user id:
    const forged = signConsent({
      ...ids,
      decision: 'accept',
      userId: 'bob',
      identity: impostor,
      decidedAt: startedAt,
    });
    expect(verifyConsent(forged, { trustEmbeddedKeys: true }).participant.userId).toBe('bob');
    expectCryptoError(() => verifyConsent(forged, directory), 'KEY_MISMATCH');
  });
});

describe('recording envelope', () => {
  it('round-trips through JSON; every recipient (and only they) can open the key', () => {
    const { recordingKey, signed } = envelope();
    const verified = verifyRecordingEnvelope(
      JSON.parse(JSON.stringify(signed)) as Signed<RecordingEnvelope>,
      directory,
    );
    expect(verified.recipients.map((r) => r.keyId)).toEqual(
      [users.alice!, users.bob!]
        .map((u) => keyId(u.exchangePublicKey))
        .concat(keyId(compliance.publicKey)),
    );
    for (const pair of [
      { publicKey: users.alice!.exchangePublicKey, privateKey: users.alice!.exchangePrivateKey },
      { publicKey: users.bob!.exchangePublicKey, privateKey: users.bob!.exchangePrivateKey },
      compliance,
    ]) {
      expect(toHex(openRecordingKey(verified, pair))).toBe(toHex(recordingKey));
    }
    expectCryptoError(
      () =>
        openRecordingKey(verified, {
          publicKey: users.carol!.exchangePublicKey,
          privateKey: users.carol!.exchangePrivateKey,
        }),
      'NOT_A_RECIPIENT',
      'openRecordingKey',
    );
  });

  it('any change to a signed field breaks the signature', () => {
    const { signed } = envelope();
    const fields = ['recordingId', 'meetingId', 'mimeType', 'startedAt'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), (field) => {
        const value =
          field === 'startedAt' ? '2025-03-04T10:00:00.001Z' : `${signed.payload[field]}x`;
        const tampered = { ...signed, payload: { ...signed.payload, [field]: value } };
        expectCryptoError(
          () => verifyRecordingEnvelope(tampered, directory),
          'BAD_SIGNATURE',
          'verifyRecordingEnvelope',
        );
      }),
    );
    const swapped = {
      ...signed,
      payload: { ...signed.payload, recipients: [...signed.payload.recipients].reverse() },
    };
    expectCryptoError(() => verifyRecordingEnvelope(swapped, directory), 'BAD_SIGNATURE');
    const fewer = {
      ...signed,
      payload: { ...signed.payload, consents: signed.payload.consents.slice(1) },
    };
    expectCryptoError(() => verifyRecordingEnvelope(fewer, directory), 'BAD_SIGNATURE');
  });

  it('a sealed key that does not open is DECRYPTION_FAILED', () => {
    const { signed } = envelope();
    const verified = verifyRecordingEnvelope(signed, directory);
    const [a, b] = verified.recipients;
    // Simulates an envelope whose entries got mixed up (cannot pass verification; typed cast).
    const mixed = {
      ...verified,
      recipients: [{ keyId: a!.keyId, sealedKey: b!.sealedKey }],
    } as VerifiedRecordingEnvelope;
    expectCryptoError(
      () =>
        openRecordingKey(mixed, {
          publicKey: users.alice!.exchangePublicKey,
          privateKey: users.alice!.exchangePrivateKey,
        }),
      'DECRYPTION_FAILED',
      'openRecordingKey',
    );
  });

  it('refuses consents about another recording and duplicate participants', () => {
    const base = {
      ...ids,
      recorderUserId: 'alice',
      recorder: users.alice!,
      mimeType: 'video/webm',
      startedAt,
      recordingKey: generateRecordingKey(),
      recipientExchangeKeys: [],
    };
    expectCryptoError(
      () =>
        createRecordingEnvelope({
          ...base,
          consents: [consent('bob', 'accept', { recordingId: 'rec-other' })],
        }),
      'CONSENT_MISMATCH',
      'createRecordingEnvelope',
    );
    const doubled = createRecordingEnvelope({
      ...base,
      consents: [consent('bob'), consent('bob', 'decline')],
    });
    expectCryptoError(
      () => verifyRecordingEnvelope(doubled, directory),
      'CONSENT_MISMATCH',
      'verifyRecordingEnvelope',
    );
  });

  it('checkRequiredRecipients names the missing key ids', () => {
    const { signed } = envelope();
    checkRequiredRecipients(signed, [
      keyId(compliance.publicKey),
      keyId(users.bob!.exchangePublicKey),
    ]);
    const escrow = generateExchangeKeyPair();
    const error = expectCryptoError(
      () =>
        checkRequiredRecipients(signed.payload, [
          keyId(escrow.publicKey),
          keyId(users.bob!.exchangePublicKey),
        ]),
      'MISSING_RECIPIENTS',
      'checkRequiredRecipients',
    );
    expect(error.message).toContain(keyId(escrow.publicKey));
    expect(error.message).not.toContain(keyId(users.bob!.exchangePublicKey));
  });

  it('rejects an unknown version', () => {
    const { signed } = envelope();
    expectCryptoError(
      () =>
        verifyRecordingEnvelope(
          { ...signed, payload: { ...signed.payload, v: 2 as 1 } },
          directory,
        ),
      'UNSUPPORTED_VERSION',
    );
  });
});

describe('recording seal', () => {
  function sealedRecording() {
    const { recordingKey, signed } = envelope();
    const writer = new RecordingWriter({
      recordingKey,
      recordingId: ids.recordingId,
      mimeType: 'video/webm',
      maxChunkBytes: 100,
    });
    const out = [
      writer.write(new Uint8Array(250).fill(7)),
      writer.flush(),
      writer.write(new Uint8Array(30)),
    ];
    const { output, stats } = writer.finish();
    const ciphertext = concatBytes([...out, output]);
    const seal = signRecordingSeal({
      recordingId: ids.recordingId,
      recorderUserId: 'alice',
      recorder: users.alice!,
      stats,
      endedAt: '2025-03-04T11:00:00.000Z',
    });
    return { recordingKey, envelope: verifyRecordingEnvelope(signed, directory), ciphertext, seal };
  }

  it('a reader that computed all digests matches the seal', () => {
    const { recordingKey, envelope: env, ciphertext, seal } = sealedRecording();
    const verified = verifyRecordingSeal(
      JSON.parse(JSON.stringify(seal)) as typeof seal,
      directory,
      env,
    );
    const { result } = decryptRecordingBytes(ciphertext, {
      recordingKey,
      recordingId: ids.recordingId,
      mimeType: 'video/webm',
      hashes: 'all',
    });
    checkRecordingAgainstSeal(verified, result);
  });

  it('detects a truncated copy, other content under the same key, and missing digests', () => {
    const { recordingKey, envelope: env, ciphertext, seal } = sealedRecording();
    const opts = {
      recordingKey,
      recordingId: ids.recordingId,
      mimeType: 'video/webm',
      hashes: 'all' as const,
    };
    const verified = verifyRecordingSeal(seal, directory, env);
    const truncated = decryptRecordingBytes(
      ciphertext.subarray(0, ciphertext.length - 20),
      opts,
    ).result;
    expectCryptoError(
      () => checkRecordingAgainstSeal(verified, truncated),
      'SEAL_MISMATCH',
      'checkRecordingAgainstSeal',
    );
    // A recipient who knows the key re-encrypts different content of the same shape:
    const writer = new RecordingWriter({
      recordingKey,
      recordingId: ids.recordingId,
      mimeType: 'video/webm',
      maxChunkBytes: 100,
    });
    const forged = concatBytes([
      writer.write(new Uint8Array(250).fill(8)),
      writer.flush(),
      writer.write(new Uint8Array(30)),
      writer.finish().output,
    ]);
    const forgedResult = decryptRecordingBytes(forged, opts).result;
    const error = expectCryptoError(
      () => checkRecordingAgainstSeal(verified, forgedResult),
      'SEAL_MISMATCH',
    );
    expect(error.message).toContain('plaintextSha256');
    const noDigests = decryptRecordingBytes(ciphertext, { ...opts, hashes: 'none' }).result;
    expectCryptoError(() => checkRecordingAgainstSeal(verified, noDigests), 'INVALID_INPUT');
    checkRecordingAgainstSeal(verified, noDigests, { ignoreMissingDigests: true });
  });

  it('a seal must come from the envelope recorder and be intact', () => {
    const { envelope: env, seal } = sealedRecording();
    const bobSeal = signRecordingSeal({
      recordingId: ids.recordingId,
      recorderUserId: 'bob',
      recorder: users.bob!,
      stats: { ...seal.payload },
      endedAt: seal.payload.endedAt,
    });
    expectCryptoError(
      () => verifyRecordingSeal(bobSeal, directory, env),
      'SEAL_MISMATCH',
      'verifyRecordingSeal',
    );
    const tampered = {
      ...seal,
      payload: { ...seal.payload, chunkCount: seal.payload.chunkCount + 1 },
    };
    expectCryptoError(
      () => verifyRecordingSeal(tampered, directory),
      'BAD_SIGNATURE',
      'verifyRecordingSeal',
    );
    expectCryptoError(
      () =>
        signRecordingSeal({
          recordingId: 'r',
          recorderUserId: 'alice',
          recorder: users.alice!,
          stats: { chunkCount: 1, plaintextBytes: 0, ciphertextBytes: 45 },
          endedAt: startedAt,
        }),
      'INVALID_INPUT',
      'signRecordingSeal',
    );
  });
});
