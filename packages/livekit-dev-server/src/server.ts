import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  DisconnectReason,
  LeaveRequest,
  LeaveRequest_Action,
  SignalResponse,
} from '@livekit/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { AccessDeniedError, createTokenVerifier, verifyJoinToken, type JoinGrant } from './auth';
import { LEGACY_MODE_MESSAGE, unsupportedClientReason } from './compat';
import { createRoomService } from './http/twirp';
import { silentLogger, type DevMediaServerOptions, type TapOptions } from './options';
import { ParticipantSession } from './rooms/participant';
import { RoomRegistry } from './rooms/registry';
import { SignalConnection } from './signal/connection';
import { MalformedJoinRequestError, parseSignalConnectUrl } from './signal/join-request';
import { MediaTap } from './tap/tap';
import { WebhookNotifier } from './webhooks';
import type { JoinRequest } from '@livekit/protocol';

export interface DevMediaServer {
  /** ws://host:port: what livekit-client's `room.connect()` and RoomServiceClient take. */
  url: string;
  /** http://host:port: the same server for plain HTTP (RoomService, /debug/tap). */
  httpUrl: string;
  port: number;
  /** Present when started with `enableTap`. */
  tap?: MediaTap;
  /** Disconnects everyone (leave: SERVER_SHUTDOWN), sends the last webhooks, stops listening. */
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
};

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpRefusal(413, 'request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType = 'text/plain; charset=utf-8',
  cors = false,
): void {
  response.writeHead(status, { ...(cors ? corsHeaders : {}), 'content-type': contentType });
  response.end(body);
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message);
  socket.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\n` +
      'content-type: text/plain; charset=utf-8\r\n' +
      `content-length: ${body.length}\r\n` +
      'connection: close\r\n\r\n' +
      body.toString(),
  );
}

export async function startDevMediaServer(options: DevMediaServerOptions): Promise<DevMediaServer> {
  if (!options.apiKey || !options.apiSecret) {
    throw new Error('startDevMediaServer: apiKey and apiSecret are required');
  }
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const verifier = createTokenVerifier(options.apiKey, options.apiSecret);
  const notifier = new WebhookNotifier(
    options.webhookUrls ?? [],
    options.apiKey,
    options.apiSecret,
    logger,
  );
  const tapOptions: TapOptions | undefined =
    options.enableTap === true ? {} : options.enableTap === false ? undefined : options.enableTap;
  const tap = tapOptions ? new MediaTap(tapOptions) : undefined;
  const registry = new RoomRegistry({
    departureTimeoutSeconds: options.departureTimeoutSeconds ?? 20,
    emptyTimeoutSeconds: 300,
    notifier,
    logger,
  });
  const participantSettings = {
    iceCandidateHosts: options.iceCandidateHosts ?? ['127.0.0.1'],
    tap,
    logger,
  };
  const roomService = createRoomService(registry, verifier);

  /** Everything that decides whether a client may join, before the WebSocket is accepted. */
  async function checkJoin(url: URL): Promise<{ grant: JoinGrant; joinRequest: JoinRequest }> {
    if (url.pathname === '/rtc' || url.pathname === '/rtc/validate') {
      throw new HttpRefusal(403, LEGACY_MODE_MESSAGE);
    }
    let params;
    try {
      params = parseSignalConnectUrl(url);
    } catch (error) {
      if (error instanceof MalformedJoinRequestError) throw new HttpRefusal(400, error.message);
      throw error;
    }
    let grant: JoinGrant;
    try {
      grant = await verifyJoinToken(verifier, params.accessToken);
    } catch (error) {
      if (error instanceof AccessDeniedError) throw new HttpRefusal(error.status, error.message);
      throw error;
    }
    const clientInfo = params.joinRequest.clientInfo;
    const unsupported = unsupportedClientReason(
      clientInfo?.protocol ?? 0,
      clientInfo?.version ?? '',
    );
    if (unsupported) throw new HttpRefusal(403, unsupported);
    return { grant, joinRequest: params.joinRequest };
  }

  function acceptParticipant(ws: WebSocket, grant: JoinGrant, joinRequest: JoinRequest): void {
    const signal = new SignalConnection(ws, logger);
    if (joinRequest.reconnect) {
      // Resuming a session is not implemented (JoinResponse says so); make the client rejoin.
      ws.send(
        new SignalResponse({
          message: {
            case: 'leave',
            value: new LeaveRequest({
              canReconnect: true,
              reason: DisconnectReason.STATE_MISMATCH,
              action: LeaveRequest_Action.RECONNECT,
            }),
          },
        }).toBinary(),
      );
      signal.close();
      return;
    }
    const { room } = registry.getOrCreate(grant.room);
    const participant = new ParticipantSession(
      grant,
      room,
      signal,
      participantSettings,
      joinRequest.connectionSettings?.disableIceLite ?? false,
    );
    room.add(participant);
    participant.start(joinRequest);
    logger.info('participant joined', {
      room: room.name,
      identity: participant.identity,
      sid: participant.sid,
    });
  }

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    // Browsers fetch only the validate endpoint (cross-origin from the app's page), so only
    // that one, and the health check, answer with CORS headers.
    if (method === 'OPTIONS') {
      response.writeHead(204, corsHeaders);
      response.end();
      return;
    }
    if (url.pathname === '/') {
      reply(response, 200, 'OK', undefined, true);
      return;
    }
    if (url.pathname === '/rtc/v1/validate' || url.pathname === '/rtc/validate') {
      try {
        await checkJoin(
          new URL(url.pathname.replace(/\/validate$/, '') + url.search, 'http://localhost'),
        );
        reply(response, 200, 'success', undefined, true);
      } catch (error) {
        if (error instanceof HttpRefusal) {
          reply(response, error.status, error.message, undefined, true);
          return;
        }
        throw error;
      }
      return;
    }
    const twirp = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(url.pathname);
    if (twirp?.[1] && method === 'POST') {
      let body: Buffer;
      try {
        body = await readBody(request);
      } catch (error) {
        if (error instanceof HttpRefusal) {
          reply(response, error.status, error.message);
          return;
        }
        throw error;
      }
      const result = await roomService({
        method: twirp[1],
        contentType: request.headers['content-type'] ?? '',
        body,
        authorization: request.headers.authorization,
      });
      reply(response, result.status, result.body, result.contentType);
      return;
    }
    if (url.pathname === '/debug/tap' && tap) {
      if (method === 'GET') {
        reply(response, 200, JSON.stringify(tap.toJSON()), 'application/json');
        return;
      }
      if (method === 'DELETE') {
        tap.reset();
        reply(response, 204, '');
        return;
      }
    }
    reply(response, 404, 'not found');
  }

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      logger.error('HTTP request failed', { url: request.url, error: String(error) });
      if (!response.headersSent) reply(response, 500, 'internal error');
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/rtc/v1' && url.pathname !== '/rtc') {
      refuseUpgrade(socket, 404, 'not found');
      return;
    }
    checkJoin(url).then(
      ({ grant, joinRequest }) => {
        wss.handleUpgrade(request, socket, head, (ws) => acceptParticipant(ws, grant, joinRequest));
      },
      (error: unknown) => {
        if (error instanceof HttpRefusal) {
          logger.warn('refused a client', { status: error.status, reason: error.message });
          refuseUpgrade(socket, error.status, error.message);
        } else {
          logger.error('signal upgrade failed', { error: String(error) });
          refuseUpgrade(socket, 400, 'internal error');
        }
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.info('LiveKit-compatible DEVELOPMENT media server listening (not for production)', {
    url: `ws://${urlHost}:${port}`,
  });

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${urlHost}:${port}`,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    ...(tap ? { tap } : {}),
    close() {
      closing ??= (async () => {
        await registry.closeAll();
        await notifier.flush();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
