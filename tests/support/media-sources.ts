import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium';
import { ARTIFACTS } from './global-setup';

/**
 * Distinct fake cameras and microphones, so a recording can be checked for who is in it:
 * each participant's Chromium is launched with its own solid-colour Y4M video and its own
 * tone (WAV), made once per run with ffmpeg; then the decoded recording's frames and sound
 * are measured with ffmpeg. Chromium loops both files.
 */

export interface FakeSource {
  name: string;
  /** RGB of the solid picture. */
  rgb: [number, number, number];
  /** Frequency of the tone, Hz. */
  toneHz: number;
}

export const RED: FakeSource = { name: 'red', rgb: [230, 20, 20], toneHz: 440 };
export const GREEN: FakeSource = { name: 'green', rgb: [20, 210, 20], toneHz: 1000 };
export const BLUE: FakeSource = { name: 'blue', rgb: [20, 20, 230], toneHz: 2500 };

const DIR = path.join(ARTIFACTS, 'media-sources');

function made(file: string, args: string[]): string {
  if (existsSync(file)) return file;
  mkdirSync(DIR, { recursive: true });
  const part = `${file}.${process.pid}.part${path.extname(file)}`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, part]);
  renameSync(part, file);
  return file;
}

/** The Y4M and WAV files of a source (cached in tests/.artifacts/media-sources). */
export function sourceFiles(source: FakeSource): { video: string; audio: string } {
  const hex = source.rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
  const video = made(path.join(DIR, `${source.name}.y4m`), [
    ...['-f', 'lavfi', '-i', `color=c=0x${hex}:s=320x240:r=15`],
    ...['-t', '2', '-pix_fmt', 'yuv420p'],
  ]);
  // A tone that pulses (0.6 s on, 0.4 s off): the browser's noise suppression would slowly
  // fade a perfectly steady one.
  const audio = made(path.join(DIR, `${source.name}.wav`), [
    ...[
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=0.6*sin(2*PI*${source.toneHz}*t)*lt(mod(t\\,1)\\,0.6):s=48000`,
    ],
    ...['-t', '4', '-ac', '1'],
  ]);
  return { video, audio };
}

/** A Chromium of its own whose camera and microphone are `source`. */
export async function launchWithSource(source: FakeSource): Promise<Browser> {
  const { video, audio } = sourceFiles(source);
  const options = chromiumLaunchOptions();
  return chromium.launch({
    ...options,
    args: [
      ...(options.args ?? []),
      `--use-file-for-fake-video-capture=${video}`,
      `--use-file-for-fake-audio-capture=${audio}`,
    ],
  });
}

export interface ProbedMedia {
  streams: { codec_type: string; codec_name: string }[];
  /** Seconds from the first to the last packet (MediaRecorder's WebM states no duration). */
  durationSeconds: number;
}

/** ffprobe's reading of a file: its streams and how long it plays. */
export function probeMedia(file: string): ProbedMedia {
  const info = JSON.parse(
    execFileSync('ffprobe', [
      ...['-v', 'error', '-print_format', 'json'],
      ...['-show_streams', '-show_entries', 'packet=pts_time,duration_time', file],
    ]).toString(),
  ) as {
    streams: { codec_type: string; codec_name: string }[];
    packets?: { pts_time?: string; duration_time?: string }[];
  };
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const packet of info.packets ?? []) {
    const pts = Number(packet.pts_time);
    if (!Number.isFinite(pts)) continue;
    first = Math.min(first, pts);
    last = Math.max(last, pts + (Number(packet.duration_time) || 0));
  }
  return {
    streams: info.streams,
    durationSeconds: Number.isFinite(first) ? last - first : 0,
  };
}

/**
 * For each source, the share of decoded pixels (one frame per second, downscaled) close to its
 * colour, per frame.
 */
export function colourShares(file: string, sources: FakeSource[]): Map<string, number[]> {
  const width = 64;
  const height = 36;
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-i', file],
      ...['-vf', `fps=1,scale=${width}:${height}:flags=area`, '-f', 'rawvideo'],
      ...['-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const frameBytes = width * height * 3;
  const shares = new Map(sources.map((s) => [s.name, [] as number[]]));
  for (let offset = 0; offset + frameBytes <= raw.length; offset += frameBytes) {
    const counts = new Map(sources.map((s) => [s.name, 0]));
    for (let i = offset; i < offset + frameBytes; i += 3) {
      const pixel = [raw[i]!, raw[i + 1]!, raw[i + 2]!];
      for (const source of sources) {
        const distance = Math.hypot(...pixel.map((c, k) => c - source.rgb[k]!));
        if (distance < 80) counts.set(source.name, counts.get(source.name)! + 1);
      }
    }
    for (const source of sources) {
      shares.get(source.name)!.push(counts.get(source.name)! / (width * height));
    }
  }
  return shares;
}

/**
 * The mean level (dB) of the decoded sound in a narrow band around each source's tone
 * (two band-pass passes, 60 Hz wide), so a tone that is present stands far above one that is
 * not.
 */
export function toneLevels(file: string, sources: FakeSource[]): Map<string, number> {
  const levels = new Map<string, number>();
  for (const source of sources) {
    const band = `bandpass=f=${source.toneHz}:width_type=h:w=60`;
    const run = spawnSync('ffmpeg', [
      ...['-hide_banner', '-nostats', '-i', file, '-vn'],
      ...['-af', `${band},${band},volumedetect`, '-f', 'null', '-'],
    ]);
    const match = /mean_volume: (-?[\d.]+|-inf) dB/.exec(run.stderr.toString());
    levels.set(source.name, match && match[1] !== '-inf' ? Number(match[1]) : -200);
  }
  return levels;
}
