/**
 * Condition operators as a registry of compiled matchers (reference §A.1.7). Each entry compiles once into
 * `matchOne(requestValue)`: does the request value match any policy value (the positive sense), or
 * `undefined` when the request value does not parse for the operator. Such a value makes the entry an
 * evaluation error, which the caller resolves against the statement (fails closed: a Deny applies, an Allow
 * does not), never a plain false that a negated operator would turn off. Negation, set qualifiers, IfExists
 * and missing keys are applied by `evaluateCondition`.
 */
import { arnConditionMatcher, globMatcher, resolvedArnConditionMatcher, resolvedGlobMatcher, type Matcher } from './glob.ts';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.ts';
import type { BaseOperator, ConditionEntry } from './types.ts';
import { addSteps } from './work.ts';
import { parseTemplate, RESOLVED_VALUES, resolvedCache, resolveTemplate, type KeyLookup, type Template, type MatcherCache } from './variables.ts';

export interface CompiledCondition {
  readonly entry: ConditionEntry;
  readonly key: string;
  readonly negated: boolean;
  readonly isNull: boolean;
  readonly matchOne: (value: string, lookup: KeyLookup) => boolean | undefined;
  /**
   * For a String or Arn operator on a key whose values both dialects spell (`OTHER_SPELLING`: the principal's ARN, a
   * passed role's associated resource): the other dialect's spelling of a request value, which a policy value may name
   * it by too.
   */
  readonly otherSpelling: ((value: string) => string | undefined) | undefined;
}

const NEGATED: ReadonlySet<BaseOperator> = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Epoch seconds: any number but four digits alone, which are a year (`YYYY`, the W3C profile). By length alone, `12.5`
 * and `-100` were read as years and were no date at all (policy review he, 3).
 */
const isEpochSeconds = (s: string): boolean => /^-?\d+(\.\d+)?$/.test(s) && !/^\d{4}$/.test(s);

/** W3C ISO-8601 profile (https://www.w3.org/TR/NOTE-datetime) or epoch seconds → epoch milliseconds. */
export function parseDateValue(s: string): number | undefined {
  if (isEpochSeconds(s)) return Number(s) * 1000;
  return isoMs(s);
}

/** An ISO 8601 time (the W3C profile) → epoch milliseconds. */
function isoMs(s: string): number | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = sec ? Number(sec) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = utc(Number(y), month - 1, day, hour, minute, second, frac ? Math.round(Number(frac) * 1000) : 0);
  // Reject impossible calendar dates (30 February) instead of letting them roll over into the next month.
  if (new Date(utc(Number(y), month - 1, day, 0, 0, 0, 0)).getUTCDate() !== day) return undefined;
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const tzHours = Number(tz.slice(1, 3));
    const tzMinutes = Number(tz.slice(4, 6));
    if (tzHours > 23 || tzMinutes > 59) return undefined;
    ms -= sign * (tzHours * 60 + tzMinutes) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Epoch milliseconds of a UTC calendar time. Not `Date.UTC`, which reads years 0–99 as 1900–1999: `0050-01-01` is
 * the year 50 (policy review C8).
 */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month, day);
  t.setUTCHours(hour, minute, second, ms);
  return t.getTime();
}

/**
 * A decimal as written, for exact comparison: its sign, its integer digits without leading zeros and its fraction
 * digits without trailing zeros (zero has sign 0). Read as a double, two decimals past 15–17 significant digits
 * compared equal: 9007199254740993 was 2^53, 0.09999999999999999999 was 0.1 (policy review he, 1).
 */
interface Decimal {
  readonly sign: -1 | 0 | 1;
  readonly int: string;
  readonly frac: string;
}

function parseDecimal(s: string): Decimal | undefined {
  if (!NUMBER_RE.test(s)) return undefined;
  const negative = s[0] === '-';
  const body = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const intEnd = dot < 0 ? body.length : dot;
  let i = 0;
  while (i < intEnd && body.charCodeAt(i) === 0x30) i++;
  let j = body.length;
  if (dot >= 0) while (j > dot + 1 && body.charCodeAt(j - 1) === 0x30) j--;
  const int = i === 0 && intEnd === body.length ? body : body.slice(i, intEnd);
  const frac = dot < 0 ? '' : body.slice(dot + 1, j);
  if (int === '' && frac === '') return { sign: 0, int, frac };
  return { sign: negative ? -1 : 1, int, frac };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  let m: number;
  if (a.int.length !== b.int.length) m = a.int.length < b.int.length ? -1 : 1;
  else if (a.int !== b.int) m = a.int < b.int ? -1 : 1;
  else m = a.frac === b.frac ? 0 : a.frac < b.frac ? -1 : 1;
  return a.sign < 0 ? -m : m;
}

