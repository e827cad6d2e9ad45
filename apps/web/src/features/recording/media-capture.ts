import type { MediaCapture } from './encrypting-recorder';

/** The WebM types tried in order; the first MediaRecorder supports is used. */
const VIDEO_TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];
const AUDIO_TYPES = ['audio/webm;codecs=opus', 'audio/webm'];

/** What this browser's MediaRecorder can make for the mode, or null when it cannot record. */
export function pickMimeType(
  mode: 'video' | 'audio',
  isTypeSupported: (type: string) => boolean = (type) =>
    typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(type),
): string | null {
  return (mode === 'video' ? VIDEO_TYPES : AUDIO_TYPES).find((t) => isTypeSupported(t)) ?? null;
}

/** MediaRecorder asks for a piece this often; the recorder's flush decides what is sent. */
const TIMESLICE_MS = 1_000;

/**
 * MediaRecorder over the composed stream, as a MediaCapture: WebM pieces every second, turned
 * into bytes in order (Blob.arrayBuffer is asynchronous, so each waits for the one before).
 */
export class MediaRecorderCapture implements MediaCapture {
  private recorder: MediaRecorder | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stream: MediaStream,
    readonly mimeType: string,
  ) {}

  start(onData: (bytes: Uint8Array) => void, onError: (error: Error) => void): void {
    const recorder = new MediaRecorder(this.stream, {
      mimeType: this.mimeType,
      videoBitsPerSecond: 1_500_000,
      audioBitsPerSecond: 96_000,
    });
    this.recorder = recorder;
    recorder.ondataavailable = (event) => {
      const blob = event.data;
      if (blob.size === 0) return;
      this.chain = this.chain.then(async () => onData(new Uint8Array(await blob.arrayBuffer())));
      this.chain.catch((error: unknown) =>
        onError(error instanceof Error ? error : new Error(String(error))),
      );
    };
    recorder.onerror = (event) => {
      const error = (event as Event & { error?: { message?: string } }).error;
      onError(new Error(`The browser stopped recording: ${error?.message ?? 'unknown error'}`));
    };
    recorder.start(TIMESLICE_MS);
  }

  async stop(): Promise<void> {
    const recorder = this.recorder;
    this.recorder = null;
    if (recorder && recorder.state !== 'inactive') {
      await new Promise<void>((resolve) => {
        recorder.addEventListener('stop', () => resolve(), { once: true });
        recorder.stop();
      });
    }
    await this.chain.catch(() => undefined);
  }
}
