import { gzipSync } from 'node:zlib';
import {
  ClientInfo,
  JoinRequest,
  SessionDescription,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
} from '@livekit/protocol';
import { describe, expect, it } from 'vitest';
import {
  MalformedJoinRequestError,
  decodeJoinRequestParam,
  parseSignalConnectUrl,
} from './join-request';

const request = new JoinRequest({
  clientInfo: new ClientInfo({ protocol: 17, version: '2.23.0' }),
  publisherOffer: new SessionDescription({ type: 'offer', sdp: 'v=0\r\n', id: 1 }),
});

function param(compression: WrappedJoinRequest_Compression): string {
  const bytes = request.toBinary();
  const wrapped = new WrappedJoinRequest({
    compression,
    joinRequest: compression === WrappedJoinRequest_Compression.GZIP ? gzipSync(bytes) : bytes,
  });
  // As livekit-client encodes it: base64 with + and / replaced, padding kept.
  return Buffer.from(wrapped.toBinary()).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

describe('decodeJoinRequestParam', () => {
  it('decodes gzip-compressed and plain join requests', () => {
    for (const compression of [
      WrappedJoinRequest_Compression.GZIP,
      WrappedJoinRequest_Compression.NONE,
    ]) {
      const decoded = decodeJoinRequestParam(param(compression));
      expect(decoded.clientInfo?.protocol).toBe(17);
      expect(decoded.publisherOffer?.id).toBe(1);
    }
  });

  it('says what is wrong with a malformed parameter', () => {
    const notGzip = Buffer.from(
      new WrappedJoinRequest({
        compression: WrappedJoinRequest_Compression.GZIP,
        joinRequest: Uint8Array.from([1, 2, 3]),
      }).toBinary(),
    ).toString('base64url');
    expect(() => decodeJoinRequestParam(notGzip)).toThrow(/not valid gzip/);
    expect(() => parseSignalConnectUrl(new URL('ws://h/rtc/v1?access_token=x'))).toThrow(
      MalformedJoinRequestError,
    );
  });

  it('reads the token and the join request from the connect URL', () => {
    const url = new URL(
      `ws://h/rtc/v1?access_token=abc&join_request=${param(WrappedJoinRequest_Compression.GZIP)}`,
    );
    const parsed = parseSignalConnectUrl(url);
    expect(parsed.accessToken).toBe('abc');
    expect(parsed.joinRequest.clientInfo?.version).toBe('2.23.0');
  });
});