/** Whether `order` (as `compareDecimal` answers) satisfies the Numeric or Date operator (`…NotEquals` as `…Equals`). */
function orderHolds(op: BaseOperator, order: number): boolean {
  if (op.endsWith('LessThanEquals')) return order <= 0;
  if (op.endsWith('GreaterThanEquals')) return order >= 0;
  if (op.endsWith('LessThan')) return order < 0;
  if (op.endsWith('GreaterThan')) return order > 0;
  return order === 0;
}

/** A whole number of seconds as a `Decimal` (the common case: a time with no fraction, `aws:CurrentTime`). */
function wholeSeconds(n: number): Decimal {
  return n === 0 ? { sign: 0, int: '', frac: '' } : { sign: n < 0 ? -1 : 1, int: String(n < 0 ? -n : n), frac: '' };
}

const FRACTION_RE = /^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$/;

/**
 * A date as exact epoch seconds, for the Date operators: epoch seconds as written, an ISO 8601 time with every digit of
 * its fraction. Read as milliseconds, the fraction was rounded: `00:00:00.9999Z` became `00:00:01Z`, no longer before
 * it, and `00:00:00.0001Z` was no later than `00:00:00Z` (policy review he, 2).
 */
function parseDateExact(s: string): Decimal | undefined {
  if (isEpochSeconds(s)) return parseDecimal(s);
  const f = s.includes('.') ? FRACTION_RE.exec(s) : null;
  const ms = isoMs(f ? `${f[1] as string}${f[3] as string}` : s);
  if (ms === undefined) return undefined;
  const frac = f ? withoutTrailingZeros(f[2] as string) : '';
  if (frac === '') return wholeSeconds(ms / 1000);
  // Whole seconds plus the fraction (the fraction always counts forward in time). Before the epoch, -S + 0.f is
  // -((S - 1) + (1 - 0.f)), and 1 - 0.f is the nines' complement of f's digits with its last digit (never 0) from ten.
  // Digit by digit, in time linear in the digits (a scaled BigInt took 0.25 ms a value of 8,192 digits).
  const whole = ms / 1000;
  if (whole >= 0) return { sign: 1, int: whole === 0 ? '' : String(whole), frac };
  const comp = new Uint8Array(frac.length);
  for (let i = 0; i < frac.length - 1; i++) comp[i] = 0x69 - frac.charCodeAt(i);
  comp[frac.length - 1] = 0x6a - frac.charCodeAt(frac.length - 1);
  return { sign: -1, int: -whole - 1 === 0 ? '' : String(-whole - 1), frac: ASCII.decode(comp) };
}

const ASCII = new TextDecoder('latin1');

/** `s` without its trailing `0`s, by a loop: `/0+$/` retries from every `0` of `000…01` (quadratic). */
function withoutTrailingZeros(s: string): string {
  let j = s.length;
  while (j > 0 && s.charCodeAt(j - 1) === 0x30) j--;
  return j === s.length ? s : s.slice(0, j);
}

function decodeBase64(s: string): string | undefined {
  try {
    return atob(s);
  } catch {
    return undefined;
  }
}

/**
 * String-like policy values: static ones are prebuilt; templated ones (policy variables) are resolved per
 * request, and a value whose variable has no value matches nothing (reference §A.1.6).
 */
function stringValues<M>(
  values: readonly string[],
  variables: boolean,
  build: Builders<M>,
): { fixed: M[]; templated: { t: Template; cache: MatcherCache<M> }[] } {
  const fixed: M[] = [];
  const templated: { t: Template; cache: MatcherCache<M> }[] = [];
  for (const v of values) {
    const t = variables ? parseTemplate(v) : undefined;
    if (t) templated.push({ t, cache: resolvedCache(build.resolved, RESOLVED_VALUES, v) });
    else fixed.push(build.written(v));
  }
  return { fixed, templated };
}

