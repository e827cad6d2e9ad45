import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../apps/api/src/config';
import { livekitVersion } from './livekit/server';
import { GENERATED_SECRETS, writeEnvFile } from './setup';

/**
 * docker-compose.yml, deploy/livekit.yaml, deploy/Caddyfile and `npm run setup` agree with
 * each other and with the app's configuration (apps/api/src/config.ts, the one source of truth
 * for variable names): no Docker engine runs here, so this is how a typo in a port, a
 * variable name or a key name is caught. `.ci/run` also runs `docker-compose config -q`.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const livekitYaml = parse(read('deploy/livekit.yaml')) as {
  port: number;
  rtc: { tcp_port: number; port_range_start: number; port_range_end: number };
  turn: { enabled: boolean; udp_port: number; relay_range_start: number; relay_range_end: number };
  webhook: { api_key: string; urls: string[] };
  keys?: unknown;
};
const caddyfile = read('deploy/Caddyfile');
const app = compose.services.conclave!;
const appEnv = app.environment!;
const livekit = compose.services.livekit!;

/** `${NAME}`, `${NAME:-default}` and `${NAME:?message}` references in a compose value. */
function references(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!);
}

/** The environment the app sees under compose, with `.env` values filled in. */
function resolve(env: Record<string, string>, dotenv: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value.replace(
        /\$\{([A-Z0-9_]+)(?::[-?]([^}]*))?\}/g,
        (_, ref: string, fallback?: string) =>
          dotenv[ref] ?? (value.includes(`${ref}:-`) ? (fallback ?? '') : ''),
      ),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('pins the LiveKit image to the version the build script and the tests use', () => {
    expect(livekit.image).toBe(`livekit/livekit-server:${livekitVersion()}`);
    expect(livekitVersion()).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('gives the app only variables that apps/api/src/config.ts reads', () => {
    const known = new Set(Object.keys(configSchema.shape));
    expect(Object.keys(appEnv).filter((name) => !known.has(name))).toEqual([]);
    expect(appEnv.NODE_ENV).toBe('production');
    expect(appEnv).not.toHaveProperty('CONCLAVE_TEST_HOOKS');
    expect(appEnv.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(appEnv.REDIS_URL).toBe('redis://redis:6379');
  });

  it('uses one LiveKit key name in the app, in LIVEKIT_KEYS and for LiveKit’s webhooks', () => {
    const keys = livekit.environment!.LIVEKIT_KEYS!;
    const [keyName, secretRef] = keys.split(':').map((part) => part.trim());
    expect(keyName).toBe(appEnv.LIVEKIT_API_KEY);
    expect(livekitYaml.webhook.api_key).toBe(appEnv.LIVEKIT_API_KEY);
    expect(references(secretRef ?? '')).toEqual(['LIVEKIT_API_SECRET']);
    expect(references(appEnv.LIVEKIT_API_SECRET!)).toEqual(['LIVEKIT_API_SECRET']);
    // No secret in the YAML that is committed to the repository.
    expect(livekitYaml.keys).toBeUndefined();
  });

  it('routes ports consistently: app port, healthcheck, webhooks, Caddy and LiveKit', () => {
    const port = Number(appEnv.PORT);
    expect(port).toBe(configSchema.shape.PORT.parse(undefined));
    expect(app.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${port}/api/ready`);
    expect(livekitYaml.webhook.urls).toEqual([`http://conclave:${port}/api/livekit/webhook`]);
    expect(caddyfile).toContain(`reverse_proxy conclave:${port}`);
    expect(caddyfile).toContain(`reverse_proxy livekit:${livekitYaml.port}`);
    // LiveKit's signalling (/rtc) and RoomService (/twirp) go to LiveKit on the app's host.
    expect(caddyfile).toMatch(/@livekit path \/rtc \/rtc\/\* \/twirp\/\*/);
    expect(appEnv.LIVEKIT_URL).toBe('wss://${CONCLAVE_HOST}');
    expect(appEnv.PUBLIC_URL).toMatch(/^https:\/\/\$\{CONCLAVE_HOST/);
  });

  it('publishes exactly the media ports LiveKit is configured for (TCP fallback, UDP range, TURN)', () => {
    const { rtc, turn } = livekitYaml;
    expect(livekit.ports).toEqual(
      expect.arrayContaining([
        `${rtc.tcp_port}:${rtc.tcp_port}/tcp`,
        `${rtc.port_range_start}-${rtc.port_range_end}:${rtc.port_range_start}-${rtc.port_range_end}/udp`,
        `${turn.udp_port}:${turn.udp_port}/udp`,
        `${turn.relay_range_start}-${turn.relay_range_end}:${turn.relay_range_start}-${turn.relay_range_end}/udp`,
      ]),
    );
    expect(turn.enabled).toBe(true);
  });

  it('keeps MinIO and Mailpit behind their profiles', () => {
    expect(compose.services.minio!.profiles).toEqual(['s3']);
    expect(compose.services.mailpit!.profiles).toEqual(['mail']);
  });

  it('requires every generated secret, and `npm run setup` generates each', () => {
    const required = new Set(
      [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!),
    );
    for (const name of GENERATED_SECRETS) expect(required).toContain(name);
    expect([...required].filter((name) => name !== 'CONCLAVE_HOST').sort()).toEqual(
      [...GENERATED_SECRETS].sort(),
    );
  });
});

describe('npm run setup', () => {
  it('writes an .env the production app accepts, private, and never replaces it without --force', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'conclave-setup-'));
    try {
      const file = path.join(dir, '.env');
      expect(await writeEnvFile(file, { host: 'meet.example.org' })).toBe('written');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const first = await readFile(file, 'utf8');
      const dotenv = Object.fromEntries(
        first
          .split('\n')
          .filter((line) => /^[A-Z_]+=/.test(line))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      for (const name of GENERATED_SECRETS) expect(dotenv[name]!.length).toBeGreaterThanOrEqual(43);
      // The app's environment under compose, with this .env, passes the production checks.
      const config = loadConfig(resolve(appEnv, dotenv));
      expect(config.PUBLIC_URL).toBe('https://meet.example.org');
      expect(config.LIVEKIT_URL).toBe('wss://meet.example.org');
      expect(config.SERVER_SECRET).toBe(dotenv.SERVER_SECRET);

      expect(await writeEnvFile(file, { host: 'other.example.org' })).toBe('kept');
      expect(await readFile(file, 'utf8')).toBe(first);
      expect(await writeEnvFile(file, { host: 'other.example.org', force: true })).toBe('written');
      const second = await readFile(file, 'utf8');
      expect(second).toContain('CONCLAVE_HOST=other.example.org');
      expect(second).not.toContain(dotenv.SERVER_SECRET!);
      await expect(writeEnvFile(path.join(dir, 'x'), { host: 'localhost' })).rejects.toThrow(
        /--host must be the public DNS name/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('production refuses missing or default secrets, naming the variable', () => {
  const base = {
    NODE_ENV: 'production',
    SERVER_SECRET: 'k3J9xQ2mV8pL5nR7tY1wZ4bC6dF0gH2jA9sE3uI5oP7',
  };
  it.each([
    [{ SERVER_SECRET: '' }, /SERVER_SECRET: required/],
    [{ SERVER_SECRET: 'change-me-change-me-change-me-change-me' }, /SERVER_SECRET: a placeholder/],
    [
      {
        LIVEKIT_URL: 'wss://meet.example.org',
        LIVEKIT_API_KEY: 'conclave',
        LIVEKIT_API_SECRET: 'secretsecretsecretsecretsecretsecret',
      },
      /LIVEKIT_API_SECRET: a placeholder/,
    ],
    [
      {
        RECORDING_STORAGE: 's3',
        S3_BUCKET: 'recordings',
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 'xxxxxxxxxxxxxxxx',
      },
      /S3_SECRET_ACCESS_KEY: a placeholder/,
    ],
  ])('%o', (override, message) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(message);
  });

  it('accepts generated secrets, and development keeps working without any', () => {
    expect(() => loadConfig(base)).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'development' })).not.toThrow();
  });
});
