import { gunzipSync } from 'node:zlib';
import { JoinRequest, WrappedJoinRequest, WrappedJoinRequest_Compression } from '@livekit/protocol';

export class MalformedJoinRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedJoinRequestError';
  }
}

/**
 * Decodes the `join_request` query parameter of `/rtc/v1`: base64url of a `WrappedJoinRequest`,
 * whose `JoinRequest` bytes may be gzip-compressed (browsers with CompressionStream do that).
 */
export function decodeJoinRequestParam(param: string): JoinRequest {
  let wrapped: WrappedJoinRequest;
  try {
    wrapped = WrappedJoinRequest.fromBinary(Buffer.from(param, 'base64url'));
  } catch (error) {
    throw new MalformedJoinRequestError(
      `join_request is not a WrappedJoinRequest: ${String(error)}`,
    );
  }
  let bytes: Uint8Array = wrapped.joinRequest;
  if (wrapped.compression === WrappedJoinRequest_Compression.GZIP) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new MalformedJoinRequestError(`join_request is not valid gzip: ${String(error)}`);
    }
  } else if (wrapped.compression !== WrappedJoinRequest_Compression.NONE) {
    throw new MalformedJoinRequestError(
      `unknown join_request compression ${String(wrapped.compression)}`,
    );
  }
  try {
    return JoinRequest.fromBinary(bytes);
  } catch (error) {
    throw new MalformedJoinRequestError(`join_request is not a JoinRequest: ${String(error)}`);
  }
}

/** What the client's connect URL carries, checked before the WebSocket is accepted. */
export interface SignalConnectParams {
  accessToken: string;
  joinRequest: JoinRequest;
}

export function parseSignalConnectUrl(url: URL): SignalConnectParams {
  const joinRequestParam = url.searchParams.get('join_request');
  if (!joinRequestParam) {
    throw new MalformedJoinRequestError('join_request query parameter is missing');
  }
  return {
    accessToken: url.searchParams.get('access_token') ?? '',
    joinRequest: decodeJoinRequestParam(joinRequestParam),
  };
}
