import { createHash, randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../db/transaction';
import type { CounterStore } from '../limits/counters';
import { takeBudget } from '../limits/budget';
import type { Mailer } from '../mail/mailer';
import { meetingCalendar, occurrenceCalendar, type IcsMeeting } from '../calendar/ics';
import { describeRecurrenceRule } from './recurrence';
import { findOccurrence, scheduleStartMs } from './schedule';
import {
  meetingLinks,
  overridesOf,
  scheduleOf,
  usersById,
  type MeetingRecord,
  type PersonInfo,
} from './model';

/**
 * Invitation, update and cancellation mails, each with an ICS attachment (iTIP REQUEST or
 * CANCEL) so calendar programs add, move or remove the event. Members get the meeting page;
 * outside addresses get the lobby link, which carries no link secret (the secret is made in
 * the organiser's browser and never reaches this server), and the mail says so.
 */

export type MailKind = 'invitation' | 'update' | 'cancellation';

/**
 * How many meeting mails to outside addresses a member, and an org, may send per 24 hours
 * (MEETING_MAIL_MEMBER_LIMIT, MEETING_MAIL_ORG_LIMIT): without it any member could make the
 * server mail up to 300 strangers per meeting, again with every change. Checked before the
 * change is written, so a refused change (429) changes nothing; cancellations are not
 * counted (they only follow mails that were).
 */
export interface MeetingMailBudget {
  counters: CounterStore;
  memberLimit: number;
  orgLimit: number;
}

const MAIL_WINDOW_MS = 24 * 3_600_000;

export async function reserveOutsideMail(
  budget: MeetingMailBudget | undefined,
  options: { orgId: string; userId: string; outsideRecipients: number },
): Promise<void> {
  const count = options.outsideRecipients;
  if (!budget || count === 0) return;
  const refusal = (who: string) => (wait: string, remaining: number) =>
    `This change would e-mail ${count} outside address${count === 1 ? '' : 'es'}, but ${who} can send ${remaining} more meeting mail${remaining === 1 ? '' : 's'} to outside addresses in the next ${wait}. Invite fewer outside people, or save without sending e-mails (turn off "Send invitations by e-mail").`;
  const giveBackMember = await takeBudget(budget.counters, {
    key: `meeting-mail-member|${options.userId}`,
    amount: count,
    max: budget.memberLimit,
    windowMs: MAIL_WINDOW_MS,
    refusal: refusal('you'),
  });
  try {
    await takeBudget(budget.counters, {
      key: `meeting-mail-org|${options.orgId}`,
      amount: count,
      max: budget.orgLimit,
      windowMs: MAIL_WINDOW_MS,
      refusal: refusal('your organisation'),
    });
  } catch (error) {
    await giveBackMember();
    throw error;
  }
}

export interface MailScope {
  kind: MailKind;
  /** One occurrence (moved or cancelled), or the whole series. */
  occurrenceId?: string;
}

interface Recipient {
  email: string;
  member: boolean;
  /** Outside invitees: a fresh answer link (the token's hash replaces the previous one). */
  rsvpUrl: string | null;
}

export function hashRsvpToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

function formatWhen(startMs: number, endMs: number, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone }).format(startMs);
  const time = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone });
  return `${day}, ${time.format(startMs)}–${time.format(endMs)} (${timeZone})`;
}

export function icsMeeting(
  meeting: MeetingRecord,
  users: Map<string, PersonInfo>,
  url: string,
): IcsMeeting {
  const organizerId =
    meeting.createdById ??
    meeting.invitees.find((invitee) => invitee.role === 'host')?.userId ??
    null;
  const organizer = organizerId ? users.get(organizerId) : undefined;
  return {
    uid: meeting.icsUid,
    sequence: meeting.sequence,
    title: meeting.title,
    description: meeting.description,
    url,
    status: meeting.status,
    schedule: scheduleOf(meeting),
    overrides: overridesOf(meeting),
    organizer: organizer ? { email: organizer.email, name: organizer.displayName } : null,
    attendees: meeting.invitees.map((invitee) => ({
      email: invitee.email,
      name: invitee.userId ? (users.get(invitee.userId)?.displayName ?? null) : null,
      role: invitee.role,
      response: invitee.response,
    })),
    createdMs: meeting.createdAt.getTime(),
    updatedMs: meeting.updatedAt.getTime(),
  };
}

/**
 * Mails every recipient (default: every invitee but `exceptUserId`). Runs after the change
 * committed; a mail that cannot be sent is logged and does not undo the change.
 */
