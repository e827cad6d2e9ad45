import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';

/**
 * PGlite has no authentication: whoever reaches its socket is the superuser. So the embedded
 * database listens only on a Unix socket in a folder of mode 0700, never on a TCP port.
 */
let dataDir: string;
let embedded: EmbeddedPostgres;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'conclave-embedded-'));
  embedded = await startEmbeddedPostgres(dataDir);
});

afterAll(async () => {
  await embedded?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Can another local user (nobody) connect to the socket? Null when we cannot switch users. */
function otherUserCanConnect(socketPath: string): boolean | null {
  if (process.getuid?.() !== 0) return null;
  const script = `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`;
  try {
    const out = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return out.trim() === 'connected';
  } catch {
    return null;
  }
}

describe('the embedded database', () => {
  it('listens on a Unix socket in a private folder of DATA_DIR, not on a TCP port', async () => {
    expect(embedded.socketDir).toBe(path.join(dataDir, 'pglite-socket'));
    expect(embedded.connectionString).toContain(`host=${encodeURIComponent(embedded.socketDir)}`);
    expect(embedded.connectionString).not.toMatch(/@(127\.0\.0\.1|localhost):\d+/);
    const folder = await stat(embedded.socketDir);
    expect(folder.mode & 0o777).toBe(0o700);
    const socket = await stat(path.join(embedded.socketDir, '.s.PGSQL.5432'));
    expect(socket.isSocket()).toBe(true);
  });

  it('answers this process through the socket', async () => {
    const client = new pg.Client({ connectionString: embedded.connectionString });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('cannot be reached by another local user', (context) => {
    const reached = otherUserCanConnect(path.join(embedded.socketDir, '.s.PGSQL.5432'));
    if (reached === null) context.skip();
    expect(reached).toBe(false);
  });

  it('uses a private temporary folder when DATA_DIR is too deep for a socket path', async () => {
    const deep = path.join(dataDir, 'x'.repeat(90));
    const other = await startEmbeddedPostgres(deep);
    try {
      expect(other.socketDir.startsWith(tmpdir())).toBe(true);
      expect((await stat(other.socketDir)).mode & 0o777).toBe(0o700);
      const client = new pg.Client({ connectionString: other.connectionString });
      await client.connect();
      await client.end();
    } finally {
      await other.close();
    }
  });
});
