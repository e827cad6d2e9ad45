import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import type {
  DecodedKeyframe,
  JoinOptions,
  ParticipantView,
  ReceivedData,
  RemoteTrackStats,
} from '../page/client';

import { API_KEY, API_SECRET } from './credentials';

export { API_KEY, API_SECRET };

export async function joinToken(
  identity: string,
  room: string,
  grant: Partial<VideoGrant> = {},
  extra: { name?: string; metadata?: string } = {},
): Promise<string> {
  const token = new AccessToken(API_KEY, API_SECRET, { identity, ttl: '10m', ...extra });
  token.addGrant({ roomJoin: true, room, canUpdateOwnMetadata: true, ...grant });
  return token.toJwt();
}

/** One browser context with the test page, driving livekit-client through `window.lkTest`. */
export class TestParticipant {
  private constructor(
    readonly identity: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, pageUrl: string, identity: string): Promise<TestParticipant> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[${identity}] page error: ${error.message}`));
    await page.goto(pageUrl);
    await page.waitForFunction(() => typeof window.lkTest === 'object');
    return new TestParticipant(identity, context, page);
  }

  join(options: JoinOptions): Promise<{ identity: string; sid: string; serverVersion: string }> {
    return this.page.evaluate((o) => window.lkTest.join(o), options);
  }

  /** Joins expecting a refusal; returns the error the client reports. */
  async joinExpectingError(options: JoinOptions): Promise<string> {
    await this.page.evaluate(
      (o) =>
        window.lkTest.join(o).then(
          () => undefined,
          () => undefined,
        ),
      options,
    );
    return (await this.page.evaluate(() => window.lkTest.lastError())) ?? '';
  }

  remoteStats(): Promise<RemoteTrackStats[]> {
    return this.page.evaluate(() => window.lkTest.remoteStats());
  }

  participants(): Promise<ParticipantView[]> {
    return this.page.evaluate(() => window.lkTest.participants());
  }

  received(): Promise<ReceivedData[]> {
    return this.page.evaluate(() => window.lkTest.received());
  }

  sendData(
    text: string,
    options: { reliable: boolean; destinationIdentities?: string[]; topic?: string },
  ): Promise<void> {
    return this.page.evaluate(([t, o]) => window.lkTest.sendData(t, o), [text, options] as const);
  }

  publishScreenShare(width: number, height: number): Promise<string> {
    return this.page.evaluate(([w, h]) => window.lkTest.publishScreenShare(w, h), [
      width,
      height,
    ] as const);
  }

  unpublishScreenShare(): Promise<void> {
    return this.page.evaluate(() => window.lkTest.unpublishScreenShare());
  }

  setMetadata(metadata: string): Promise<void> {
    return this.page.evaluate((m) => window.lkTest.setMetadata(m), metadata);
  }

  decodeVp8Keyframe(base64: string, passphrase?: string): Promise<DecodedKeyframe> {
    return this.page.evaluate(([b, p]) => window.lkTest.decodeVp8Keyframe(b, p), [
      base64,
      passphrase,
    ] as const);
  }

  setCameraQuality(identity: string, quality: 'low' | 'medium' | 'high'): Promise<void> {
    return this.page.evaluate(([i, q]) => window.lkTest.setCameraQuality(i, q), [
      identity,
      quality,
    ] as const);
  }

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.page.evaluate((e) => window.lkTest.setMicrophoneEnabled(e), enabled);
  }

  /** Size of the frames this participant currently decodes from someone's camera. */
  async cameraSize(identity: string): Promise<string> {
    const camera = (await this.remoteStats()).find(
      (s) => s.participant === identity && s.source === 'camera',
    );
    return camera ? `${camera.frameWidth}x${camera.frameHeight}` : 'none';
  }

  disconnectReason(): Promise<string | undefined> {
    return this.page.evaluate(() => window.lkTest.disconnectReason());
  }

  leave(): Promise<void> {
    return this.page.evaluate(() => window.lkTest.leave());
  }

  close(): Promise<void> {
    return this.context.close();
  }

  /**
   * Waits until this participant decodes video (at the given size) and audio from each of
   * the others: frames decoded > 0 at the published size, and audio samples that came from
   * the decoder rather than from concealment.
   */
  async expectDecodes(
    others: string[],
    size: { width: number; height: number },
    timeout = 20_000,
  ): Promise<void> {
    await expect
      .poll(
        async () => {
          const stats = await this.remoteStats();
          return others.map((identity) => {
            const camera = stats.find((s) => s.participant === identity && s.source === 'camera');
            const microphone = stats.find(
              (s) => s.participant === identity && s.source === 'microphone',
            );
            const videoOk =
              !!camera &&
              camera.framesDecoded > 0 &&
              camera.frameWidth === size.width &&
              camera.frameHeight === size.height;
            const audioOk = !!microphone && microphone.decodedSamples > 4800;
            return `${identity}: video ${videoOk ? 'ok' : JSON.stringify(camera ?? null)}, audio ${audioOk ? 'ok' : JSON.stringify(microphone ?? null)}`;
          });
        },
        { timeout, message: `${this.identity} decodes ${others.join(', ')}` },
      )
      .toEqual(others.map((identity) => `${identity}: video ok, audio ok`));
  }
}
