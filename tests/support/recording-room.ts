import { writeFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import {
  decryptRecordingBytes,
  deriveAccountKeys,
  openRecordingKey,
  ready,
  toBase64Url,
  unwrapIdentity,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  type Identity,
  type KdfParams,
  type RecordingEnvelope,
  type RecordingReadResult,
  type RecordingSeal,
  type Signed,
  type WrappedIdentity,
} from '@conclave/crypto';
import { expect } from './fixtures';
import { ARTIFACTS, SERVER_LOG } from './global-setup';
import type { SeededUser } from './accounts';

/**
 * What a recording test needs beyond the room helpers: the recorder's identity (unwrapped in
 * Node from the account the test made, as the portal does), the recording fetched from the
 * API and decrypted here with that key, and scans for plaintext or keys where the server
 * keeps things.
 */

/** The page's recording view (`window.__conclaveRoom.recording()`), for ids and phases. */
export interface RecordingProbe {
  recording: { id: string; state: string } | null;
  run: {
    phase: string;
    recordingId: string | null;
    startedAt: number | null;
    stoppedAt: number | null;
  } | null;
  consents: { participantId: string; decision: string; included: boolean }[];
}

export async function recordingView(page: Page): Promise<RecordingProbe> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __conclaveRoom?: { recording?: () => unknown } })
      .__conclaveRoom;
    return JSON.parse(JSON.stringify(probe?.recording?.() ?? null)) as never;
  });
}

/** The user's identity, unwrapped from what the API gives a signed-in browser. */
export async function identityOf(request: APIRequestContext, user: SeededUser): Promise<Identity> {
  await ready();
  const response = await request.get('/api/auth/session');
  expect(response.status()).toBe(200);
  const session = (await response.json()) as {
    keys: { kdfParams: KdfParams; wrappedIdentity: WrappedIdentity };
  };
  const { wrapKey } = deriveAccountKeys(user.password, session.keys.kdfParams);
  return unwrapIdentity(session.keys.wrappedIdentity, wrapKey);
}

export interface DecryptedRecording {
  file: string;
  state: string;
  envelope: RecordingEnvelope;
  seal: RecordingSeal | null;
  result: RecordingReadResult;
  ciphertext: Buffer;
  recordingKey: Uint8Array;
}

/** Fetches envelope, seal and ciphertext from the API and decrypts them with `identity`. */
export async function fetchAndDecrypt(
  request: APIRequestContext,
  recordingId: string,
  identity: Identity,
): Promise<DecryptedRecording> {
  await ready();
  const detailResponse = await request.get(`/api/recordings/${recordingId}`);
  expect(detailResponse.status(), await detailResponse.text()).toBe(200);
  const detail = (await detailResponse.json()) as {
    recording: { state: string };
    envelope: Signed<RecordingEnvelope>;
    seal: Signed<RecordingSeal> | null;
  };
  const envelope = verifyRecordingEnvelope(detail.envelope, { trustEmbeddedKeys: true });
  expect(envelope.recorder.signingPublicKey).toBe(toBase64Url(identity.signingPublicKey));
  const seal = detail.seal
    ? verifyRecordingSeal(detail.seal, { trustEmbeddedKeys: true }, envelope)
    : null;
  const content = await request.get(`/api/recordings/${recordingId}/content`);
  expect(content.status()).toBe(200);
  const ciphertext = await content.body();
  const recordingKey = openRecordingKey(envelope, {
    publicKey: identity.exchangePublicKey,
    privateKey: identity.exchangePrivateKey,
  });
  const { plaintext, result } = decryptRecordingBytes(ciphertext, {
    recordingKey,
    recordingId,
    mimeType: envelope.mimeType,
    hashes: 'all',
  });
  const dir = path.join(ARTIFACTS, 'recordings-decrypted');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${recordingId}.webm`);
  writeFileSync(file, plaintext);
  return {
    file,
    state: detail.recording.state,
    envelope,
    seal,
    result,
    ciphertext,
    recordingKey,
  };
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** Every spelling of a key a careless log line could hold. */
function spellings(key: Uint8Array): Buffer[] {
  const raw = Buffer.from(key);
  return [
    raw,
    Buffer.from(raw.toString('hex')),
    Buffer.from(raw.toString('base64')),
    Buffer.from(toBase64Url(key)),
  ];
}

/** Files under the e2e data folders that belong to this recording (named by its id). */
function storedObjects(recordingId: string): string[] {
  const roots = readdirSync('/tmp')
    .filter((name) => name.startsWith('conclave-e2e-'))
    .map((name) => path.join('/tmp', name));
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      let stat;
      try {
        stat = statSync(full);
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(full, depth + 1);
      else if (full.includes(recordingId)) found.push(full);
    }
  };
  for (const root of roots) walk(root, 0);
  return found;
}

/**
 * The server's log, the ciphertext it serves and the files it stored hold no WebM (EBML
 * magic) and no spelling of the recording key. Returns how many stored files were scanned.
 */
export function expectNothingReadableStored(recording: DecryptedRecording, recordingId: string) {
  const places: [string, Buffer][] = [
    ['server log', readFileSync(SERVER_LOG)],
    ['served ciphertext', recording.ciphertext],
    ...storedObjects(recordingId).map((file): [string, Buffer] => [file, readFileSync(file)]),
  ];
  for (const [where, bytes] of places) {
    expect(bytes.indexOf(EBML_MAGIC), `WebM magic in ${where}`).toBe(-1);
    for (const spelling of spellings(recording.recordingKey)) {
      expect(bytes.indexOf(spelling), `the recording key in ${where}`).toBe(-1);
    }
  }
  return places.length - 2;
}
