/**
 * What this server was built and tested against. The signalling it speaks is the subset that
 * `livekit-client` 2.23.0 uses in its default single peer connection mode; another client
 * version may send or expect messages this server does not know, so an upgrade must be a
 * deliberate step: `compat.test.ts` fails when the installed or pinned client changes.
 */
export const TESTED_LIVEKIT_CLIENT_VERSION = '2.23.0';

/** `protocolVersion` of livekit-client 2.23.0 (its `ClientInfo.protocol`). */
export const SUPPORTED_CLIENT_PROTOCOLS: readonly number[] = [17];

/** What the server reports as its LiveKit version: new enough for every feature the client gates on (RPC needs 1.8). */
export const EMULATED_SERVER_VERSION = '1.9.0';

/** The signal protocol version the server announces in `ServerInfo.protocol`. */
export const SERVER_PROTOCOL = 16;

export class UnsupportedClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedClientError';
  }
}

/** Why a client cannot use this server, or undefined when it can. */
export function unsupportedClientReason(protocol: number, sdkVersion: string): string | undefined {
  if (SUPPORTED_CLIENT_PROTOCOLS.includes(protocol)) {
    return undefined;
  }
  return (
    `Conclave's development media server speaks LiveKit client protocol ` +
    `${SUPPORTED_CLIENT_PROTOCOLS.join(', ')} (livekit-client ${TESTED_LIVEKIT_CLIENT_VERSION}); ` +
    `this client (${sdkVersion || 'unknown version'}) uses protocol ${protocol}. ` +
    'Pin livekit-client to the tested version, or use a real LiveKit server (LIVEKIT_URL).'
  );
}

export const LEGACY_MODE_MESSAGE =
  "Conclave's development media server supports only livekit-client's single peer connection " +
  `mode (/rtc/v1, livekit-client ${TESTED_LIVEKIT_CLIENT_VERSION} with its default ` +
  '`singlePeerConnection: true`). The legacy two-connection /rtc path is not implemented; ' +
  'use a real LiveKit server (LIVEKIT_URL) for that.';
