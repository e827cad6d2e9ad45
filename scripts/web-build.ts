import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the portal only when its inputs changed since the last build, so a warm
 * `npm start` skips the build. Inputs: the portal's sources, the packages it bundles and the
 * lock file. The fingerprint is stored next to the build output.
 */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = path.join(ROOT, 'apps/web');
const STAMP = path.join(WEB, '.next', 'conclave-build-fingerprint');
const INPUTS = ['apps/web', 'packages/contracts', 'packages/crypto', 'package-lock.json'];
const SKIP = new Set(['node_modules', '.next', 'test', 'test-results', 'bench']);

async function* files(entry: string): AsyncGenerator<string> {
  const info = await stat(entry);
  if (info.isFile()) {
    yield entry;
    return;
  }
  const children = await readdir(entry, { withFileTypes: true });
  for (const child of children.sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(child.name) || child.name === 'next-env.d.ts') continue;
    yield* files(path.join(entry, child.name));
  }
}

export async function webFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const full = path.join(ROOT, input);
    if (!existsSync(full)) continue;
    for await (const file of files(full)) {
      hash.update(path.relative(ROOT, file));
      hash.update(await readFile(file));
    }
  }
  return hash.digest('hex');
}

export async function ensureWebBuild(log: (message: string) => void): Promise<void> {
  const fingerprint = await webFingerprint();
  const previous = existsSync(STAMP) ? (await readFile(STAMP, 'utf8')).trim() : '';
  if (previous === fingerprint && existsSync(path.join(WEB, '.next', 'BUILD_ID'))) {
    log('Portal build is up to date.');
    return;
  }
  log('Building the portal (Next.js); this takes a minute the first time…');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['next', 'build'], {
      cwd: WEB,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (exit code ${code})`)),
    );
  });
  await writeFile(STAMP, `${fingerprint}\n`);
  log(`Portal built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureWebBuild((message) => console.log(message));
}
