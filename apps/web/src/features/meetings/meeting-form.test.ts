import { describe, expect, it } from 'vitest';
import type { Meeting } from '@conclave/contracts';
import {
  emptyForm,
  formErrorsFromServer,
  formFromMeeting,
  parseEmailList,
  presetFromRule,
  presetLabels,
  ruleFromForm,
  toCreateBody,
  toUpdateBody,
  validateForm,
  type MeetingFormState,
} from './meeting-form';
import { localDateTime, zonedToInstant } from './time';

const base: MeetingFormState = {
  ...emptyForm(Date.parse('2026-12-01T08:10:00Z'), 'Europe/Berlin'),
  title: 'Planning',
};

describe('emptyForm', () => {
  it("starts at the next half hour in the viewer's zone, for 30 minutes", () => {
    expect(base).toMatchObject({
      date: '2026-12-01',
      startTime: '09:30',
      endTime: '10:00',
      timeZone: 'Europe/Berlin',
    });
  });
});

describe('recurrence presets', () => {
  const tuesday = { ...base, date: '2026-12-01' }; // the first Tuesday of December
  it('name the chosen day', () => {
    expect(presetLabels('2026-12-01')).toMatchObject({
      weekly: 'Every week on Tuesday',
      monthly: 'Every month on the first Tuesday',
    });
    expect(presetLabels('2026-12-29').monthly).toBe('Every month on the last Tuesday');
  });

  it('become RRULEs, with an end after N times or on a day', () => {
    expect(ruleFromForm({ ...tuesday, preset: 'none' })).toBeNull();
    expect(ruleFromForm({ ...tuesday, preset: 'weekly' })).toBe('FREQ=WEEKLY;BYDAY=TU');
    expect(ruleFromForm({ ...tuesday, preset: 'biweekly', end: 'count', count: '6' })).toBe(
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=6',
    );
    expect(ruleFromForm({ ...tuesday, preset: 'monthly' })).toBe('FREQ=MONTHLY;BYDAY=1TU');
    // The last day's occurrence is included: UNTIL is its start, in UTC.
    expect(
      ruleFromForm({
        ...tuesday,
        preset: 'daily',
        end: 'until',
        until: '2026-12-31',
        startTime: '09:30',
      }),
    ).toBe('FREQ=DAILY;UNTIL=20261231T083000Z');
    expect(ruleFromForm({ ...tuesday, preset: 'custom', customRule: ' FREQ=YEARLY ' })).toBe(
      'FREQ=YEARLY',
    );
  });

  it('read back from stored rules; anything else stays custom', () => {
    expect(
      presetFromRule('FREQ=WEEKLY;BYDAY=TU;COUNT=6', '2026-12-01', 'Europe/Berlin'),
    ).toMatchObject({
      preset: 'weekly',
      end: 'count',
      count: '6',
    });
    expect(
      presetFromRule('FREQ=DAILY;UNTIL=20261231T083000Z', '2026-12-01', 'Europe/Berlin'),
    ).toMatchObject({
      preset: 'daily',
      end: 'until',
      until: '2026-12-31',
    });
    expect(presetFromRule('FREQ=WEEKLY;BYDAY=MO,WE', '2026-12-01', 'UTC')).toMatchObject({
      preset: 'custom',
      customRule: 'FREQ=WEEKLY;BYDAY=MO,WE',
    });
    expect(presetFromRule(null, '2026-12-01', 'UTC').preset).toBe('none');
  });
});

describe('validateForm', () => {
  it('says what is wrong next to the field', () => {
    expect(validateForm(base)).toEqual({});
    expect(validateForm({ ...base, title: ' ', endTime: '09:00' })).toEqual({
      title: 'Give the meeting a title.',
      endTime: 'The meeting ends before it starts.',
    });
    expect(validateForm({ ...base, date: '2026-12-05', preset: 'weekdays' }).preset).toMatch(
      /start on a weekday/,
    );
    expect(
      validateForm({ ...base, preset: 'weekly', end: 'until', until: '2026-11-01' }).until,
    ).toMatch(/before the first/);
    expect(validateForm({ ...base, preset: 'weekly', end: 'count', count: '0' }).count).toMatch(
      /how many/,
    );
    expect(validateForm({ ...base, invitees: 'ann@example.org, not an address' }).invitees).toBe(
      'Not e-mail addresses: not an address',
    );
    expect(validateForm({ ...base, passcode: 'abc' }).passcode).toMatch(/too easy to guess/);
    expect(validateForm({ ...base, passcode: '123456' }).passcode).toMatch(/at least 9/);
    expect(validateForm({ ...base, passcode: 'tide-lamp-9' }).passcode).toBeUndefined();
  });

  it('reads address lists the way people paste them', () => {
    expect(
      parseEmailList(
        'Ann <ANN@example.org>; bob@example.org\nbob@example.org,  ,carol@example.org',
      ),
    ).toEqual({
      emails: ['ann@example.org', 'bob@example.org', 'carol@example.org'],
      invalid: [],
    });
  });

  it("maps the server's field errors onto the form", () => {
    expect(
      formErrorsFromServer({
        startLocal: 'does not exist',
        recurrence: 'bad rule',
        'hosts.0': 'not a member',
        other: 'x',
      }),
    ).toEqual({
      startTime: 'does not exist',
      preset: 'bad rule',
      hosts: 'not a member',
      form: 'x',
    });
  });
});

