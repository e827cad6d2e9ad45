/**
 * The meeting room's benchmark:
 * - join: time from pressing Join to the first decoded remote video frame, in Chromium with
 *   fake devices, against the whole product (`npm start`'s shape: API, portal, development
 *   media server) with E2EE on; p50 over 10 joins;
 * - rekey: time to rekey a meeting after a leave (from the Leave click until every remaining
 *   participant encrypts with a new key and holds everyone else's), for 3 browsers, and for
 *   50 Node participants (the room's own RoomSession over `ws`, in this process) on the real
 *   control channel of the product's API (another process) on PostgreSQL.
 *
 *   npm run bench -w apps/web               full run (a few minutes)
 *   npm run bench -w apps/web -- --smoke    3 joins, 1 leave each, 10 Node participants
 *
 * Numbers are printed, not asserted.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import {
  deriveAccountKeys,
  ready,
  toBase64Url,
  unwrapIdentity,
  type KdfParams,
  type WrappedIdentity,
} from '@conclave/crypto';
import { signIn } from '../../../tests/support/accounts';
import { chromiumLaunchOptions } from '../../../tests/support/chromium';
import globalSetup from '../../../tests/support/global-setup';
import { MemoryPins, SimParticipant, waitUntilKeyed } from './sim-participant';

const smoke = process.argv.includes('--smoke');
const JOINS = smoke ? 3 : 10;
const BROWSER_LEAVES = smoke ? 1 : 5;
const NODE_PARTICIPANTS = smoke ? 10 : 50;
const NODE_LEAVES = smoke ? 1 : 5;

interface Row {
  measure: string;
  runs: number;
  p50: number;
  min: number;
  max: number;
}

function summarize(measure: string, samples: number[]): Row {
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
  return { measure, runs: samples.length, p50, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

// ---- browsers against the product --------------------------------------------------------

interface Seeded {
  userId: string;
  email: string;
  password: string;
}

async function post<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function signedIn(browser: Browser, base: string, user: Seeded): Promise<Page> {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await signIn(page, user, { keep: true });
  return page;
}

type View = {
  self: { id: string } | null;
  participants: { id: string; latestKeyIndex: number | null }[];
  myKey: { activeKeyIndex: number | null } | null;
};

const view = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __conclaveRoom?: { view(): unknown } }).__conclaveRoom?.view() as
        View | undefined,
  );

async function join(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.getByRole('button', { name: 'Join meeting' }).click();
}

async function browserBench(base: string, rows: Row[]): Promise<void> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const suffix = Math.random().toString(36).slice(2, 8);
    const owner = {
      email: `bench-owner-${suffix}@example.test`,
      password: `bench owner ${suffix}`,
      displayName: 'Bench host',
    };
    const org = await post<{ userId: string; orgId: string }>(base, '/api/test/accounts/org', {
      ...owner,
      orgName: `Bench ${suffix}`,
    });
    const members: Seeded[] = [{ ...owner, userId: org.userId }];
    for (const name of ['B', 'C']) {
      const member = {
        email: `bench-${name}-${suffix}@example.test`,
        password: `bench ${name} ${suffix}`,
        displayName: `Bench ${name}`,
      };
      const made = await post<{ userId: string }>(base, '/api/test/accounts/member', {
        ...member,
        orgId: org.orgId,
        role: 'member',
      });
      members.push({ ...member, userId: made.userId });
    }
    const pages = await Promise.all(members.map((member) => signedIn(browser, base, member)));
    const [host, joiner, third] = pages as [Page, Page, Page];
    const csrf = (await host.context().cookies()).find((c) => c.name === 'conclave_csrf')!.value;
    const now = Date.now();
    const local = (minutes: number) => new Date(now + minutes * 60_000).toISOString().slice(0, 16);
    const created = await host.request.post(`/api/orgs/${org.orgId}/meetings`, {
      headers: { 'x-csrf-token': csrf },
      data: {
        title: 'Bench',
        startLocal: local(-5),
        endLocal: local(55),
        timeZone: 'UTC',
        notify: false,
        audience: 'org',
        e2ee: true,
      },
    });
    const meetingId = ((await created.json()) as { id: string }).id;
    const path = `/meet/${meetingId}?org=${org.orgId}`;

    // Join → first decoded remote frame: the host stays in, the joiner joins JOINS times.
    await join(host, path);
    await host.getByTestId('meeting-room').waitFor({ timeout: 30_000 });
    const joins: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      await join(joiner, path);
      const ms = await until('a decoded remote frame', () =>
        joiner.evaluate(
          () =>
            (
              window as unknown as { __conclaveRoom?: { joinToFirstFrameMs(): number | null } }
            ).__conclaveRoom?.joinToFirstFrameMs() ?? null,
        ),
      );
      joins.push(ms);
      await joiner.getByRole('button', { name: 'Leave' }).click();
      await joiner.getByTestId('room-ended').waitFor();
    }
    rows.push(summarize('Join → first decoded remote frame (Chromium, E2EE)', joins));

    // Rekey after a leave, three browsers: two stay, the third joins and leaves.
    await join(joiner, path);
    const rekeys: number[] = [];
    for (let i = 0; i < BROWSER_LEAVES; i++) {
      await join(third, path);
      const stayers = [host, joiner];
      await until('three keyed browsers', async () => {
        const views = await Promise.all([host, joiner, third].map(view));
        return keyed(views) && views.every((v) => v?.participants.length === 3) ? true : null;
      });
      const before = await Promise.all(
        stayers.map(async (p) => (await view(p))!.myKey!.activeKeyIndex!),
      );
      const started = performance.now();
      await third.getByRole('button', { name: 'Leave' }).click();
      await until('the two to rekey', async () => {
        const views = await Promise.all(stayers.map(view));
        const rotated = views.every((v, k) => (v?.myKey?.activeKeyIndex ?? 0) > before[k]!);
        return rotated && keyed(views) ? true : null;
      });
      rekeys.push(performance.now() - started);
      await third.getByTestId('room-ended').waitFor();
    }
    rows.push(summarize('Rekey after a leave, 3 browsers', rekeys));
  } finally {
    await browser.close();
  }
}

function keyed(views: (View | undefined)[]): boolean {
  return views.every((receiver) =>
    views.every((sender) => {
      if (!receiver || !sender || sender === receiver) return true;
      const held = receiver.participants.find((p) => p.id === sender.self?.id);
      return held?.latestKeyIndex === sender.myKey?.activeKeyIndex;
    }),
  );
}

// ---- Node participants on the real control channel --------------------------------------

/** A cookie jar for fetch: keeps what the API sets (session, CSRF). */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
}

