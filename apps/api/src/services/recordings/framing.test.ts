import { describe, expect, it } from 'vitest';
import { FramingValidator, INITIAL_FRAMING } from './framing';

function record(ciphertextBytes: number, fill = 7): Buffer {
  const out = Buffer.alloc(4 + ciphertextBytes, fill);
  out.writeUInt32BE(ciphertextBytes, 0);
  return out;
}

const header = Buffer.alloc(24, 1);
const stream = Buffer.concat([header, record(17), record(1000), record(1024 * 1024 + 17)]);

function feed(validator: FramingValidator, data: Buffer, pieces: number[]): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const size of pieces) {
    out.push(validator.accept(data.subarray(at, at + size)));
    at += size;
  }
  out.push(validator.accept(data.subarray(at)));
  return Buffer.concat(out);
}

describe('FramingValidator', () => {
  it('passes a well-framed stream split anywhere, and ends on a record boundary', () => {
    for (const split of [[1], [3, 1, 1], [24, 2, 2], [27], [45, 3], [10_000]]) {
      const validator = new FramingValidator(INITIAL_FRAMING, Number.MAX_SAFE_INTEGER);
      const passed = feed(validator, stream, split);
      expect(validator.problem).toBeNull();
      expect(passed.equals(stream)).toBe(true);
      expect(validator.state).toEqual({ position: stream.length, nextRecordAt: stream.length });
      expect(FramingValidator.complete(validator.state)).toBe(true);
    }
  });

  it('holds back a partial length prefix: the offset stops before it', () => {
    const validator = new FramingValidator(INITIAL_FRAMING, Number.MAX_SAFE_INTEGER);
    const upTo = 24 + 21 + 2;
    const passed = validator.accept(stream.subarray(0, upTo));
    expect(passed.length).toBe(24 + 21);
    expect(validator.state).toEqual({ position: 45, nextRecordAt: 45 });
    // A new request resumes from the acknowledged state.
    const resumed = new FramingValidator(validator.state, Number.MAX_SAFE_INTEGER);
    expect(resumed.accept(stream.subarray(45)).equals(stream.subarray(45))).toBe(true);
    expect(resumed.problem).toBeNull();
  });

  it('resumes inside a record from a stored state', () => {
    const validator = new FramingValidator({ position: 60, nextRecordAt: 45 + 4 + 1000 }, 1e9);
    expect(validator.accept(stream.subarray(60)).length).toBe(stream.length - 60);
    expect(validator.problem).toBeNull();
  });

  it.each([
    [16, 'declares 16 bytes'],
    [1024 * 1024 + 18, 'declares 1048594 bytes'],
    [0xffffffff, 'declares 4294967295 bytes'],
  ])('refuses a record of %i bytes and passes nothing from its prefix on', (length, message) => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(length, 0);
    const validator = new FramingValidator(INITIAL_FRAMING, Number.MAX_SAFE_INTEGER);
    const passed = validator.accept(Buffer.concat([header, record(17), bad]));
    expect(passed.equals(Buffer.concat([header, record(17)]))).toBe(true);
    expect(validator.problem?.kind).toBe('framing');
    expect(validator.problem?.message).toContain(`record at byte 45 ${message}`);
    expect(validator.accept(record(17)).length).toBe(0);
  });

  it('refuses bytes past the limit', () => {
    const validator = new FramingValidator(INITIAL_FRAMING, 50);
    const passed = validator.accept(stream.subarray(0, 100));
    expect(passed.length).toBeLessThanOrEqual(50);
    expect(validator.problem?.kind).toBe('limit');
    expect(validator.problem?.message).toContain('50 bytes');
  });

  it('says a stream that ends inside a record is not complete', () => {
    expect(FramingValidator.complete({ position: 50, nextRecordAt: 66 })).toBe(false);
    expect(FramingValidator.complete(INITIAL_FRAMING)).toBe(false);
  });
});
