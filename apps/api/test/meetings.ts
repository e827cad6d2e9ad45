import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { expect } from 'vitest';
import {
  meetingSchema,
  serverMessageSchema,
  type CreateMeetingInput,
  type Meeting,
  type ServerMessage,
} from '@conclave/contracts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../src/plugins/app/auth';
import type { TestClient } from './factories';

/**
 * Helpers for the meetings integration tests: meetings that happen now (so their join window
 * is open), and real WebSocket clients of the control channel on a listening server.
 */

/** A local wall-clock time `minutes` from now, in UTC, to the minute (`2026-12-01T09:30`). */
export function utcLocal(minutesFromNow: number, nowMs = Date.now()): string {
  const date = new Date(nowMs + minutesFromNow * 60_000);
  return date.toISOString().slice(0, 16);
}

export function meetingNow(overrides: Partial<CreateMeetingInput> = {}): CreateMeetingInput & {
  title: string;
  startLocal: string;
  endLocal: string;
  timeZone: string;
} {
  return {
    title: 'Stand-up',
    startLocal: utcLocal(-5),
    endLocal: utcLocal(55),
    timeZone: 'UTC',
    notify: false,
    ...overrides,
  };
}

export async function scheduleMeeting(
  client: TestClient,
  orgId: string,
  input: CreateMeetingInput = meetingNow(),
): Promise<Meeting> {
  const response = await client.inject({
    method: 'POST',
    url: `/api/orgs/${orgId}/meetings`,
    payload: input,
  });
  expect(response.statusCode, response.body).toBe(201);
  return meetingSchema.parse(response.json());
}

export async function listen(
  app: FastifyInstance,
  requestedPort = 0,
): Promise<{ url: string; wsUrl: string; origin: string }> {
  await app.listen({ host: '127.0.0.1', port: requestedPort });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    origin: app.conclave.config.PUBLIC_URL,
  };
}

/** A control-channel client: every message it received, checked against the contract. */
export class ControlClient {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly opened: Promise<void>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.messages.push(serverMessageSchema.parse(JSON.parse(data.toString('utf8'))));
    });
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
  }

  static async open(
    wsUrl: string,
    path: string,
    options: { client?: TestClient; origin?: string | null } = {},
  ): Promise<ControlClient> {
    const headers: Record<string, string> = {};
    if (options.client) {
      const session = options.client.cookies.get(SESSION_COOKIE);
      const csrf = options.client.cookies.get(CSRF_COOKIE);
      headers.cookie = [
        session ? `${SESSION_COOKIE}=${session}` : '',
        csrf ? `${CSRF_COOKIE}=${csrf}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    }
    const socket = new WebSocket(`${wsUrl}${path}`, {
      headers,
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const control = new ControlClient(socket);
    await control.opened;
    return control;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  async next<T extends ServerMessage['type']>(
    type: T,
    predicate: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(type).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the socket did not close');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closed;
  }

  close(): void {
    if (
      this.socket.readyState === WebSocket.OPEN ||
      this.socket.readyState === WebSocket.CONNECTING
    ) {
      this.socket.close(1000);
    }
  }
}
