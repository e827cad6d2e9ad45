import { RECORDING_LIMITS } from '@conclave/contracts';

/**
 * Checks the framing of a recording's stored object as bytes arrive, without keys (DESIGN
 * "Recording format"): the first 24 bytes are the secretstream header (any bytes), then records
 * of `uint32 BE length || ciphertext` with 17 <= length <= 1 MiB + 17.
 *
 * The state is two numbers: `position` (bytes accepted so far, the tus offset) and
 * `nextRecordAt` (where the next length prefix starts). A length prefix is never passed on
 * until all four of its bytes are known and in bounds, so storage never holds a partial or bad
 * prefix: a request that ends inside a prefix stores the bytes before it and the client resends
 * from the acknowledged offset. Bytes after the first bad prefix, or past `limit`, are refused.
 */
export interface FramingState {
  position: number;
  nextRecordAt: number;
}

export const INITIAL_FRAMING: FramingState = {
  position: 0,
  nextRecordAt: RECORDING_LIMITS.headerBytes,
};

export interface FramingProblem {
  /** `framing`: a length prefix out of bounds; `limit`: past the size allowed. */
  kind: 'framing' | 'limit';
  message: string;
}

const PREFIX = RECORDING_LIMITS.lengthPrefixBytes;

export class FramingValidator {
  private position: number;
  private nextRecordAt: number;
  /** Prefix bytes seen in this request but not yet passed on. */
  private held = Buffer.alloc(0);
  private problemFound: FramingProblem | null = null;

  constructor(
    state: FramingState,
    /** Largest position allowed (size limit or quota). */
    private readonly limit: number,
  ) {
    this.position = state.position;
    this.nextRecordAt = state.nextRecordAt;
  }

  get problem(): FramingProblem | null {
    return this.problemFound;
  }

  /** The state after what was passed on (held prefix bytes are not counted). */
  get state(): FramingState {
    return { position: this.position, nextRecordAt: this.nextRecordAt };
  }

  /**
   * Takes a chunk and returns the bytes that may be stored. Once a problem is found, returns
   * nothing more (check `problem`). Bounded work: one step per record in the chunk.
   */
  accept(chunk: Buffer): Buffer {
    if (this.problemFound) return Buffer.alloc(0);
    const out: Buffer[] = [];
    let data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    // `cursor` is the absolute position of data[0]; bytes before `passed` are passed on.
    const cursor = this.position;
    let offset = 0;
    while (offset < data.length) {
      const at = cursor + offset;
      if (at < this.nextRecordAt) {
        // Inside the header or a record's ciphertext: anything goes, up to the next prefix.
        const take = Math.min(data.length - offset, this.nextRecordAt - at);
        if (!this.withinLimit(at + take)) break;
        out.push(data.subarray(offset, offset + take));
        offset += take;
        this.position = at + take;
        continue;
      }
      // At a length prefix.
      if (data.length - offset < PREFIX) {
        this.held = Buffer.from(data.subarray(offset));
        offset = data.length;
        break;
      }
      const length = data.readUInt32BE(offset);
      if (
        length < RECORDING_LIMITS.minRecordCiphertextBytes ||
        length > RECORDING_LIMITS.maxRecordCiphertextBytes
      ) {
        this.problemFound = {
          kind: 'framing',
          message: `the record at byte ${at} declares ${length} bytes of ciphertext; a record holds ${RECORDING_LIMITS.minRecordCiphertextBytes} to ${RECORDING_LIMITS.maxRecordCiphertextBytes}`,
        };
        break;
      }
      if (!this.withinLimit(at + PREFIX)) break;
      out.push(data.subarray(offset, offset + PREFIX));
      offset += PREFIX;
      this.position = at + PREFIX;
      this.nextRecordAt = at + PREFIX + length;
    }
    data = Buffer.alloc(0);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** True when the object ends on a record boundary (no torn record). */
  static complete(state: FramingState): boolean {
    return state.position === state.nextRecordAt && state.position > RECORDING_LIMITS.headerBytes;
  }

  private withinLimit(end: number): boolean {
    if (end <= this.limit) return true;
    this.problemFound = {
      kind: 'limit',
      message: `the recording would exceed its limit of ${this.limit} bytes`,
    };
    return false;
  }
}
