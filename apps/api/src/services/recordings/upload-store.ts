import { Transform, type Readable } from 'node:stream';
import type { Upload } from '@tus/server';
import { DataStore } from '@tus/server';
import type { Db } from '../../db/client';
import { FramingValidator, type FramingState } from './framing';
import type { RecordingStorage } from './storage/index';

/**
 * The tus data store the upload endpoint uses: the storage kind's own store (file or S3),
 * wrapped so that
 * - one upload exists per recording (its id is the recording id) and only while it records;
 * - every byte passes the framing check (framing.ts) before it reaches storage, so bad bytes
 *   are never stored and what was stored before is never altered;
 * - the size limit and the org's quota hold;
 * - a PATCH is acknowledged only once its bytes are durable (`storage.sync`) and the database
 *   knows the new offset and framing state, so an API restart resumes exactly there.
 * Refusals are tus errors with a status and a message; the route turns them into problems.
 */
export interface UploadLimits {
  maxRecordingBytes: number;
  orgQuotaBytes: number;
}

export class UploadRefused extends Error {
  constructor(
    readonly status_code: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadRefused';
  }

  /** tus sends `body` as the response text. */
  get body(): string {
    return this.message;
  }
}

export class RecordingUploadStore extends DataStore {
  constructor(
    private readonly db: Db,
    private readonly storage: RecordingStorage,
    private readonly limits: UploadLimits,
  ) {
    super();
    this.extensions = ['creation', 'creation-defer-length'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const claimed = await this.db.recording.updateMany({
      where: { id: upload.id, state: 'recording', uploadStarted: false },
      data: { uploadStarted: true },
    });
    if (claimed.count === 0) {
      throw new UploadRefused(
        409,
        'This recording already has an upload (one per recording): resume it with HEAD and PATCH.',
      );
    }
    return this.storage.tus.create(upload);
  }

  /**
   * HEAD and PATCH see only acknowledged bytes: where storage can cut back (local files), bytes
   * past the acknowledged offset (a write cut off before its acknowledgement) do not count, and
   * the next PATCH overwrites them.
   */
  override async getUpload(id: string): Promise<Upload> {
    const upload = await this.storage.tus.getUpload(id);
    if (!this.storage.truncate) return upload;
    const row = await this.db.recording.findUnique({ where: { id }, select: { sizeBytes: true } });
    const acknowledged = row ? Number(row.sizeBytes) : 0;
    if (upload.offset > acknowledged) upload.offset = acknowledged;
    return upload;
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    // tus checks the length is not below the offset; a torn last record is refused at the seal.
    await this.storage.tus.declareUploadLength(id, length);
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const recording = await this.db.recording.findUnique({
      where: { id },
      select: { orgId: true, state: true, sizeBytes: true, nextRecordAt: true },
    });
    if (!recording || recording.state !== 'recording') {
      throw new UploadRefused(409, 'This recording is not accepting uploads any more.');
    }
    const stored = await this.storage.size(id);
    if (stored > offset && Number(recording.sizeBytes) === offset && this.storage.truncate) {
      await this.storage.truncate(id, offset);
    }
    if (Number(recording.sizeBytes) !== offset) {
      // Storage holds bytes the database never acknowledged (the process stopped between the
      // two): the framing state is unknown, so refuse rather than guess.
      throw new UploadRefused(
        409,
        `Storage holds ${offset} bytes but ${recording.sizeBytes} were acknowledged; this upload cannot continue.`,
      );
    }
    const used = await this.db.recording.aggregate({
      where: { orgId: recording.orgId, id: { not: id } },
      _sum: { sizeBytes: true },
    });
    const quotaLeft = this.limits.orgQuotaBytes - Number(used._sum.sizeBytes ?? 0n);
    const limit = Math.min(this.limits.maxRecordingBytes, quotaLeft);
    const validator = new FramingValidator(
      { position: offset, nextRecordAt: Number(recording.nextRecordAt) },
      limit,
    );
    // The framing state after each chunk passed on, so a write that fails half-way can be
    // brought back to a state that matches what storage holds (bounded: the last 256).
    const passedStates: FramingState[] = [validator.state];
    const checked = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (validator.problem) {
          done();
          return;
        }
        const pass = validator.accept(chunk);
        if (pass.length > 0) {
          passedStates.push(validator.state);
          if (passedStates.length > 256) passedStates.shift();
        }
        if (validator.problem) {
          // End the stream here: the store keeps what passed, nothing after it.
          if (pass.length > 0) this.push(pass);
          this.push(null);
          readable.unpipe(this);
          readable.resume();
          done();
          return;
        }
        done(null, pass.length > 0 ? pass : undefined);
      },
    });
    // A client that goes away mid-request ends the data here (as tus itself does on abort):
    // what arrived is stored and acknowledged, and the client resumes from HEAD's offset.
    const endChecked = () => {
      if (!checked.writableEnded) checked.end();
    };
    readable.once('error', endChecked);
    readable.once('close', endChecked);
    let written: number;
    try {
      written = await this.storage.tus.write(readable.pipe(checked), id, offset);
    } catch (error) {
      // The client went away mid-request (or storage failed): keep what storage holds if it
      // ends where a chunk ended, so the upload can resume from HEAD's offset.
      await this.recover(id, passedStates);
      throw error;
    }
    await this.storage.sync(id);
    const state = validator.state;
    if (written !== state.position) {
      await this.recover(id, passedStates);
      throw new UploadRefused(
        500,
        `recording upload: storage wrote up to ${written} but the check passed ${state.position}`,
      );
    }
    await this.acknowledge(id, state);
    const problem = validator.problem;
    if (problem?.kind === 'framing') {
      throw new UploadRefused(422, `Refused: ${problem.message}. Bytes before it were kept.`);
    }
    if (problem?.kind === 'limit') {
      const quota = quotaLeft < this.limits.maxRecordingBytes;
      throw new UploadRefused(
        413,
        quota
          ? `The organisation's recording storage is full (quota ${this.limits.orgQuotaBytes} bytes); bytes past it were refused.`
          : `A recording may hold at most ${this.limits.maxRecordingBytes} bytes; bytes past it were refused.`,
      );
    }
    return written;
  }

  private async acknowledge(id: string, state: FramingState): Promise<void> {
    await this.db.recording.update({
      where: { id },
      data: {
        sizeBytes: BigInt(state.position),
        nextRecordAt: BigInt(state.nextRecordAt),
        lastUploadAt: new Date(),
      },
    });
  }

  /**
   * After a failed write: the latest chunk state at or below what storage holds. Local files
   * are cut back to it (those bytes were never acknowledged); if storage holds exactly a chunk
   * state, it is acknowledged. Otherwise the upload stays at its last acknowledged offset and
   * the next PATCH is refused with a 409 naming the mismatch.
   */
  private async recover(id: string, states: FramingState[]): Promise<void> {
    const stored = await this.storage.size(id);
    const state = [...states].reverse().find((s) => s.position <= stored);
    if (!state) return;
    if (state.position < stored) {
      if (!this.storage.truncate) return;
      await this.storage.truncate(id, state.position);
    }
    await this.storage.sync(id);
    await this.acknowledge(id, state);
  }

  override async remove(id: string): Promise<void> {
    await this.storage.remove(id);
  }
}
