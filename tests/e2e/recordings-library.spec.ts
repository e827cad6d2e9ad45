import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from '@playwright/test';
import { seedMember, seedOrg, signIn, type SeededUser } from '../support/accounts';
import { expect, test } from '../support/fixtures';
import { seedRecording, testWebm } from '../support/recordings';

/**
 * The recordings library as a person uses it, on a real recording: made from a real WebM
 * (ffmpeg), encrypted, signed and uploaded through the real API by the Node-side factory
 * (tests/support/recordings.ts), then listed, played, verified, downloaded, shared and deleted
 * in Chromium, where all decryption happens.
 */

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function browserFor(browser: Browser, baseURL: string, user: SeededUser): Promise<Page> {
  const context = await browser.newContext({ baseURL, acceptDownloads: true });
  // Downloads take the Blob path: the File System Access picker is a native dialog that an
  // automated browser cannot answer (docs/recording.md says which browsers stream to disk).
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  const page = await context.newPage();
  await signIn(page, user, { keep: true });
  return page;
}

async function playAndVerify(page: Page, recorderName: string, seconds: number) {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  const video = page.getByLabel('Recording playback');
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), {
      message: 'the video plays past 1 s',
      timeout: 20_000,
    })
    .toBeGreaterThan(1);
  await expect(page.getByTestId('recording-verdict')).toContainText(
    `Verified: recorded by ${recorderName}, 1 consent`,
    { timeout: 20_000 },
  );
  const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
  expect(Math.abs(duration - seconds)).toBeLessThan(0.5);
}

test('a recording is listed, played, verified, downloaded and deleted', async ({
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(180_000);
  const owner = await seedOrg(request, { displayName: 'Rita Recorder' });
  const colleague = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Ben Berg',
  });
  const webm = testWebm(10);
  const seeded = await seedRecording({
    baseURL: baseURL!,
    orgId: owner.orgId,
    recorder: owner,
    realTimeSeconds: 10,
    webm,
  });
  expect(seeded.plaintextSha256).toBe(sha256(webm));

  const page = await browserFor(browser, baseURL!, owner);
  await page.goto(`/orgs/${owner.orgId}/recordings`);
  await expect(page.getByRole('link', { name: 'Recordings', exact: true })).toBeVisible();
  const row = page.locator(`tr[data-recording-id="${seeded.recordingId}"]`);
  await expect(row).toContainText(seeded.meetingTitle);
  await expect(row).toContainText('Complete');
  await expect(row).toContainText('Rita Recorder');
  await expect(row).toContainText('Explicit consent (1 accepted)');
  // The API's duration is wall-clock (envelope stored to seal), here ≈ the 10 s upload.
  await expect(row).toContainText(/0:(0[5-9]|1[0-3])/);
  await expect(row).toContainText('You can open it');

  // Keyboard: the meeting's link takes focus and Enter opens the recording.
  await row.getByRole('link', { name: seeded.meetingTitle }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/recordings/${seeded.recordingId}`);
  await expect(page.getByRole('heading', { name: seeded.meetingTitle })).toBeVisible();
  await expect(page.getByText('Rita Recorder (recorder)')).toBeVisible();

  await playAndVerify(page, 'Rita Recorder', 10);

  // Download: the decrypted file is byte for byte what the recorder's MediaRecorder made.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download .webm' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.webm$/);
  expect(sha256(await readFile(await download.path()))).toBe(seeded.plaintextSha256);
  await expect(page.getByText(/Downloaded .* as .*\.webm/)).toBeVisible();

  // Before it is shared, a member who holds no key does not even see it.
  const other = await browserFor(browser, baseURL!, colleague);
  await other.goto(`/orgs/${owner.orgId}/recordings`);
  await expect(other.getByText('No recordings yet')).toBeVisible();
  await other.goto(`/orgs/${owner.orgId}/recordings/${seeded.recordingId}`);
  await expect(other.getByRole('alert').filter({ hasText: 'not shared with you' })).toBeVisible();

  // Delete, with its confirmation step.
  await page.getByRole('button', { name: 'Delete recording…' }).click();
  await page.getByRole('button', { name: 'Delete for everyone' }).click();
  await page.waitForURL(`**/orgs/${owner.orgId}/recordings?deleted=1`);
  await expect(page.locator(`tr[data-recording-id="${seeded.recordingId}"]`)).toHaveCount(0);
  await expect(page.getByText('The recording was deleted.')).toBeVisible();
  await expect(page.getByText('No recordings yet')).toBeVisible();

  await other.reload();
  await expect(other.getByRole('alert').filter({ hasText: /no such recording/i })).toBeVisible();
  await page.context().close();
  await other.context().close();
});

// Sharing: the recording key is sealed to the member's key in the sharer's browser.
test('a recording shared with a member opens in their browser', async ({
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(180_000);
  const owner = await seedOrg(request, { displayName: 'Rita Recorder' });
  const colleague = await seedMember(request, {
    orgId: owner.orgId,
    role: 'member',
    displayName: 'Ben Berg',
  });
  const seeded = await seedRecording({
    baseURL: baseURL!,
    orgId: owner.orgId,
    recorder: owner,
    webm: testWebm(10),
  });
  const page = await browserFor(browser, baseURL!, owner);
  await page.goto(`/orgs/${owner.orgId}/recordings/${seeded.recordingId}`);
  const other = await browserFor(browser, baseURL!, colleague);
  await other.goto(`/orgs/${owner.orgId}/recordings/${seeded.recordingId}`);
  await expect(other.getByRole('alert').filter({ hasText: 'not shared with you' })).toBeVisible();

  // Share: the recording key is sealed to Ben's key in Rita's browser and the grant signed.
  await page
    .getByLabel('Member', { exact: true })
    .selectOption({ label: `Ben Berg (${colleague.email})` });
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(page.getByText('Shared with Ben Berg. They can open it now.')).toBeVisible();
  await expect(page.getByText('Ben Berg (shared)')).toBeVisible();

  await other.reload();
  await playAndVerify(other, 'Rita Recorder', 10);
  await page.context().close();
  await other.context().close();
});