export async function sendMeetingMails(options: {
  db: DbOrTx;
  mailer: Mailer;
  publicUrl: string;
  meeting: MeetingRecord;
  scope: MailScope;
  actorName: string;
  exceptUserId?: string | null;
  /** Only these invitees (by e-mail); default all. */
  onlyEmails?: readonly string[];
  log: { warn(details: object, message: string): void };
}): Promise<{ sent: number; failed: number }> {
  const { db, meeting, scope } = options;
  const users = await usersById(db, [
    meeting.createdById,
    ...meeting.invitees.map((invitee) => invitee.userId),
  ]);
  const links = meetingLinks(options.publicUrl, meeting);
  const schedule = scheduleOf(meeting);
  const overrides = overridesOf(meeting);
  const only = options.onlyEmails ? new Set(options.onlyEmails) : null;
  const recipients: Recipient[] = [];
  for (const invitee of meeting.invitees) {
    if (options.exceptUserId && invitee.userId === options.exceptUserId) continue;
    if (only && !only.has(invitee.email)) continue;
    let rsvpUrl: string | null = null;
    if (!invitee.userId && scope.kind !== 'cancellation') {
      const token = randomBytes(32).toString('base64url');
      await db.meetingInvitee.update({
        where: { id: invitee.id },
        data: { rsvpTokenHash: hashRsvpToken(token) },
      });
      // In the fragment: the token never appears in a request line or a server log.
      rsvpUrl = `${options.publicUrl}/join/rsvp#token=${token}`;
    }
    recipients.push({ email: invitee.email, member: invitee.userId !== null, rsvpUrl });
  }

  const occurrence = scope.occurrenceId
    ? findOccurrence(schedule, overrides, scope.occurrenceId)
    : null;
  const startMs = occurrence?.startMs ?? scheduleStartMs(schedule);
  const endMs = occurrence?.endMs ?? startMs + schedule.durationMinutes * 60_000;
  const when = formatWhen(startMs, endMs, meeting.timeZone);
  const title = occurrence?.title ?? meeting.title;
  const method = scope.kind === 'cancellation' ? 'CANCEL' : 'REQUEST';
  const subjectPrefix = { invitation: 'Invitation', update: 'Updated', cancellation: 'Cancelled' }[
    scope.kind
  ];
  const subject = `${subjectPrefix}: ${title} (${new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: meeting.timeZone,
  }).format(startMs)})`;

  let sent = 0;
  let failed = 0;
  for (const recipient of recipients) {
    const url = recipient.member ? links.page : links.lobby;
    const ics = icsMeeting(meeting, users, url);
    const calendar = scope.occurrenceId
      ? occurrenceCalendar(ics, scope.occurrenceId, { method, dtstampMs: Date.now() })
      : meetingCalendar(ics, { method, dtstampMs: Date.now() });
    const lines = [
      scope.kind === 'invitation'
        ? `${options.actorName} invited you to "${title}".`
        : scope.kind === 'update'
          ? `${options.actorName} changed "${title}".`
          : `${options.actorName} cancelled "${title}"${scope.occurrenceId ? ' on this date' : ''}.`,
      '',
      `When: ${when}`,
    ];
    if (schedule.rule && !scope.occurrenceId) {
      lines.push(`Repeats: ${describeRecurrenceRule(schedule.rule, meeting.timeZone)}`);
    }
    if (meeting.description && scope.kind !== 'cancellation') lines.push('', meeting.description);
    if (scope.kind !== 'cancellation') {
      lines.push('');
      if (recipient.member) {
        lines.push(`Meeting page (join from here): ${links.page}`);
      } else {
        lines.push(
          `Join through the lobby: ${links.lobby}`,
          '',
          "This lobby link does not contain the meeting's guest link secret: that secret is made in",
          "the organiser's browser and never passes through this server, so no e-mail from it can",
          'carry it. With this link a host can let you in from the lobby, but in an end-to-end',
          'encrypted meeting the other participants can only check who you are, and send you the',
          'keys to see and hear them, if you have the secret: if the organiser sends you the guest',
          'link themselves, use that one.',
        );
        if (meeting.passcodeHash)
          lines.push('', 'The meeting has a passcode: ask the organiser for it.');
        if (recipient.rsvpUrl) lines.push('', `Accept or decline: ${recipient.rsvpUrl}`);
      }
      lines.push(
        '',
        meeting.e2ee
          ? 'Audio, video and chat are end-to-end encrypted: the server cannot see or hear them.'
          : 'End-to-end encryption is off for this meeting.',
      );
    }
    lines.push('', 'The attached calendar file adds the meeting to your calendar.');
    try {
      await options.mailer.send({
        to: recipient.email,
        subject,
        text: lines.join('\n'),
        attachments: [
          {
            filename: scope.kind === 'cancellation' ? 'cancel.ics' : 'invite.ics',
            contentType: `text/calendar; charset=utf-8; method=${method}`,
            content: calendar,
          },
        ],
      });
      sent += 1;
    } catch (error) {
      failed += 1;
      options.log.warn(
        { err: error instanceof Error ? error.message : String(error), meetingId: meeting.id },
        'meeting mail could not be sent',
      );
    }
  }
  return { sent, failed };
}
