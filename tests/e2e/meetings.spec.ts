import type { Browser, Page } from '@playwright/test';
import { expect, test } from '../support/fixtures';
import {
  seedMember,
  seedOrg,
  signIn,
  uniqueEmail,
  waitForMail,
  type SeededUser,
} from '../support/accounts';

/**
 * Scheduling in the portal, and the control channel between real browsers: members with
 * their session cookies (and the Origin check), guests with lobby tickets, a host admitting
 * and denying from the lobby. The room's own UI has its specs (room*.spec.ts); these talk to
 * the control channel from the page, so they test the server side of a meeting.
 */

async function signedIn(browser: Browser, baseURL: string, user: SeededUser): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A meeting open now (UTC, started 5 minutes ago), made through the API as the signed-in page. */
async function createMeeting(
  page: Page,
  orgId: string,
  options: { guests?: 'lobby' | 'forbidden' } = {},
): Promise<{ id: string; title: string }> {
  const local = (minutes: number) =>
    new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
  const csrf =
    (await page.context().cookies()).find((cookie) => cookie.name === 'conclave_csrf')?.value ?? '';
  const title = `Control ${Math.random().toString(36).slice(2, 8)}`;
  const response = await page.request.post(`/api/orgs/${orgId}/meetings`, {
    headers: { 'x-csrf-token': csrf },
    data: {
      title,
      startLocal: local(-5),
      endLocal: local(55),
      timeZone: 'UTC',
      notify: false,
      audience: 'org',
      guests: options.guests ?? 'lobby',
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  return { id: ((await response.json()) as { id: string }).id, title };
}

test('a host schedules a weekly meeting in the portal; the invitee sees it, answers, and the host sees the answer', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const owner = await seedOrg(request, { displayName: 'Hana Host' });
  const invitee = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Ivo Invitee',
  });
  const outside = uniqueEmail('visitor');
  const host = await signedIn(browser, baseURL!, owner);

  await host.goto(`/orgs/${owner.orgId}`);
  await host
    .getByRole('navigation', { name: 'Organisation' })
    .getByRole('link', { name: 'Meetings' })
    .click();
  await expect(host.getByText('No meetings in the next four weeks')).toBeVisible();
  await host.getByRole('link', { name: 'Schedule a meeting' }).click();

  // In UTC, open now: from two minutes ago for half an hour, or, when that would cross midnight,
  // 23:00 to 23:59 of the start's day (still within the join window, which lasts past the end).
  const start = new Date(Date.now() - 2 * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const sameDay = end.getUTCDate() === start.getUTCDate();
  await host.getByLabel('Title').fill('Design review');
  await host.getByLabel('Time zone').selectOption('UTC');
  await host.getByLabel('Date').fill(start.toISOString().slice(0, 10));
  await host
    .getByLabel('Starts')
    .fill(sameDay ? `${pad(start.getUTCHours())}:${pad(start.getUTCMinutes())}` : '23:00');
  await host
    .getByLabel('Ends', { exact: true })
    .fill(sameDay ? `${pad(end.getUTCHours())}:${pad(end.getUTCMinutes())}` : '23:59');
  // A mistake first: the form says what is wrong, next to the field, before asking the server.
  await host.getByLabel('Invitees', { exact: true }).fill(`${invitee.email}, not an address`);
  await host.getByRole('button', { name: 'Schedule' }).click();
  await expect(host.getByRole('alert').filter({ hasText: 'Please fix these' })).toContainText(
    'Not e-mail addresses: not an address',
  );
  await host.getByLabel('Invitees', { exact: true }).fill(`${invitee.email}\n${outside}`);
  await host.getByLabel('Repeats').selectOption('weekly');
  await host.getByLabel('Series ends').selectOption('count');
  await host.getByLabel('Times').fill('3');
  await host.getByRole('button', { name: 'Schedule' }).click();

  await expect(host.getByRole('heading', { name: 'Design review' })).toBeVisible();
  await expect(host.getByText(/^Repeats every week on .+ for 3 times$/)).toBeVisible();
  const join = host.getByRole('link', { name: 'Join the meeting' });
  await expect(join).toHaveAttribute(
    'href',
    new RegExp(`^/meet/[0-9a-f-]{36}\\?org=${owner.orgId}$`),
  );
  const invitees = host.getByRole('list', { name: 'Invitees' });
  await expect(invitees.getByTestId('invitee')).toHaveCount(3);
  await expect(invitees.getByTestId('invitee').filter({ hasText: 'Ivo Invitee' })).toContainText(
    'No answer yet',
  );
  await expect(invitees.getByTestId('invitee').filter({ hasText: outside })).toContainText(
    'outside the organisation',
  );

  // A guest link: the secret is made here, in the fragment.
  await host.getByRole('button', { name: 'Make a guest link' }).click();
  await expect(host.getByLabel('Guest link')).toHaveValue(
    /\/meet\/[0-9a-f-]{36}#k=[A-Za-z0-9_-]{43}$/,
  );

  // The outsider's invitation carries the lobby link, no secret, and says so.
  const mail = await waitForMail(request, outside, /^Invitation: Design review/);
  expect(mail.text).toMatch(/\/join\/[0-9a-f-]{36}\n/);
  expect(mail.text).not.toMatch(/#k=/);
  expect(mail.text).toContain("does not contain the meeting's guest link secret");

  // The invitee finds it on the agenda, opens it, and accepts.
  const guestPage = await signedIn(browser, baseURL!, invitee);
  await guestPage.goto(`/orgs/${owner.orgId}/meetings`);
  const item = guestPage.getByTestId('agenda-item').filter({ hasText: 'Design review' }).first();
  await expect(item.getByRole('link', { name: 'Join Design review' })).toBeVisible();
  await item.getByRole('link', { name: 'Design review', exact: true }).click();
  await guestPage
    .getByRole('group', { name: 'Your answer' })
    .getByRole('button', { name: 'Accept' })
    .click();
  await expect(guestPage.getByText('You answered: Accepted.').first()).toBeVisible();

  await host.reload();
  await expect(
    host
      .getByRole('list', { name: 'Invitees' })
      .getByTestId('invitee')
      .filter({ hasText: 'Ivo Invitee' }),
  ).toContainText('Accepted');
  await host.context().close();
  await guestPage.context().close();
});

/** Opens the control channel from the page and keeps what arrives on `window.__control`. */
async function openControl(page: Page, path: string): Promise<void> {
  await page.evaluate(async (url) => {
    const state = {
      messages: [] as { type: string }[],
      closed: null as null | { code: number; reason: string },
    };
    (window as unknown as { __control: typeof state & { socket: WebSocket } }).__control =
      Object.assign(state, {
        socket: new WebSocket(`${location.origin.replace(/^http/, 'ws')}${url}`),
      });
    const control = (window as unknown as { __control: typeof state & { socket: WebSocket } })
      .__control;
    control.socket.onmessage = (event) =>
      control.messages.push(JSON.parse(String(event.data)) as { type: string });
    control.socket.onclose = (event) =>
      (control.closed = { code: event.code, reason: event.reason });
    await new Promise((resolve, reject) => {
      control.socket.onopen = resolve;
      control.socket.onerror = reject;
    });
  }, path);
}

async function sendControl(page: Page, message: object): Promise<void> {
  await page.evaluate((m) => {
    (window as unknown as { __control: { socket: WebSocket } }).__control.socket.send(
      JSON.stringify(m),
    );
  }, message);
}

async function messages(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(
    () =>
      (window as unknown as { __control: { messages: Record<string, unknown>[] } }).__control
        .messages,
  );
}

async function closedWith(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      (window as unknown as { __control: { closed: { code: number } | null } }).__control.closed
        ?.code ?? null,
  );
}

async function message(
  page: Page,
  predicate: (m: Record<string, unknown>) => boolean,
  what: string,
) {
  await expect
    .poll(async () => (await messages(page)).some(predicate), {
      message: what,
      intervals: [50, 100, 250],
    })
    .toBe(true);
}

test('control channel: presence and an opaque relay between two signed-in browsers, and a clear error for someone outside the meeting', async ({
  browser,
  request,
  baseURL,
}) => {
  const owner = await seedOrg(request, { displayName: 'Hana Host' });
  const member = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Mo Member',
  });
  const [a, b] = await Promise.all([
    signedIn(browser, baseURL!, owner),
    signedIn(browser, baseURL!, member),
  ]);
  const meeting = await createMeeting(a, owner.orgId);
  const path = `/api/meetings/${meeting.id}/control`;

  await openControl(a, path);
  await message(a, (m) => m.type === 'welcome' && m.status === 'admitted', 'host welcomed');
  await openControl(b, path);
  await message(b, (m) => m.type === 'welcome', 'member welcomed');
  await message(a, (m) => m.type === 'participant-joined', 'host sees the member join');
  const joined = (await messages(a)).find((m) => m.type === 'participant-joined') as {
    participant: { id: string; displayName: string; identity: unknown };
  };
  expect(joined.participant).toMatchObject({ id: member.userId, displayName: 'Mo Member' });
  expect(joined.participant.identity).not.toBeNull();

  await sendControl(a, {
    type: 'relay',
    to: member.userId,
    channel: 'sender-key',
    payload: '{"box":"not-readable-by-the-server"}',
    id: 'k1',
  });
  await message(
    b,
    (m) =>
      m.type === 'relay' &&
      m.from === owner.userId &&
      m.payload === '{"box":"not-readable-by-the-server"}',
    'relay delivered',
  );
  await sendControl(b, {
    type: 'relay',
    to: '00000000-0000-4000-8000-000000000000',
    channel: 'chat',
    payload: 'x',
    id: 'k2',
  });
  await message(
    b,
    (m) => m.type === 'error' && m.code === 'recipient_not_in_meeting' && m.ref === 'k2',
    'error for an outsider',
  );
  await sendControl(b, { type: 'teleport' });
  await message(
    b,
    (m) => m.type === 'error' && m.code === 'unknown_type',
    'error for an unknown type',
  );

  const log = await request.get(`/api/test/meetings/relay-log?meetingId=${meeting.id}`);
  const { entries } = (await log.json()) as {
    entries: { from: string; to: string; outcome: string }[];
  };
  expect(entries).toEqual([
    expect.objectContaining({ from: owner.userId, to: member.userId, outcome: 'delivered' }),
  ]);
  expect(JSON.stringify(entries)).not.toContain('not-readable-by-the-server');

  await sendControl(b, { type: 'leave' });
  await message(
    a,
    (m) => m.type === 'participant-left' && m.participantId === member.userId,
    'host sees the member leave',
  );
  await a.context().close();
  await b.context().close();
});

