import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';
import { seedMember, seedOrg, signIn, type SeededUser } from './accounts';

/**
 * Helpers for the meeting room's end-to-end specs: an org with members, a meeting that is open
 * now, browsers signed in as those members, and read-only probes of a page's room state
 * (`window.__conclaveRoom`, which exposes views and receiver statistics, never keys).
 */

/** Poll quickly: these conditions usually hold within a second. */
export const POLL = [100, 250];

export interface RoomOrg {
  orgId: string;
  owner: SeededUser;
  members: SeededUser[];
}

export async function seedRoomOrg(
  request: APIRequestContext,
  memberCount: number,
): Promise<RoomOrg> {
  const owner = await seedOrg(request, { displayName: 'Hana Host' });
  const names = ['Ben Berg', 'Cleo Chan', 'Dev Das', 'Eve Ek', 'Finn Fox'];
  const members: SeededUser[] = [];
  for (let i = 0; i < memberCount; i++) {
    members.push(
      await seedMember(request, {
        orgId: owner.orgId,
        role: 'member',
        displayName: names[i] ?? `Member ${i}`,
      }),
    );
  }
  return { orgId: owner.orgId, owner, members };
}

function utcLocal(minutesFromNow: number): string {
  return new Date(Date.now() + minutesFromNow * 60_000).toISOString().slice(0, 16);
}

export async function csrfHeader(context: BrowserContext): Promise<Record<string, string>> {
  const cookie = (await context.cookies()).find((c) => c.name === 'conclave_csrf');
  return cookie ? { 'x-csrf-token': cookie.value } : {};
}

/** A meeting open now, for the whole org, created by the signed-in host of `page`. */
export async function createMeeting(
  page: Page,
  orgId: string,
  options: { title?: string; e2ee?: boolean; guests?: 'lobby' | 'forbidden' } = {},
): Promise<{ id: string; orgId: string; title: string }> {
  const title = options.title ?? `Room test ${Math.random().toString(36).slice(2, 8)}`;
  const response = await page.request.post(`/api/orgs/${orgId}/meetings`, {
    headers: await csrfHeader(page.context()),
    data: {
      title,
      startLocal: utcLocal(-5),
      endLocal: utcLocal(55),
      timeZone: 'UTC',
      notify: false,
      audience: 'org',
      e2ee: options.e2ee ?? true,
      guests: options.guests ?? 'lobby',
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  const meeting = (await response.json()) as { id: string };
  return { id: meeting.id, orgId, title };
}

/** A fresh browser context signed in as `user`, keys kept so the room page can use them. */
export async function signedInPage(
  browser: Browser,
  baseURL: string,
  user: SeededUser,
): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, user, { keep: true });
  return page;
}

/** Browsers signed in as each user, in parallel (sign-in runs Argon2id in each page). */
export async function signedInPages(
  browser: Browser,
  baseURL: string,
  users: SeededUser[],
): Promise<Page[]> {
  return Promise.all(users.map((user) => signedInPage(browser, baseURL, user)));
}

/** Opens the room and presses Join; resolves when the room shows (media connected). */
export async function joinRoom(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await pressJoin(page);
}

/** On the pre-join screen: presses Join and waits for the room (media connected). */
export async function pressJoin(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await expect(page.getByTestId('meeting-room')).toBeVisible({ timeout: 30_000 });
}

export interface RoomProbe {
  status: string;
  self: { id: string; latestKeyIndex: number | null } | null;
  participants: {
    id: string;
    displayName: string;
    isSelf: boolean;
    trust: { verified: boolean; basis?: string; problem?: string };
    receivesMyKey: boolean;
    latestKeyIndex: number | null;
    handRaised: boolean;
  }[];
  securityCode: { code: string; groups: string[] } | null;
  keyChangeWarnings: { participantId: string }[];
  myKey: {
    activeKeyIndex: number | null;
    pendingKeyIndex: number | null;
    holders: string[];
  } | null;
  chat: { from: string; text: string; mine: boolean }[];
}

/** What the room page exposes on `window.__conclaveRoom` (apps/web meeting-room.tsx). */
interface PageProbe {
  state(): unknown;
  view(): unknown;
  remoteStats(): Promise<unknown>;
  joinToFirstFrameMs(): number | null;
}

export async function roomView(page: Page): Promise<RoomProbe> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __conclaveRoom?: PageProbe }).__conclaveRoom;
    if (!probe) throw new Error('no room on this page');
    return JSON.parse(JSON.stringify(probe.view())) as never;
  });
}

