import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  /** The raw RFC 5322 message. */
  raw: string;
}

/**
 * A real SMTP server on a free loopback port for tests: nodemailer talks SMTP to it, and the
 * test reads what arrived (e.g. to follow the link in an invitation mail).
 */
export interface TestSmtpServer {
  url: string;
  mails: ReceivedMail[];
  waitForMail(to: string, predicate?: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitForMail(to, predicate = () => true) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = [...mails].reverse().find((m) => m.to.includes(to) && predicate(m));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} arrived within 10 s`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link with `#token=` in a raw mail (quoted-printable soft breaks undone). */
export function linkFromMail(raw: string): URL {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /https?:\/\/[^\s"<>]+#token=[A-Za-z0-9_-]+/.exec(unfolded);
  if (!match) throw new Error('the mail holds no link with a token');
  return new URL(match[0]);
}

export function tokenFromLink(link: URL): string {
  const token = new URLSearchParams(link.hash.slice(1)).get('token');
  if (!token) throw new Error(`no token in ${link.href}`);
  return token;
}
