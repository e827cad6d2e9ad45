import {
  createRecordingEnvelope,
  generateRecordingKey,
  RecordingWriter,
  signConsent,
  signRecordingSeal,
  type Identity,
  type RecordingStats,
} from '@conclave/crypto';
import {
  DEFAULT_ORG_POLICY,
  type CreatedRecording,
  type OrgPolicy,
  type RequiredRecipient,
} from '@conclave/contracts';
import { fromBase64Url } from '@conclave/crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestClient } from './factories';

/**
 * Helpers for the recording tests: what the recorder's browser does (envelope, encryption,
 * tus requests, seal), with packages/crypto for real.
 */

/** Plaintext that starts like a WebM file (EBML magic), so tests can look for leaks. */
export const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

export function webmLike(bytes: number): Buffer {
  const body = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) body[i] = (i * 31 + (i >> 8)) & 0xff;
  EBML_MAGIC.copy(body, 0);
  // The magic again further in, as a real file has it at every cluster-ish boundary.
  for (let at = 4096; at + 4 < bytes; at += 4096) EBML_MAGIC.copy(body, at);
  return body;
}

export async function setPolicy(
  owner: TestClient,
  orgId: string,
  recording: Partial<{ [K in keyof OrgPolicy['recording']]: OrgPolicy['recording'][K]['value'] }>,
): Promise<void> {
  const policy = structuredClone(DEFAULT_ORG_POLICY);
  for (const [name, value] of Object.entries(recording)) {
    (policy.recording as Record<string, { value: unknown; locked: boolean }>)[name] = {
      value,
      locked: false,
    };
  }
  const response = await owner.inject({
    method: 'PUT',
    url: `/api/orgs/${orgId}/policy`,
    payload: policy,
  });
  expect(response.statusCode, response.body).toBe(200);
}

export async function requestRecording(
  client: TestClient,
  meetingId: string,
  body: { mode?: 'video' | 'audio'; mimeType?: string } = {},
): Promise<LightMyRequestResponse> {
  return client.inject({
    method: 'POST',
    url: `/api/meetings/${meetingId}/recordings`,
    payload: {
      mode: body.mode ?? 'video',
      mimeType: body.mimeType ?? 'video/webm;codecs=vp8,opus',
    },
  });
}

/** What the recorder's browser holds for one recording. */
export interface RecorderSide {
  recordingId: string;
  meetingId: string;
  mimeType: string;
  key: Uint8Array;
  userId: string;
  identity: Identity;
}

export function consentFor(
  input: { meetingId: string; recordingId: string; userId: string; identity: Identity },
  decision: 'accept' | 'decline' = 'accept',
) {
  return signConsent({ ...input, decision });
}

export function envelopeFor(
  side: RecorderSide,
  recipients: RequiredRecipient[],
  consents: ReturnType<typeof signConsent>[] = [],
) {
  return createRecordingEnvelope({
    recordingId: side.recordingId,
    meetingId: side.meetingId,
    recorderUserId: side.userId,
    recorder: side.identity,
    mimeType: side.mimeType,
    startedAt: new Date().toISOString(),
    recordingKey: side.key,
    recipientExchangeKeys: recipients.map((r) => fromBase64Url(r.exchangePublicKey)),
    consents,
  });
}

export function recorderSide(
  created: CreatedRecording,
  recorder: { id: string; identity: Identity },
  mimeType: string,
): RecorderSide {
  return {
    recordingId: created.recording.id,
    meetingId: created.recording.meetingId,
    mimeType,
    key: generateRecordingKey(),
    userId: recorder.id,
    identity: recorder.identity,
  };
}

/** Encrypts `plaintext` as the browser does, flushing every `flushEvery` bytes: the parts to upload. */
export function encryptRecording(
  side: RecorderSide,
  plaintext: Buffer,
  flushEvery = 64 * 1024,
): { parts: Buffer[]; stats: RecordingStats } {
  const writer = new RecordingWriter({
    recordingKey: side.key,
    recordingId: side.recordingId,
    mimeType: side.mimeType,
  });
  const parts: Buffer[] = [];
  for (let at = 0; at < plaintext.length; at += flushEvery) {
    const written = writer.write(plaintext.subarray(at, at + flushEvery));
    const flushed = writer.flush();
    parts.push(Buffer.concat([written, flushed]));
  }
  const { output, stats } = writer.finish();
  parts.push(Buffer.from(output));
  return { parts, stats };
}

export function sealFor(side: RecorderSide, stats: RecordingStats) {
  return signRecordingSeal({
    recordingId: side.recordingId,
    recorderUserId: side.userId,
    recorder: side.identity,
    stats,
    endedAt: new Date().toISOString(),
  });
}

const TUS = { 'tus-resumable': '1.0.0' };

export function tusCreate(client: TestClient, recordingId: string) {
  return client.inject({
    method: 'POST',
    url: `/api/recordings/${recordingId}/upload`,
    headers: { ...TUS, 'upload-defer-length': '1' },
  });
}

export function tusHead(client: TestClient, recordingId: string) {
  return client.inject({
    method: 'HEAD',
    url: `/api/recordings/${recordingId}/upload`,
    headers: TUS,
  });
}

export function tusPatch(
  client: TestClient,
  recordingId: string,
  offset: number,
  bytes: Buffer,
  finalLength?: number,
) {
  return client.inject({
    method: 'PATCH',
    url: `/api/recordings/${recordingId}/upload`,
    headers: {
      ...TUS,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      ...(finalLength !== undefined ? { 'upload-length': String(finalLength) } : {}),
    },
    payload: bytes,
  });
}

/** Uploads all parts in order (one PATCH each), declaring the length with the last. */
export async function uploadAll(client: TestClient, recordingId: string, parts: Buffer[]) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  let offset = 0;
  for (const [i, part] of parts.entries()) {
    const response = await tusPatch(
      client,
      recordingId,
      offset,
      part,
      i === parts.length - 1 ? total : undefined,
    );
    expect(response.statusCode, response.body).toBe(204);
    offset = Number(response.headers['upload-offset']);
  }
  expect(offset).toBe(total);
  return total;
}
