/**
 * The time bounds of an audit query (`GET /v1/audit?since=&until=`, `gatehouse audit query --since/--until`): their
 * own module, so that the CLI checks an argument by the server's grammar without loading the audit log's use cases.
 *
 * A bound is a duration back from now (`15m`, `24h`, `7d`), epoch seconds (9 digits or more), or an RFC 3339 / ISO-8601 time: a date (`2024-05-01`,
 * midnight UTC) or a date and time (`T`, `t` or a space between them; seconds and a fraction optional) with a zone
 * (`Z`, `+05:30`, `+0530`, `+05`) that defaults to UTC, as every record's `at` is. `Date.parse` alone took days that
 * do not exist and moved them (`2024-02-31` read as 2 March) and read a time without a zone in the server's own zone
 * (review ay, 1); here every field is checked, and what is wrong is said.
 */
import { failWith, ok, type Result } from '../core/errors.ts';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
/** The first and last instants a bound may name: the years 0001–9999, which ISO text (`toISOString`) sorts correctly. */
const FIRST = Date.parse('0001-01-01T00:00:00Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in `month` (1–12) of `year`, by the proleptic Gregorian calendar that ISO-8601 and Date use. */
const daysIn = (year: number, month: number): number => (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : (DAYS[month - 1] as number));

export const TIME_FORMS = 'an ISO-8601 time (2024-05-01T12:00:00Z) or a duration back from now (15m, 24h, 7d)';

/**
 * `value` as the ISO text the store compares records' `at` with (`YYYY-MM-DDTHH:MM:SS.sssZ`, UTC), a duration counting
 * back from `now` (epoch ms); refused naming `field` (`since`) otherwise.
 */
export function auditTimeOf(value: string, now: number, field: string): Result<string> {
  const t = readTime(value, now);
  if ('iso' in t) return ok(t.iso);
  return failWith('VALIDATION_ERROR', t.why === undefined ? `\`${field}\` must be ${TIME_FORMS}, got \`${value}\`` : `\`${field}\` \`${value}\` ${t.why}`, field);
}

/** What is wrong with `value` as an audit time bound given as `flag` (`--since`), for the CLI; undefined when nothing is. */
export function auditTimeProblem(value: string, now: number, flag: string): string | undefined {
  const t = readTime(value, now);
  if ('iso' in t) return undefined;
  return t.why === undefined ? `${flag} must be ${TIME_FORMS}, got \`${value}\`` : `${flag} \`${value}\` ${t.why}`;
}

/**
 * `value` as an instant (epoch ms), for `policy evaluate --time`: an ISO-8601 time by the grammar above (a time without
 * a zone is UTC, as IAM's `aws:CurrentTime` is; a day that does not exist is refused), or epoch seconds of 9 digits or
 * more (`date +%s`). `Date.parse` read a time without a zone in the machine's own zone, took `June 1, 2025` and moved
 * `2025-02-30` to 2 March, and a bare `2025` was epoch seconds: 1970 (review hm, 4). Else what is wrong, to be said of
 * `flag`.
 */
export function instantOf(value: string, flag: string): { ms: number } | { why: string } {
  const forms = `an ISO 8601 time (2025-01-31T12:00:00Z; UTC unless it gives a zone) or epoch seconds (9 digits or more, as \`date +%s\` prints)`;
  if (/^\d+$/.test(value)) {
    if (value.length < 9) return { why: `${flag} \`${value}\` is too short for epoch seconds (it would be ${new Date(Number(value) * 1000).toISOString()}): give ${forms}${value.length === 4 ? `; a year alone is not a time: ${value}-01-01` : ''}` };
    const ms = Number(value) * 1000;
    return ms <= LAST ? { ms } : { why: `${flag} \`${value}\` is past the year 9999 as epoch seconds` };
  }
  if (DURATION.test(value)) return { why: `${flag} must be ${forms}, got \`${value}\`` };
  const t = readTime(value, 0);
  if ('iso' in t) return { ms: Date.parse(t.iso) };
  return { why: t.why === undefined ? `${flag} must be ${forms}, got \`${value}\`` : `${flag} \`${value}\` ${t.why}` };
}

/** The ISO text of `value`, or why it is none (undefined: it has no form of a time at all). */
function readTime(value: string, now: number): { iso: string } | { why: string | undefined } {
  // Epoch seconds, as the AWS CLI takes a timestamp ("Unix time in seconds, for example, 1412195400") and `policy evaluate
  // --time` does: refused, a CloudTrail user's `--since "$(date -d '1 hour ago' +%s)"` was a usage error (review ro, 2).
  // 9 digits or more (from 1973), as `instantOf`: a bare `3600` is no duration (those need their unit) nor a time.
  if (/^\d+$/.test(value)) {
    if (value.length < 9) return { why: `is too short for epoch seconds (it would be ${new Date(Number(value) * 1000).toISOString()}): give ${TIME_FORMS}, or epoch seconds of 9 digits or more; a duration needs its unit (${value}s)` };
    const ms = Number(value) * 1000;
    return ms <= LAST ? { iso: new Date(ms).toISOString() } : { why: 'is past the year 9999 as epoch seconds' };
  }
  const d = DURATION.exec(value);
  if (d) {
    // A duration back past what a Date holds (`999999999999d`) made toISOString throw: a 500 for a typo (review V, V9).
    const t = now - Number(d[1]) * (UNIT_MS[d[2] as string] as number);
    if (!(t >= FIRST)) return { why: 'goes back before the year 1; give a shorter duration or an ISO-8601 time' };
    return { iso: new Date(t).toISOString() };
  }
  const m = TIME.exec(value);
  if (m === null) return { why: undefined };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12) return { why: `has no month ${m[2] as string}: months are 01 to 12` };
  if (day < 1 || day > daysIn(year, month)) return { why: `is not a date: ${MONTHS[month - 1] as string} ${m[1] as string} has ${daysIn(year, month)} days` };
  if (hour > 23) return { why: `has no hour ${m[4] as string}: hours are 00 to 23` };
  if (minute > 59 || second > 59) return { why: 'has minutes or seconds past 59' };
  let offset = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11] ?? 0)];
    if (oh > 23 || om > 59) return { why: `has no offset ${m[9]}${m[10] as string}${m[11] !== undefined ? `:${m[11]}` : ''}: offsets are -23:59 to +23:59` };
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // Milliseconds, a finer fraction rounded up: records are stamped to the millisecond, so a record at or after
  // 12:00:00.0005 is one at or after 12:00:00.001, and one before it is one before 12:00:00.001. Cut instead, `since`
  // took in the record of 12:00:00.000, before the time given, and `until` left it out (review fi, 5: a Kubernetes
  // audit event's time, in microseconds, given as --until dropped the record of its own millisecond).
  const frac = m[7] ?? '';
  const up = /[1-9]/.test(frac.slice(3)) ? 1 : 0;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0')) + up;
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  const t = utc.getTime() + ms - offset;
  if (t - up < FIRST || t - up > LAST) return { why: 'is outside the years 0001 to 9999 (in UTC)' };
  return { iso: new Date(Math.min(t, LAST)).toISOString() };
}
