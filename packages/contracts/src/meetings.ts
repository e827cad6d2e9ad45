import { z } from 'zod';
import { safeText } from './text';
import { PASSCODE_RULE, passcodeWeakness } from './passcode';
import { effectivePolicySchema, meetingPolicyOverridesSchema } from './policies';

/**
 * Meetings: scheduling, invitations, the lobby, LiveKit tokens and the calendar feed.
 * docs/meetings.md explains the model; the control channel's messages are in
 * control-channel.ts.
 */

/** A wall-clock time in the meeting's time zone, to the minute: `2026-12-01T09:30`. */
export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be a local date and time like 2026-12-01T09:30');

/**
 * An occurrence of a meeting is named by its original start in UTC, in iCalendar's basic
 * format (`20261201T083000Z`): the RECURRENCE-ID of calendars, stable when the occurrence is
 * moved, and safe in URLs.
 */
export const occurrenceIdSchema = z
  .string()
  .regex(/^\d{8}T\d{6}Z$/, 'must be an occurrence id like 20261201T083000Z');

export const meetingGuestsSchema = z
  .enum(['forbidden', 'lobby'])
  .describe('Whether guests without an account may ask to join, through the lobby.');
export const meetingAudienceSchema = z
  .enum(['invitees', 'org'])
  .describe(
    'Who joins without waiting in the lobby: the hosts and invitees only, or every member of the org.',
  );
export const rsvpResponseSchema = z.enum(['needs_action', 'accepted', 'declined', 'tentative']);
export type RsvpResponse = z.infer<typeof rsvpResponseSchema>;

const titleSchema = safeText(z.string().trim().min(1, 'is required').max(200));
const descriptionSchema = safeText(z.string().max(5000), { multiline: true });
const timeZoneSchema = z.string().min(1).max(64).describe('IANA time zone, e.g. Europe/Berlin');
const recurrenceSchema = z
  .string()
  .trim()
  .max(300)
  .nullable()
  .describe('An RFC 5545 RRULE value (without "RRULE:"), e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10');
const passcodeSchema = z
  .string()
  .max(64)
  .superRefine((passcode, context) => {
    const weakness = passcodeWeakness(passcode);
    if (weakness) context.addIssue({ code: 'custom', message: weakness });
  })
  .nullable()
  .describe(`Asked of guests in the lobby: ${PASSCODE_RULE}. null removes it.`);

export const createMeetingSchema = z
  .object({
    title: titleSchema,
    description: descriptionSchema.default(''),
    startLocal: localDateTimeSchema,
    endLocal: localDateTimeSchema,
    timeZone: timeZoneSchema,
    recurrence: recurrenceSchema.default(null),
    hosts: z
      .array(z.email())
      .max(20)
      .default([])
      .describe('Co-hosts (org members) besides the creator'),
    invitees: z
      .array(z.email())
      .max(300)
      .default([])
      .describe('Org members or outside e-mail addresses'),
    passcode: passcodeSchema.default(null),
    guests: meetingGuestsSchema.default('lobby'),
    e2ee: z
      .boolean()
      .default(true)
      .describe('End-to-end encryption; turning it off needs an org policy that allows it.'),
    audience: meetingAudienceSchema.default('invitees'),
    earlyJoinMinutes: z.number().int().min(0).max(60).default(10),
    policy: meetingPolicyOverridesSchema
      .optional()
      .describe('Recording settings tightened for this meeting (docs/policies.md)'),
    notify: z.boolean().default(true).describe('Send invitations by e-mail'),
  })
  .meta({ id: 'CreateMeeting' });
export type CreateMeetingInput = z.input<typeof createMeetingSchema>;

export const updateMeetingSchema = z
  .object({
    title: titleSchema,
    description: descriptionSchema,
    startLocal: localDateTimeSchema,
    endLocal: localDateTimeSchema,
    timeZone: timeZoneSchema,
    recurrence: recurrenceSchema,
    hosts: z.array(z.email()).max(20),
    invitees: z.array(z.email()).max(300),
    passcode: passcodeSchema,
    guests: meetingGuestsSchema,
    e2ee: z.boolean(),
    audience: meetingAudienceSchema,
    earlyJoinMinutes: z.number().int().min(0).max(60),
    policy: meetingPolicyOverridesSchema.describe(
      "Replaces the meeting's tightened recording settings (absent keys follow the org)",
    ),
    notify: z.boolean(),
  })
  .partial()
  .meta({ id: 'UpdateMeeting' });
