import { z } from 'zod';

/**
 * Every environment variable Conclave reads, parsed once at start (nothing else reads
 * process.env). Defaults work on one machine without Docker; the README's configuration
 * table is generated from the descriptions here (see scripts/config-table.ts).
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const urlString = z.url();

/**
 * TRUST_PROXY: which X-Forwarded-For entries name the client. `false`: none (the peer's own
 * address); a hop count: that many proxies in front of the server append to the header, and
 * the entry they added is the client (`true` and `yes` mean one hop: the TLS proxy); a list of
 * proxy addresses or CIDR ranges: entries added by those are skipped. Entries further left are
 * written by the client and never trusted, so a client cannot choose its own address.
 */
const PROXY_ADDRESS = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/;
export type TrustProxy = false | number | string[];
const trustProxyFromEnv = z
  .string()
  .trim()
  .transform((value, context): TrustProxy => {
    const lower = value.toLowerCase();
    if (['false', 'no', '0', ''].includes(lower)) return false;
    if (['true', 'yes'].includes(lower)) return 1;
    if (/^\d+$/.test(lower)) {
      const hops = Number(lower);
      if (hops <= 16) return hops;
      context.addIssue({ code: 'custom', message: 'at most 16 proxy hops' });
      return z.NEVER;
    }
    const addresses = value.split(',').map((part) => part.trim());
    const bad = addresses.filter((part) => !PROXY_ADDRESS.test(part));
    if (bad.length > 0) {
      context.addIssue({
        code: 'custom',
        message: `not a hop count, nor proxy addresses or CIDR ranges: ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return addresses;
  });

export const configSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('`production` requires `SERVER_SECRET` and refuses test hooks.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the server listens on.'),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3000)
    .describe('Port for the portal and the API (one origin). 0 picks a free port.'),
  PUBLIC_URL: urlString
    .optional()
    .describe(
      'The URL people open, used in e-mail links and to decide whether cookies are `Secure`. Default: `http://localhost:<PORT>`.',
    ),
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Folder for the embedded database, recordings and generated secrets.'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional()
    .describe(
      'PostgreSQL connection URL the API uses: log in as a member of the `conclave_api` role, not as the owner of the tables (docs/database.md). Unset: an embedded PGlite database under `DATA_DIR/pglite`.',
    ),
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional()
    .describe(
      'PostgreSQL connection URL `npm run db:migrate` uses, as the owner of the tables. Unset: `DATABASE_URL`.',
    ),
  DATABASE_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe('Connections in the pool (the embedded database always uses 1).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  TRUST_PROXY: trustProxyFromEnv
    .default(false)
    .describe(
      'Proxies in front of the server, whose X-Forwarded-For entries name the client (for rate limits and logs): `false` (none), a hop count (`1` behind the TLS proxy; `true` means 1), or a comma-separated list of proxy addresses or CIDR ranges (`10.0.0.5,10.1.0.0/16`, `loopback`). Entries the client wrote itself are never trusted.',
    ),
  SERVE_WEB: booleanFromEnv
    .default(true)
    .describe('Serve the Next.js portal from the API process on the same origin.'),
  WEB_DEV: booleanFromEnv
    .default(false)
    .describe('Run the portal in Next.js development mode (hot reload).'),
  SERVER_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      'Secret for fake pre-login salts and signed tokens. Unset: generated once into `DATA_DIR/secrets.json`.',
    ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional()
    .describe('Redis for fan-out across API instances. Unset: an in-process bus (one instance).'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, ":", "_" or "-", at most 64')
    .default('conclave:')
    .describe(
      'Prefix of every Redis key and pub/sub channel, so installations (or test runs) can share one Redis.',
    ),
  MEETING_LOBBY_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(10)
    .describe(
      'Lobby knocks (and so meeting passcode attempts) allowed per client address and meeting per minute; more get a 429.',
    ),
  MEETING_PASSCODE_FAILURE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100000)
    .default(100)
    .describe(
      'Wrong passcodes one meeting accepts per hour from all addresses together; past it the lobby refuses passcodes with a 429 until the hour is over.',
    ),
  MEETING_MAIL_MEMBER_LIMIT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000000)
    .default(500)
    .describe(
      'Meeting mails (invitations and updates) to outside addresses one member may send per 24 hours; a change that would send more gets a 429.',
    ),
  MEETING_MAIL_ORG_LIMIT: z.coerce
    .number()
    .int()
    .min(0)
    .max(10000000)
    .default(2000)
    .describe(
      'Meeting mails to outside addresses one organisation may send per 24 hours, all members together.',
    ),
  LIVEKIT_URL: z
    .string()
    .regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL')
    .optional()
    .describe(
      'LiveKit server the browsers connect to. Unset with `npm start`: the development media server.',
    ),
  LIVEKIT_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('LiveKit API key. Unset with `npm start`: generated into `DATA_DIR/secrets.json`.'),
  LIVEKIT_API_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('LiveKit API secret (tokens and webhook signatures).'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional()
    .describe('SMTP server for e-mail. Unset: mails go to the log and the admin outbox page.'),
  MAIL_FROM: z
    .string()
    .min(3)
    .default('Conclave <conclave@localhost>')
    .describe('Sender of e-mails.'),
  SIGN_IN_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(10)
    .describe(
      'Sign-in attempts allowed per client address and e-mail address in 15 minutes; more get a 429.',
    ),
  SIGN_IN_ACCOUNT_FAILURE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100000)
    .default(50)
    .describe(
      'Failed sign-ins one e-mail address accepts per hour from all addresses together (whether or not it has an account); past it, sign-in for that address gets a 429.',
    ),
  PRE_LOGIN_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100000)
    .default(60)
    .describe(
      'Pre-login, sign-up and "forgot password" requests allowed per client address per minute; more get a 429.',
    ),
  RECORDING_STORAGE: z
    .enum(['local', 's3'])
    .default('local')
    .describe(
      'Where encrypted recordings are kept: `local` files under `DATA_DIR/recordings`, or `s3` (S3-compatible, e.g. MinIO; set the `S3_*` variables).',
    ),
  S3_ENDPOINT: urlString
    .optional()
    .describe('S3-compatible endpoint, e.g. `http://minio:9000`. Unset: AWS S3 for `S3_REGION`.'),
  S3_REGION: z.string().min(1).default('us-east-1').describe('S3 region.'),
  S3_BUCKET: z
    .string()
    .min(3)
    .optional()
    .describe('Bucket for recordings (required with `RECORDING_STORAGE=s3`; it must exist).'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key id.'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('S3 secret access key.'),
  S3_FORCE_PATH_STYLE: booleanFromEnv
    .default(true)
    .describe('Path-style bucket URLs (MinIO and most S3-compatible servers need it).'),
  RECORDING_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 ** 3)
    .describe(
      'Largest ciphertext one recording may reach, in bytes (16 GiB: about 9 hours of 4 Mbit/s video).',
    ),
  RECORDING_ORG_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(500 * 1024 ** 3)
    .describe(
      'Recording storage per organisation, in bytes; an upload past it is refused with 507.',
    ),
  RECORDING_STALL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(5)
    .describe('A recording with no upload for this long (and no seal) is marked "ended early".'),
  CONCLAVE_TEST_HOOKS: booleanFromEnv
    .default(false)
    .describe(
      'Test-only routes under `/api/test/*` (fault switches, probes) for the end-to-end tests. Refused when NODE_ENV=production.',
    ),
});

type ParsedEnv = z.output<typeof configSchema>;

/** The configuration the app runs with: every default applied and every secret present. */
export type Config = Omit<ParsedEnv, 'PUBLIC_URL' | 'SERVER_SECRET'> & {
  PUBLIC_URL: string;
  SERVER_SECRET: string;
};

/** Parsed environment, before secrets that may be generated are filled in. */
export type EnvConfig = Omit<Config, 'SERVER_SECRET'> & { SERVER_SECRET: string | undefined };

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Values of secrets that come from examples and documentation, never from a generator. */
export function isPlaceholderSecret(value: string | undefined): boolean {
  if (!value) return false;
  const lower = value.toLowerCase();
  return (
    /change[-_ ]?me|replace[-_ ]?me|placeholder|example|^(secret|password|devsecret|development)/.test(
      lower,
    ) || new Set(lower).size <= 2
  );
}

export function loadConfig(env: Record<string, string | undefined>): EnvConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  const livekitParts = [config.LIVEKIT_URL, config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET];
  if (livekitParts.some(Boolean) && !livekitParts.every(Boolean)) {
    throw new ConfigError([
      'LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together',
    ]);
  }
  if (config.NODE_ENV === 'production' && !config.SERVER_SECRET) {
    throw new ConfigError(['SERVER_SECRET: required when NODE_ENV=production']);
  }
  if (config.RECORDING_STORAGE === 's3' && !config.S3_BUCKET) {
    throw new ConfigError(['S3_BUCKET: required when RECORDING_STORAGE=s3']);
  }
  if (config.NODE_ENV === 'production' && config.CONCLAVE_TEST_HOOKS) {
    throw new ConfigError(['CONCLAVE_TEST_HOOKS: must not be enabled when NODE_ENV=production']);
  }
  if (config.NODE_ENV === 'production') {
    // A secret copied from an example or left at a default is no secret (`npm run setup`
    // generates real ones).
    const placeholders = (['SERVER_SECRET', 'LIVEKIT_API_SECRET', 'S3_SECRET_ACCESS_KEY'] as const)
      .filter((name) => isPlaceholderSecret(config[name]))
      .map((name) => `${name}: a placeholder value; generate a real secret (npm run setup)`);
    if (placeholders.length > 0) throw new ConfigError(placeholders);
  }
  return {
    ...config,
    SERVER_SECRET: config.SERVER_SECRET,
    PUBLIC_URL: (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, ''),
  };
}
