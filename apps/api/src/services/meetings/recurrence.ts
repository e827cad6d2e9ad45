import rrulePackage from 'rrule';
import type { Options as RRuleOptions, Weekday } from 'rrule';

const { RRule } = rrulePackage;

/**
 * Recurrence rules (RFC 5545 RRULE values such as `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`).
 * rrule.js expands them, but its parser accepts nonsense silently (`FREQ=WEEKLY;BYDAY=XX`
 * becomes "weekly on null"), so rules are checked here first, part by part, with an error a
 * person can act on. Only what meetings need is accepted: no sub-daily frequencies.
 */

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const FREQUENCIES: readonly Frequency[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type WeekdayCode = (typeof WEEKDAYS)[number];

export interface ByDay {
  weekday: WeekdayCode;
  /** 1st (1), last (-1), ... within the month or year; undefined: every such weekday. */
  nth?: number;
}

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  count?: number;
  /** An instant (UTC), as RFC 5545 requires when DTSTART has a time zone. */
  until?: number;
  byDay?: ByDay[];
  byMonthDay?: number[];
  byMonth?: number[];
  bySetPos?: number[];
  wkst?: WeekdayCode;
}

export const MAX_COUNT = 1000;
export const MAX_INTERVAL = 999;

export class RecurrenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

function integerList(name: string, value: string, min: number, max: number): number[] {
  const items = value.split(',');
  return items.map((item) => {
    if (!/^[+-]?\d{1,3}$/.test(item)) {
      throw new RecurrenceError(`${name} must be a list of whole numbers, not "${item}"`);
    }
    const number = Number(item);
    if (number === 0 || Math.abs(number) < min || Math.abs(number) > max) {
      throw new RecurrenceError(`${name} values must be between ${min} and ${max} (or negative)`);
    }
    return number;
  });
}

function parseUntil(value: string): number {
  const dateTime = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const dateOnly = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const parts = (dateTime ?? dateOnly)?.slice(1).map(Number);
  if (!parts) {
    throw new RecurrenceError(
      'UNTIL must be a UTC date and time like 20271231T230000Z (or a date like 20271231)',
    );
  }
  const [year = 0, month = 0, day = 0, hour = 23, minute = 59, second = 59] = parts;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) {
    throw new RecurrenceError(`UNTIL ${value} is not a real date`);
  }
  return ms;
}

/** Parses and checks an RRULE value; throws RecurrenceError naming the offending part. */
export function parseRecurrenceRule(input: string): RecurrenceRule {
  const text = input.trim().replace(/^RRULE:/i, '');
  if (text === '') throw new RecurrenceError('the rule is empty');
  if (/[\r\n]/.test(text)) throw new RecurrenceError('the rule must be a single RRULE line');
  const seen = new Set<string>();
  const rule: Partial<RecurrenceRule> & { interval: number } = { interval: 1 };
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new RecurrenceError(`"${part}" is not NAME=VALUE`);
    const name = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1).toUpperCase();
    if (seen.has(name)) throw new RecurrenceError(`${name} appears twice`);
    seen.add(name);
    if (value === '') throw new RecurrenceError(`${name} has no value`);
    switch (name) {
      case 'FREQ':
        if (!FREQUENCIES.includes(value as Frequency)) {
          throw new RecurrenceError(
            `FREQ must be one of ${FREQUENCIES.join(', ')} (meetings do not repeat more often than daily), not "${value}"`,
          );
        }
        rule.freq = value as Frequency;
        break;
      case 'INTERVAL':
        if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_INTERVAL) {
          throw new RecurrenceError(`INTERVAL must be a whole number from 1 to ${MAX_INTERVAL}`);
        }
        rule.interval = Number(value);
        break;
      case 'COUNT':
        if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) {
          throw new RecurrenceError(`COUNT must be a whole number from 1 to ${MAX_COUNT}`);
        }
        rule.count = Number(value);
        break;
      case 'UNTIL':
        rule.until = parseUntil(value);
        break;
      case 'BYDAY':
        rule.byDay = value.split(',').map((item) => {
          const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
          if (!match) {
            throw new RecurrenceError(
              `BYDAY must list weekdays (MO, TU, WE, TH, FR, SA, SU), optionally with a position like 1MO or -1FR, not "${item}"`,
            );
          }
          const weekday = match[2] as WeekdayCode;
          if (match[1] === undefined) return { weekday };
          const nth = Number(match[1]);
          if (nth === 0 || Math.abs(nth) > 53) {
            throw new RecurrenceError(
              `BYDAY position in "${item}" must be from 1 to 53 or -1 to -53`,
            );
          }
          return { weekday, nth };
        });
        break;
      case 'BYMONTHDAY':
        rule.byMonthDay = integerList('BYMONTHDAY', value, 1, 31);
        break;
      case 'BYMONTH':
        rule.byMonth = integerList('BYMONTH', value, 1, 12);
        if (rule.byMonth.some((month) => month < 0)) {
          throw new RecurrenceError('BYMONTH values must be from 1 to 12');
        }
        break;
      case 'BYSETPOS':
        rule.bySetPos = integerList('BYSETPOS', value, 1, 366);
        break;
      case 'WKST':
        if (!WEEKDAYS.includes(value as WeekdayCode)) {
          throw new RecurrenceError(`WKST must be a weekday code like MO, not "${value}"`);
        }
        rule.wkst = value as WeekdayCode;
        break;
      case 'DTSTART':
        throw new RecurrenceError(
          'the rule must not contain DTSTART: the meeting start is given separately',
        );
      case 'BYHOUR':
      case 'BYMINUTE':
      case 'BYSECOND':
      case 'BYYEARDAY':
      case 'BYWEEKNO':
        throw new RecurrenceError(`${name} is not supported for meetings`);
      default:
        throw new RecurrenceError(`${name} is not a recurrence rule part`);
    }
  }
  if (!rule.freq) throw new RecurrenceError('FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)');
  if (rule.count !== undefined && rule.until !== undefined) {
    throw new RecurrenceError('COUNT and UNTIL cannot both be given');
  }
  if (
    rule.byDay?.some((day) => day.nth !== undefined) &&
    rule.freq !== 'MONTHLY' &&
    rule.freq !== 'YEARLY'
  ) {
    throw new RecurrenceError('a position in BYDAY (like 1MO) needs FREQ=MONTHLY or YEARLY');
  }
  return rule as RecurrenceRule;
}