test('lobby: a host admits one guest and denies another; only the admitted one gets a media token', async ({
  browser,
  request,
  baseURL,
}) => {
  const owner = await seedOrg(request, { displayName: 'Hana Host' });
  const host = await signedIn(browser, baseURL!, owner);
  const meeting = await createMeeting(host, owner.orgId, { guests: 'lobby' });
  await openControl(host, `/api/meetings/${meeting.id}/control`);
  await message(host, (m) => m.type === 'welcome', 'host welcomed');

  async function guest(name: string): Promise<{ page: Page; guestId: string; ticket: string }> {
    const context = await browser.newContext({ baseURL: baseURL! });
    const page = await context.newPage();
    await page.goto(`/join/${meeting.id}`);
    await expect(page.getByRole('heading', { name: 'Meeting' })).toBeVisible();
    await expect(page.getByText(/does not contain the meeting’s guest link secret/)).toBeVisible();
    const knock = await page.evaluate(
      async ({ id, displayName }) => {
        const csrf = /(?:^|; )conclave_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
        const response = await fetch(`/api/meetings/${id}/lobby`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
          body: JSON.stringify({ displayName }),
        });
        return (await response.json()) as { ticket: string; guestId: string };
      },
      { id: meeting.id, displayName: name },
    );
    await openControl(
      page,
      `/api/meetings/${meeting.id}/control?ticket=${encodeURIComponent(knock.ticket)}`,
    );
    await message(
      page,
      (m) => m.type === 'welcome' && m.status === 'lobby',
      `${name} waits in the lobby`,
    );
    await message(
      host,
      (m) => m.type === 'lobby-joined' && (m.entry as { id: string }).id === knock.guestId,
      `host sees ${name}`,
    );
    return { page, ...knock };
  }

  async function guestToken(page: Page, ticket: string): Promise<number> {
    return page.evaluate(
      async ({ id, ticket: value }) => {
        const csrf = /(?:^|; )conclave_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
        const response = await fetch(`/api/meetings/${id}/guest-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
          body: JSON.stringify({ ticket: value }),
        });
        return response.status;
      },
      { id: meeting.id, ticket },
    );
  }

  const gina = await guest('Gina Guest');
  const walt = await guest('Walt Wrong');
  expect(await guestToken(gina.page, gina.ticket)).toBe(403);

  await sendControl(host, { type: 'admit', participantId: gina.guestId });
  await message(gina.page, (m) => m.type === 'admitted', 'Gina admitted');
  await message(
    host,
    (m) => m.type === 'participant-joined' && (m.participant as { id: string }).id === gina.guestId,
    'host sees Gina in the room',
  );
  expect(await guestToken(gina.page, gina.ticket)).toBe(200);

  await sendControl(host, {
    type: 'deny',
    participantId: walt.guestId,
    reason: 'Not expected today',
  });
  await message(
    walt.page,
    (m) => m.type === 'denied' && m.reason === 'Not expected today',
    'Walt told',
  );
  await expect.poll(() => closedWith(walt.page)).toBe(4412);
  await message(
    host,
    (m) => m.type === 'lobby-left' && m.participantId === walt.guestId && m.outcome === 'denied',
    'host sees the denial',
  );
  expect(await guestToken(walt.page, walt.ticket)).toBe(403);
  for (const page of [host, gina.page, walt.page]) await page.context().close();
});
