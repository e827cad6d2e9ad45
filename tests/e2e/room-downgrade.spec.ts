import type { WebSocketRoute } from '@playwright/test';
import { expect, test } from '../support/fixtures';
import {
  createMeeting,
  joinRoom,
  POLL,
  remoteStats,
  roomView,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

/**
 * A meeting shown as end-to-end encrypted on the pre-join screen is never joined in the clear,
 * whatever the server says afterwards (issue 13, high 1). The lying server is played by
 * Playwright rewriting the server's own answers on their way to the page: the token response,
 * and the control channel's welcome after a reconnect.
 */

test('the token response says "not encrypted" for a meeting shown as encrypted: the room stops, says why, and publishes nothing', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const org = await seedRoomOrg(request, 1);
  const [ana, ben] = await signedInPages(browser, baseURL!, [org.owner, org.members[0]!]);
  const meeting = await createMeeting(ana!, org.orgId, { e2ee: true });
  await joinRoom(ben!, `/meet/${meeting.id}?org=${org.orgId}`);

  let lied = 0;
  await ana!.route(`**/api/orgs/*/meetings/${meeting.id}/token`, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Record<string, unknown>;
    lied += 1;
    await route.fulfill({ response, json: { ...body, e2ee: false } });
  });
  await ana!.goto(`/meet/${meeting.id}?org=${org.orgId}`);
  await expect(ana!.getByTestId('prejoin-e2ee')).toHaveAttribute('data-e2ee', 'on');
  await ana!.getByRole('button', { name: 'Join meeting' }).click();

  const ended = ana!.getByTestId('room-ended');
  await expect(ended).toHaveAttribute('data-phase', 'failed', { timeout: 30_000 });
  await expect(ended).toContainText(
    'This meeting was shown to you as end-to-end encrypted, but the server answered that it is not',
  );
  await expect(ended).toContainText('Nothing was sent without encryption');
  expect(lied).toBe(1);
  // Ana's browser never made a media connection: Ben sees her on no track.
  expect((await remoteStats(ben!)).filter((s) => s.identity === org.owner.userId)).toEqual([]);
  await Promise.all([ana!, ben!].map((page) => page.context().close()));
});

test('after a reconnect the control channel says "not encrypted": the room stops and says why', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const org = await seedRoomOrg(request, 0);
  const [ana] = await signedInPages(browser, baseURL!, [org.owner]);
  const meeting = await createMeeting(ana!, org.orgId, { e2ee: true });

  const connections: WebSocketRoute[] = [];
  await ana!.routeWebSocket(/\/control(\?|$)/, (ws) => {
    const index = connections.push(ws);
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (index > 1 && typeof message === 'string') {
        const parsed = JSON.parse(message) as { type: string; meeting?: { e2ee: boolean } };
        if (parsed.type === 'welcome' && parsed.meeting) parsed.meeting.e2ee = false;
        ws.send(JSON.stringify(parsed));
        return;
      }
      ws.send(message);
    });
    ws.onMessage((message) => server.send(message));
  });
  await joinRoom(ana!, `/meet/${meeting.id}?org=${org.orgId}`);
  await expect
    .poll(async () => (await roomView(ana!)).myKey?.activeKeyIndex ?? null, { intervals: POLL })
    .not.toBeNull();

  // The network drops the control channel; the client reconnects and gets the lying welcome.
  await connections[0]!.close({ code: 4000, reason: 'network drop (test)' });
  const ended = ana!.getByTestId('room-ended');
  await expect(ended).toHaveAttribute('data-phase', 'failed', { timeout: 30_000 });
  await expect(ended).toContainText('after connecting, the server reported that it no longer is');
  expect(connections.length).toBeGreaterThan(1);
  await ana!.context().close();
});