/**
 * How a value's matcher is built: as the policy writes it (`written`, interned: glob.ts), and as a policy variable
 * resolved it from a request (`resolved`, held by the value's own bounded cache alone, never interned: review eb1).
 */
interface Builders<M> {
  readonly written: (s: string) => M;
  readonly resolved: (s: string) => M;
}

const asLiteral = (s: string): string => s.replaceAll('*', '\uE000').replaceAll('?', '\uE001');
/**
 * What an exact operator's resolved value holds for "any text" (`PrefixLookup.anyRest`: the session name of a role
 * asked about by its ARN, as a Deny reads `${aws:userid}`), turned into a wildcard once the value's own `*` and `?` are
 * literal. Written as `*`, it was made literal with them, so a positive `StringEquals` on `${aws:userid}` in a Deny
 * matched no session of the role (review pw, 1). A private-use character, which no policy document holds, nor any value a
 * variable substitutes (src/core/iam/variables.ts `substitutable`: one holding it is no value, review sh, 1).
 */
const ANY_REST = '\uE003';
const exact = (s: string): string => asLiteral(s).replaceAll(ANY_REST, '*');
const EQUALS: Builders<Matcher> = { written: (s) => globMatcher(asLiteral(s)), resolved: (s) => resolvedGlobMatcher(exact(s)) };
const EQUALS_IGNORE_CASE: Builders<Matcher> = { written: (s) => globMatcher(asLiteral(s.toLowerCase())), resolved: (s) => resolvedGlobMatcher(exact(s.toLowerCase())) };
const LIKE: Builders<Matcher> = { written: (s) => globMatcher(s), resolved: resolvedGlobMatcher };
const ARN_LIKE: Builders<Matcher> = { written: arnConditionMatcher, resolved: resolvedArnConditionMatcher };

function stringOperator(values: readonly string[], variables: boolean, build: Builders<Matcher>, normalise: (s: string) => string, rest = '*') {
  const { fixed, templated } = stringValues(values, variables, build);
  return (value: string, lookup: KeyLookup): boolean => {
    const v = normalise(value);
    for (const m of fixed) if (m(v)) return true;
    for (const { t, cache } of templated) {
      const resolved = resolveTemplate(t, lookup, rest);
      if (resolved !== undefined && cache.get(resolved)(v)) return true;
    }
    return false;
  };
}

const identity = (s: string): string => s;
const lower = (s: string): string => s.toLowerCase();

export function compileCondition(entry: ConditionEntry, variables: boolean): CompiledCondition {
  const op = entry.base;
  const values = entry.values;
  let matchOne: CompiledCondition['matchOne'];
  switch (op) {
    case 'StringEquals':
    case 'StringNotEquals':
      matchOne = stringOperator(values, variables, EQUALS, identity, ANY_REST);
      break;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      matchOne = stringOperator(values, variables, EQUALS_IGNORE_CASE, lower, ANY_REST);
      break;
    case 'StringLike':
    case 'StringNotLike':
      matchOne = stringOperator(values, variables, LIKE, identity);
      break;
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      matchOne = stringOperator(values, variables, ARN_LIKE, identity);
      break;
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals': {
      // The parser takes only decimals here (src/core/iam/parse.ts `checkConditionValue`).
      const nums = values.map((v) => parseDecimal(v)).filter((d): d is Decimal => d !== undefined);
      matchOne = (value) => {
        const n = parseDecimal(value);
        if (n === undefined) return undefined;
        return nums.some((p) => orderHolds(op, compareDecimal(n, p)));
      };
      break;
    }
    case 'DateEquals':
    case 'DateNotEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals': {
      const dates = values.map((v) => parseDateExact(v)).filter((d): d is Decimal => d !== undefined);
      matchOne = (value) => {
        const d = parseDateExact(value);
        if (d === undefined) return undefined;
        return dates.some((p) => orderHolds(op, compareDecimal(d, p)));
      };
      break;
    }
    case 'Bool': {
      const bools = values.map((v) => v.toLowerCase());
      matchOne = (value) => {
        const v = value.toLowerCase();
        if (v !== 'true' && v !== 'false') return undefined;
        return bools.includes(v);
      };
      break;
    }
    case 'BinaryEquals': {
      const bins = values.map((v) => decodeBase64(v));
      matchOne = (value) => {
        const b = decodeBase64(value);
        if (b === undefined) return undefined;
        return bins.includes(b);
      };
      break;
    }
    case 'IpAddress':
    case 'NotIpAddress': {
      const cidrs = values.map((v) => parseCidr(v)).filter((c): c is Cidr => c !== undefined);
      matchOne = (value) => {
        const ip = parseIp(value);
        if (!ip) return undefined;
        return cidrs.some((c) => cidrContains(c, ip));
      };
      break;
    }
    case 'Null':
      matchOne = () => undefined; // handled by evaluateCondition
      break;
  }
  const key = entry.key.toLowerCase();
  const otherSpelling = /^(String|Arn)/.test(op) ? OTHER_SPELLING.get(key) : undefined;
  return { entry, key, negated: NEGATED.has(op), isNull: op === 'Null', matchOne, otherSpelling };
}

