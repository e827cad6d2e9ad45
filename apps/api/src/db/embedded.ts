import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  connectionString: string;
  /** The folder (mode 0700) holding the server's Unix socket. */
  socketDir: string;
  close(): Promise<void>;
}

/** Unix socket paths are limited to about 107 bytes (sun_path); keep a margin. */
const MAX_SOCKET_PATH = 100;
const SOCKET_NAME = '.s.PGSQL.5432';

/**
 * The embedded default when no DATABASE_URL is set: PGlite (PostgreSQL compiled to
 * WebAssembly) keeping its data under DATA_DIR/pglite, served so that the same node-postgres
 * driver and Prisma adapter work as against a real server. PGlite runs one query at a time;
 * callers keep their pool at one connection.
 *
 * The server accepts any user name and password (PGlite has no authentication), so it listens
 * on a Unix socket in a folder only this process's user may enter (DATA_DIR/pglite-socket,
 * mode 0700), never on a TCP port: other local users cannot reach the database.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, 'pglite');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let socketDir = path.resolve(dataDir, 'pglite-socket');
  let temporary = false;
  if (path.join(socketDir, SOCKET_NAME).length > MAX_SOCKET_PATH) {
    // A DATA_DIR too deep for a socket path: a private folder of our own under the temp dir.
    socketDir = await mkdtemp(path.join(tmpdir(), 'conclave-pglite-'));
    temporary = true;
  } else {
    await mkdir(socketDir, { recursive: true, mode: 0o700 });
  }
  // mkdir's mode does not change an existing folder (nor escape the umask): set it.
  await chmod(socketDir, 0o700);
  const socketPath = path.join(socketDir, SOCKET_NAME);
  // A socket left by a process that was killed would make listen fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 4 });
  await server.start();
  return {
    connectionString: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    socketDir,
    async close() {
      await server.stop();
      await db.close();
      await rm(temporary ? socketDir : socketPath, { recursive: true, force: true });
    },
  };
}
