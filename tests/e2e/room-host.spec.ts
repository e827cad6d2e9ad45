import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { expect, test } from '../support/fixtures';
import { SERVER_LOG } from '../support/global-setup';
import {
  createMeeting,
  expectAllDecode,
  expectKeyed,
  joinRoom,
  POLL,
  remoteStats,
  seedRoomOrg,
  signedInPages,
} from '../support/room';

/** Every row of every table of the database under test, as text. */
async function databaseText(): Promise<string> {
  const connectionString = process.env.CONCLAVE_E2E_DATABASE_URL;
  if (!connectionString) throw new Error('CONCLAVE_E2E_DATABASE_URL is not set by the setup');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${table_name}"`);
      parts.push(JSON.stringify(rows.rows));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

test('chat, screen share and host controls: encrypted chat among three, the server stores no chat text; screen share reaches the others; the host removes one and ends the meeting for all', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const org = await seedRoomOrg(request, 2);
  const pages = await signedInPages(browser, baseURL!, [org.owner, ...org.members]);
  const [host, ben, cleo] = pages as [(typeof pages)[0], (typeof pages)[0], (typeof pages)[0]];
  const meeting = await createMeeting(host, org.orgId);
  const path = `/meet/${meeting.id}?org=${org.orgId}`;
  await Promise.all(pages.map((page) => joinRoom(page, path)));
  const ids = [org.owner, ...org.members].map((user) => user.userId);
  await expectKeyed(pages);

  // Chat round trip: each of the three writes, everyone reads all three in order.
  const marker = `nebula-${Math.random().toString(36).slice(2, 10)}`;
  const lines = [
    `${marker} from Hana: the budget is 42`,
    `${marker} from Ben: agreed`,
    `${marker} from Cleo: ship it`,
  ];
  for (const page of pages) await page.getByRole('button', { name: /^Chat/ }).click();
  for (const [i, page] of pages.entries()) {
    await page.getByRole('textbox', { name: 'Message' }).fill(lines[i]!);
    await page.getByRole('button', { name: 'Send' }).click();
    for (const reader of pages) {
      await expect(reader.getByRole('list', { name: 'Chat messages' })).toContainText(lines[i]!);
    }
  }
  for (const page of pages) {
    const texts = await page
      .getByRole('list', { name: 'Chat messages' })
      .getByRole('listitem')
      .allInnerTexts();
    expect(texts.map((text) => lines.findIndex((line) => text.includes(line)))).toEqual([0, 1, 2]);
  }
  // The server relayed sealed bytes only: neither its log nor its database holds the text.
  expect(await readFile(SERVER_LOG, 'utf8')).not.toContain(marker);
  expect(await databaseText()).not.toContain(marker);

  // Screen share: Ben shares, Hana and Cleo decode it.
  await ben.getByRole('button', { name: 'Share screen' }).click();
  for (const viewer of [host, cleo]) {
    await expect
      .poll(
        async () =>
          (await remoteStats(viewer))
            .filter((s) => s.identity === ids[1] && s.source === 'screen_share')
            .reduce((sum, s) => sum + s.framesDecoded, 0),
        { intervals: POLL, timeout: 30_000, message: 'the screen share decodes' },
      )
      .toBeGreaterThan(5);
  }
  await ben.getByRole('button', { name: 'Stop screen share' }).click();

  // The host removes Cleo.
  await host.getByRole('button', { name: /^People/ }).click();
  await host.getByRole('button', { name: 'Remove Cleo Chan' }).click();
  await expect(cleo.getByTestId('room-ended')).toHaveAttribute('data-phase', 'removed');
  await expect(cleo.getByText('You were removed from the meeting')).toBeVisible();
  await expect(host.getByRole('list', { name: 'Participants' }).getByRole('listitem')).toHaveCount(
    2,
  );
  await expectAllDecode([host, ben], ids.slice(0, 2));

  // The host ends the meeting for everyone.
  host.once('dialog', (dialog) => void dialog.accept());
  await host.getByRole('button', { name: 'End for all' }).click();
  for (const page of [host, ben]) {
    await expect(page.getByTestId('room-ended')).toHaveAttribute('data-phase', 'ended');
  }
  await expect(ben.getByText('The meeting has ended')).toBeVisible();
  await Promise.all(pages.map((page) => page.context().close()));
});