export type UpdateMeetingInput = z.input<typeof updateMeetingSchema>;

export const updateOccurrenceSchema = z
  .object({
    startLocal: localDateTimeSchema,
    endLocal: localDateTimeSchema,
    title: titleSchema,
    notify: z.boolean(),
  })
  .partial()
  .meta({ id: 'UpdateOccurrence' });
export type UpdateOccurrenceInput = z.input<typeof updateOccurrenceSchema>;

export const meetingPersonSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
});

export const meetingInviteeSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    userId: z.uuid().nullable(),
    displayName: z.string().nullable(),
    kind: z.enum(['member', 'outside']),
    role: z.enum(['host', 'attendee']),
    response: rsvpResponseSchema,
    respondedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'MeetingInvitee' });
export type MeetingInvitee = z.infer<typeof meetingInviteeSchema>;

export const meetingExceptionSchema = z.object({
  occurrenceId: occurrenceIdSchema,
  cancelled: z.boolean(),
  start: z.iso.datetime().nullable(),
  end: z.iso.datetime().nullable(),
  title: z.string().nullable(),
});

export const meetingSchema = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    title: z.string(),
    description: z.string(),
    timeZone: z.string(),
    startLocal: localDateTimeSchema,
    endLocal: localDateTimeSchema,
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    durationMinutes: z.number().int(),
    recurrence: z.string().nullable(),
    recurrenceText: z
      .string()
      .nullable()
      .describe('The rule in English, e.g. "every week on Monday"'),
    status: z.enum(['scheduled', 'cancelled']),
    sequence: z.number().int().describe('iCalendar SEQUENCE: rises with every change mailed out'),
    guests: meetingGuestsSchema,
    e2ee: z.boolean(),
    audience: meetingAudienceSchema,
    earlyJoinMinutes: z.number().int(),
    hasPasscode: z.boolean(),
    policy: meetingPolicyOverridesSchema.describe('What the hosts tightened for this meeting'),
    effectivePolicy: effectivePolicySchema.describe(
      "What applies now: the org's policy tightened by the meeting's (docs/policies.md)",
    ),
    createdBy: meetingPersonSchema.nullable(),
    hosts: z.array(meetingPersonSchema),
    invitees: z.array(meetingInviteeSchema),
    exceptions: z.array(meetingExceptionSchema),
    viewer: z.object({
      isHost: z.boolean(),
      canEdit: z.boolean(),
      invitation: z.object({ id: z.uuid(), response: rsvpResponseSchema }).nullable(),
      joinsDirectly: z
        .boolean()
        .describe('true: joins without waiting in the lobby (host, invitee or open to the org)'),
    }),
    links: z.object({
      page: z.string(),
      lobby: z.string().describe('The lobby link for guests, without the link secret'),
      ics: z.string(),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Meeting' });
export type Meeting = z.infer<typeof meetingSchema>;

export const occurrenceSchema = z
  .object({
    meetingId: z.uuid(),
    occurrenceId: occurrenceIdSchema,
    title: z.string(),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    timeZone: z.string(),
    cancelled: z.boolean(),
    moved: z.boolean(),
    recurring: z.boolean(),
    isHost: z.boolean(),
    response: rsvpResponseSchema.nullable(),
  })
  .meta({ id: 'MeetingOccurrence' });
export type Occurrence = z.infer<typeof occurrenceSchema>;

export const occurrenceListSchema = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    occurrences: z.array(occurrenceSchema),
  })
  .meta({ id: 'MeetingOccurrenceList' });
export type OccurrenceList = z.infer<typeof occurrenceListSchema>;

export const occurrenceRangeQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const rsvpSchema = z.object({ response: rsvpResponseSchema.exclude(['needs_action']) });

/** An outside invitee answers with the token from their invitation mail (in the URL fragment). */
export const outsideRsvpSchema = z.object({
  token: z.string().min(20).max(200),
  response: rsvpResponseSchema.exclude(['needs_action']).optional(),
});
export const outsideRsvpResultSchema = z.object({
  meetingTitle: z.string(),
  start: z.iso.datetime(),
  timeZone: z.string(),
  email: z.string(),
  response: rsvpResponseSchema,
  cancelled: z.boolean(),
});