const TRAINING_ARN_RE = /^(arn:aws[a-z-]*:training|acs:pai)::(\d{12}):((?:workspace|job|cluster)\/.+)$/;

/**
 * A workspace's, job's or cluster's ARN in the other dialect's spelling (`arn:aws:training::A:X` ≡ `acs:pai::A:X`, as
 * src/app/principals.ts `otherTrainingArn` spells a request's), or undefined for any other value.
 */
export function otherTrainingSpelling(arn: string): string | undefined {
  const t = TRAINING_ARN_RE.exec(arn);
  return t === null ? undefined : `${t[1] === 'acs:pai' ? 'arn:aws:training' : 'acs:pai'}::${t[2] as string}:${t[3] as string}`;
}

/**
 * The keys whose values name an entity that both dialects spell, each with the other spelling of a value: the principal's
 * ARN (policy review qe, 1) and an access entry's (qe, 5), the job a service assumes a role for (`aws:SourceArn`, qe, 4),
 * and the job, node or pod a role is passed to (`iam:AssociatedResourceArn`, review gb, 5). Each value carries the
 * account's own spelling: compared literally, in an `acs` account a PassRole Deny on `ArnLike iam:AssociatedResourceArn
 * arn:aws:training::A:job/*` never applied (policy review qe, 3).
 */
const OTHER_SPELLING: ReadonlyMap<string, (value: string) => string | undefined> = new Map([
  ['aws:principalarn', otherPrincipalSpelling],
  ['acs:principalarn', otherPrincipalSpelling],
  // An access entry's principal, as its writes are decided (review N, N10): in an `acs` account a Deny on `StringLike
  // training:principalArn arn:aws:iam::A:role/admin*` let anyone who could write an entry map `admin` (policy review qe, 5).
  ['training:principalarn', otherPrincipalSpelling],
  ['iam:associatedresourcearn', otherTrainingSpelling],
  // The job a service assumes a role for, as the role's trust policy reads it (its confused-deputy key): in an `acs`
  // account a trust-policy Deny on `ArnLike aws:SourceArn arn:aws:training::A:job/*` never applied (policy review qe, 4).
  ['aws:sourcearn', otherTrainingSpelling],
  ['acs:sourcearn', otherTrainingSpelling],
  // The managed policy an Attach/Detach names, and a permissions boundary: enforcement gives the ARN a built-in is
  // stored under, so in an `acs` account an Allow on `iam:PolicyARN acs:ram::system:policy/ReadOnlyAccess` (RAM's ARN
  // for it) never granted attaching it, and a Deny on RAM's ARN for AdministratorAccess never applied (review rc, 1).
  ['iam:policyarn', otherSystemPolicySpelling],
  ['iam:permissionsboundary', otherSystemPolicySpelling],
  // The identity provider a web identity session came through: a trust-policy Deny on `aws:FederatedProvider` in the
  // other dialect's spelling never applied, its Allow never let in (review rh, 2).
  ['aws:federatedprovider', otherProviderSpelling],
]);

const AWS_PROVIDER_RE = /^arn:aws:iam::(\d{12}):(oidc-provider|saml-provider)\/(.+)$/;
const RAM_PROVIDER_RE = /^acs:ram::(\d{12}):(oidc-provider|saml-provider)\/(.+)$/;

/**
 * An identity provider's ARN in the other dialect's spelling, or undefined for any other value:
 * `arn:aws:iam::A:oidc-provider/H` ≡ `acs:ram::A:oidc-provider/H` (a SAML provider's alike). A trust policy's `Federated`
 * names a provider either way (src/core/iam/parse.ts) and both dialects are accepted everywhere (DESIGN.md); compared
 * literally, in an `acs` account a role trusting its provider by AWS's spelling (IRSA's documentation) took no token
 * (review rh, 2).
 */
