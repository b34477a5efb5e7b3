/**
 * The typed global condition keys (reference §A.1.8; AWS "global condition context keys",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): the value each takes
 * and whether it is single-valued. An edge that takes a request context from a caller checks it here, so a value
 * the engine could not read (`aws:SourceIp` "not-an-ip", `aws:SecureTransport` "0") or a list given for a
 * single-valued key is refused with the key's name, rather than decided on (review N, N2).
 *
 * Keys are matched case-insensitively, in their `aws:` and `acs:` forms alike: the engine reads one for the
 * other (src/core/iam/principal.ts `keyLookup`). Keys not listed here (service keys, `ArrayOf…` keys such as
 * `aws:TagKeys`) take any strings, any number of them.
 */
import { parseDateValue } from './conditions.ts';
import { parseIp } from './ip.ts';
import { counterpart, isoSeconds } from './principal.ts';

type ValueType = 'ip' | 'bool' | 'date' | 'epoch' | 'number' | 'seconds' | 'string';

/** Every key of this table is single-valued. */
const KEY_TYPES: ReadonlyMap<string, ValueType> = new Map<string, ValueType>([
  ['sourceip', 'ip'],
  ['vpcsourceip', 'ip'],
  ['securetransport', 'bool'],
  ['multifactorauthpresent', 'bool'],
  // RAM's name for it (reference §A.2).
  ['mfapresent', 'bool'],
  ['viaawsservice', 'bool'],
  ['principalisawsservice', 'bool'],
  ['currenttime', 'date'],
  ['tokenissuetime', 'date'],
  // Epoch seconds: read by Date and Numeric operators alike only in that form; a time, so within a date's range.
  ['epochtime', 'epoch'],
  // Seconds since MFA was used: never negative (review vg, 5).
  ['multifactorauthage', 'seconds'],
  ['principalarn', 'string'],
  ['principalaccount', 'string'],
  ['principaltype', 'string'],
  ['principalorgid', 'string'],
  ['userid', 'string'],
  ['username', 'string'],
  ['sourceidentity', 'string'],
  // RAM's `acs:AccessId`: the one AccessKey ID a request is signed with.
  ['accessid', 'string'],
  ['requestedregion', 'string'],
  ['sourcevpc', 'string'],
  ['sourcevpce', 'string'],
  ['sourcearn', 'string'],
  ['sourceaccount', 'string'],
  ['resourceaccount', 'string'],
  ['referer', 'string'],
  ['useragent', 'string'],
  // Single-valued too in AWS's global condition keys (review hn, 7): taken as lists, a negated Deny on one (the data
  // perimeter's `StringNotEqualsIfExists aws:ResourceOrgID`) did not apply to `["o-ours", "o-theirs"]`.
  ['resourceorgid', 'string'],
  ['sourceorgid', 'string'],
  ['calledviafirst', 'string'],
  ['calledvialast', 'string'],
  ['vpceaccount', 'string'],
  ['vpceorgid', 'string'],
  ['sourcevpcarn', 'string'],
  ['ec2instancesourcevpc', 'string'],
  ['ec2instancesourceprivateipv4', 'ip'],
]);

/** One value per tag key (reference §A.1.8: "String, single per K"). */
const TAG_PREFIXES = ['principaltag/', 'requesttag/', 'resourcetag/'] as const;
/**
 * A service's tag keys are single-valued too (Service Authorization Reference: `ec2:ResourceTag/${TagKey}`,
 * `iam:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/${TagKey}`, `s3:RequestObjectTag/${TagKey}` are `String`; the list
 * of keys is the `ArrayOfString` `…TagKeys`). Taken as lists, a negated Deny on one (`StringNotEquals
 * s3:ExistingObjectTag/classification public`) did not apply to `["public", "secret"]` (review kd, 2).
 */
const SERVICE_TAG_PREFIXES = [...TAG_PREFIXES, 'existingobjecttag/', 'requestobjecttag/'] as const;

/** Single-valued keys of STS and IAM actions (reference §A.1.8). */
const SERVICE_KEYS: ReadonlySet<string> = new Set(['sts:externalid', 'sts:rolesessionname', 'sts:sourceidentity', 'iam:passedtoservice']);