/** What a guest sees before the lobby: enough to decide to knock, nothing about who is in. */
export const lobbyInfoSchema = z
  .object({
    meetingId: z.uuid(),
    /** Only for a signed-in member who may see the meeting; null for everyone else. */
    title: z.string().nullable(),
    status: z.enum(['scheduled', 'cancelled']),
    guests: meetingGuestsSchema,
    e2ee: z.boolean(),
    passcodeRequired: z.boolean(),
    nextOccurrence: z
      .object({
        occurrenceId: occurrenceIdSchema,
        start: z.iso.datetime(),
        end: z.iso.datetime(),
        opensAt: z.iso.datetime(),
        timeZone: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'LobbyInfo' });
export type LobbyInfo = z.infer<typeof lobbyInfoSchema>;

const base64Url32 = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url without padding');

/**
 * A guest's ephemeral X25519 public key and its binding: a MAC over the meeting id and the key,
 * keyed by the link secret in the guest link's fragment. The server cannot check it (it never
 * has the secret) and passes both to the other participants, who can.
 */
export const guestKeySchema = z.object({
  exchangePublicKey: base64Url32,
  binding: base64Url32,
});
export type GuestKey = z.infer<typeof guestKeySchema>;

export const guestDisplayNameSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(80)
  .refine((value) => !/[\p{Cc}\p{Cf}]/u.test(value), 'must not contain control characters');

export const lobbyRequestSchema = z
  .object({
    displayName: guestDisplayNameSchema,
    passcode: z.string().max(64).optional(),
    occurrenceId: occurrenceIdSchema.optional(),
    guestKey: guestKeySchema.optional(),
    /** A ticket from an earlier visit: keeps the same guest id (and admission) when valid. */
    resumeTicket: z.string().max(2000).optional(),
  })
  .meta({ id: 'LobbyRequest' });
export type LobbyRequest = z.input<typeof lobbyRequestSchema>;

export const lobbyTicketSchema = z
  .object({
    ticket: z
      .string()
      .describe('Signed, short-lived; authenticates the guest on the control channel'),
    guestId: z.string(),
    occurrenceId: occurrenceIdSchema,
    expiresAt: z.iso.datetime(),
    controlUrl: z.string().describe('Path of the control channel WebSocket, with the ticket'),
  })
  .meta({ id: 'LobbyTicket' });
export type LobbyTicket = z.infer<typeof lobbyTicketSchema>;

export const livekitTokenRequestSchema = z.object({ occurrenceId: occurrenceIdSchema.optional() });
export const guestTokenRequestSchema = z.object({ ticket: z.string().min(10).max(2000) });

export const livekitTokenSchema = z
  .object({
    url: z.string().describe('The LiveKit server to connect to'),
    token: z.string(),
    roomName: z.string(),
    identity: z.string(),
    occurrenceId: occurrenceIdSchema,
    expiresAt: z.iso.datetime(),
    e2ee: z.boolean(),
  })
  .meta({ id: 'LivekitToken' });
export type LivekitToken = z.infer<typeof livekitTokenSchema>;

export const attendanceSchema = z
  .object({
    occurrences: z.array(
      z.object({
        occurrenceId: occurrenceIdSchema,
        roomName: z.string(),
        startedAt: z.iso.datetime().nullable(),
        endedAt: z.iso.datetime().nullable(),
        attendees: z.array(
          z.object({
            identity: z.string(),
            userId: z.uuid().nullable(),
            displayName: z.string(),
            joinedAt: z.iso.datetime(),
            leftAt: z.iso.datetime().nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'MeetingAttendance' });
export type Attendance = z.infer<typeof attendanceSchema>;

export const calendarFeedStatusSchema = z
  .object({
    active: z.boolean(),
    createdAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'CalendarFeedStatus' });
export type CalendarFeedStatus = z.infer<typeof calendarFeedStatusSchema>;

export const calendarFeedCreatedSchema = calendarFeedStatusSchema
  .extend({ url: z.string().describe('Shown once; only a hash of its token is stored') })
  .meta({ id: 'CalendarFeedCreated' });
export type CalendarFeedCreated = z.infer<typeof calendarFeedCreatedSchema>;
