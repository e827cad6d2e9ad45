/**
 * Forwarding cost of the development media server: CPU and memory of the server process for
 * 2, 4 and 8 participants, each publishing 640x480 VP8 (simulcast, as livekit-client does by
 * default) and Opus to all the others, from Chromium pages with fake devices.
 *
 *   npm run bench -w packages/livekit-dev-server            full run (a few minutes)
 *   npm run bench -w packages/livekit-dev-server -- --smoke 2 participants, a few seconds
 *   npm run bench -w packages/livekit-dev-server -- --participants=4,8
 *
 * The server runs as a child process (node --import tsx src/cli.ts) and is measured from the
 * outside by sampling /proc/<pid>/stat (user+system CPU time) and /proc/<pid>/status (RSS),
 * so the numbers do not include the browsers or this script.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { chromiumLaunchOptions } from '../../../tests/support/chromium';
import { API_KEY, API_SECRET } from '../test/support/credentials';
import { TestParticipant, joinToken } from '../test/support/participants';
import { startTestPage } from '../test/support/test-page';

const here = dirname(fileURLToPath(import.meta.url));
const smoke = process.argv.includes('--smoke');
const sizesArgument = process.argv.find((arg) => arg.startsWith('--participants='));
const sizes = sizesArgument
  ? sizesArgument.slice('--participants='.length).split(',').map(Number)
  : smoke
    ? [2]
    : [2, 4, 8];
const warmupMs = smoke ? 1000 : 5000;
const measureMs = smoke ? 4000 : 20_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const SIZE = { width: 640, height: 480 };

interface Row {
  participants: number;
  failedJoins: number;
  videoStreams: number;
  allDecodingMs: number | undefined;
  cpuPercent: number;
  cpuPerVideoStream: number;
  rssAvgMb: number;
  rssMaxMb: number;
}

async function startServerProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '..', 'src', 'cli.ts')], {
    env: {
      ...process.env,
      LIVEKIT_API_KEY: API_KEY,
      LIVEKIT_API_SECRET: API_SECRET,
      LIVEKIT_DEV_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LIVEKIT_DEV_SERVER_URL=(\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) =>
      reject(new Error(`server exited with ${String(code)} before listening`)),
    );
  });
  child.stdout?.resume();
  return { child, url };
}

async function processSample(pid: number): Promise<{ cpuSeconds: number; rssMb: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssMb: rssKb / 1024 };
}

async function allDecoding(participants: TestParticipant[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await Promise.all(
      participants.map(async (participant) => {
        const stats = await participant.remoteStats();
        const video = stats.filter((s) => s.source === 'camera' && s.framesDecoded > 0);
        const audio = stats.filter((s) => s.source === 'microphone' && s.decodedSamples > 0);
        return video.length === participants.length - 1 && audio.length === participants.length - 1;
      }),
    );
    if (ready.every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function measure(
  browser: Browser,
  pageUrl: string,
  serverUrl: string,
  pid: number,
  count: number,
): Promise<Row> {
  const room = `bench-${count}`;
  const participants = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      TestParticipant.open(browser, pageUrl, `p${index}`),
    ),
  );
  try {
    const started = Date.now();
    const joins = await Promise.allSettled(
      participants.map(async (participant) =>
        participant.join({
          url: serverUrl,
          token: await joinToken(participant.identity, room),
          camera: true,
          microphone: true,
          ...SIZE,
        }),
      ),
    );
    const failedJoins = joins.flatMap((join) =>
      join.status === 'rejected' ? [String(join.reason)] : [],
    );
    for (const failure of failedJoins)
      console.error(`join failed: ${failure.split('\n')[0] ?? ''}`);
    const joined = participants.filter((_, index) => joins[index]?.status === 'fulfilled');
    const decoding =
      failedJoins.length === 0 && (await allDecoding(joined, smoke ? 30_000 : 90_000));
    const allDecodingMs = decoding ? Date.now() - started : undefined;
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    const first = await processSample(pid);
    const startedAt = Date.now();
    const rss: number[] = [];
    while (Date.now() - startedAt < measureMs) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      rss.push((await processSample(pid)).rssMb);
    }
    const last = await processSample(pid);
    const cpuPercent =
      ((last.cpuSeconds - first.cpuSeconds) / ((Date.now() - startedAt) / 1000)) * 100;
    const videoStreams = count * (count - 1);
    return {
      participants: count,
      failedJoins: failedJoins.length,
      videoStreams,
      allDecodingMs,
      cpuPercent,
      cpuPerVideoStream: cpuPercent / videoStreams,
      rssAvgMb: rss.reduce((sum, value) => sum + value, 0) / rss.length,
      rssMaxMb: Math.max(...rss),
    };
  } finally {
    await Promise.all(
      participants.map((participant) => participant.leave().catch(() => undefined)),
    );
    await Promise.all(participants.map((participant) => participant.close()));
  }
}

function printTable(rows: Row[], idleRssMb: number): void {
  const header = [
    'participants',
    'video streams fwd',
    'all decoding after',
    'server CPU (% of a core)',
    'CPU per video stream',
    'RSS avg MB',
    'RSS max MB',
  ];
  const lines = rows.map((row) => [
    String(row.participants),
    String(row.videoStreams),
    row.allDecodingMs === undefined
      ? 'not all (timeout)'
      : `${(row.allDecodingMs / 1000).toFixed(1)} s`,
    row.cpuPercent.toFixed(1),
    row.cpuPerVideoStream.toFixed(2),
    row.rssAvgMb.toFixed(0),
    row.rssMaxMb.toFixed(0),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(
    `\nlivekit-dev-server forwarding cost (${smoke ? 'smoke' : 'full'} run; server measured as its own process via /proc; idle RSS ${idleRssMb.toFixed(0)} MB; ${os.cpus().length} cores, load average before ${loadBefore})`,
  );
  console.log(format(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log(
    `\nEach participant publishes 640x480 VP8 (simulcast, 2 layers) + Opus and receives every other participant; ` +
      `the server forwards one layer per subscriber. CPU is averaged over ${measureMs / 1000} s after a ${warmupMs / 1000} s warm-up. ` +
      'The browsers share the machine with the server, so on a small machine they limit what they send.',
  );
}

const loadBefore = os
  .loadavg()
  .map((value) => value.toFixed(1))
  .join(' ');
const { child, url } = await startServerProcess();
const page = await startTestPage();
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const pid = child.pid;
  if (pid === undefined) throw new Error('server has no pid');
  const idle = await processSample(pid);
  const rows: Row[] = [];
  for (const count of sizes) {
    rows.push(await measure(browser, page.url, url, pid, count));
  }
  printTable(rows, idle.rssMb);
  if (smoke && rows.some((row) => row.allDecodingMs === undefined)) {
    process.exitCode = 1;
    console.error('smoke run: not every participant decoded every other one');
  }
} finally {
  await browser.close();
  await page.close();
  child.kill('SIGTERM');
}