const formatUntil = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The canonical text of a rule (stored, put in ICS files). */
export function formatRecurrenceRule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byMonth) parts.push(`BYMONTH=${rule.byMonth.join(',')}`);
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
  if (rule.byDay) {
    parts.push(`BYDAY=${rule.byDay.map((day) => `${day.nth ?? ''}${day.weekday}`).join(',')}`);
  }
  if (rule.bySetPos) parts.push(`BYSETPOS=${rule.bySetPos.join(',')}`);
  if (rule.wkst) parts.push(`WKST=${rule.wkst}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== undefined) parts.push(`UNTIL=${formatUntil(rule.until)}`);
  return parts.join(';');
}

const RRULE_FREQ = {
  DAILY: RRule.DAILY,
  WEEKLY: RRule.WEEKLY,
  MONTHLY: RRule.MONTHLY,
  YEARLY: RRule.YEARLY,
} as const;
const RRULE_DAYS: Record<WeekdayCode, Weekday> = {
  MO: RRule.MO,
  TU: RRule.TU,
  WE: RRule.WE,
  TH: RRule.TH,
  FR: RRule.FR,
  SA: RRule.SA,
  SU: RRule.SU,
};

/**
 * An rrule.js rule over "floating" time: `dtstartFloating` is the local wall-clock start
 * written as if it were UTC, and so are the dates it returns; `untilFloating` likewise.
 * Expanding on local time is what keeps a 09:00 meeting at 09:00 across DST changes.
 */
export function floatingRRule(
  rule: RecurrenceRule,
  dtstartFloating: number,
  untilFloating: number | undefined,
): InstanceType<typeof RRule> {
  const options: Partial<RRuleOptions> = {
    freq: RRULE_FREQ[rule.freq],
    interval: rule.interval,
    dtstart: new Date(dtstartFloating),
  };
  if (rule.count !== undefined) options.count = rule.count;
  if (untilFloating !== undefined) options.until = new Date(untilFloating);
  if (rule.byDay) {
    options.byweekday = rule.byDay.map((day) =>
      day.nth === undefined ? RRULE_DAYS[day.weekday] : RRULE_DAYS[day.weekday].nth(day.nth),
    );
  }
  if (rule.byMonthDay) options.bymonthday = rule.byMonthDay;
  if (rule.byMonth) options.bymonth = rule.byMonth;
  if (rule.bySetPos) options.bysetpos = rule.bySetPos;
  if (rule.wkst) options.wkst = RRULE_DAYS[rule.wkst];
  return new RRule(options);
}

/** The rule in English ("every week on Monday for 10 times"), for pages and mails. */
export function describeRecurrenceRule(rule: RecurrenceRule, timeZone: string): string {
  const { until, ...withoutEnd } = rule;
  const text = floatingRRule(withoutEnd, Date.UTC(2026, 0, 5), undefined).toText();
  if (until === undefined) return text;
  const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone }).format(
    new Date(until),
  );
  return `${text} until ${date}`;
}
