import { SignalRequest, SignalResponse } from '@livekit/protocol';
import type { WebSocket } from 'ws';
import type { DevMediaServerLogger } from '../options';

export type SignalMessage = NonNullable<SignalResponse['message']>;
export type SignalRequestMessage = NonNullable<SignalRequest['message']>;

/** The client's signalling WebSocket: protobuf SignalRequest in, SignalResponse out. */
export class SignalConnection {
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly logger: DevMediaServerLogger,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  send(message: SignalMessage): void {
    if (!this.isOpen) return;
    this.ws.send(new SignalResponse({ message }).toBinary(), (error) => {
      // A socket closing under the message is the client leaving, not a fault.
      if (error && this.isOpen) this.logger.warn('signal send failed', { error: String(error) });
    });
  }

  onRequest(handler: (message: SignalRequestMessage) => void): void {
    this.ws.on('message', (data, isBinary) => {
      let request: SignalRequest;
      try {
        request = isBinary
          ? SignalRequest.fromBinary(toBytes(data))
          : SignalRequest.fromJsonString(toBytes(data).toString(), { ignoreUnknownFields: true });
      } catch (error) {
        this.logger.warn('ignoring undecodable signal request', { error: String(error) });
        return;
      }
      if (request.message.case === undefined) return;
      try {
        handler(request.message);
      } catch (error) {
        // One bad request must not take the server (and everyone's meeting) down.
        this.logger.error('signal request failed', {
          request: request.message.case,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    });
  }

  onClose(handler: () => void): void {
    this.ws.on('close', () => {
      this.closed = true;
      handler();
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}
