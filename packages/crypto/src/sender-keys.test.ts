import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError, expectNoSecretsIn } from '../test/helpers';
import { fromBase64Url, toBase64Url, toHex } from './encoding';
import { generateExchangeKeyPair } from './identity';
import {
  bindGuestKey,
  decryptSenderKey,
  encryptSenderKey,
  encryptSenderKeyForRecipients,
  generateLinkSecret,
  generateSenderKey,
  verifyGuestKeyBinding,
  type SenderKeyMessage,
} from './sender-keys';
import { ready } from './sodium';

await ready();

const id = fc.string({ minLength: 1, maxLength: 40 });

function flipBit(text: string, bit: number): string {
  const bytes = fromBase64Url(text);
  bytes[Math.floor(bit / 8) % bytes.length]! ^= 1 << (bit % 8);
  return toBase64Url(bytes);
}

describe('encryptSenderKey / decryptSenderKey', () => {
  const alice = generateExchangeKeyPair();
  const bob = generateExchangeKeyPair();
  const mallory = generateExchangeKeyPair();

  function make(context: {
    meetingId: string;
    senderId: string;
    recipientId: string;
    keyIndex: number;
  }) {
    const senderKey = generateSenderKey();
    const message = encryptSenderKey({
      ...context,
      senderKey,
      senderExchangePrivateKey: alice.privateKey,
      recipientExchangePublicKey: bob.publicKey,
    });
    const expected = {
      meetingId: context.meetingId,
      senderId: context.senderId,
      recipientId: context.recipientId,
      recipientExchangePrivateKey: bob.privateKey,
      senderExchangePublicKey: alice.publicKey,
    };
    return { senderKey, message, expected };
  }

  it('round-trips through JSON for any ids and key index', () => {
    fc.assert(
      fc.property(
        id,
        id,
        id,
        fc.nat({ max: 0xffffffff }),
        (meetingId, senderId, recipientId, keyIndex) => {
          const { senderKey, message, expected } = make({
            meetingId,
            senderId,
            recipientId,
            keyIndex,
          });
          const relayed = JSON.parse(JSON.stringify(message)) as SenderKeyMessage;
          const opened = decryptSenderKey(relayed, { ...expected, keyIndex });
          expect(toHex(opened.senderKey)).toBe(toHex(senderKey));
          expect(opened.keyIndex).toBe(keyIndex);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects a message relabelled or replayed into another meeting, recipient, sender or index', () => {
    const context = { meetingId: 'm1', senderId: 'alice', recipientId: 'bob', keyIndex: 7 };
    fc.assert(
      fc.property(
        fc.constantFrom('meetingId', 'senderId', 'recipientId'),
        fc.boolean(),
        (field, relabel) => {
          const { message, expected } = make(context);
          // The receiver believes the message belongs elsewhere; the relay may or may not have
          // rewritten the clear-text field to match.
          const replayed = relabel ? { ...message, [field]: 'elsewhere' } : message;
          expectCryptoError(
            () => decryptSenderKey(replayed, { ...expected, [field]: 'elsewhere' }),
            'BINDING_MISMATCH',
            'decryptSenderKey',
          );
        },
      ),
      { numRuns: 30 },
    );
    const { message, expected } = make(context);
    expectCryptoError(
      () => decryptSenderKey({ ...message, keyIndex: 8 }, expected),
      'BINDING_MISMATCH',
    );
    expectCryptoError(
      () => decryptSenderKey(message, { ...expected, keyIndex: 8 }),
      'BINDING_MISMATCH',
    );
  });

  it('fails with DECRYPTION_FAILED for the wrong keys or any flipped bit', () => {
    const { message, expected } = make({
      meetingId: 'm',
      senderId: 'a',
      recipientId: 'b',
      keyIndex: 1,
    });
    expectCryptoError(
      () => decryptSenderKey(message, { ...expected, senderExchangePublicKey: mallory.publicKey }),
      'DECRYPTION_FAILED',
      'decryptSenderKey',
    );
    expectCryptoError(
      () =>
        decryptSenderKey(message, { ...expected, recipientExchangePrivateKey: mallory.privateKey }),
      'DECRYPTION_FAILED',
    );
    fc.assert(
      fc.property(fc.constantFrom('nonce', 'box'), fc.nat(), (field, bit) => {
        const tampered = { ...message, [field]: flipBit(message[field], bit) };
        const error = expectCryptoError(
          () => decryptSenderKey(tampered, expected),
          'DECRYPTION_FAILED',
        );
        expectNoSecretsIn(error, [toHex(bob.privateKey), toBase64Url(bob.privateKey)]);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses unknown versions and malformed fields', () => {
    const { message, expected } = make({
      meetingId: 'm',
      senderId: 'a',
      recipientId: 'b',
      keyIndex: 1,
    });
    expectCryptoError(
      () => decryptSenderKey({ ...message, v: 2 as 1 }, expected),
      'UNSUPPORTED_VERSION',
    );
    expectCryptoError(
      () => decryptSenderKey({ ...message, keyIndex: -1 }, expected),
      'INVALID_INPUT',
    );
    expectCryptoError(
      () => decryptSenderKey({ ...message, nonce: 'AAAA' }, expected),
      'INVALID_INPUT',
    );
  });

  it('encrypts one key to many recipients, each able to open only its own', () => {
    const recipients = Array.from({ length: 5 }, (_, i) => ({
      recipientId: `r${i}`,
      ...generateExchangeKeyPair(),
    }));
    const senderKey = generateSenderKey();
    const messages = encryptSenderKeyForRecipients({
      meetingId: 'm',
      senderId: 'alice',
      keyIndex: 2,
      senderKey,
      senderExchangePrivateKey: alice.privateKey,
      recipients: recipients.map((r) => ({
        recipientId: r.recipientId,
        exchangePublicKey: r.publicKey,
      })),
    });
    expect(messages).toHaveLength(5);
    messages.forEach((message, i) => {
      const r = recipients[i]!;
      const opened = decryptSenderKey(message, {
        meetingId: 'm',
        senderId: 'alice',
        recipientId: r.recipientId,
        recipientExchangePrivateKey: r.privateKey,
        senderExchangePublicKey: alice.publicKey,
      });
      expect(toHex(opened.senderKey)).toBe(toHex(senderKey));
      const other = recipients[(i + 1) % 5]!;
      expectCryptoError(
        () =>
          decryptSenderKey(
            { ...message, recipientId: other.recipientId },
            {
              meetingId: 'm',
              senderId: 'alice',
              recipientId: other.recipientId,
              recipientExchangePrivateKey: other.privateKey,
              senderExchangePublicKey: alice.publicKey,
            },
          ),
        'DECRYPTION_FAILED',
      );
    });
  });
});

describe('guest binding', () => {
  it('makes 32-byte base64url link secrets', () => {
    const secret = generateLinkSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateLinkSecret()).not.toBe(secret);
  });

  it('verifies a binding made with the same secret, meeting and key', () => {
    fc.assert(
      fc.property(id, (meetingId) => {
        const linkSecret = generateLinkSecret();
        const guest = generateExchangeKeyPair();
        const binding = bindGuestKey({ linkSecret, meetingId, guestPublicKey: guest.publicKey });
        verifyGuestKeyBinding({ linkSecret, meetingId, guestPublicKey: guest.publicKey, binding });
      }),
      { numRuns: 30 },
    );
  });

  it('rejects another secret, meeting or key, or a flipped bit, with BINDING_MISMATCH', () => {
    const linkSecret = generateLinkSecret();
    const guest = generateExchangeKeyPair();
    const input = { linkSecret, meetingId: 'm1', guestPublicKey: guest.publicKey };
    const binding = bindGuestKey(input);
    const cases = [
      { ...input, linkSecret: generateLinkSecret(), binding },
      { ...input, meetingId: 'm2', binding },
      { ...input, guestPublicKey: generateExchangeKeyPair().publicKey, binding },
    ];
    for (const c of cases) {
      const error = expectCryptoError(
        () => verifyGuestKeyBinding(c),
        'BINDING_MISMATCH',
        'verifyGuestKeyBinding',
      );
      expectNoSecretsIn(error, [linkSecret]);
    }
    fc.assert(
      fc.property(fc.nat({ max: 255 }), (bit) => {
        expectCryptoError(
          () => verifyGuestKeyBinding({ ...input, binding: flipBit(binding, bit) }),
          'BINDING_MISMATCH',
        );
      }),
    );
    expectCryptoError(
      () => bindGuestKey({ ...input, linkSecret: 'c2hvcnQ' }),
      'INVALID_INPUT',
      'bindGuestKey',
    );
  });
});