/**
 * Whether `key` names one tag (`aws:ResourceTag/K`, `s3:ExistingObjectTag/K`…): single-valued per spelling, not across
 * spellings. Tags whose keys differ only in case are two tags (S3's tag keys are case-sensitive), each one value under its
 * own spelling, which the engine reads as two values of one key (reference §A.1.7: "the key-name match hits both but
 * only one value can match"). Checked merged, an object tagged `Team` and `team` was refused every decision (review kd, 3).
 */
export function isTagKey(key: string): boolean {
  const k = key.toLowerCase();
  const colon = k.indexOf(':');
  if (colon < 0) return false;
  const name = k.slice(colon + 1);
  return SERVICE_TAG_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}

function typeOf(key: string): ValueType | undefined {
  const k = key.toLowerCase();
  if (SERVICE_KEYS.has(k)) return 'string';
  if (!k.startsWith('aws:') && !k.startsWith('acs:')) {
    const name = k.slice(k.indexOf(':') + 1);
    return k.includes(':') && SERVICE_TAG_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length) ? 'string' : undefined;
  }
  const name = k.slice(4);
  const t = KEY_TYPES.get(name);
  if (t !== undefined) return t;
  return TAG_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length) ? 'string' : undefined;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/**
 * The times a request may be asked about: those the engine writes as a date and reads back, years 0000 to 9999 (the
 * W3C profile of ISO 8601 that conditions read: src/core/iam/conditions.ts). A simulation's `aws:CurrentTime` or
 * `aws:EpochTime` is the request's time, from which the time keys not given are derived as dates (src/app/authorize.ts
 * `simulatedTime`): one beyond a JavaScript Date (`aws:EpochTime` 99999999999999999999) could not be written as one, and
 * the question was answered 500 InternalFailure (review vd, 1); one past year 9999 was written as a date no condition
 * reads (`+010000-01-01T00:00:00Z`).
 */
const MIN_TIME_MS = -62_167_219_200_000;
const MAX_TIME_MS = 253_402_300_799_999;
const withinTimeRange = (ms: number | undefined): boolean => ms !== undefined && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;

const READS: Readonly<Record<ValueType, { ok: (v: string) => boolean; what: string }>> = {
  ip: { ok: (v) => parseIp(v) !== undefined, what: 'one IPv4 or IPv6 address, such as `203.0.113.9` (no port, range or list, no octet with a leading zero)' },
  bool: { ok: (v) => v === 'true' || v === 'false', what: '`true` or `false`' },
  date: { ok: (v) => withinTimeRange(parseDateValue(v)), what: 'a date, such as `2026-12-01T12:00:00Z`, or epoch seconds, from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z (the times a date is written in)' },
  epoch: { ok: (v) => NUMBER_RE.test(v) && withinTimeRange(Number(v) * 1000), what: 'a decimal number of epoch seconds from -62167219200 to 253402300799 (years 0000 to 9999, the times a date is written in)' },
  number: { ok: (v) => NUMBER_RE.test(v), what: 'a decimal number' },
  seconds: { ok: (v) => NUMBER_RE.test(v) && !v.startsWith('-'), what: 'a decimal number of seconds, not negative (the time since MFA was used)' },
  string: { ok: () => true, what: 'a string' },
};

/**
 * Why the values given for `key` in a request context cannot be used, or undefined when they can. `key` is the
 * name as the caller wrote it (the message shows it); `values` are the values as the engine reads them.
 */
export function contextKeyProblem(key: string, values: readonly string[]): string | undefined {
  const type = typeOf(key);
  if (type === undefined) return undefined;
  if (values.length !== 1) {
    return `\`${key}\` is single-valued: give exactly one value${values.length > 1 ? `, not ${values.length}` : ''}`;
  }
  const v = values[0] as string;
  const r = READS[type];
  // Bool is read case-insensitively by the engine (src/core/iam/conditions.ts).
  if (r.ok(type === 'bool' ? v.toLowerCase() : v)) return undefined;
  return `\`${key}\` must be ${r.what}, got \`${v.length > 100 ? `${v.slice(0, 100)}…` : v}\``;
}