const meeting: Meeting = {
  id: '11111111-1111-4111-8111-111111111111',
  orgId: '22222222-2222-4222-8222-222222222222',
  title: 'Planning',
  description: '',
  timeZone: 'Europe/Berlin',
  startLocal: '2026-12-01T09:30',
  endLocal: '2026-12-01T10:00',
  start: '2026-12-01T08:30:00.000Z',
  end: '2026-12-01T09:00:00.000Z',
  durationMinutes: 30,
  recurrence: 'FREQ=WEEKLY;BYDAY=TU',
  recurrenceText: 'every week on Tuesday',
  status: 'scheduled',
  sequence: 0,
  guests: 'lobby',
  e2ee: true,
  audience: 'invitees',
  earlyJoinMinutes: 10,
  hasPasscode: true,
  policy: {},
  effectivePolicy: {
    e2ee: true,
    guests: 'lobby',
    recording: {
      allowed: 'hosts',
      consent: 'explicit',
      audioOnly: 'allowed',
      escrow: 'none',
      retentionDays: null,
      minRetentionDays: null,
    },
  },
  createdBy: {
    userId: '33333333-3333-4333-8333-333333333333',
    email: 'host@example.org',
    displayName: 'Host',
  },
  hosts: [
    {
      userId: '33333333-3333-4333-8333-333333333333',
      email: 'host@example.org',
      displayName: 'Host',
    },
  ],
  invitees: [
    {
      id: '44444444-4444-4444-8444-444444444444',
      email: 'ann@example.org',
      userId: null,
      displayName: null,
      kind: 'outside',
      role: 'attendee',
      response: 'needs_action',
      respondedAt: null,
    },
  ],
  exceptions: [],
  viewer: { isHost: true, canEdit: true, invitation: null, joinsDirectly: true },
  links: { page: 'p', lobby: 'l', ics: 'i' },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

describe('request bodies', () => {
  it('create: everything the server needs', () => {
    expect(
      toCreateBody({ ...base, preset: 'weekly', invitees: 'ann@example.org', passcode: 'sesame' }),
    ).toEqual({
      title: 'Planning',
      description: '',
      startLocal: '2026-12-01T09:30',
      endLocal: '2026-12-01T10:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=TU',
      hosts: [],
      invitees: ['ann@example.org'],
      passcode: 'sesame',
      guests: 'lobby',
      e2ee: true,
      audience: 'invitees',
      earlyJoinMinutes: 10,
      notify: true,
    });
  });

  it('update: only what changed, and the passcode kept unless cleared', () => {
    const form = formFromMeeting(meeting);
    expect(form).toMatchObject({
      preset: 'weekly',
      invitees: 'ann@example.org',
      hosts: '',
      keepPasscode: true,
    });
    expect(toUpdateBody(form, meeting)).toEqual({ notify: true });
    expect(toUpdateBody({ ...form, endTime: '10:30', title: 'Planning (long)' }, meeting)).toEqual({
      notify: true,
      title: 'Planning (long)',
      endLocal: '2026-12-01T10:30',
    });
    expect(toUpdateBody({ ...form, keepPasscode: false }, meeting)).toEqual({
      notify: true,
      passcode: null,
    });
    expect(toUpdateBody({ ...form, preset: 'none', invitees: '' }, meeting)).toEqual({
      notify: true,
      recurrence: null,
      invitees: [],
    });
  });
});

describe('time zones in the browser', () => {
  it('places wall-clock times in a zone, across DST', () => {
    expect(new Date(zonedToInstant('2026-03-30T09:00', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    expect(new Date(zonedToInstant('2026-03-23T09:00', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-23T08:00:00.000Z',
    );
    expect(localDateTime(Date.parse('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toBe(
      '2026-10-25T02:30',
    );
    expect(zonedToInstant('nonsense', 'UTC')).toBeNull();
    // As the API reads them: an impossible date is refused, a skipped time moves past the jump.
    expect(zonedToInstant('2026-02-30T09:00', 'UTC')).toBeNull();
    expect(new Date(zonedToInstant('2026-03-29T02:30', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });
});
