import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import { startTestSmtpServer } from '../../../test/smtp';
import { createMailer } from './mailer';

let database: TestDatabase;
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtpServer();
});

afterAll(async () => {
  await smtp?.close();
  await database?.drop();
});

describe('mailer', () => {
  it('sends through SMTP when SMTP_URL is set, with attachments, and keeps nothing in the outbox', async () => {
    const logged: object[] = [];
    const mailer = createMailer({
      smtpUrl: smtp.url,
      from: 'Conclave <conclave@example.test>',
      db: database.db,
      log: { info: (details) => logged.push(details) },
    });
    await mailer.send({
      to: 'someone@example.test',
      subject: 'Hello over SMTP',
      text: 'Open https://conclave.example/x#token=secret-token-value',
      attachments: [
        { filename: 'invite.ics', contentType: 'text/calendar', content: 'BEGIN:VCALENDAR' },
      ],
    });
    await mailer.close();
    const mail = await smtp.waitForMail('someone@example.test');
    expect(mail.from).toBe('conclave@example.test');
    expect(mail.raw).toContain('Subject: Hello over SMTP');
    expect(mail.raw).toContain('invite.ics');
    expect(await database.db.outboxMail.count()).toBe(0);
    expect(JSON.stringify(logged)).not.toContain('secret-token-value');
  });

  it('keeps mails in the outbox without SMTP_URL, and logs only who got what subject', async () => {
    const logged: object[] = [];
    const mailer = createMailer({
      smtpUrl: undefined,
      from: 'Conclave <conclave@localhost>',
      db: database.db,
      log: { info: (details, message) => logged.push({ ...details, message }) },
    });
    await mailer.send({
      to: 'outbox@example.test',
      subject: 'Kept for the admin',
      text: 'link: http://localhost/x#token=another-secret',
      html: '<p>hi</p>',
    });
    const stored = await database.db.outboxMail.findFirstOrThrow({
      where: { to: 'outbox@example.test' },
    });
    expect(stored).toMatchObject({ subject: 'Kept for the admin', html: '<p>hi</p>' });
    expect(stored.text).toContain('another-secret');
    expect(JSON.stringify(logged)).toContain('outbox@example.test');
    expect(JSON.stringify(logged)).not.toContain('another-secret');
  });
});