/** As BinaryEquals decodes a value (src/core/iam/conditions.ts). */
function isBase64(v: string): boolean {
  try {
    atob(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * What each IAM `ContextKeyType` (SimulateCustomPolicy, SimulatePrincipalPolicy `ContextEntries`; the list types
 * alike) says its values are, as the engine reads a value of that kind: a number for the Numeric operators, `true` or
 * `false` in any case for Bool, one address for IpAddress, base64 for BinaryEquals, a date or epoch seconds for the
 * Date operators. Strings are anything.
 */
const TYPED_VALUES: Readonly<Record<string, { ok: (v: string) => boolean; what: string }>> = {
  numeric: READS.number,
  boolean: { ok: (v) => READS.bool.ok(v.toLowerCase()), what: READS.bool.what },
  ip: READS.ip,
  // Any date or epoch seconds the Date operators read (a key of the caller's own, not the request's time).
  date: { ok: (v) => parseDateValue(v) !== undefined, what: 'a date, such as `2026-12-01T12:00:00Z`, or epoch seconds' },
  binary: { ok: isBase64, what: 'base64, such as `aGVsbG8=`' },
};

/**
 * Why a value given with IAM `ContextKeyType` `type` (`numeric`, `ipList`…) is not one of that type, or undefined when
 * every value is: a simulation decided on it would read it as no value at all, and a typo's Deny not apply.
 */
export function contextValueTypeProblem(key: string, type: string, values: readonly string[]): string | undefined {
  const r = TYPED_VALUES[type.endsWith('List') ? type.slice(0, -'List'.length) : type];
  if (r === undefined) return undefined;
  const bad = values.find((v) => !r.ok(v));
  if (bad === undefined) return undefined;
  return `\`${bad.length > 100 ? `${bad.slice(0, 100)}…` : bad}\` is not a value of ContextKeyType \`${type}\` for \`${key}\`: it must be ${r.what}; give a value of that type, or another ContextKeyType (\`string\` takes anything)`;
}

/**
 * A key given under both dialects' names (`aws:SourceIp` and `acs:SourceIp`) with different values (review ug, 1): the
 * engine reads each name for the other (src/core/iam/principal.ts `keyLookup`), a policy the value under its own
 * spelling first, so one question would have two values of one key, each policy deciding on another. The same values
 * under both names are one key's. `context` is a request context as the engine reads it (keys lowercased), `named`
 * each key as its caller first wrote it. Answers the name to point at (the second given) and what to say. So too for
 * the request's time given under two keys for different instants (`timeConflict`).
 */
export function contextKeyConflict(context: ReadonlyMap<string, readonly string[]>, named: ReadonlyMap<string, string>, now?: number): { readonly key: string; readonly message: string } | undefined {
  // In the caller's order: the first name given, then the other.
  for (const [key, values] of context) {
    const other = counterpart(key);
    const theirs = other === undefined ? undefined : context.get(other);
    if (other === undefined || theirs === undefined) continue;
    const [mine, sorted] = [[...values].sort(), [...theirs].sort()];
    if (mine.length === sorted.length && mine.every((v, i) => v === sorted[i])) continue;
    const [a, b] = [named.get(key) ?? key, named.get(other) ?? other];
    return { key: b, message: `context keys \`${a}\` and \`${b}\` name one key (each dialect's name of it) and were given different values: give it once, or the same value under both` };
  }
  return timeConflict(context, named, now) ?? mfaConflict(context, named);
}

/** The keys saying whether MFA was used (each dialect's names), and those of its age. */
const MFA_PRESENT_KEYS = ['aws:multifactorauthpresent', 'acs:multifactorauthpresent', 'acs:mfapresent', 'aws:mfapresent'] as const;
const MFA_AGE_KEYS = ['aws:multifactorauthage', 'acs:multifactorauthage'] as const;

/**
 * An MFA age beside MFA said not present (review vg, 5): the age is in a request "only if the principal was
 * authenticated using MFA" (AWS's global condition keys), so such a context describes no request, and "allow within an
 * hour of MFA" allowed a session said to have none. Answers the age's key.
 */
function mfaConflict(context: ReadonlyMap<string, readonly string[]>, named: ReadonlyMap<string, string>): { readonly key: string; readonly message: string } | undefined {
  const age = MFA_AGE_KEYS.find((k) => context.has(k));
  if (age === undefined) return undefined;
  const absent = MFA_PRESENT_KEYS.find((k) => context.get(k)?.some((v) => v.toLowerCase() === 'false') === true);
  if (absent === undefined) return undefined;
  const [a, b] = [named.get(age) ?? age, named.get(absent) ?? absent];
  const value = context.get(absent)?.find((v) => v.toLowerCase() === 'false') ?? 'false';
  return { key: a, message: `context key \`${a}\` is the age of an MFA sign-in, but \`${b}\` is \`${value}\`: a request carries the age only when MFA was used; leave the age out, or say MFA was used (\`true\`)` };
}

/** The keys that each give the request's time, as a simulation reads them (src/app/authorize.ts `simulatedTime`). */
const REQUEST_TIME_KEYS: ReadonlySet<string> = new Set(['aws:currenttime', 'acs:currenttime', 'aws:epochtime', 'acs:epochtime']);
/** The keys giving when the session making the request was issued (each dialect's name). */
const ISSUE_TIME_KEYS: ReadonlySet<string> = new Set(['aws:tokenissuetime', 'acs:tokenissuetime']);

/** The second of a request-time key's value, or undefined when it is not one time (refused, if at all, by `contextKeyProblem`). */
function secondOf(key: string, values: readonly string[]): number | undefined {
  if (values.length !== 1) return undefined;
  const v = values[0] as string;
  const ms = key.endsWith('epochtime') ? (NUMBER_RE.test(v) ? Number(v) * 1000 : undefined) : parseDateValue(v);
  return ms === undefined || !Number.isFinite(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * `aws:CurrentTime` and `aws:EpochTime` (or RAM's names) given for different instants (review vd, 2). Each is the
 * request's time: a simulation takes `aws:CurrentTime` as that time, and the engine reads each key as given, so a
 * question with `aws:CurrentTime` 2031 and `aws:EpochTime` 1000 was decided in 2031 by a condition on one and in 1970 by a
 * condition on the other (and a binding's `request.time` in 2031), one answer at two times. Compared to the second, as
 * `aws:EpochTime` counts. Answers the key given second. So too for an `aws:TokenIssueTime` after that time (review vg,
 * 1), answering the issue time's key; `now` (ms), where given, is that time when the context gives none: a simulation
 * without `aws:CurrentTime` is asked at the server's clock, and a session issued in 2099 was decided as such (review vm, 1).
 */
function timeConflict(context: ReadonlyMap<string, readonly string[]>, named: ReadonlyMap<string, string>, now?: number): { readonly key: string; readonly message: string } | undefined {
  let first: { key: string; second: number; value: string } | undefined;
  let issued: { key: string; second: number; value: string } | undefined;
  const shown = (v: string): string => (v.length > 40 ? `${v.slice(0, 40)}…` : v);
  for (const [key, values] of context) {
    if (ISSUE_TIME_KEYS.has(key)) {
      const second = secondOf(key, values);
      if (second !== undefined) issued ??= { key, second, value: values[0] as string };
      continue;
    }
    if (!REQUEST_TIME_KEYS.has(key)) continue;
    const second = secondOf(key, values);
    if (second === undefined) continue;
    if (first === undefined) {
      first = { key, second, value: values[0] as string };
      continue;
    }
    if (second === first.second) continue;
    const [a, b] = [named.get(first.key) ?? first.key, named.get(key) ?? key];
    return { key: b, message: `context keys \`${a}\` (\`${shown(first.value)}\`) and \`${b}\` (\`${shown(values[0] as string)}\`) each give the request's time, and name different instants: give one of them (the other is then read at that time), or the same instant in both` };
  }
  // A session issued after the request it makes (review vg, 1): no session can ask then, and a Deny on sessions issued
  // before a date (`DateLessThan aws:TokenIssueTime`) was lifted for it.
  if (first === undefined && issued !== undefined && now !== undefined && Number.isFinite(now)) {
    const second = Math.floor(now / 1000);
    if (issued.second > second) {
      const a = named.get(issued.key) ?? issued.key;
      return { key: a, message: `context key \`${a}\` (\`${shown(issued.value)}\`) is after the request's time, now (\`${isoSeconds(second * 1000)}\`; no \`aws:CurrentTime\` was given): a session is issued before the requests it makes; give an issue time at or before now, or the request's time as \`aws:CurrentTime\`` };
    }
  }
  if (first !== undefined && issued !== undefined && issued.second > first.second) {
    const [a, b] = [named.get(issued.key) ?? issued.key, named.get(first.key) ?? first.key];
    return { key: a, message: `context key \`${a}\` (\`${shown(issued.value)}\`) is after the request's time, \`${b}\` (\`${shown(first.value)}\`): a session is issued before the requests it makes; give an issue time at or before the request's time` };
  }
  return undefined;
}
