import type { MailMessage } from './mailer';

/**
 * The mails accounts send. Links carry their token in the URL fragment (`#token=...`), which
 * browsers never send to a server: the token stays out of access logs and Referer headers;
 * the page reads it and posts it to the API.
 */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function mail(
  to: string,
  subject: string,
  paragraphs: string[],
  link: { url: string; label: string },
  footer: string,
): MailMessage {
  const text = [...paragraphs, `${link.label}: ${link.url}`, footer].join('\n\n');
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
    `<p style="color:#555">${escapeHtml(footer)}</p>`,
  ].join('\n');
  return { to, subject, text, html };
}

export function linkWithToken(publicUrl: string, path: string, token: string): string {
  return `${publicUrl}${path}#token=${token}`;
}

const hours = (ms: number) => Math.round(ms / 3600_000);

export function invitationMail(input: {
  to: string;
  orgName: string;
  inviterName: string | null;
  role: string;
  url: string;
  validForMs: number;
}): MailMessage {
  const who = input.inviterName ? `${input.inviterName} invited you` : 'You were invited';
  return mail(
    input.to,
    `Join ${input.orgName} on Conclave`,
    [
      `${who} to join ${input.orgName} on Conclave as ${input.role}.`,
      'Conclave meetings are end-to-end encrypted: open the link to create your account (or sign in) and join.',
    ],
    { url: input.url, label: 'Accept the invitation' },
    `The link works once and expires in ${hours(input.validForMs)} hours. If you did not expect this, ignore this mail.`,
  );
}

export function signUpMail(input: { to: string; url: string; validForMs: number }): MailMessage {
  return mail(
    input.to,
    'Create your Conclave account',
    ['Someone (hopefully you) asked to create a Conclave account for this address.'],
    { url: input.url, label: 'Create your account' },
    `The link works once and expires in ${hours(input.validForMs)} hours. If it was not you, ignore this mail.`,
  );
}

export function accountExistsMail(input: { to: string; signInUrl: string }): MailMessage {
  return mail(
    input.to,
    'You already have a Conclave account',
    [
      'Someone (hopefully you) asked to create a Conclave account for this address, but it already has one.',
      'Sign in instead, or use "Forgot password" on the sign-in page if you do not remember it.',
    ],
    { url: input.signInUrl, label: 'Sign in' },
    'If it was not you, ignore this mail: nothing was changed.',
  );
}

export function recoveryMail(input: { to: string; url: string; validForMs: number }): MailMessage {
  return mail(
    input.to,
    'Reset your Conclave password',
    [
      'Someone (hopefully you) asked to reset the password of your Conclave account.',
      'You will need the recovery code you saved when you created the account. With it you keep your keys and can still open your recordings.',
    ],
    { url: input.url, label: 'Reset your password' },
    `The link works once and expires in ${hours(input.validForMs)} hours. If it was not you, ignore this mail: your password stays as it is.`,
  );
}

export function adminResetMail(input: {
  to: string;
  orgName: string;
  adminName: string;
  url: string;
  validForMs: number;
}): MailMessage {
  return mail(
    input.to,
    'Your Conclave account was reset by an admin',
    [
      `${input.adminName}, an admin of ${input.orgName}, started a reset of your Conclave account, for when both the password and the recovery code are lost.`,
      'Open the link to choose a new password. You will get new keys: colleagues will see that your keys changed, and recordings made for your old keys will stay readable only by their other recipients.',
      'If you still have your recovery code, use "Forgot password" on the sign-in page instead and keep your keys.',
    ],
    { url: input.url, label: 'Set a new password' },
    `The link works once and expires in ${hours(input.validForMs)} hours. Until you use it, your current password keeps working.`,
  );
}
