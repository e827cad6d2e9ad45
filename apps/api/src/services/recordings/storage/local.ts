import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { RecordingStorage } from './index';

const KEY = /^[0-9a-f-]{36}$/;

/**
 * Recordings as files under `directory` (DATA_DIR/recordings): `<id>` holds the ciphertext
 * exactly as uploaded, `<id>.json` tus's bookkeeping (@tus/file-store). A PATCH is acknowledged
 * after `sync` (fsync), so an acknowledged byte survives a crash of the process or machine.
 */
export async function createLocalStorage(directory: string): Promise<RecordingStorage> {
  await mkdir(directory, { recursive: true });
  const tus = new FileStore({ directory });
  const file = (key: string) => {
    // Keys are recording ids (UUIDs); anything else must never reach the file system.
    if (!KEY.test(key)) throw new Error(`local recording storage: bad key ${key.slice(0, 40)}`);
    return path.join(directory, key);
  };
  return {
    kind: 'local',
    tus,
    async sync(key) {
      const handle = await open(file(key), 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async size(key) {
      try {
        return (await stat(file(key))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
    },
    async read(key, range): Promise<Readable> {
      return createReadStream(file(key), range ? { start: range.start, end: range.end } : {});
    },
    async truncate(key, size) {
      await truncate(file(key), size);
    },
    async remove(key) {
      await rm(file(key), { force: true });
      await rm(`${file(key)}.json`, { force: true });
    },
    async close() {},
  };
}