/** Signs in as the browser does (pre-login, Argon2id, sign-in) and unwraps the identity. */
async function signInNode(base: string, user: Seeded) {
  const jar = new Jar();
  const call = async (path: string, body?: unknown) => {
    const response = await fetch(`${base}/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        cookie: jar.header(),
        'content-type': 'application/json',
        'x-csrf-token': jar.cookies.get('conclave_csrf') ?? '',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    jar.keep(response);
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as unknown;
  };
  await call('/auth/session');
  const { kdfParams } = (await call('/auth/pre-login', { email: user.email })) as {
    kdfParams: KdfParams;
  };
  const { authKey, wrapKey } = deriveAccountKeys(user.password, kdfParams);
  const signedIn = (await call('/auth/sign-in', {
    email: user.email,
    authKey: toBase64Url(authKey),
  })) as { keys: { wrappedIdentity: WrappedIdentity } };
  return { cookie: jar.header(), identity: unwrapIdentity(signedIn.keys.wrappedIdentity, wrapKey) };
}

async function nodeBench(base: string, rows: Row[]): Promise<void> {
  await ready();
  const suffix = Math.random().toString(36).slice(2, 8);
  const total = NODE_PARTICIPANTS + NODE_LEAVES;
  const owner = {
    email: `node-owner-${suffix}@example.test`,
    password: `node owner ${suffix}`,
    displayName: 'Node host',
  };
  const org = await post<{ userId: string; orgId: string }>(base, '/api/test/accounts/org', {
    ...owner,
    orgName: `Node bench ${suffix}`,
  });
  const users: Seeded[] = [{ ...owner, userId: org.userId }];
  for (let i = 1; i < total; i++) {
    const user = {
      email: `node-${i}-${suffix}@example.test`,
      password: `node ${i} ${suffix}`,
      displayName: `Node ${i}`,
    };
    const made = await post<{ userId: string }>(base, '/api/test/accounts/member', {
      ...user,
      orgId: org.orgId,
      role: 'member',
    });
    users.push({ ...user, userId: made.userId });
  }
  const sessions: Awaited<ReturnType<typeof signInNode>>[] = [];
  for (const user of users) sessions.push(await signInNode(base, user));
  const now = Date.now();
  const local = (minutes: number) => new Date(now + minutes * 60_000).toISOString().slice(0, 16);
  const created = await fetch(`${base}/api/orgs/${org.orgId}/meetings`, {
    method: 'POST',
    headers: {
      cookie: sessions[0]!.cookie,
      'content-type': 'application/json',
      'x-csrf-token': /conclave_csrf=([^;]+)/.exec(sessions[0]!.cookie)?.[1] ?? '',
    },
    body: JSON.stringify({
      title: 'Node bench',
      startLocal: local(-5),
      endLocal: local(55),
      timeZone: 'UTC',
      notify: false,
      audience: 'org',
    }),
  });
  if (!created.ok) throw new Error(`meeting: ${created.status} ${await created.text()}`);
  const meetingId = ((await created.json()) as { id: string }).id;
  const wsBase = base.replace(/^http/, 'ws');
  const participants: SimParticipant[] = [];
  const connect = (k: number) => {
    const participant = new SimParticipant({
      url: `${wsBase}/api/meetings/${meetingId}/control`,
      headers: { cookie: sessions[k]!.cookie, origin: new URL(base).origin },
      exchangeKeys: {
        publicKey: sessions[k]!.identity.exchangePublicKey,
        privateKey: sessions[k]!.identity.exchangePrivateKey,
      },
      viewer: 'member',
      pins: new MemoryPins(),
    });
    participants.push(participant);
    return participant;
  };
  try {
    const started = performance.now();
    const everyone = Array.from({ length: NODE_PARTICIPANTS }, (_, k) => connect(k));
    await waitUntilKeyed(everyone, 120_000);
    rows.push(
      summarize(`Key a meeting of ${NODE_PARTICIPANTS} Node participants (all join at once)`, [
        performance.now() - started,
      ]),
    );
    const rekeys: number[] = [];
    let present = everyone;
    for (let i = 0; i < NODE_LEAVES; i++) {
      // someone joins and everybody is keyed again; then they leave
      const visitor = connect(NODE_PARTICIPANTS + i);
      present = [...present, visitor];
      await waitUntilKeyed(present, 60_000);
      const stayers = present.filter((p) => p !== visitor);
      const before = stayers.map((p) => p.ownKeyIndex()!);
      const leftAt = performance.now();
      visitor.leave();
      await Promise.all(
        stayers.map((p, k) =>
          p.waitFor((v) => (v.myKey?.activeKeyIndex ?? 0) > before[k]!, 60_000, 'a new key'),
        ),
      );
      await waitUntilKeyed(stayers, 60_000);
      rekeys.push(performance.now() - leftAt);
      present = stayers;
    }
    rows.push(summarize(`Rekey after a leave, ${NODE_PARTICIPANTS} Node participants`, rekeys));
  } finally {
    for (const participant of participants) participant.connection.close();
  }
}

const rows: Row[] = [];
const teardown = await globalSetup({} as never);
try {
  const base = process.env.CONCLAVE_BASE_URL!;
  await nodeBench(base, rows);
  await browserBench(base, rows);
} finally {
  await teardown();
}
const width = Math.max(...rows.map((row) => row.measure.length));
console.log(`\nMeeting room benchmark${smoke ? ' (smoke)' : ''}, ms`);
console.log(`${'measure'.padEnd(width)}  runs      p50      min      max`);
for (const row of rows) {
  console.log(
    `${row.measure.padEnd(width)}  ${String(row.runs).padStart(4)} ${row.p50
      .toFixed(0)
      .padStart(8)} ${row.min.toFixed(0).padStart(8)} ${row.max.toFixed(0).padStart(8)}`,
  );
}
// The e2e setup this reuses leaves handles open (Playwright's runner never waits for them).
process.exit(0);
