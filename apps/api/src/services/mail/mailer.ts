import nodemailer from 'nodemailer';
import type { Db } from '../../db/client';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string | Uint8Array;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
}

export interface Mailer {
  /** `smtp` sends through SMTP_URL; `outbox` keeps mails for the instance admin's outbox page. */
  readonly kind: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export interface MailLog {
  info(details: object, message: string): void;
}

/**
 * SMTP (nodemailer) when SMTP_URL is set; otherwise the embedded default for one machine: the
 * mail is stored in the `outbox_mails` table and shown on the instance admin's Outbox page,
 * and the log says only that a mail went to whom (links in mails are secrets: no body in logs).
 */
export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  db: Db;
  log: MailLog;
}): Mailer {
  const { smtpUrl, from, db, log } = options;
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl, { from });
    return {
      kind: 'smtp',
      async send(message) {
        await transport.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          ...(message.attachments
            ? {
                attachments: message.attachments.map((attachment) => ({
                  filename: attachment.filename,
                  contentType: attachment.contentType,
                  content:
                    typeof attachment.content === 'string'
                      ? attachment.content
                      : Buffer.from(attachment.content),
                })),
              }
            : {}),
        });
        log.info({ to: message.to, subject: message.subject }, 'mail sent over SMTP');
      },
      async close() {
        transport.close();
      },
    };
  }
  return {
    kind: 'outbox',
    async send(message) {
      await db.outboxMail.create({
        data: {
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html ?? null,
          ...(message.attachments
            ? {
                attachments: message.attachments.map((attachment) => ({
                  filename: attachment.filename,
                  contentType: attachment.contentType,
                  contentBase64: Buffer.from(
                    typeof attachment.content === 'string'
                      ? Buffer.from(attachment.content, 'utf8')
                      : attachment.content,
                  ).toString('base64'),
                })),
              }
            : {}),
        },
      });
      log.info(
        { to: message.to, subject: message.subject },
        'mail kept in the outbox (no SMTP_URL): the instance admin sees it under Admin > Outbox',
      );
    },
    async close() {},
  };
}
