import {
  formatUtcBasic,
  passcodeWeakness,
  type CreateMeetingInput,
  type Meeting,
  type UpdateMeetingInput,
} from '@conclave/contracts';
import {
  EMPTY_MEETING_POLICY,
  meetingPolicyFormErrors,
  meetingPolicyFormFrom,
  overridesFromMeetingForm,
  type MeetingPolicyFormState,
} from '../policies/policy-view';
import { zonedToInstant } from './time';

/**
 * The scheduling form as plain data: its state, the recurrence presets people pick from, the
 * checks that can be made before asking the server (the server checks again and its field
 * errors are shown the same way), and the request bodies for creating and changing.
 */

export type RecurrencePreset =
  'none' | 'daily' | 'weekdays' | 'weekly' | 'biweekly' | 'monthly' | 'custom';
export type RecurrenceEnd = 'never' | 'count' | 'until';

export interface MeetingFormState {
  title: string;
  description: string;
  date: string; // YYYY-MM-DD
  startTime: string; // HH:mm
  endTime: string; // HH:mm
  timeZone: string;
  preset: RecurrencePreset;
  customRule: string;
  end: RecurrenceEnd;
  count: string;
  until: string; // YYYY-MM-DD
  invitees: string;
  hosts: string;
  passcode: string;
  /** Edit only: keep the passcode the meeting has (it is never shown). */
  keepPasscode: boolean;
  guests: boolean;
  e2ee: boolean;
  openToOrg: boolean;
  earlyJoinMinutes: string;
  notify: boolean;
  /** Recording settings tightened for this meeting ('' follows the org). */
  policy: MeetingPolicyFormState;
}

export type FormErrors = Partial<Record<keyof MeetingFormState | 'form', string>>;

const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];
const ORDINALS: Record<number, string> = {
  1: 'first',
  2: 'second',
  3: 'third',
  4: 'fourth',
  [-1]: 'last',
};

function dayInfo(date: string): { weekday: number; nth: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [year = 0, month = 0, day = 0] = match.slice(1).map(Number);
  const value = new Date(Date.UTC(year, month - 1, day));
  if (value.getUTCDate() !== day) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { weekday: value.getUTCDay(), nth: day + 7 > daysInMonth ? -1 : Math.ceil(day / 7) };
}

/** What each preset means for the chosen start date, for the select's options. */
export function presetLabels(date: string): Record<RecurrencePreset, string> {
  const info = dayInfo(date);
  const weekday = info ? WEEKDAY_NAMES[info.weekday] : 'the same day';
  const nth = info ? ORDINALS[info.nth] : '';
  return {
    none: 'Does not repeat',
    daily: 'Every day',
    weekdays: 'Every weekday (Monday to Friday)',
    weekly: `Every week on ${weekday}`,
    biweekly: `Every other week on ${weekday}`,
    monthly: info ? `Every month on the ${nth} ${weekday}` : 'Every month',
    custom: 'Custom rule (RRULE)',
  };
}

/** Wall-clock end of a day in a zone, as an RRULE UNTIL (UTC). */
function untilValue(date: string, time: string, timeZone: string): string | null {
  const instant = zonedToInstant(`${date}T${time}`, timeZone);
  if (instant === null) return null;
  return formatUtcBasic(instant);
}

/** The RRULE the form describes, or null for a one-off meeting. */
export function ruleFromForm(state: MeetingFormState): string | null {
  const info = dayInfo(state.date);
  const weekday = info ? WEEKDAY_CODES[info.weekday] : 'MO';
  let rule: string;
  switch (state.preset) {
    case 'none':
      return null;
    case 'daily':
      rule = 'FREQ=DAILY';
      break;
    case 'weekdays':
      rule = 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
      break;
    case 'weekly':
      rule = `FREQ=WEEKLY;BYDAY=${weekday}`;
      break;
    case 'biweekly':
      rule = `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekday}`;
      break;
    case 'monthly':
      rule = `FREQ=MONTHLY;BYDAY=${info?.nth ?? 1}${weekday}`;
      break;
    case 'custom':
      return state.customRule.trim() || null;
  }
  if (state.end === 'count') rule += `;COUNT=${state.count.trim()}`;
  if (state.end === 'until') {
    const until = untilValue(state.until, state.startTime, state.timeZone);
    if (until) rule += `;UNTIL=${until}`;
  }
  return rule;
}

