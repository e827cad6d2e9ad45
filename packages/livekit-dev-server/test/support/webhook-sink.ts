import { createServer } from 'node:http';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';

export interface ReceivedWebhook {
  event: WebhookEvent;
  body: string;
  authorization: string;
  contentType: string;
}

/**
 * Stands in for Conclave's `POST /api/livekit/webhook`: every delivery must pass
 * livekit-server-sdk's WebhookReceiver (signature and body hash) or it is answered 401 and
 * recorded as rejected.
 */
export async function startWebhookSink(apiKey: string, apiSecret: string) {
  const receiver = new WebhookReceiver(apiKey, apiSecret);
  const accepted: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const authorization = request.headers.authorization ?? '';
      receiver.receive(body, authorization).then(
        (event) => {
          accepted.push({
            event,
            body,
            authorization,
            contentType: request.headers['content-type'] ?? '',
          });
          response.writeHead(200).end();
        },
        (error: unknown) => {
          rejected.push(String(error));
          response.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/livekit/webhook`,
    accepted,
    rejected,
    events(room?: string): string[] {
      return accepted
        .filter((webhook) => room === undefined || webhook.event.room?.name === room)
        .map(
          (webhook) =>
            `${webhook.event.event}${webhook.event.participant ? `:${webhook.event.participant.identity}` : ''}`,
        );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