export function otherProviderSpelling(arn: string): string | undefined {
  const a = AWS_PROVIDER_RE.exec(arn);
  if (a !== null) return `acs:ram::${a[1] as string}:${a[2] as string}/${a[3] as string}`;
  const r = RAM_PROVIDER_RE.exec(arn);
  return r === null ? undefined : `arn:aws:iam::${r[1] as string}:${r[2] as string}/${r[3] as string}`;
}

/**
 * The RAM system policies Gatehouse keeps in aws form only (src/core/directory/catalogue.ts `storedBuiltinArn`), by
 * either ARN: `arn:aws:iam::aws:policy/N` ≡ `acs:ram::system:policy/N`.
 */
const SYSTEM_POLICY_ALIASED: ReadonlySet<string> = new Set(['AdministratorAccess', 'ReadOnlyAccess']);
const SYSTEM_POLICY_RE = /^(?:arn:aws:iam::aws|(acs):ram::system):policy\/([^/]+)$/;

/** A built-in policy's ARN in the other dialect's spelling, for the two RAM names as its system policies; else undefined. */
export function otherSystemPolicySpelling(arn: string): string | undefined {
  const m = SYSTEM_POLICY_RE.exec(arn);
  if (m === null || !SYSTEM_POLICY_ALIASED.has(m[2] as string)) return undefined;
  return m[1] === undefined ? `acs:ram::system:policy/${m[2] as string}` : `arn:aws:iam::aws:policy/${m[2] as string}`;
}

const AWS_ENTITY_RE = /^arn:aws[a-z-]*:iam::(\d{12}):(?:(root)|(user|role)\/(?:.*\/)?([^/]+))$/;
const AWS_SESSION_RE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const RAM_ENTITY_RE = /^acs:ram::(\d{1,20}):(?:(root)|(user)\/([^/]+)|role\/([^/]+)(?:\/(.+))?)$/;

/**
 * A principal's ARN in the other dialect's spelling, or undefined for any other value: `acs:ram::A:user/N` ≡
 * `arn:aws:iam::A:user/N` (RAM has no paths, so AWS's is dropped), `role/R`, `root`, and a role's session
 * `acs:ram::A:role/R/S` ≡ `arn:aws:sts::A:assumed-role/R/S`. Both dialects are accepted everywhere (DESIGN.md) and
 * `Principal` names an entity in either (src/core/iam/compile.ts `compilePrincipal`), so a condition value naming the
 * principal in the other dialect names it too: compared literally, in an `acs` account a Deny on `StringLike
 * acs:PrincipalARN arn:aws:iam::A:user/contractor-*` never applied, and an Allow carving interns out with
 * `StringNotLike` in AWS's spelling granted them (policy review qe, 1).
 */
export function otherPrincipalSpelling(arn: string): string | undefined {
  const a = AWS_ENTITY_RE.exec(arn);
  if (a !== null) return a[2] !== undefined ? `acs:ram::${a[1] as string}:root` : `acs:ram::${a[1] as string}:${a[3] as string}/${a[4] as string}`;
  const s = AWS_SESSION_RE.exec(arn);
  if (s !== null) return `acs:ram::${s[1] as string}:role/${s[2] as string}/${s[3] as string}`;
  const r = RAM_ENTITY_RE.exec(arn);
  if (r === null) return undefined;
  const acct = r[1] as string;
  if (r[2] !== undefined) return `arn:aws:iam::${acct}:root`;
  if (r[3] !== undefined) return `arn:aws:iam::${acct}:user/${r[4] as string}`;
  return r[6] !== undefined ? `arn:aws:sts::${acct}:assumed-role/${r[5] as string}/${r[6]}` : `arn:aws:iam::${acct}:role/${r[5] as string}`;
}

/**
 * One request value against the entry, negation applied: `undefined` when the value does not parse for the
 * operator (unknown, neither true nor false).
 */
function satisfies(c: CompiledCondition, value: string, lookup: KeyLookup): boolean | undefined {
  let m = c.matchOne(value, lookup);
  // A value names the principal in either spelling: a positive operator holds when either matches, a negated one when
  // neither does.
  if (m === false && c.otherSpelling !== undefined) {
    const other = c.otherSpelling(value);
    if (other !== undefined) m = c.matchOne(other, lookup);
  }
  if (m === undefined) return undefined;
  return c.negated ? !m : m;
}

