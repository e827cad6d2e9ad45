import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../src/index';
import {
  EXTERNAL_VECTOR_FILES,
  GENERATED_VECTOR_FILES,
  checkGeneratedMatch,
  checkVectors,
  generateVectors,
  type VectorSet,
} from './vectors/run';

const dir = fileURLToPath(new URL('./vectors/', import.meta.url));

beforeAll(async () => {
  await ready();
  // CONCLAVE_WRITE_VECTORS=1 npx vitest run packages/crypto/test/vectors.test.ts regenerates the
  // committed JSON (only after a deliberate format change; review the diff).
  if (process.env.CONCLAVE_WRITE_VECTORS === '1') {
    const fresh = generateVectors();
    for (const file of GENERATED_VECTOR_FILES) {
      writeFileSync(`${dir}${file}.json`, `${JSON.stringify(fresh[file], null, 2)}\n`);
    }
  }
});

function load(): VectorSet {
  const set: VectorSet = {};
  for (const file of [...GENERATED_VECTOR_FILES, ...EXTERNAL_VECTOR_FILES]) {
    set[file] = JSON.parse(readFileSync(`${dir}${file}.json`, 'utf8')) as unknown;
  }
  return set;
}

describe('known-answer vectors (Node)', () => {
  it('every committed vector checks out', () => {
    const results = checkVectors(load());
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    // Every file contributed checks (a file that silently checks nothing would pass above).
    const files = new Set(results.map((r) => r.file));
    expect([...files].sort()).toEqual([...GENERATED_VECTOR_FILES, ...EXTERNAL_VECTOR_FILES].sort());
    expect(results.length).toBeGreaterThan(60);
  });

  it('regenerating with the same seeds reproduces the committed vectors byte for byte', () => {
    const failed = checkGeneratedMatch(load()).filter((r) => !r.ok);
    expect(failed).toEqual([]);
  });
});