export interface RemoteStat {
  identity: string;
  source: string;
  kind: 'audio' | 'video';
  framesDecoded: number;
  frameWidth: number;
  decodedSamples: number;
}

export async function remoteStats(page: Page): Promise<RemoteStat[]> {
  return page.evaluate(async () => {
    const probe = (window as unknown as { __conclaveRoom?: PageProbe }).__conclaveRoom;
    if (!probe) throw new Error('no room on this page');
    return JSON.parse(JSON.stringify(await probe.remoteStats())) as never;
  });
}

/**
 * Waits until this page decodes video and audio of every identity given (frames decoded, audio
 * samples that were decoded rather than concealed): with E2EE, proof it holds their keys.
 */
export async function expectAllDecode(pages: Page[], ids: string[], timeout = 30_000) {
  const own = await Promise.all(pages.map(async (page) => (await roomView(page)).self?.id));
  await Promise.all(
    pages.map((page, i) =>
      expectDecodes(
        page,
        ids.filter((id) => id !== own[i]),
        timeout,
      ),
    ),
  );
}

export async function expectDecodes(page: Page, identities: string[], timeout = 30_000) {
  const baseline = new Map<string, { video: number; audio: number }>();
  await expect
    .poll(
      async () => {
        const stats = await remoteStats(page);
        return identities.filter((identity) => {
          const video = stats
            .filter((s) => s.identity === identity && s.kind === 'video' && s.source === 'camera')
            .reduce((sum, s) => sum + s.framesDecoded, 0);
          const audio = stats
            .filter((s) => s.identity === identity && s.kind === 'audio')
            .reduce((sum, s) => sum + s.decodedSamples, 0);
          const before = baseline.get(identity);
          if (!before) {
            baseline.set(identity, { video, audio });
            return true; // needs a second sample to show frames keep being decoded
          }
          return !(video > before.video && audio > before.audio && video > 0);
        });
      },
      { timeout, intervals: POLL, message: `decodes video and audio of ${identities.join(', ')}` },
    )
    .toEqual([]);
}

/** Every page holds every other page's current sender key (the meeting is keyed). */
export async function expectKeyed(pages: Page[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const views = await Promise.all(pages.map((page) => roomView(page)));
        const missing: string[] = [];
        for (const receiver of views) {
          for (const sender of views) {
            if (sender === receiver) continue;
            const held = receiver.participants.find((p) => p.id === sender.self?.id);
            if (held?.latestKeyIndex !== sender.myKey?.activeKeyIndex) {
              missing.push(`${receiver.self?.id} lacks ${sender.self?.id}`);
            }
          }
        }
        return missing;
      },
      { intervals: POLL, message: 'everyone holds everyone else’s current key' },
    )
    .toEqual([]);
}

export interface RelayLogEntry {
  from: string;
  to: string;
  channel: string;
  outcome: 'delivered' | 'recipient-left';
  at: string;
}

/** What the control channel relayed in a meeting (test hook; never payloads). */
export async function relayLog(
  request: APIRequestContext,
  meetingId: string,
): Promise<RelayLogEntry[]> {
  const response = await request.get(`/api/test/meetings/relay-log?meetingId=${meetingId}`);
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { entries: RelayLogEntry[] }).entries;
}

export async function expectSameCode(pages: Page[]): Promise<string> {
  let code = '';
  await expect
    .poll(
      async () => {
        const codes = await Promise.all(
          pages.map(async (p) => (await roomView(p)).securityCode?.code),
        );
        code = codes[0] ?? '';
        return new Set(codes).size === 1 && codes[0] !== undefined;
      },
      { intervals: POLL, message: 'every page shows the same security code' },
    )
    .toBe(true);
  return code;
}
