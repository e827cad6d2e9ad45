import { describe, expect, it } from 'vitest';
import {
  describeConnectFailure,
  describeMediaError,
  detectCapabilities,
  joinBlock,
} from './media-support';

const chromium = {
  RTCRtpScriptTransform: function RTCRtpScriptTransform() {},
  RTCRtpSender: { prototype: { createEncodedStreams() {} } },
  RTCPeerConnection: function RTCPeerConnection() {},
  navigator: { mediaDevices: { getUserMedia() {} } },
  isSecureContext: true,
  Worker: function Worker() {},
};

describe('joinBlock', () => {
  it('lets a browser with encoded transforms join any meeting', () => {
    const capabilities = detectCapabilities(chromium);
    expect(joinBlock(capabilities, { e2ee: true })).toBeNull();
    expect(joinBlock(capabilities, { e2ee: false })).toBeNull();
  });

  it('refuses an E2EE meeting without encoded transforms and says why', () => {
    const capabilities = detectCapabilities({
      ...chromium,
      RTCRtpScriptTransform: undefined,
      RTCRtpSender: { prototype: {} },
    });
    const block = joinBlock(capabilities, { e2ee: true });
    expect(block?.kind).toBe('no-encoded-transform');
    expect(block?.detail).toMatch(/unencrypted/);
    expect(joinBlock(capabilities, { e2ee: false })).toBeNull();
  });

  it('refuses without WebRTC or outside a secure context', () => {
    expect(
      joinBlock(detectCapabilities({ ...chromium, RTCPeerConnection: undefined }), { e2ee: false })
        ?.kind,
    ).toBe('no-webrtc');
    expect(
      joinBlock(detectCapabilities({ ...chromium, isSecureContext: false }), { e2ee: false })?.kind,
    ).toBe('insecure-context');
  });
});

describe('describeMediaError', () => {
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

  it('names what to do for the errors browsers report', () => {
    expect(describeMediaError(named('NotAllowedError'), 'camera')).toMatchObject({
      kind: 'permission-denied',
      message: expect.stringMatching(/allow/i) as unknown,
    });
    expect(describeMediaError(named('NotFoundError'), 'microphone')).toMatchObject({
      kind: 'no-device',
      message: expect.stringMatching(/No microphone was found/) as unknown,
    });
    expect(describeMediaError(named('NotReadableError')).kind).toBe('device-busy');
    expect(describeMediaError(named('OverconstrainedError')).kind).toBe('constraints');
    expect(describeMediaError(named('NotAllowedError'), 'screen').message).toMatch(/Screen/);
    expect(describeMediaError('weird').kind).toBe('unknown');
  });
});

describe('describeConnectFailure', () => {
  it('tells an ended or full meeting apart from access and network problems', () => {
    expect(describeConnectFailure(Object.assign(new Error('gone'), { status: 410 }))).toEqual({
      ended: true,
      message: 'The meeting has ended.',
    });
    expect(describeConnectFailure(new Error('could not join: room is full')).message).toMatch(
      /This meeting is full/,
    );
    expect(describeConnectFailure(Object.assign(new Error('x'), { status: 403 })).message).toMatch(
      /not \(or no longer\) allowed/,
    );
    expect(
      describeConnectFailure(new Error('The meeting is not open yet: it opens at 09:20')).message,
    ).toBe('The meeting is not open yet: it opens at 09:20');
    expect(describeConnectFailure(new TypeError('Failed to fetch')).message).toMatch(
      /Check your connection/,
    );
  });
});
