import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run setup -- --host meet.example.com [--email admin@example.com] [--force]`: writes the
 * `.env` that docker-compose.yml reads, with freshly generated secrets (database password,
 * SERVER_SECRET, the LiveKit API secret). Never replaces an existing file without `--force`,
 * because new secrets would lock the existing database and sessions out.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The variables docker-compose.yml requires; scripts/deploy.test.ts checks they agree. */
export const GENERATED_SECRETS = [
  'POSTGRES_PASSWORD',
  'SERVER_SECRET',
  'LIVEKIT_API_SECRET',
] as const;

export interface SetupOptions {
  host: string;
  email?: string | undefined;
  nodeIp?: string | undefined;
}

export function envFileContents(options: SetupOptions): string {
  const secret = () => randomBytes(32).toString('base64url');
  const lines = [
    '# Written by `npm run setup`; read by docker-compose.yml. Keep it private (mode 0600).',
    '# Changing a secret later: SERVER_SECRET signs sessions (everyone signs in again);',
    '# POSTGRES_PASSWORD must also be changed inside PostgreSQL (docs/operations.md).',
    `CONCLAVE_HOST=${options.host}`,
    `ACME_EMAIL=${options.email ?? ''}`,
    `POSTGRES_PASSWORD=${secret()}`,
    `SERVER_SECRET=${secret()}`,
    `LIVEKIT_API_SECRET=${secret()}`,
    '# The address browsers reach LiveKit at, when STUN cannot find it (behind NAT).',
    `NODE_IP=${options.nodeIp ?? ''}`,
    '# Optional: SMTP_URL=smtp://user:password@mail.example.com:587, MAIL_FROM=...',
    '# Optional: RECORDING_STORAGE=s3 with S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY',
    '',
  ];
  return lines.join('\n');
}

export async function writeEnvFile(
  file: string,
  options: SetupOptions & { force?: boolean },
): Promise<'written' | 'kept'> {
  if (!/^[a-z0-9.-]+$/i.test(options.host) || !options.host.includes('.')) {
    throw new Error(
      `--host must be the public DNS name people open, e.g. meet.example.com (got "${options.host}")`,
    );
  }
  if (existsSync(file) && !options.force) return 'kept';
  await writeFile(file, envFileContents(options), { mode: 0o600 });
  return 'written';
}

function argument(name: string): string | undefined {
  const args = process.argv.slice(2);
  const inline = args.find((arg) => arg.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve(argument('out') ?? path.join(ROOT, '.env'));
  const host = argument('host');
  if (!host) {
    console.error(
      'Usage: npm run setup -- --host meet.example.com [--email you@example.com] [--node-ip 203.0.113.7] [--force]',
    );
    process.exit(2);
  }
  try {
    const result = await writeEnvFile(file, {
      host,
      email: argument('email'),
      nodeIp: argument('node-ip'),
      force: process.argv.includes('--force'),
    });
    console.log(
      result === 'written'
        ? `Wrote ${file} with new secrets. Next: docker compose up -d`
        : `${file} exists and was left alone (its secrets are in use). Use --force to replace it.`,
    );
    if (result === 'kept') process.exitCode = 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}
