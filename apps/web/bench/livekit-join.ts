/**
 * Join → first decoded remote frame through the real LiveKit server vs the development media
 * server, in one run (same machine, same moment): p50/p95 over 10 joins each (3 with --smoke).
 * A host stays in an E2EE meeting; a second member joins, waits for a decoded frame from the
 * host (the room page's own measure, `joinToFirstFrameMs`), leaves, again.
 *
 *   npm run bench:livekit             10 joins per media server
 *   npm run bench:livekit -- --smoke  3 joins per media server
 *
 * Needs the LiveKit binary (scripts/livekit/build.sh; built on demand when Go is there).
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { startProducts } from '../../../tests/support/global-setup';
import { signIn } from '../../../tests/support/accounts';
import { chromiumLaunchOptions } from '../../../tests/support/chromium';

const JOINS = process.argv.includes('--smoke') ? 3 : 10;

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

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function join(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.getByRole('button', { name: 'Join meeting' }).click();
}

async function joins(browser: Browser, base: string): Promise<number[]> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const host = { email: `lkb-host-${suffix}@example.test`, password: `lkb host ${suffix}` };
  const org = await post<{ userId: string; orgId: string }>(base, '/api/test/accounts/org', {
    ...host,
    displayName: 'Bench host',
    orgName: `LiveKit bench ${suffix}`,
  });
  const joiner = { email: `lkb-joiner-${suffix}@example.test`, password: `lkb joiner ${suffix}` };
  const member = await post<{ userId: string }>(base, '/api/test/accounts/member', {
    ...joiner,
    displayName: 'Bench joiner',
    orgId: org.orgId,
    role: 'member',
  });
  const pages: Page[] = [];
  for (const user of [
    { ...host, userId: org.userId },
    { ...joiner, userId: member.userId },
  ] satisfies Seeded[]) {
    const page = await (await browser.newContext({ baseURL: base })).newPage();
    await signIn(page, user, { keep: true });
    pages.push(page);
  }
  const [hostPage, joinerPage] = pages as [Page, Page];
  const csrf = (await hostPage.context().cookies()).find((c) => c.name === 'conclave_csrf')!;
  const local = (minutes: number) =>
    new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
  const created = await hostPage.request.post(`/api/orgs/${org.orgId}/meetings`, {
    headers: { 'x-csrf-token': csrf.value },
    data: {
      title: 'LiveKit bench',
      startLocal: local(-5),
      endLocal: local(55),
      timeZone: 'UTC',
      notify: false,
      audience: 'org',
      e2ee: true,
    },
  });
  const path = `/meet/${((await created.json()) as { id: string }).id}?org=${org.orgId}`;
  await join(hostPage, path);
  await hostPage.getByTestId('meeting-room').waitFor({ timeout: 60_000 });
  const samples: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    await join(joinerPage, path);
    samples.push(
      await until('a decoded remote frame', () =>
        joinerPage.evaluate(
          () =>
            (
              window as unknown as { __conclaveRoom?: { joinToFirstFrameMs(): number | null } }
            ).__conclaveRoom?.joinToFirstFrameMs() ?? null,
        ),
      ),
    );
    await joinerPage.getByRole('button', { name: 'Leave' }).click();
    await joinerPage.getByTestId('room-ended').waitFor();
  }
  await Promise.all(pages.map((page) => page.context().close()));
  return samples;
}

const teardown = await startProducts({ dev: true, livekit: true });
const results: [string, number[]][] = [];
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  results.push(['development media server', await joins(browser, process.env.CONCLAVE_BASE_URL!)]);
  results.push([
    'LiveKit server (real)',
    await joins(browser, process.env.CONCLAVE_LIVEKIT_BASE_URL!),
  ]);
} finally {
  await browser.close();
  await teardown();
}
console.log(`\nJoin → first decoded remote frame (Chromium, E2EE), ${JOINS} joins each, ms`);
console.log(`${'media server'.padEnd(28)}      p50      p95      min      max`);
for (const [name, samples] of results) {
  const cells = [50, 95].map((p) => percentile(samples, p));
  cells.push(Math.min(...samples), Math.max(...samples));
  console.log(`${name.padEnd(28)} ${cells.map((v) => v.toFixed(0).padStart(8)).join(' ')}`);
}
// The e2e setup this reuses leaves handles open (Playwright's runner never waits for them).
process.exit(0);
