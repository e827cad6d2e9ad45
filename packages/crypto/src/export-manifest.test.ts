import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { toBase64Url } from './encoding';
import { checkExportItem, signExportManifest, verifyExportManifest } from './export-manifest';
import { sha256Stream } from './sha256';
import { generateSigningKeyPair } from './signing';
import { ready } from './sodium';

await ready();

const exportKey = generateSigningKeyPair();
const content = new TextEncoder().encode('ciphertext bytes of a recording');
const item = {
  path: 'recordings/rec-1/ciphertext',
  sha256: createHash('sha256').update(content).digest('hex'),
  size: content.length,
};
const manifest = {
  orgId: 'org-1',
  createdAt: '2025-03-05T09:00:00.000Z',
  createdBy: { userId: 'dora' },
  query: { meetings: ['mtg-1'] },
  items: [item],
  audit: { chain: 'org:org-1', fromSeq: 1, toSeq: 9, headHash: 'c'.repeat(64) },
};

describe('export manifest', () => {
  it('signs canonical JSON and verifies with raw or base64url signatures', () => {
    const { manifestBytes, signature } = signExportManifest(manifest, exportKey);
    const text = new TextDecoder().decode(manifestBytes);
    expect(text.startsWith('{"audit":')).toBe(true);
    expect(verifyExportManifest(manifestBytes, signature, exportKey.publicKey).items).toEqual([
      item,
    ]);
    expect(
      verifyExportManifest(manifestBytes, `${toBase64Url(signature)}\n`, exportKey.publicKey).orgId,
    ).toBe('org-1');
  });

  it('any flipped bit in manifest.json or manifest.sig fails with BAD_SIGNATURE', () => {
    const { manifestBytes, signature } = signExportManifest(manifest, exportKey);
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), (inManifest, bit) => {
        const m = manifestBytes.slice();
        const s = signature.slice();
        const target = inManifest ? m : s;
        target[Math.floor(bit / 8) % target.length]! ^= 1 << (bit % 8);
        expectCryptoError(
          () => verifyExportManifest(m, s, exportKey.publicKey),
          'BAD_SIGNATURE',
          'verifyExportManifest',
        );
      }),
      { numRuns: 200 },
    );
    expectCryptoError(
      () => verifyExportManifest(manifestBytes, signature, generateSigningKeyPair().publicKey),
      'BAD_SIGNATURE',
    );
  });

  it('checks bundle files against their entries', async () => {
    checkExportItem(item, await sha256Stream([content.subarray(0, 5), content.subarray(5)]));
    expectCryptoError(
      () => checkExportItem(item, { sha256: item.sha256, size: item.size + 1 }),
      'MANIFEST_MISMATCH',
      'checkExportItem',
    );
    const error = expectCryptoError(
      () => checkExportItem(item, { sha256: 'd'.repeat(64), size: item.size }),
      'MANIFEST_MISMATCH',
    );
    expect(error.message).toContain(item.path);
  });

  it('refuses paths that escape the bundle, duplicate paths and malformed digests', () => {
    for (const path of ['/etc/passwd', '../x', 'a//b', 'a/../../b']) {
      expectCryptoError(
        () => signExportManifest({ ...manifest, items: [{ ...item, path }] }, exportKey),
        'INVALID_INPUT',
        'signExportManifest',
      );
    }
    expectCryptoError(
      () => signExportManifest({ ...manifest, items: [item, item] }, exportKey),
      'INVALID_INPUT',
    );
    expectCryptoError(
      () => signExportManifest({ ...manifest, items: [{ ...item, sha256: 'XYZ' }] }, exportKey),
      'INVALID_INPUT',
    );
  });
});
