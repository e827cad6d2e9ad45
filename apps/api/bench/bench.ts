/**
 * npm run bench -w apps/api [-- --smoke]
 *
 * Prints one table, asserts nothing:
 * - LiveKit token issuance: requests per second and p99 latency with autocannon on loopback
 *   (`POST /api/orgs/:org/meetings/:id/token`: session, meeting access, admission, JWT);
 * - control-channel fan-out: one participant relays a payload to everyone (`to: "*"`); the
 *   time from sending until each of the others receives it, p50 and p99 over every delivery,
 *   for one meeting of 100 and of 500 participants (`--smoke`: 20 and 50), on one API instance
 *   and on two instances through the local Redis (participants split between them).
 *
 * API instances run as child processes (apps/api/bench/instance.ts) on a fresh PostgreSQL
 * database; the simulated participants are WebSocket clients in this process. Participants
 * are guests whose admission is written straight to the database (the lobby is not what is
 * measured); the sender is a member with a session cookie.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { lobbyTicketSchema, meetingSchema, serverMessageSchema } from '@conclave/contracts';
import { createSession } from '../src/services/accounts/sessions';
import { newCsrfToken } from '../src/services/accounts/csrf';
import { createTestDatabase } from '../test/database';
import { createTestOrg, createUser } from '../test/factories';

const smoke = process.argv.includes('--smoke');
const SIZES = smoke ? [20, 50] : [100, 500];
const MESSAGES = smoke ? 5 : 30;
const TOKEN_SECONDS = smoke ? 2 : 10;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Instance {
  /** Where this process sends requests. */
  url: string;
  /** PUBLIC_URL of the instance: the Origin a browser on it would send. */
  origin: string;
  child: ChildProcess;
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** How long the instance's event loop was blocked since the last call (it resets). */
async function eventLoopDelay(instance: Instance): Promise<LoopDelay> {
  return new Promise((resolve) => {
    instance.child.once('message', (message) => resolve(message as LoopDelay));
    instance.child.send('event-loop-delay');
  });
}

const delayText = (delay: LoopDelay) =>
  `event-loop delay p99 ${delay.p99.toFixed(0)} ms, max ${delay.max.toFixed(0)} ms`;

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'instance.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (\S+) (\S+)/.exec(buffer);
      if (match?.[1] && match[2]) resolve({ url: match[1], origin: match[2], child });
    });
    child.once('exit', (code) => reject(new Error(`API instance exited with ${code}`)));
  });
}

async function stopInstances(): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

interface Client {
  socket: WebSocket;
  id: string;
}

function connect(
  url: string,
  headers: Record<string, string>,
): Promise<{ socket: WebSocket; selfId: string }> {
  return new Promise((resolve, reject) => {
    const { origin, ...rest } = headers;
    const socket = new WebSocket(url, { headers: rest, ...(origin ? { origin } : {}) });
    socket.once('error', reject);
    socket.once('close', (code, reason) =>
      reject(new Error(`closed ${code} ${reason.toString()}`)),
    );
    socket.once('message', (data: Buffer) => {
      const welcome = serverMessageSchema.parse(JSON.parse(data.toString()));
      if (welcome.type !== 'welcome')
        return reject(
          new Error(
            `expected welcome on ${url} (origin ${origin ?? 'none'}), got ${JSON.stringify(welcome)}`,
          ),
        );
      if (welcome.status !== 'admitted') return reject(new Error('participant not admitted'));
      socket.removeAllListeners('close');
      resolve({ socket, selfId: welcome.self.id });
    });
  });
}

