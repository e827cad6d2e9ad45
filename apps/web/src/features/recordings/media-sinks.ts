import type { PlaintextSink } from './decrypt-stream';

/**
 * Where decrypted chunks go in the browser (the pipeline itself is in decrypt-stream.ts).
 *
 * Playback uses Media Source Extensions: each decrypted chunk is appended to a SourceBuffer
 * as it comes, so the page never holds the whole file. Why MSE and not a service worker that
 * serves decrypted bytes to `<video src>`: MediaRecorder's WebM is a live stream without
 * Cues or duration, and the recorder flushes short chunks every few seconds, so a plaintext
 * byte offset cannot be mapped to a ciphertext record without reading everything before it;
 * Chromium's media element asks a `src` for byte ranges, which a worker could only answer by
 * decrypting from the start again. MSE takes the stream in order, which is exactly what the
 * format gives, parses live WebM (unknown-size segments and clusters) incrementally, and
 * Chromium evicts played media from the SourceBuffer itself; when the buffer is full the
 * append waits for playback to move on, which holds the download back (back-pressure through
 * the pipeline) instead of growing memory. The cost: seeking backwards beyond what is still
 * buffered in a long recording needs opening it again (download it to seek freely).
 */

/** `video/webm;codecs=vp8,opus` → `video/webm; codecs="vp8, opus"`, plus fallbacks. */
export function mediaSourceTypes(mimeType: string): string[] {
  const [base = '', ...params] = mimeType.split(';').map((p) => p.trim());
  const codecsParam = params.find((p) => p.toLowerCase().startsWith('codecs='));
  const codecs = codecsParam
    ?.slice('codecs='.length)
    .replace(/"/g, '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const types: string[] = [];
  if (codecs && codecs.length > 0) types.push(`${base}; codecs="${codecs.join(', ')}"`);
  if (base === 'video/webm') {
    types.push('video/webm; codecs="vp8, opus"', 'video/webm; codecs="vp9, opus"');
  } else if (base === 'audio/webm') {
    types.push('audio/webm; codecs="opus"');
  }
  return [...new Set(types)];
}

function once(target: EventTarget, event: string): Promise<void> {
  return new Promise((resolve) => target.addEventListener(event, () => resolve(), { once: true }));
}

/** Streams decrypted WebM into a `<video>` through a MediaSource. */
export class MediaSourceSink implements PlaintextSink {
  private readonly mediaSource = new MediaSource();
  private buffer: SourceBuffer | null = null;
  readonly url: string;

  private constructor(
    private readonly video: HTMLMediaElement,
    private readonly type: string,
  ) {
    this.url = URL.createObjectURL(this.mediaSource);
  }

  /** Null when this browser cannot play the recording's type through MSE. */
  static supportedType(mimeType: string): string | null {
    if (typeof MediaSource === 'undefined') return null;
    return mediaSourceTypes(mimeType).find((t) => MediaSource.isTypeSupported(t)) ?? null;
  }

  static async attach(
    video: HTMLMediaElement,
    mimeType: string,
    durationMs: number | null,
  ): Promise<MediaSourceSink> {
    const type = MediaSourceSink.supportedType(mimeType);
    if (!type) {
      throw new Error(
        `This browser cannot play ${mimeType} while decrypting. Download the recording and play it in a media player.`,
      );
    }
    const sink = new MediaSourceSink(video, type);
    const opened = once(sink.mediaSource, 'sourceopen');
    video.src = sink.url;
    await opened;
    sink.buffer = sink.mediaSource.addSourceBuffer(type);
    if (durationMs && durationMs > 0) sink.mediaSource.duration = durationMs / 1000;
    return sink;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const buffer = this.buffer;
    if (!buffer || this.mediaSource.readyState !== 'open') {
      throw new Error('the player was closed');
    }
    for (;;) {
      try {
        const done = once(buffer, 'updateend');
        buffer.appendBuffer(chunk as Uint8Array<ArrayBuffer>);
        await done;
        if (this.video.error)
          throw new Error(this.video.error.message || 'the media could not be decoded');
        return;
      } catch (caught) {
        if (!(caught instanceof DOMException) || caught.name !== 'QuotaExceededError') throw caught;
        await this.makeRoom(buffer);
      }
    }
  }

  /** Full buffer: drop what played more than 10 s ago, else wait for playback to move on. */
  private async makeRoom(buffer: SourceBuffer): Promise<void> {
    const keepFrom = this.video.currentTime - 10;
    if (buffer.buffered.length > 0 && buffer.buffered.start(0) < keepFrom) {
      const done = once(buffer, 'updateend');
      buffer.remove(0, keepFrom);
      await done;
      return;
    }
    await Promise.race([once(this.video, 'timeupdate'), once(this.video, 'seeking')]);
  }

  /** Ends the stream: the element's duration becomes what was appended. */
  async end(): Promise<void> {
    if (this.mediaSource.readyState !== 'open') return;
    if (this.buffer?.updating) await once(this.buffer, 'updateend');
    this.mediaSource.endOfStream();
  }

  dispose(): void {
    URL.revokeObjectURL(this.url);
  }
}

interface SaveFilePicker {
  showSaveFilePicker?: (options: {
    suggestedName: string;
    types: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<{
    createWritable(): Promise<{
      write(data: Uint8Array): Promise<void>;
      close(): Promise<void>;
      abort(): Promise<void>;
    }>;
  }>;
}

/**
 * Download to disk. Where the File System Access API exists (Chromium), decrypted chunks are
 * written to the file the person picked as they come; nothing is committed until close, and
 * a failed check discards it. Elsewhere the chunks are collected as Blob parts (the browser
 * may page large Blobs to disk, but the whole file passes through it) and offered as a link.
 */
export interface DownloadSink extends PlaintextSink {
  readonly kind: 'file' | 'blob';
  /** Keeps what was written (complete, or a truncated prefix that plays). */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export function fileSystemAccessAvailable(): boolean {
  return typeof (window as SaveFilePicker).showSaveFilePicker === 'function';
}

/** Asks where to save; null when the person cancelled the picker. */
export async function pickDownloadFile(
  fileName: string,
  mimeType: string,
): Promise<DownloadSink | null> {
  const picker = (window as SaveFilePicker).showSaveFilePicker;
  if (!picker) return blobDownload(fileName, mimeType);
  let handle;
  try {
    handle = await picker({
      suggestedName: fileName,
      types: [{ description: 'WebM recording', accept: { [mimeType.split(';')[0]!]: ['.webm'] } }],
    });
  } catch (caught) {
    if (caught instanceof DOMException && caught.name === 'AbortError') return null;
    throw caught;
  }
  const writable = await handle.createWritable();
  return {
    kind: 'file',
    write: (chunk) => writable.write(chunk),
    commit: () => writable.close(),
    discard: () => writable.abort(),
  };
}

export function blobDownload(fileName: string, mimeType: string): DownloadSink {
  let parts: Blob[] = [];
  const type = mimeType.split(';')[0]!;
  return {
    kind: 'blob',
    write(chunk) {
      parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
    },
    async commit() {
      const url = URL.createObjectURL(new Blob(parts, { type }));
      parts = [];
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      await Promise.resolve();
    },
    async discard() {
      parts = [];
      await Promise.resolve();
    },
  };
}
