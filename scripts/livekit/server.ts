import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../apps/api/src/lib/free-port';
import { stopChild } from '../lifecycle';

/**
 * The real LiveKit server on this machine, for `npm run start:livekit` and the `e2e-livekit`
 * browser tests: the binary built by build.sh (the version docker-compose.yml pins), a YAML
 * config written next to its data, and a child process that is stopped with its starter.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The pinned version, e.g. `v1.13.5`: the `livekit` image tag in docker-compose.yml. */
export function livekitVersion(): string {
  const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const match = /^\s*image:\s*livekit\/livekit-server:(v\d+\.\d+\.\d+)\s*$/m.exec(compose);
  if (!match?.[1]) throw new Error('docker-compose.yml names no livekit/livekit-server:vX.Y.Z');
  return match[1];
}

/** Path of the built binary; builds it first (Go, a few minutes) when it is missing. */
export function livekitBinary(log: (message: string) => void = () => undefined): string {
  const binary = path.join(ROOT, '.cache/livekit', livekitVersion(), 'server');
  if (existsSync(binary)) return binary;
  log(`building the LiveKit server ${livekitVersion()} (scripts/livekit/build.sh)...`);
  const result = spawnSync('bash', [path.join(ROOT, 'scripts/livekit/build.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error('scripts/livekit/build.sh failed (see above)');
  return result.stdout.trim();
}

/**
 * The address LiveKit advertises as its ICE candidate. Chromium offers no loopback candidates,
 * so a server that advertises 127.0.0.1 is never reached: the host's first non-loopback IPv4
 * address (LIVEKIT_NODE_IP overrides it).
 */
export function advertisedAddress(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIVEKIT_NODE_IP) return env.LIVEKIT_NODE_IP;
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  throw new Error('no non-loopback IPv4 address to advertise to browsers (set LIVEKIT_NODE_IP)');
}

export interface LivekitServerOptions {
  apiKey: string;
  apiSecret: string;
  /** Where LiveKit posts its webhooks (the API's /api/livekit/webhook). */
  webhookUrls: string[];
  /** Folder for the YAML config and the log. */
  dir: string;
  /** Signalling/HTTP port; default: a free one. */
  port?: number;
  /** Seconds an empty room lives on after its last participant left (LiveKit: 20). */
  departureTimeoutSeconds?: number;
  /** The server's output: piped (read `process.stdout`/`stderr`) or inherited. */
  stdio?: 'inherit' | 'pipe';
  log?: (message: string) => void;
}

export interface RunningLivekit {
  /** ws://127.0.0.1:<port>, for browsers and RoomServiceClient. */
  url: string;
  httpUrl: string;
  configPath: string;
  process: ChildProcess;
  close: () => Promise<void>;
}

/** The YAML LiveKit reads (JSON is YAML): keys, ports, the advertised address, webhooks. */
export function livekitConfig(options: {
  apiKey: string;
  apiSecret: string;
  webhookUrls: string[];
  port: number;
  rtcTcpPort: number;
  rtcUdpPort: number;
  nodeIp: string;
  departureTimeoutSeconds?: number;
}): string {
  const config = {
    port: options.port,
    // Signalling and RoomService only on loopback; the media ports listen on node_ip.
    bind_addresses: ['127.0.0.1'],
    rtc: {
      tcp_port: options.rtcTcpPort,
      udp_port: options.rtcUdpPort,
      use_external_ip: false,
      node_ip: options.nodeIp,
    },
    keys: { [options.apiKey]: options.apiSecret },
    webhook: { api_key: options.apiKey, urls: options.webhookUrls },
    room: { departure_timeout: options.departureTimeoutSeconds ?? 20 },
    logging: { level: 'info' },
  };
  return `# Written by scripts/livekit/server.ts\n${JSON.stringify(config, null, 2)}\n`;
}

async function waitForHealth(httpUrl: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`livekit-server exited with ${child.exitCode}`);
    try {
      if ((await fetch(httpUrl)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`livekit-server did not answer ${httpUrl} within ${timeoutMs} ms`);
}

export async function startLivekitServer(options: LivekitServerOptions): Promise<RunningLivekit> {
  const binary = livekitBinary(options.log);
  await mkdir(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const configPath = path.join(options.dir, 'livekit.yaml');
  await writeFile(
    configPath,
    livekitConfig({
      ...options,
      port,
      rtcTcpPort: await freePort(),
      rtcUdpPort: await freePort(),
      nodeIp: advertisedAddress(),
    }),
    { mode: 0o600 },
  );
  const child = spawn(binary, ['--config', configPath], {
    stdio: ['ignore', options.stdio ?? 'pipe', options.stdio ?? 'pipe'],
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(httpUrl, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl,
    configPath,
    process: child,
    close: () => stopChild(child),
  };
}
