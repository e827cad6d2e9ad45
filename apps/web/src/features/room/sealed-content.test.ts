import { fromBase64Url, generateSenderKey, ready, toBase64Url } from '@conclave/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { openContent, sealContent, SealedContentError, type SealedContext } from './sealed-content';

const context: SealedContext = {
  meetingId: '7d3c1f70-4a55-4c47-9d39-2f0a1b2c3d4e',
  senderId: 'alice',
  keyIndex: 4,
  messageId: 'AAAAAAAAAAAAAAAAAAAAAA',
};

describe('sealed room content', () => {
  beforeAll(async () => {
    await ready();
  });

  it('round-trips chat without the text appearing in the ciphertext', () => {
    const key = generateSenderKey();
    const text = 'the launch date is the 14th';
    const sealed = sealContent({ kind: 'chat', text, sentAt: 1 }, key, context);
    expect(sealed).not.toContain('launch');
    expect(new TextDecoder().decode(fromBase64Url(sealed))).not.toContain('launch');
    expect(openContent(sealed, key, context)).toEqual({ kind: 'chat', text, sentAt: 1 });
  });

  it('fails to open with another key, sender, meeting, index or message id', () => {
    const key = generateSenderKey();
    const sealed = sealContent({ kind: 'hand', raised: true }, key, context);
    const variants: [Uint8Array, SealedContext][] = [
      [generateSenderKey(), context],
      [key, { ...context, senderId: 'mallory' }],
      [key, { ...context, meetingId: '00000000-0000-4000-8000-000000000000' }],
      [key, { ...context, keyIndex: 5 }],
      [key, { ...context, messageId: 'BBBBBBBBBBBBBBBBBBBBBB' }],
    ];
    for (const [otherKey, otherContext] of variants) {
      expect(() => openContent(sealed, otherKey, otherContext)).toThrow(SealedContentError);
    }
  });

  it('fails on a flipped bit or a truncated message', () => {
    const key = generateSenderKey();
    const bytes = fromBase64Url(sealContent({ kind: 'chat', text: 'hi', sentAt: 2 }, key, context));
    const flipped = bytes.slice();
    flipped[bytes.length - 3]! ^= 1;
    expect(() => openContent(toBase64Url(flipped), key, context)).toThrow(/does not open/);
    expect(() => openContent(toBase64Url(bytes.slice(0, 30)), key, context)).toThrow(
      SealedContentError,
    );
  });

  it('refuses to seal content outside the schema', () => {
    const key = generateSenderKey();
    expect(() =>
      sealContent({ kind: 'chat', text: '', sentAt: 1 } as never, key, context),
    ).toThrow();
  });
});