/** Reads a stored rule back into the form's presets (anything else stays a custom rule). */
export function presetFromRule(
  rule: string | null,
  date: string,
  timeZone: string,
): Pick<MeetingFormState, 'preset' | 'customRule' | 'end' | 'count' | 'until'> {
  const base = { customRule: '', end: 'never' as RecurrenceEnd, count: '10', until: '' };
  if (!rule) return { ...base, preset: 'none' };
  const parts = new Map(rule.split(';').map((part) => part.split('=') as [string, string]));
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  parts.delete('COUNT');
  parts.delete('UNTIL');
  const core = [...parts].map(([key, value]) => `${key}=${value}`).join(';');
  const ending = count
    ? { end: 'count' as const, count, until: '' }
    : until
      ? {
          end: 'until' as const,
          count: '10',
          until: new Intl.DateTimeFormat('en-CA', { timeZone }).format(
            Date.parse(
              `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}T${until.slice(9, 11)}:${until.slice(11, 13)}:00Z`,
            ),
          ),
        }
      : { end: 'never' as const, count: '10', until: '' };
  for (const preset of ['daily', 'weekdays', 'weekly', 'biweekly', 'monthly'] as const) {
    const candidate = ruleFromForm({ ...emptyForm(0, timeZone), date, preset, end: 'never' });
    if (candidate === core) return { ...base, ...ending, preset };
  }
  return { ...base, preset: 'custom', customRule: rule };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A new meeting: the next half hour, for 30 minutes, in the viewer's zone. */
export function emptyForm(nowMs: number, timeZone: string): MeetingFormState {
  const next = Math.ceil((nowMs + 60_000) / 1_800_000) * 1_800_000;
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(next);
  const get = (type: string) => local.find((part) => part.type === type)?.value ?? '00';
  const startHour = Number(get('hour'));
  const startMinute = Number(get('minute'));
  const endTotal = Math.min(startHour * 60 + startMinute + 30, 23 * 60 + 59);
  return {
    title: '',
    description: '',
    date: `${get('year')}-${get('month')}-${get('day')}`,
    startTime: `${pad(startHour)}:${pad(startMinute)}`,
    endTime: `${pad(Math.floor(endTotal / 60))}:${pad(endTotal % 60)}`,
    timeZone,
    preset: 'none',
    customRule: '',
    end: 'never',
    count: '10',
    until: '',
    invitees: '',
    hosts: '',
    passcode: '',
    keepPasscode: false,
    guests: true,
    e2ee: true,
    openToOrg: false,
    earlyJoinMinutes: '10',
    notify: true,
    policy: EMPTY_MEETING_POLICY,
  };
}

export function formFromMeeting(meeting: Meeting): MeetingFormState {
  const date = meeting.startLocal.slice(0, 10);
  const hostIds = new Set(meeting.hosts.map((host) => host.userId));
  return {
    ...emptyForm(0, meeting.timeZone),
    title: meeting.title,
    description: meeting.description,
    date,
    startTime: meeting.startLocal.slice(11, 16),
    endTime: meeting.endLocal.slice(11, 16),
    timeZone: meeting.timeZone,
    ...presetFromRule(meeting.recurrence, date, meeting.timeZone),
    invitees: meeting.invitees
      .filter((invitee) => invitee.role === 'attendee')
      .map((invitee) => invitee.email)
      .join('\n'),
    hosts: meeting.hosts
      .filter((host) => host.userId !== meeting.createdBy?.userId && hostIds.has(host.userId))
      .map((host) => host.email)
      .join('\n'),
    passcode: '',
    keepPasscode: meeting.hasPasscode,
    guests: meeting.guests === 'lobby',
    e2ee: meeting.e2ee,
    openToOrg: meeting.audience === 'org',
    earlyJoinMinutes: String(meeting.earlyJoinMinutes),
    notify: true,
    policy: meetingPolicyFormFrom(meeting.policy),
  };
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Addresses separated by commas, semicolons, spaces or lines; "Name <a@b.c>" is understood. */
export function parseEmailList(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\n,;]+/)) {
    const item = raw.trim();
    if (!item) continue;
    const address = (/<([^>]+)>/.exec(item)?.[1] ?? item).trim().toLowerCase();
    if (address.includes(' ') || !EMAIL.test(address)) invalid.push(item);
    else if (!emails.includes(address)) emails.push(address);
  }
  return { emails, invalid };
}

export function validateForm(state: MeetingFormState): FormErrors {
  const errors: FormErrors = {};
  if (!state.title.trim()) errors.title = 'Give the meeting a title.';
  if (!dayInfo(state.date)) errors.date = 'Pick a date.';
  if (!/^\d{2}:\d{2}$/.test(state.startTime)) errors.startTime = 'Pick a start time.';
  if (!/^\d{2}:\d{2}$/.test(state.endTime)) errors.endTime = 'Pick an end time.';
  else if (!errors.startTime && state.endTime <= state.startTime) {
    errors.endTime = 'The meeting ends before it starts.';
  }
  if (state.preset === 'weekdays') {
    const info = dayInfo(state.date);
    if (info && (info.weekday === 0 || info.weekday === 6)) {
      errors.preset = 'A weekday series must start on a weekday.';
    }
  }
  if (state.preset === 'custom' && !state.customRule.trim())
    errors.customRule = 'Write the rule, e.g. FREQ=WEEKLY;BYDAY=MO.';
  if (state.preset !== 'none' && state.preset !== 'custom') {
    if (state.end === 'count' && !/^[1-9]\d{0,2}$/.test(state.count.trim())) {
      errors.count = 'Say how many times, from 1 to 999.';
    }
    if (state.end === 'until') {
      if (!dayInfo(state.until)) errors.until = 'Pick the last day.';
      else if (state.until < state.date) errors.until = 'The last day is before the first.';
    }
  }
  const invitees = parseEmailList(state.invitees);
  if (invitees.invalid.length > 0)
    errors.invitees = `Not e-mail addresses: ${invitees.invalid.join(', ')}`;
  const hosts = parseEmailList(state.hosts);
  if (hosts.invalid.length > 0) errors.hosts = `Not e-mail addresses: ${hosts.invalid.join(', ')}`;
  const weakness = state.passcode ? passcodeWeakness(state.passcode) : null;
  if (weakness) errors.passcode = `The passcode ${weakness}.`;
  if (!/^\d{1,2}$/.test(state.earlyJoinMinutes) || Number(state.earlyJoinMinutes) > 60) {
    errors.earlyJoinMinutes = 'From 0 to 60 minutes.';
  }
  const policyErrors = Object.values(meetingPolicyFormErrors(state.policy));
  if (policyErrors.length > 0) errors.policy = policyErrors.join(' ');
  return errors;
}