/** Some value satisfies the entry, in three-valued logic: true wins, then unknown, then false. */
function some(c: CompiledCondition, values: readonly string[], lookup: KeyLookup): boolean | undefined {
  let unknown = false;
  for (const v of values) {
    const r = satisfies(c, v, lookup);
    if (r === true) return true;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

/** Every value satisfies the entry, in three-valued logic: false wins, then unknown, then true. */
function every(c: CompiledCondition, values: readonly string[], lookup: KeyLookup): boolean | undefined {
  let unknown = false;
  for (const v of values) {
    const r = satisfies(c, v, lookup);
    if (r === false) return false;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}

const READS_AS: Partial<Record<BaseOperator, string>> = {
  Bool: '`true` or `false`',
  BinaryEquals: 'base64',
  IpAddress: 'an IP address',
  NotIpAddress: 'an IP address',
};

function readsAs(op: BaseOperator): string {
  if (op.startsWith('Numeric')) return 'a number';
  if (op.startsWith('Date')) return 'a date (ISO 8601 or epoch seconds)';
  return READS_AS[op] ?? 'a value of its type';
}

/**
 * Why an entry does not hold: `error` when it is neither true nor false because a request value does not parse
 * for the operator (the statement then fails closed, src/core/iam/evaluate.ts `applies`).
 */
export interface ConditionMiss {
  readonly error: boolean;
  readonly reason: string;
}

/**
 * A miss names the request's values, cut: the first `SHOWN_VALUES`, each to `SHOWN_CHARS` characters. Every
 * statement a request misses carries its reason, and a context key of 100,000 values (an 890 KB authorize request)
 * missing 50 statements built 60 MB of diagnostics in 10 s (review limits, L2).
 */
const SHOWN_VALUES = 10;
const SHOWN_CHARS = 100;
const shownValue = (v: string): string => `\`${v.length > SHOWN_CHARS ? `${v.slice(0, SHOWN_CHARS)}…` : v}\``;
function shownValues(values: readonly string[]): string {
  if (values.length === 1) return shownValue(values[0] as string);
  const shown = values.slice(0, SHOWN_VALUES).map(shownValue).join(', ');
  return values.length > SHOWN_VALUES ? `[${shown}, … ${values.length - SHOWN_VALUES} more]` : `[${shown}]`;
}

/** Returns undefined when the entry holds, else why it does not (false, or an evaluation error). */
export function evaluateCondition(c: CompiledCondition, lookup: KeyLookup): ConditionMiss | undefined {
  const values = lookup(c.key);
  const present = values !== undefined && values.length > 0;
  const { entry } = c;
  if (c.isNull) {
    const want = entry.values.some((v) => (v.toLowerCase() === 'true') === !present);
    return want ? undefined : { error: false, reason: `key \`${entry.key}\` is ${present ? 'present' : 'absent'}` };
  }
  if (!present) {
    if (entry.qualifier === 'ForAllValues') return undefined;
    if (entry.qualifier === 'ForAnyValue') return { error: false, reason: `key \`${entry.key}\` is absent (ForAnyValue needs at least one value)` };
    if (entry.ifExists || c.negated) return undefined;
    return { error: false, reason: `key \`${entry.key}\` is absent from the request` };
  }
  // Each request value against each policy value, at most (work.ts).
  addSteps(values.length * entry.values.length);
  let ok: boolean | undefined;
  if (entry.qualifier === 'ForAllValues') ok = every(c, values, lookup);
  else if (entry.qualifier === 'ForAnyValue' || !c.negated) ok = some(c, values, lookup);
  else ok = every(c, values, lookup);
  if (ok === true) return undefined;
  if (ok === undefined) {
    const unread = values.filter((v) => c.matchOne(v, lookup) === undefined);
    return { error: true, reason: `\`${entry.key}\` = ${shownValues(unread)} is not ${readsAs(entry.base)}: ${entry.operator} cannot be evaluated` };
  }
  return { error: false, reason: `\`${entry.key}\` = ${shownValues(values)} does not satisfy ${entry.operator} ${JSON.stringify(entry.values)}` };
}
