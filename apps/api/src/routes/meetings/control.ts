import type { WebSocket } from 'ws';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CONTROL_CLOSE_CODES,
  occurrenceIdSchema,
  type ControlErrorCode,
  type ServerMessage,
} from '@conclave/contracts';
import type { Connection, ControlSocket, JoinRequest } from '../../services/control-channel/hub';
import {
  JoinRefused,
  resolveGuestJoin,
  resolveMemberJoin,
  ticketIssuer,
  type RefusalCode,
} from '../../services/meetings/join';

const REFUSAL: Record<RefusalCode, { close: number; error: ControlErrorCode }> = {
  unauthenticated: { close: CONTROL_CLOSE_CODES.unauthenticated, error: 'unauthenticated' },
  forbidden: { close: CONTROL_CLOSE_CODES.forbidden, error: 'forbidden' },
  not_found: { close: CONTROL_CLOSE_CODES.notFound, error: 'not_found' },
  not_open: { close: CONTROL_CLOSE_CODES.notOpen, error: 'not_open' },
  ended: { close: CONTROL_CLOSE_CODES.meetingEnded, error: 'ended' },
  bad_request: { close: CONTROL_CLOSE_CODES.badRequest, error: 'invalid_message' },
};

/** Messages a client may send before the server has authorised it; more close the socket. */
const MAX_EARLY_MESSAGES = 64;

function adapt(socket: WebSocket): ControlSocket {
  return {
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
    ping: () => socket.ping(),
    terminate: () => socket.terminate(),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
  };
}

function refuse(socket: WebSocket, code: RefusalCode, message: string): void {
  const refusal = REFUSAL[code];
  const body: ServerMessage = { type: 'error', code: refusal.error, message, ref: null };
  socket.send(JSON.stringify(body));
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  socket.close(refusal.close, reason);
}

/**
 * The control channel: `GET /api/meetings/:meetingId/control` upgraded to a WebSocket, one per
 * participant and occurrence (`?occurrence=<id>`, default: the one open now). Members
 * authenticate with the session cookie, and the Origin must be this server's (cross-site
 * WebSocket hijacking); guests with `?ticket=<lobby ticket>`. A refusal is an `error` message
 * followed by a close code the client can act on (docs/meetings.md lists them).
 */
const controlRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db } = app.conclave;
  const publicOrigin = new URL(config.PUBLIC_URL).origin;

  app.get(
    '/meetings/:meetingId/control',
    {
      websocket: true,
      schema: {
        tags: ['meetings'],
        summary: 'The control channel (WebSocket): presence, lobby, host actions and the relay',
        params: z.object({ meetingId: z.string() }),
        querystring: z.object({ occurrence: z.string().optional(), ticket: z.string().optional() }),
      },
    },
    (socket, request) => {
      const { hub, identities } = app.meetings;
      const early: [Buffer, boolean][] = [];
      let connection: Connection | null = null;
      let closedCode: number | null = null;
      // Handlers first (@fastify/websocket): frames that arrive while authorising are kept.
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (connection) {
          hub.receive(connection, data, isBinary);
        } else if (early.length < MAX_EARLY_MESSAGES) {
          early.push([data, isBinary]);
        } else {
          socket.close(
            CONTROL_CLOSE_CODES.rateLimited,
            'Too many messages before the connection was ready.',
          );
        }
      });
      socket.on('pong', () => {
        if (connection) hub.pong(connection);
      });
      socket.on('close', (code: number) => {
        closedCode = code;
        if (connection) hub.closed(connection, code);
      });
      socket.on('error', (error: Error) => {
        request.log.debug({ err: error.message }, 'control channel socket error');
      });

      const { meetingId } = request.params;
      const { occurrence, ticket } = request.query;
      void (async () => {
        if (occurrence !== undefined && !occurrenceIdSchema.safeParse(occurrence).success) {
          throw new JoinRefused(
            'bad_request',
            'occurrence must be an occurrence id like 20261201T083000Z.',
          );
        }
        const origin = request.headers.origin;
        const now = Date.now();
        let join: JoinRequest;
        if (ticket) {
          if (origin !== undefined && origin !== publicOrigin) {
            throw new JoinRefused(
              'forbidden',
              'This page is not allowed to open the control channel.',
            );
          }
          const resolved = await resolveGuestJoin(
            { db, serverSecret: config.SERVER_SECRET, nowMs: now },
            { meetingId, ticket },
          );
          join = {
            room: resolved.room,
            participant: resolved.participant,
            status: resolved.status,
            userId: null,
            sessionId: null,
            issueTicket: ticketIssuer(config.SERVER_SECRET, resolved, Date.now),
          };
        } else if (request.auth) {
          if (origin !== publicOrigin) {
            throw new JoinRefused(
              'forbidden',
              'This page is not allowed to open the control channel.',
            );
          }
          const resolved = await resolveMemberJoin(db, {
            meetingId,
            occurrenceId: occurrence,
            user: request.auth.user,
            nowMs: now,
          });
          const identity =
            (await identities.current([request.auth.user.id])).get(request.auth.user.id) ?? null;
          join = {
            room: resolved.room,
            participant: { ...resolved.participant, identity },
            status: resolved.status,
            userId: request.auth.user.id,
            sessionId: request.auth.sessionId,
            issueTicket: null,
          };
        } else {
          throw new JoinRefused(
            'unauthenticated',
            'Sign in, or knock in the lobby as a guest, to open the control channel.',
          );
        }
        if (closedCode !== null) return;
        const created = await hub.connect(adapt(socket), join);
        if (closedCode !== null) {
          hub.closed(created, closedCode);
          return;
        }
        connection = created;
        for (const [data, isBinary] of early.splice(0)) hub.receive(created, data, isBinary);
      })().catch((error: unknown) => {
        if (closedCode !== null) return;
        if (error instanceof JoinRefused) {
          refuse(socket, error.code, error.message);
          return;
        }
        request.log.error({ err: error }, 'control channel: could not connect');
        socket.close(1011, 'The server could not open the control channel; try again.');
      });
    },
  );
};

export default controlRoutes;
