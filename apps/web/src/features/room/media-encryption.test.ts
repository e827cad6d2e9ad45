import { describe, expect, it } from 'vitest';
import { decideMediaEncryption, enforceEncryptionInWorker } from './media-encryption';

describe('decideMediaEncryption', () => {
  it('encrypts a meeting shown as encrypted when the server agrees', () => {
    expect(decideMediaEncryption({ shown: true, reported: true, source: 'token' })).toEqual({
      kind: 'encrypt',
    });
  });

  it('stops, and says why, when the token response downgrades a meeting shown as encrypted', () => {
    const decision = decideMediaEncryption({ shown: true, reported: false, source: 'token' });
    expect(decision.kind).toBe('stop');
    expect(decision.kind === 'stop' && decision.reason).toContain(
      'shown to you as end-to-end encrypted, but the server answered that it is not',
    );
    expect(decision.kind === 'stop' && decision.reason).toContain('Nothing was sent');
  });

  it('stops when the control channel (a reconnect) reports the meeting as not encrypted', () => {
    const decision = decideMediaEncryption({
      shown: true,
      reported: false,
      source: 'control-channel',
    });
    expect(decision.kind === 'stop' && decision.reason).toContain('no longer is');
  });

  it('sends in the clear only when the person was shown, and joined, an unencrypted meeting', () => {
    expect(decideMediaEncryption({ shown: false, reported: false, source: 'token' })).toEqual({
      kind: 'clear',
    });
    // Stricter than agreed is fine; weaker never is.
    expect(decideMediaEncryption({ shown: false, reported: true, source: 'token' })).toEqual({
      kind: 'encrypt',
    });
  });
});

describe('enforceEncryptionInWorker', () => {
  function fakeWorker() {
    const posted: { message: unknown; transfer: Transferable[] | undefined }[] = [];
    return {
      posted,
      postMessage(message: unknown, transfer?: Transferable[]) {
        posted.push({ message, transfer });
      },
    };
  }

  it('turns livekit’s "stop decrypting this participant" into "decrypt", and reports it', () => {
    const overridden: string[] = [];
    const worker = enforceEncryptionInWorker(fakeWorker(), (id) => overridden.push(id));
    worker.postMessage({
      kind: 'enable',
      data: { enabled: false, participantIdentity: 'mallory' },
    });
    expect(worker.posted[0]?.message).toEqual({
      kind: 'enable',
      data: { enabled: true, participantIdentity: 'mallory' },
    });
    expect(overridden).toEqual(['mallory']);
  });

  it('passes every other message through untouched, transferables included', () => {
    const overridden: string[] = [];
    const worker = enforceEncryptionInWorker(fakeWorker(), (id) => overridden.push(id));
    const enable = { kind: 'enable', data: { enabled: true, participantIdentity: 'ana' } };
    const decode = { kind: 'decode', data: { participantIdentity: 'ana', trackId: 't1' } };
    const transfer = [new MessageChannel().port1];
    worker.postMessage(enable);
    worker.postMessage(decode, transfer);
    worker.postMessage('not an object');
    expect(worker.posted.map((p) => p.message)).toEqual([enable, decode, 'not an object']);
    expect(worker.posted[1]?.transfer).toBe(transfer);
    expect(overridden).toEqual([]);
  });
});
