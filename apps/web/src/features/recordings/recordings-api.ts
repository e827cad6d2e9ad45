import {
  recordingDetailSchema,
  recordingPageSchema,
  shareRecordingResponseSchema,
  type RecordingDetail,
  type RecordingPage,
  type SignedStatementJson,
} from '@conclave/contracts';
import { api, ApiError } from '../../lib/api';

/** The library's calls to the recordings API (packages/contracts/src/recordings.ts). */

export function listRecordings(input: {
  orgId: string;
  meetingId?: string;
  cursor?: string | null;
  limit?: number;
}): Promise<RecordingPage> {
  const query = {
    cursor: input.cursor ?? undefined,
    limit: input.limit,
  };
  return input.meetingId
    ? api(`/meetings/${input.meetingId}/recordings`, { schema: recordingPageSchema, query })
    : api(`/orgs/${input.orgId}/recordings`, { schema: recordingPageSchema, query });
}

export function getRecording(recordingId: string): Promise<RecordingDetail> {
  return api(`/recordings/${recordingId}`, { schema: recordingDetailSchema });
}

export function shareRecording(recordingId: string, grant: SignedStatementJson) {
  return api(`/recordings/${recordingId}/recipients`, {
    method: 'POST',
    body: { grant },
    schema: shareRecordingResponseSchema,
  });
}

export function deleteRecording(recordingId: string): Promise<undefined> {
  return api(`/recordings/${recordingId}`, { method: 'DELETE' });
}

/** The audit entry for an open: the server cannot see it happen, so the client declares it. */
export function declareOpened(recordingId: string, purpose: 'play' | 'download') {
  void purpose;
  return api(`/recordings/${recordingId}/opened`, { method: 'POST' });
}

/**
 * The stored ciphertext as a stream (never JSON, never buffered here). The size comes from
 * Content-Length when the server sends it.
 */
export async function fetchCiphertext(
  recordingId: string,
  signal: AbortSignal,
): Promise<{ body: ReadableStream<Uint8Array>; totalBytes: number | null }> {
  const response = await fetch(`/api/recordings/${recordingId}/content`, {
    credentials: 'same-origin',
    signal,
  });
  if (!response.ok || !response.body) {
    let detail = `The server answered ${response.status} ${response.statusText}.`;
    try {
      const problem = (await response.json()) as { detail?: unknown };
      if (typeof problem.detail === 'string') detail = problem.detail;
    } catch {
      // not a problem document
    }
    throw new ApiError({
      type: 'about:blank',
      title: response.statusText,
      status: response.status,
      detail,
      code: 'recording_content',
      instance: `/recordings/${recordingId}/content`,
      requestId: response.headers.get('x-request-id') ?? '',
    });
  }
  const length = Number(response.headers.get('content-length'));
  return { body: response.body, totalBytes: Number.isFinite(length) && length > 0 ? length : null };
}
