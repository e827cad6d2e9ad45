import { coverCrop, layoutTiles, type RecordingLayout } from './layout';

/**
 * Composes the tracks of the participants in the recording into one stream (browser only):
 * a canvas for pictures (grid or speaker layout, redrawn at a fixed rate) and a Web Audio mix
 * for sound. It is given decrypted tracks only, and only of participants the recording may
 * include (`setSources`); anyone not in the latest call is removed at once, picture and
 * sound. Audio-only recordings have no canvas.
 */

export interface CompositionSource {
  /** The participant (room identity). */
  id: string;
  name: string;
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
}

export interface CompositorOptions {
  mode: 'video' | 'audio';
  layout?: RecordingLayout;
  width?: number;
  height?: number;
  frameRate?: number;
}

interface VideoEntry {
  track: MediaStreamTrack;
  element: HTMLVideoElement;
}

interface AudioEntry {
  track: MediaStreamTrack;
  node: MediaStreamAudioSourceNode;
}

export class MediaCompositor {
  private readonly audioContext: AudioContext;
  private readonly destination: MediaStreamAudioDestinationNode;
  private readonly canvas: HTMLCanvasElement | null = null;
  private readonly context2d: CanvasRenderingContext2D | null = null;
  private readonly output: MediaStream;
  private readonly videoTrack: CanvasCaptureMediaStreamTrack | null = null;
  private readonly videos = new Map<string, VideoEntry>();
  private readonly audios = new Map<string, AudioEntry>();
  private sources: CompositionSource[] = [];
  private speakerId: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly width: number;
  private readonly height: number;
  private readonly layout: RecordingLayout;

  constructor(private readonly options: CompositorOptions) {
    this.width = options.width ?? 960;
    this.height = options.height ?? 540;
    this.layout = options.layout ?? 'grid';
    this.audioContext = new AudioContext();
    this.destination = this.audioContext.createMediaStreamDestination();
    const tracks: MediaStreamTrack[] = [...this.destination.stream.getAudioTracks()];
    if (options.mode === 'video') {
      const canvas = document.createElement('canvas');
      canvas.width = this.width;
      canvas.height = this.height;
      this.canvas = canvas;
      this.context2d = canvas.getContext('2d', { alpha: false });
      const frameRate = options.frameRate ?? 15;
      // Frames are requested after each draw (captureStream(0)): with an automatic rate,
      // headless Chromium under load emitted frames far faster than drawn, with timestamps
      // that ran ahead of the clock.
      const [video] = canvas.captureStream(0).getVideoTracks();
      if (video) {
        this.videoTrack = video as CanvasCaptureMediaStreamTrack;
        tracks.unshift(video);
      }
      this.draw();
      this.timer = setInterval(() => this.draw(), Math.round(1000 / frameRate));
    }
    this.output = new MediaStream(tracks);
  }

  /** The composed stream for MediaRecorder. */
  stream(): MediaStream {
    return this.output;
  }

  async resume(): Promise<void> {
    if (this.audioContext.state === 'suspended') await this.audioContext.resume();
  }

  /** Exactly these participants, with these tracks, are in the recording from now on. */
  setSources(sources: CompositionSource[]): void {
    this.sources = sources;
    const wanted = new Map(sources.map((s) => [s.id, s]));
    for (const [id, entry] of this.audios) {
      if (wanted.get(id)?.audio !== entry.track) {
        entry.node.disconnect();
        this.audios.delete(id);
      }
    }
    for (const [id, entry] of this.videos) {
      if (wanted.get(id)?.video !== entry.track || this.options.mode === 'audio') {
        entry.element.srcObject = null;
        this.videos.delete(id);
      }
    }
    for (const source of sources) {
      if (source.audio && !this.audios.has(source.id)) {
        const node = this.audioContext.createMediaStreamSource(new MediaStream([source.audio]));
        node.connect(this.destination);
        this.audios.set(source.id, { track: source.audio, node });
      }
      if (this.options.mode === 'video' && source.video && !this.videos.has(source.id)) {
        const element = document.createElement('video');
        element.muted = true;
        element.playsInline = true;
        element.srcObject = new MediaStream([source.video]);
        void element.play().catch(() => undefined);
        this.videos.set(source.id, { track: source.video, element });
      }
    }
  }

  setSpeaker(id: string | null): void {
    this.speakerId = id;
  }

  dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.setSources([]);
    for (const track of this.output.getTracks()) track.stop();
    void this.audioContext.close().catch(() => undefined);
  }

  private draw(): void {
    const ctx = this.context2d;
    if (!ctx) return;
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, this.width, this.height);
    const tiles = layoutTiles(
      this.sources.map((s) => s.id),
      this.width,
      this.height,
      this.layout,
      this.speakerId,
    );
    for (const tile of tiles) {
      const source = this.sources.find((s) => s.id === tile.id);
      const element = this.videos.get(tile.id)?.element;
      const live = element && element.readyState >= 2 && element.videoWidth > 0;
      if (live) {
        const crop = coverCrop(element.videoWidth, element.videoHeight, tile);
        ctx.drawImage(
          element,
          crop.sx,
          crop.sy,
          crop.sw,
          crop.sh,
          tile.x,
          tile.y,
          tile.width,
          tile.height,
        );
      } else {
        ctx.fillStyle = '#1e293b';
        ctx.fillRect(tile.x, tile.y, tile.width, tile.height);
      }
      if (source) {
        ctx.font = '20px sans-serif';
        ctx.fillStyle = 'rgba(0,0,0,0.6)';
        const label = source.name.slice(0, 60);
        const labelWidth = ctx.measureText(label).width + 16;
        ctx.fillRect(tile.x, tile.y + tile.height - 32, labelWidth, 32);
        ctx.fillStyle = '#ffffff';
        ctx.fillText(label, tile.x + 8, tile.y + tile.height - 10);
      }
    }
    this.videoTrack?.requestFrame();
  }
}
