/**
 * The meeting room's benchmark:
 * - join: time from pressing Join to the first decoded remote video frame, in Chromium with
 *   fake devices, against the whole product (`npm start`'s shape: API, portal, development
 *   media server) with E2EE on; p50 over 10 joins;
 * - rekey: time to rekey a meeting after a leave (from the Leave click until every remaining
 *   participant encrypts with a new key and holds everyone else's), for 3 browsers, and for
 *   50 Node participants (the room's own RoomSession over `ws`) on the real control channel of
 *   the real API on PostgreSQL.
 *
 *   npm run bench -w apps/web               full run (a few minutes)
 *   npm run bench -w apps/web -- --smoke    3 joins, 1 leave each, 10 Node participants
 *
 * Numbers are printed, not asserted.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { ready } from '@conclave/crypto';
import { chromiumLaunchOptions } from '../../../tests/support/chromium';
import globalSetup from '../../../tests/support/global-setup';
import { buildTestApp, testConfig } from '../../api/test/app';
import { createTestDatabase } from '../../api/test/database';
import {
  addMember,
  createTestOrg,
  createUser,
  signedInClient,
  type TestUser,
} from '../../api/test/factories';
import { listen, meetingNow, scheduleMeeting } from '../../api/test/meetings';
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
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Keep me unlocked on this device').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /Account menu/ }).waitFor({ timeout: 30_000 });
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

async function browserBench(rows: Row[]): Promise<void> {
  const teardown = await globalSetup({} as never);
  const base = process.env.CONCLAVE_BASE_URL!;
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
    await teardown();
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

async function nodeBench(rows: Row[]): Promise<void> {
  await ready();
  const database = await createTestDatabase();
  const app = await buildTestApp({
    db: database.db,
    config: testConfig({ LOG_LEVEL: 'silent' }),
  });
  const { wsUrl, origin } = await listen(app);
  const participants: SimParticipant[] = [];
  try {
    const host = await createUser(database.db, { displayName: 'Host' });
    const org = await createTestOrg(database.db, { owner: host });
    const users: TestUser[] = [host];
    for (let i = 1; i < NODE_PARTICIPANTS + NODE_LEAVES; i++) {
      const user = await createUser(database.db, { displayName: `P${i}` });
      await addMember(database.db, { org, user, role: 'member' });
      users.push(user);
    }
    const meeting = await scheduleMeeting(await signedInClient(app, host), org.id, {
      ...meetingNow(),
      audience: 'org',
    });
    const connect = async (user: TestUser) => {
      const client = await signedInClient(app, user);
      const participant = new SimParticipant({
        url: `${wsUrl}/api/meetings/${meeting.id}/control`,
        headers: {
          cookie: [...client.cookies].map(([n, v]) => `${n}=${v}`).join('; '),
          origin,
        },
        exchangeKeys: {
          publicKey: user.identity.exchangePublicKey,
          privateKey: user.identity.exchangePrivateKey,
        },
        viewer: 'member',
        pins: new MemoryPins(),
      });
      participants.push(participant);
      return participant;
    };
    const started = performance.now();
    const everyone = await Promise.all(users.slice(0, NODE_PARTICIPANTS).map(connect));
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
      const guest = await connect(users[NODE_PARTICIPANTS + i]!);
      present = [...present, guest];
      await waitUntilKeyed(present, 60_000);
      const stayers = present.filter((p) => p !== guest);
      const before = stayers.map((p) => p.ownKeyIndex()!);
      const leftAt = performance.now();
      guest.leave();
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
    await app.close();
    await database.drop();
  }
}

const rows: Row[] = [];
await nodeBench(rows);
await browserBench(rows);
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
