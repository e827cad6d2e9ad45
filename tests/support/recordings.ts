import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createRecordingEnvelope,
  deriveAccountKeys,
  fromBase64Url,
  generateRecordingKey,
  ready,
  RecordingWriter,
  signConsent,
  signRecordingSeal,
  toBase64Url,
  unwrapIdentity,
  type Identity,
  type KdfParams,
  type WrappedIdentity,
} from '@conclave/crypto';
import { MemoryPins, SimParticipant } from '../../apps/web/bench/sim-participant';
import type { SeededUser } from './accounts';
import { ARTIFACTS } from './global-setup';

/**
 * A real recording without a room's media: the recorder signs in from Node (the browser's
 * own key derivation and unwrapping), opens the meeting's control channel with the room's
 * own RoomSession (the API lets only a participant of the live room record), asks to record,
 * encrypts a real WebM made by ffmpeg with RecordingWriter, signs envelope and seal with its
 * real identity keys and uploads through the real API with the tus protocol, in parts cut
 * where the recorder's flushes cut them. Everything the API checks, it checks as for a
 * browser's recording.
 */

export const RECORDING_MIME = 'video/webm;codecs=vp8,opus';

/** A VP8 + Opus WebM test pattern made once per run with ffmpeg (cached in tests/.artifacts). */
export function testWebm(seconds = 10): Buffer {
  const dir = path.join(ARTIFACTS, 'recordings');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pattern-${seconds}s.webm`);
  if (!existsSync(file)) {
    const bytes = execFileSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-t', String(seconds), '-c:v', 'libvpx', '-b:v', '300k', '-g', '50'],
        ...['-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-b:a', '48k'],
        // To a pipe, as MediaRecorder writes: no duration, no cues, unknown-size segment.
        ...['-f', 'webm', 'pipe:1'],
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, bytes);
    renameSync(part, file);
  }
  return readFileSync(file);
}

/** A cookie jar for fetch: keeps what the API sets (session, CSRF). */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
}

export interface NodeSession {
  userId: string;
  identity: Identity;
  call<T>(method: string, route: string, body?: unknown): Promise<T>;
  raw(
    method: string,
    route: string,
    init: { headers?: Record<string, string>; body?: Uint8Array },
  ): Promise<Response>;
  cookie(): string;
}

/** Signs in as the portal does (pre-login, Argon2id, sign-in) and unwraps the identity. */
export async function signInFromNode(baseURL: string, user: SeededUser): Promise<NodeSession> {
  await ready();
  const jar = new Jar();
  const origin = new URL(baseURL).origin;
  const raw = async (
    method: string,
    route: string,
    init: { headers?: Record<string, string>; body?: Uint8Array },
  ) => {
    const response = await fetch(`${baseURL}/api${route}`, {
      method,
      headers: {
        cookie: jar.header(),
        origin,
        'x-csrf-token': jar.cookies.get('conclave_csrf') ?? '',
        ...init.headers,
      },
      ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
    });
    jar.keep(response);
    return response;
  };
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await raw(method, route, {
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: new TextEncoder().encode(JSON.stringify(body)) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  await call('GET', '/auth/session');
  const { kdfParams } = await call<{ kdfParams: KdfParams }>('POST', '/auth/pre-login', {
    email: user.email,
  });
  const { authKey, wrapKey } = deriveAccountKeys(user.password, kdfParams);
  const signedIn = await call<{ keys: { wrappedIdentity: WrappedIdentity } }>(
    'POST',
    '/auth/sign-in',
    { email: user.email, authKey: toBase64Url(authKey) },
  );
  return {
    userId: user.userId,
    identity: unwrapIdentity(signedIn.keys.wrappedIdentity, wrapKey),
    call,
    raw,
    cookie: () => jar.header(),
  };
}

export interface SeededRecording {
  recordingId: string;
  meetingId: string;
  meetingTitle: string;
  plaintextSha256: string;
  plaintextBytes: number;
  ciphertextBytes: number;
}

/** Creates a meeting open now (the recorder hosts it) and records `webm` into it. */
export async function seedRecording(options: {
  baseURL: string;
  orgId: string;
  recorder: SeededUser;
  webm: Buffer;
  /** Spread the upload over this many seconds, as a recorder does in real time (default 0). */
  realTimeSeconds?: number;
  meetingTitle?: string;
}): Promise<SeededRecording> {
  const session = await signInFromNode(options.baseURL, options.recorder);
  const local = (minutes: number) =>
    new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
  const meetingTitle = options.meetingTitle ?? `Recorded ${Math.random().toString(36).slice(2, 8)}`;
  const meeting = await session.call<{ id: string }>('POST', `/orgs/${options.orgId}/meetings`, {
    title: meetingTitle,
    startLocal: local(-5),
    endLocal: local(55),
    timeZone: 'UTC',
    notify: false,
    audience: 'org',
    e2ee: true,
    guests: 'forbidden',
  });

  // Present in the live room, as the API requires of a recorder.
  const participant = new SimParticipant({
    url: `${options.baseURL.replace(/^http/, 'ws')}/api/meetings/${meeting.id}/control`,
    headers: { cookie: session.cookie(), origin: new URL(options.baseURL).origin },
    exchangeKeys: {
      publicKey: session.identity.exchangePublicKey,
      privateKey: session.identity.exchangePrivateKey,
    },
    viewer: 'member',
    pins: new MemoryPins(),
  });
  try {
    await participant.waitFor((view) => view.self !== null, 20_000, 'joining the room');
    const created = await session.call<{
      recording: { id: string };
      requiredRecipients: { exchangePublicKey: string }[];
    }>('POST', `/meetings/${meeting.id}/recordings`, { mode: 'video', mimeType: RECORDING_MIME });
    const recordingId = created.recording.id;
    const recordingKey = generateRecordingKey();
    const startedAt = new Date().toISOString();
    const consent = signConsent({
      meetingId: meeting.id,
      recordingId,
      decision: 'accept',
      userId: session.userId,
      identity: session.identity,
    });
    // The consent goes through the control channel, as the room's consent dialog sends it;
    // the API verifies it and keeps it with the recording.
    participant.connection.send({
      type: 'recording-consent',
      recordingId,
      statement: consent as unknown as { payload: Record<string, unknown>; signature: string },
    });
    for (let tries = 0; ; tries++) {
      const detail = await session.call<{ consents: unknown[] }>(
        'GET',
        `/recordings/${recordingId}`,
      );
      if (detail.consents.length > 0) break;
      if (tries > 100) throw new Error('the API did not store the recorder’s consent');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const envelope = createRecordingEnvelope({
      recordingId,
      meetingId: meeting.id,
      recorderUserId: session.userId,
      recorder: session.identity,
      mimeType: RECORDING_MIME,
      startedAt,
      recordingKey,
      recipientExchangeKeys: created.requiredRecipients.map((r) =>
        fromBase64Url(r.exchangePublicKey),
      ),
      consents: [consent],
    });
    await session.call('PUT', `/recordings/${recordingId}/envelope`, { envelope });

    // Encrypt as the recorder does: MediaRecorder-sized blobs, a flush every few blobs.
    const writer = new RecordingWriter({ recordingKey, recordingId, mimeType: RECORDING_MIME });
    recordingKey.fill(0);
    const parts: Uint8Array[] = [];
    const blob = 48 * 1024;
    for (let at = 0, n = 0; at < options.webm.length; at += blob, n++) {
      parts.push(writer.write(options.webm.subarray(at, at + blob)));
      if (n % 4 === 3) parts.push(writer.flush());
    }
    const { output, stats } = writer.finish();
    parts.push(output);
    const uploads = parts.filter((p) => p.length > 0);

    const tus = { 'tus-resumable': '1.0.0' };
    const create = await session.raw('POST', `/recordings/${recordingId}/upload`, {
      headers: { ...tus, 'upload-defer-length': '1' },
    });
    if (create.status !== 201) {
      throw new Error(`tus create: ${create.status} ${await create.text()}`);
    }
    let offset = 0;
    for (const [i, part] of uploads.entries()) {
      const last = i === uploads.length - 1;
      const response = await session.raw('PATCH', `/recordings/${recordingId}/upload`, {
        headers: {
          ...tus,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(offset),
          ...(last ? { 'upload-length': String(offset + part.length) } : {}),
        },
        body: part,
      });
      if (response.status !== 204) {
        throw new Error(`tus PATCH at ${offset}: ${response.status} ${await response.text()}`);
      }
      offset += part.length;
      if (options.realTimeSeconds && !last) {
        await new Promise((resolve) =>
          setTimeout(resolve, (options.realTimeSeconds! * 1000) / uploads.length),
        );
      }
    }
    const seal = signRecordingSeal({
      recordingId,
      recorderUserId: session.userId,
      recorder: session.identity,
      stats,
      endedAt: new Date().toISOString(),
    });
    await session.call('POST', `/recordings/${recordingId}/seal`, { seal });
    return {
      recordingId,
      meetingId: meeting.id,
      meetingTitle,
      plaintextSha256: stats.plaintextSha256!,
      plaintextBytes: stats.plaintextBytes,
      ciphertextBytes: stats.ciphertextBytes,
    };
  } finally {
    participant.leave();
  }
}