/** Recording overrides only when the host tightened something (an empty one changes nothing). */
function policyPart(state: MeetingFormState): Pick<CreateMeetingInput, 'policy'> {
  const policy = overridesFromMeetingForm(state.policy);
  return Object.keys(policy).length > 0 ? { policy } : {};
}

export function toCreateBody(state: MeetingFormState): CreateMeetingInput {
  return {
    title: state.title.trim(),
    description: state.description,
    startLocal: `${state.date}T${state.startTime}`,
    endLocal: `${state.date}T${state.endTime}`,
    timeZone: state.timeZone,
    recurrence: ruleFromForm(state),
    hosts: parseEmailList(state.hosts).emails,
    invitees: parseEmailList(state.invitees).emails,
    passcode: state.passcode ? state.passcode : null,
    guests: state.guests ? 'lobby' : 'forbidden',
    e2ee: state.e2ee,
    audience: state.openToOrg ? 'org' : 'invitees',
    earlyJoinMinutes: Number(state.earlyJoinMinutes),
    notify: state.notify,
    ...policyPart(state),
  };
}

/** Only what changed (so the server mails an update only when there is one). */
export function toUpdateBody(state: MeetingFormState, original: Meeting): UpdateMeetingInput {
  const next = toCreateBody(state);
  const before = toCreateBody(formFromMeeting(original));
  const body: UpdateMeetingInput = { notify: state.notify };
  if (next.title !== before.title) body.title = next.title;
  if (next.description !== before.description) body.description = next.description ?? '';
  if (next.startLocal !== original.startLocal) body.startLocal = next.startLocal;
  if (next.endLocal !== original.endLocal) body.endLocal = next.endLocal;
  if (next.timeZone !== original.timeZone) body.timeZone = next.timeZone;
  if ((next.recurrence ?? null) !== original.recurrence) body.recurrence = next.recurrence ?? null;
  const sameList = (a: readonly string[] = [], b: readonly string[] = []) =>
    [...a].sort().join('\n') === [...b].sort().join('\n');
  if (!sameList(next.hosts, before.hosts)) body.hosts = next.hosts ?? [];
  if (!sameList(next.invitees, before.invitees)) body.invitees = next.invitees ?? [];
  if (state.passcode) body.passcode = state.passcode;
  else if (original.hasPasscode && !state.keepPasscode) body.passcode = null;
  if (next.guests !== original.guests) body.guests = next.guests ?? 'lobby';
  if (next.e2ee !== original.e2ee) body.e2ee = next.e2ee ?? true;
  if (next.audience !== original.audience) body.audience = next.audience ?? 'invitees';
  if (next.earlyJoinMinutes !== original.earlyJoinMinutes)
    body.earlyJoinMinutes = next.earlyJoinMinutes ?? 10;
  if (
    JSON.stringify(next.policy ?? {}) !==
    JSON.stringify(overridesFromMeetingForm(meetingPolicyFormFrom(original.policy)))
  )
    body.policy = next.policy ?? {};
  return body;
}

/** Maps the server's field errors (`startLocal`, `hosts.0`, ...) onto the form's fields. */
export function formErrorsFromServer(fieldErrors: Record<string, string>): FormErrors {
  const errors: FormErrors = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    const field = path.split('.')[0] ?? '';
    const target: keyof MeetingFormState | 'form' =
      field === 'startLocal'
        ? 'startTime'
        : field === 'endLocal'
          ? 'endTime'
          : field === 'recurrence'
            ? 'preset'
            : field === 'guests'
              ? 'guests'
              : [
                    'title',
                    'description',
                    'timeZone',
                    'hosts',
                    'invitees',
                    'passcode',
                    'e2ee',
                    'earlyJoinMinutes',
                    'policy',
                  ].includes(field)
                ? (field as keyof MeetingFormState)
                : 'form';
    errors[target] = errors[target] ? `${errors[target]} ${message}` : message;
  }
  return errors;
}
