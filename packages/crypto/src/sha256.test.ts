import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { Sha256, sha256Hex, sha256Stream } from './sha256';
import { ready } from './sodium';

await ready();

const node = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('Sha256', () => {
  it('matches node:crypto for any data split any way', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat({ max: 3000 })),
        (data, cuts) => {
          const points = [
            0,
            ...cuts.filter((c) => c <= data.length).sort((a, b) => a - b),
            data.length,
          ];
          const hasher = new Sha256();
          for (let i = 0; i + 1 < points.length; i++)
            hasher.update(data.subarray(points[i], points[i + 1]));
          expect(hasher.hexDigest()).toBe(node(data));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('handles updates larger than its 1 MiB staging area', () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 123).map((_, i) => (i * 131) & 0xff);
    expect(sha256Hex(big)).toBe(node(big));
  });

  it('sha256Stream hashes async sources and counts bytes', async () => {
    async function* source() {
      for (let i = 0; i < 10; i++) {
        await Promise.resolve();
        yield new Uint8Array(1000 + i).fill(i);
      }
    }
    const parts: Uint8Array[] = [];
    for await (const p of source()) parts.push(p);
    const all = Buffer.concat(parts);
    expect(await sha256Stream(source())).toEqual({ sha256: node(all), size: all.length });
  });

  it('refuses to be used after digest()', () => {
    const hasher = new Sha256();
    hasher.digest();
    expectCryptoError(() => hasher.update(new Uint8Array(1)), 'INVALID_INPUT', 'Sha256.update');
    expectCryptoError(() => hasher.digest(), 'INVALID_INPUT', 'Sha256.digest');
  });
});
