/**
 * What stops someone from joining, in words a person can act on. Pure functions over what the
 * browser reports, so the messages are tested without a browser.
 */

export interface BrowserMediaCapabilities {
  /** `RTCRtpScriptTransform` (encoded transforms in a worker; Chromium, Safari, Firefox). */
  scriptTransform: boolean;
  /** `RTCRtpSender.prototype.createEncodedStreams` (Chromium's older insertable streams). */
  insertableStreams: boolean;
  webrtc: boolean;
  mediaDevices: boolean;
  secureContext: boolean;
  workers: boolean;
}

export function detectCapabilities(scope: unknown = globalThis): BrowserMediaCapabilities {
  const g = scope as {
    RTCRtpScriptTransform?: unknown;
    RTCRtpSender?: { prototype?: { createEncodedStreams?: unknown } };
    RTCPeerConnection?: unknown;
    navigator?: { mediaDevices?: { getUserMedia?: unknown } };
    isSecureContext?: boolean;
    Worker?: unknown;
  };
  return {
    scriptTransform: typeof g.RTCRtpScriptTransform === 'function',
    insertableStreams: typeof g.RTCRtpSender?.prototype?.createEncodedStreams === 'function',
    webrtc: typeof g.RTCPeerConnection === 'function',
    mediaDevices: typeof g.navigator?.mediaDevices?.getUserMedia === 'function',
    secureContext: g.isSecureContext === true,
    workers: typeof g.Worker === 'function',
  };
}

export type JoinBlock =
  | { kind: 'no-webrtc'; title: string; detail: string }
  | { kind: 'insecure-context'; title: string; detail: string }
  | { kind: 'no-encoded-transform'; title: string; detail: string };

/**
 * Whether this browser may join. An end-to-end encrypted meeting needs encoded transforms in
 * a worker: without them media would leave unencrypted, so joining is refused, not degraded.
 */
export function joinBlock(
  capabilities: BrowserMediaCapabilities,
  meeting: { e2ee: boolean },
): JoinBlock | null {
  if (!capabilities.secureContext) {
    return {
      kind: 'insecure-context',
      title: 'This page is not served securely',
      detail:
        'Browsers only allow cameras, microphones and encryption on https:// pages (or on ' +
        'localhost). Ask your administrator for the https address of this server.',
    };
  }
  if (!capabilities.webrtc) {
    return {
      kind: 'no-webrtc',
      title: 'This browser cannot take part in video meetings',
      detail: 'It has no WebRTC. Use a current Chrome, Edge, Firefox or Safari.',
    };
  }
  if (
    meeting.e2ee &&
    (!capabilities.workers || !(capabilities.scriptTransform || capabilities.insertableStreams))
  ) {
    return {
      kind: 'no-encoded-transform',
      title: 'This browser cannot join an end-to-end encrypted meeting',
      detail:
        'This meeting is end-to-end encrypted, and this browser cannot encrypt audio and ' +
        'video itself (it lacks encoded transforms, RTCRtpScriptTransform). Joining would ' +
        'send your media unencrypted, so Conclave does not let it join. Use a current ' +
        'Chrome, Edge, Firefox or Safari.',
    };
  }
  return null;
}

export type MediaProblemKind =
  'permission-denied' | 'no-device' | 'device-busy' | 'constraints' | 'unknown';

export interface MediaProblem {
  kind: MediaProblemKind;
  device: 'camera' | 'microphone' | 'camera or microphone' | 'screen';
  message: string;
}

/** Turns a getUserMedia / getDisplayMedia / livekit error into something a person can act on. */
export function describeMediaError(
  error: unknown,
  device: MediaProblem['device'] = 'camera or microphone',
): MediaProblem {
  const name =
    typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const text = error instanceof Error ? error.message : String(error);
  if (name === 'NotAllowedError' || name === 'SecurityError' || /permission/i.test(text)) {
    return {
      kind: 'permission-denied',
      device,
      message:
        device === 'screen'
          ? 'Screen sharing was not allowed. Choose a screen or window when the browser asks.'
          : `The browser was not allowed to use your ${device}. Allow it in the address bar's ` +
            'site settings (the camera icon), then try again. You can also join without it.',
    };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || /not found/i.test(text)) {
    return name === 'OverconstrainedError'
      ? {
          kind: 'constraints',
          device,
          message: `The chosen ${device} is no longer available. Pick another one.`,
        }
      : {
          kind: 'no-device',
          device,
          message: `No ${device} was found. Connect one, or join without it: you can still hear, see and chat.`,
        };
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return {
      kind: 'device-busy',
      device,
      message: `Your ${device} is in use by another program or could not be started. Close that program and try again.`,
    };
  }
  return {
    kind: 'unknown',
    device,
    message: `Your ${device} could not be started (${name || 'error'}: ${text}).`,
  };
}

/**
 * Why connecting to the meeting's media failed, for the person: the meeting is full or over,
 * access was withdrawn, or the network.
 */
export function describeConnectFailure(error: unknown): { ended: boolean; message: string } {
  const status =
    typeof error === 'object' && error !== null && 'status' in error
      ? Number(error.status)
      : undefined;
  const text = error instanceof Error ? error.message : String(error);
  if (status === 410 || /\bended\b|room.*(closed|deleted)/i.test(text)) {
    return { ended: true, message: 'The meeting has ended.' };
  }
  if (/\bfull\b|max(imum)?[ _-]?participants|too many participants/i.test(text)) {
    return {
      ended: false,
      message:
        'This meeting is full: it has as many participants as it allows. Try again when someone leaves.',
    };
  }
  if (
    status === 401 ||
    status === 403 ||
    /unauthori[sz]ed|permission denied|forbidden/i.test(text)
  ) {
    return {
      ended: false,
      message: 'You are not (or no longer) allowed into this meeting. Ask a host to let you in.',
    };
  }
  if (status === 409 || /not (yet )?open/i.test(text)) {
    return { ended: false, message: text };
  }
  return {
    ended: false,
    message: `Could not connect to the meeting (${text}). Check your connection and try again.`,
  };
}