async function redisAvailable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const serverSecret = randomBytes(32).toString('base64url');
  const prefix = `conclave-bench-${randomBytes(4).toString('hex')}:`;
  const baseEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.connectionString,
    DATABASE_POOL_SIZE: '10',
    SERVER_SECRET: serverSecret,
    LIVEKIT_URL: 'ws://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'APIbench',
    LIVEKIT_API_SECRET: randomBytes(32).toString('base64url'),
    MEETING_LOBBY_RATE_LIMIT: '10000',
  };
  const rows: [string, string, string][] = [];
  try {
    const db = database.db;
    const host = await createUser(db, { displayName: 'Bench Host' });
    const org = await createTestOrg(db, { owner: host });
    const session = await createSession({ db, userId: host.id, userAgent: 'bench' });
    const csrf = newCsrfToken(serverSecret, session.token);
    const cookie = `conclave_session=${session.token}; conclave_csrf=${csrf}`;

    // ---- token issuance ---------------------------------------------------------------
    const singleInstance = await startInstance(baseEnv);
    const single = singleInstance.url;
    const local = (minutes: number) =>
      new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
    const created = await fetch(`${single}/api/orgs/${org.id}/meetings`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Bench',
        startLocal: local(-5),
        endLocal: local(120),
        timeZone: 'UTC',
        notify: false,
      }),
    });
    if (created.status !== 201)
      throw new Error(`creating the meeting: ${created.status} ${await created.text()}`);
    const meeting = meetingSchema.parse(await created.json());
    await eventLoopDelay(singleInstance);
    const tokenResult = await autocannon({
      url: `${single}/api/orgs/${org.id}/meetings/${meeting.id}/token`,
      method: 'POST',
      connections: 10,
      duration: TOKEN_SECONDS,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    if (tokenResult.non2xx > 0)
      throw new Error(`token issuance: ${tokenResult.non2xx} answers were not 2xx`);
    rows.push([
      'LiveKit token issuance (1 instance, 10 connections)',
      `${TOKEN_SECONDS} s, ${tokenResult.requests.total} requests`,
      `${Math.round(tokenResult.requests.average)} req/s, p50 ${tokenResult.latency.p50} ms, p99 ${tokenResult.latency.p99} ms, ${delayText(await eventLoopDelay(singleInstance))}`,
    ]);

    // ---- worst-case recurrences under load (security finding: one request blocked 21 s) --
    rows.push(
      await recurrenceStress({ instance: singleInstance, cookie, csrf, orgId: org.id, local }),
    );
    await stopInstances();

    // ---- fan-out ----------------------------------------------------------------------
    const redisAnswers = await redisAvailable();
    for (const instances of [1, 2] as const) {
      if (instances === 2 && !redisAnswers) {
        rows.push([
          'Control-channel fan-out, 2 instances via Redis',
          '-',
          `not run: no Redis at ${REDIS_URL}`,
        ]);
        continue;
      }
      const env = instances === 2 ? { ...baseEnv, REDIS_URL, REDIS_KEY_PREFIX: prefix } : baseEnv;
      const urls: Instance[] = [];
      for (let i = 0; i < instances; i++) urls.push(await startInstance(env));
      for (const size of SIZES) {
        const result = await fanOut({
          urls,
          size,
          cookie,
          csrf,
          anonymousCsrf: newCsrfToken(serverSecret, undefined),
          orgId: org.id,
          db,
          local,
        });
        rows.push([
          `Control-channel fan-out, ${instances === 1 ? '1 instance' : '2 instances via Redis'}`,
          `${size} participants, ${MESSAGES} relays to all`,
          `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (${result.samples} deliveries)`,
        ]);
      }
      await stopInstances();
    }
  } finally {
    await stopInstances();
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } catch {
      // Redis not running: the two-instance rows could not have run either.
    } finally {
      redis.disconnect();
    }
    await database.drop();
  }

  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((row) => row[i]!.length), ['Benchmark', 'Setting', 'Result'][i]!.length),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\napps/api benchmark${smoke ? ' (smoke run)' : ''}, ${new Date().toISOString()}\n`);
  console.log(line(['Benchmark', 'Setting', 'Result']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

/**
 * Token requests for an occurrence 99 years out on an open-ended daily series, and agenda
 * queries over the year 9000, from 10 connections: the event loop must stay responsive.
 */
async function recurrenceStress(options: {
  instance: Instance;
  cookie: string;
  csrf: string;
  orgId: string;
  local: (minutes: number) => string;
}): Promise<[string, string, string]> {
  const { instance, cookie, csrf, orgId, local } = options;
  const headers = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };
  const created = await fetch(`${instance.url}/api/orgs/${orgId}/meetings`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      title: 'Daily forever',
      startLocal: local(-5),
      endLocal: local(25),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY',
      notify: false,
    }),
  });
  if (created.status !== 201) throw new Error(`creating the series: ${created.status}`);
  const meeting = meetingSchema.parse(await created.json());
  const far = new Date(Date.parse(meeting.start) + 99 * 365 * 86_400_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  await eventLoopDelay(instance);
  const result = await autocannon({
    url: instance.url,
    connections: 10,
    duration: TOKEN_SECONDS,
    requests: [
      {
        method: 'POST',
        path: `/api/orgs/${orgId}/meetings/${meeting.id}/token`,
        headers,
        body: JSON.stringify({ occurrenceId: far }),
      },
      {
        method: 'GET',
        path: `/api/orgs/${orgId}/meetings/${meeting.id}/occurrences?from=9000-01-01T00:00:00Z&to=9001-01-01T00:00:00Z`,
        headers,
      },
    ],
  });
  const delay = await eventLoopDelay(instance);
  return [
    'Worst-case recurrences (far occurrence ids, year-9000 ranges; 10 connections)',
    `${TOKEN_SECONDS} s, ${result.requests.total} requests`,
    `${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${delayText(delay)}`,
  ];
}

async function fanOut(options: {
  urls: Instance[];
  size: number;
  cookie: string;
  csrf: string;
  /** Knocking needs no session: a CSRF token for an anonymous browser. */
  anonymousCsrf: string;
  orgId: string;
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  local: (minutes: number) => string;
}): Promise<{ p50: number; p99: number; samples: number }> {
  const { urls, size, cookie, csrf, anonymousCsrf, orgId, db, local } = options;
  const first = urls[0]!.url;
  const created = await fetch(`${first}/api/orgs/${orgId}/meetings`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: `Fan-out ${size}`,
      startLocal: local(-5),
      endLocal: local(120),
      timeZone: 'UTC',
      notify: false,
    }),
  });
  const meeting = meetingSchema.parse(await created.json());
  // Guests knock over HTTP (lobby tickets), then are admitted in the database.
  const tickets: string[] = [];
  for (let i = 0; i < size - 1; i++) {
    const knock = await fetch(`${urls[i % urls.length]!.url}/api/meetings/${meeting.id}/lobby`, {
      method: 'POST',
      headers: {
        cookie: `conclave_csrf=${anonymousCsrf}`,
        'x-csrf-token': anonymousCsrf,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ displayName: `Guest ${i}` }),
    });
    if (knock.status !== 200) throw new Error(`knocking: ${knock.status} ${await knock.text()}`);
    tickets.push(lobbyTicketSchema.parse(await knock.json()).ticket);
  }
  await db.meetingAdmission.updateMany({
    where: { meetingId: meeting.id },
    data: { status: 'admitted' },
  });

  const wsUrl = (url: string) => url.replace(/^http/, 'ws');
  const sender = await connect(`${wsUrl(first)}/api/meetings/${meeting.id}/control`, {
    cookie,
    origin: urls[0]!.origin,
  });
  const receivers: Client[] = [];
  for (let start = 0; start < tickets.length; start += 50) {
    const batch = tickets.slice(start, start + 50).map(async (ticket, offset) => {
      const url = urls[(start + offset + 1) % urls.length]!.url;
      const client = await connect(
        `${wsUrl(url)}/api/meetings/${meeting.id}/control?ticket=${encodeURIComponent(ticket)}`,
        {},
      );
      return { socket: client.socket, id: client.selfId };
    });
    receivers.push(...(await Promise.all(batch)));
  }

  const samples: number[] = [];
  for (let m = 0; m < MESSAGES; m++) {
    const id = `m${m}`;
    let pending = receivers.length;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`message ${id}: ${pending} of ${receivers.length} not delivered in 30 s`),
          ),
        30_000,
      );
      for (const receiver of receivers) {
        const onMessage = (data: Buffer) => {
          const text = data.toString();
          if (!text.includes(`"id":"${id}"`)) return;
          samples.push(performance.now() - sentAt);
          receiver.socket.off('message', onMessage);
          if (--pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        receiver.socket.on('message', onMessage);
      }
    });
    const sentAt = performance.now();
    sender.socket.send(
      JSON.stringify({
        type: 'relay',
        to: '*',
        channel: 'bench',
        payload: randomBytes(96).toString('base64url'),
        id,
      }),
    );
    await done;
  }
  for (const client of [sender, ...receivers]) client.socket.close(1000);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
}

main().catch((error: unknown) => {
  console.error(error);
  void stopInstances().then(() => process.exit(1));
});
