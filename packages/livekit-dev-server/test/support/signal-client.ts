import {
  ClientInfo,
  ClientInfo_SDK,
  ConnectionSettings,
  JoinRequest,
  SignalRequest,
  SignalResponse,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
} from '@livekit/protocol';
import { WebSocket } from 'ws';

type ResponseCase = NonNullable<SignalResponse['message']['case']>;
type ResponseOf<C extends ResponseCase> = Extract<SignalResponse['message'], { case: C }>['value'];

export interface RawJoinOptions {
  protocol?: number;
  reconnect?: boolean;
}

export function joinUrl(serverUrl: string, token: string, options: RawJoinOptions = {}): string {
  const request = new JoinRequest({
    clientInfo: new ClientInfo({
      sdk: ClientInfo_SDK.JS,
      protocol: options.protocol ?? 17,
      version: '2.23.0',
    }),
    connectionSettings: new ConnectionSettings({ autoSubscribe: true }),
    reconnect: options.reconnect ?? false,
  });
  const wrapped = new WrappedJoinRequest({
    compression: WrappedJoinRequest_Compression.NONE,
    joinRequest: request.toBinary(),
  });
  const params = new URLSearchParams({
    access_token: token,
    join_request: Buffer.from(wrapped.toBinary()).toString('base64url'),
  });
  return `${serverUrl}/rtc/v1?${params.toString()}`;
}

/**
 * A signalling-only LiveKit client (no media) speaking the protobuf protocol over the
 * WebSocket: enough to test what the server says and refuses without a browser.
 */
export class RawSignalClient {
  private readonly received: SignalResponse[] = [];
  private readonly waiters = new Set<() => void>();
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received.push(SignalResponse.fromBinary(new Uint8Array(data)));
      for (const waiter of this.waiters) waiter();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiters) waiter();
    });
  }

  static connect(
    serverUrl: string,
    token: string,
    options: RawJoinOptions = {},
  ): Promise<RawSignalClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(joinUrl(serverUrl, token, options));
      const client = new RawSignalClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`upgrade refused with HTTP ${String(response.statusCode)}`));
      });
      ws.once('error', reject);
    });
  }

  /** Waits for the next message of a kind (after those already taken) matching a predicate. */
  async next<C extends ResponseCase>(
    kind: C,
    predicate: (value: ResponseOf<C>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ResponseOf<C>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(
        (message) =>
          message.message.case === kind && predicate(message.message.value as ResponseOf<C>),
      );
      if (index >= 0) {
        const [message] = this.received.splice(index, 1);
        return message?.message.value as ResponseOf<C>;
      }
      if (this.closed) throw new Error(`connection closed before a "${kind}" message arrived`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no "${kind}" message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        const waiters = this.waiters;
        waiters.add(done);
      });
    }
  }

  send(message: SignalRequest['message']): void {
    this.ws.send(new SignalRequest({ message }).toBinary());
  }

  async waitForClose(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, deadline - Date.now());
        const waiters = this.waiters;
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}
