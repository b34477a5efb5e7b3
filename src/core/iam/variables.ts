/**
 * Policy variables (reference §A.1.6): `${key}`, `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`.
 * Honoured only under `Version: 2012-10-17`; elsewhere `${…}` is literal text. Substituted values and escapes
 * are literal characters, never wildcards, so they come out marked (see glob.ts).
 */
import { LITERAL_DOLLAR, LITERAL_QMARK, LITERAL_STAR } from './glob.ts';
import { isConditionKeyName } from './key-name.ts';

export type KeyLookup = (lowerKey: string) => readonly string[] | undefined;

/** A variable: `key` lowercased (as the lookup reads it), `name` as written (for explanations), its default if any. */
type Part = string | { readonly key: string; readonly name: string; readonly fallback: string | undefined };

export interface Template {
  readonly parts: readonly Part[];
}

const VAR_RE = /\$\{([^}]*)\}/g;
/** `key` or `key, 'default'`; the key may hold spaces in its tag key (`aws:PrincipalTag/Cost Center`: key-name.ts). */
const KEY_RE = /^\s*([^\s,'}](?:[^,'}]*[^\s,'}])?)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * Splits `text` into literal parts and variables. `from` is where variables start to count (the resource part
 * of an ARN); returns undefined when there is no variable, so plain patterns take the fast path.
 */
export function parseTemplate(text: string, from = 0): Template | undefined {
  if (!text.includes('${', from)) return undefined;
  const parts: Part[] = [];
  let last = 0;
  let sawVariable = false;
  VAR_RE.lastIndex = from;
  for (let m = VAR_RE.exec(text); m; m = VAR_RE.exec(text)) {
    const body = m[1] ?? '';
    let part: Part | undefined;
    if (body === '*') part = LITERAL_STAR;
    else if (body === '?') part = LITERAL_QMARK;
    else if (body === '$') part = LITERAL_DOLLAR;
    else {
      const k = KEY_RE.exec(body);
      if (k && k[1] && isConditionKeyName(k[1])) part = { key: k[1].toLowerCase(), name: k[1], fallback: k[2] };
    }
    if (part === undefined) continue;
    sawVariable = true;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(part);
    last = m.index + m[0].length;
  }
  if (!sawVariable) return undefined;
  if (last < text.length) parts.push(text.slice(last));
  return { parts };
}

/**
 * The first `${` of `text` from `from` on that `parseTemplate` reads neither as a variable nor as an escape, with what is
 * wrong with it, else undefined: such text stays literal (review vt, 3). `shown` is the variable as written (at most 80
 * characters of one never closed).
 */
export function malformedVariable(text: string, from = 0): { readonly shown: string; readonly why: 'unclosed' | 'empty' | 'default' | 'key' } | undefined {
  for (let i = text.indexOf('${', from); i >= 0; ) {
    const end = text.indexOf('}', i + 2);
    if (end < 0) return { shown: text.slice(i, i + 80), why: 'unclosed' };
    const body = text.slice(i + 2, end);
    if (body !== '*' && body !== '?' && body !== '$') {
      const shown = text.slice(i, end + 1);
      if (body.trim() === '') return { shown, why: 'empty' };
      const k = KEY_RE.exec(body);
      if (!k || !k[1] || !isConditionKeyName(k[1])) return { shown, why: body.includes(',') ? 'default' : 'key' };
    }
    i = text.indexOf('${', end + 1);
  }
  return undefined;
}

/**
 * The keys of the variables `text` reads from `from` on (as `parseTemplate` finds them), each as written, in order; not
 * the escapes `${*}`, `${?}`, `${$}`. What GetContextKeysFor…Policy answers of a policy's variables (src/app/simulate.ts).
 */
export function templateKeys(text: string, from = 0, withDefaults = true): string[] {
  const out: string[] = [];
  replaceVariables(text, from, (key, fallback) => {
    if (withDefaults || fallback === undefined) out.push(key);
    return undefined;
  });
  return out;
}

/**
 * `text` with each variable it reads from `from` on (not the escapes) replaced by what `by` answers for its key (as
 * written) and default, or kept as written where `by` answers undefined.
 */
export function replaceVariables(text: string, from: number, by: (key: string, fallback: string | undefined) => string | undefined): string {
  if (!text.includes('${', from)) return text;
  const re = new RegExp(VAR_RE.source, 'g');
  re.lastIndex = from;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[1] ?? '';
    if (body === '*' || body === '?' || body === '$') continue;
    const k = KEY_RE.exec(body);
    if (!k || !k[1] || !isConditionKeyName(k[1])) continue;
    const r = by(k[1], k[2]);
    if (r === undefined) continue;
    out += text.slice(last, m.index) + r;
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

/**
 * The private-use characters the engine marks substituted text with: `LITERAL_STAR`, `LITERAL_QMARK`, `LITERAL_DOLLAR`
 * (glob.ts) and the wildcard an exact operator makes of the rest of an `anyRest` value (`ANY_REST`, conditions.ts). A
 * value holding one cannot be substituted as literal text (it would read as that mark: U+E003 as a `*` wildcard, U+E000
 * as the character `*`), so it is no value for a variable, as a multivalued one is (review sh, 1). No tag, name or ARN may
 * hold one; a context value may.
 */
const MARKS_RE = /[\uE000-\uE003]/;

/** The one value a variable of `key` substitutes, or undefined: absent, multivalued, several values, or holding a mark. */
function substitutable(key: string, lookup: KeyLookup): string | undefined {
  if (MULTI_VALUED.has(key)) return undefined;
  const v = lookup(key);
  if (v === undefined || v.length !== 1) return undefined;
  const one = v[0] as string;
  return MARKS_RE.test(one) ? undefined : one;
}

function markLiteral(v: string): string {
  return v.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QMARK).replaceAll('$', LITERAL_DOLLAR);
}

/**
 * The multivalued keys (reference §A.1.8: `aws:TagKeys`, `sts:TransitiveTagKeys`; IAM's `ArrayOf…` global keys), in
 * both dialects' spellings, lowercased. "Only single-valued keys can be variables" (§A.1.6): such a variable has no value,
 * however many values a request carries (review hn, 6).
 */
const MULTI_VALUED: ReadonlySet<string> = new Set([
  ...['tagkeys', 'principalorgpaths', 'resourceorgpaths', 'sourceorgpaths', 'calledvia', 'principalservicenameslist'].flatMap((k) => [`aws:${k}`, `acs:${k}`]),
  'sts:transitivetagkeys',
]);

/** Whether `key` (any case) is a multivalued key, which no policy variable may read. */
export function isMultiValuedKey(key: string): boolean {
  return MULTI_VALUED.has(key.toLowerCase());
}

/** The first variable of `text` from `from` on that reads a multivalued key, as written (`${aws:TagKeys}`), else undefined. */
export function multiValuedVariable(text: string, from = 0): string | undefined {
  let found: string | undefined;
  replaceVariables(text, from, (key, fallback) => {
    if (found === undefined && isMultiValuedKey(key)) found = `\${${key}${fallback !== undefined ? `, '${fallback}'` : ''}}`;
    return undefined;
  });
  return found;
}

/**
 * A lookup may say that some keys' values are only the start of a value (`anyRest`, a property no request can set): such a
 * variable is substituted as that text, literal, then a wildcard `*`. `aws:userid` of a role asked about by its ARN is
 * `<RoleId>:` and whatever session name its assumer picks, as a Deny reads it (src/core/iam/evaluate.ts; review pd, 4).
 */
export type PrefixLookup = KeyLookup & { readonly anyRest?: ReadonlySet<string> };

/**
 * Substitutes every variable; undefined when one has no value (absent, multi-valued or holding a mark: `substitutable`) and no default. `rest` is what
 * stands for the rest of an `anyRest` key's value: the wildcard `*`, or a marker an exact operator turns into one after
 * it has made the value's own `*` literal (`ANY_REST`, src/core/iam/conditions.ts; review pw, 1).
 */
export function resolveTemplate(t: Template, lookup: PrefixLookup, rest = '*'): string | undefined {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = substitutable(p.key, lookup);
    if (v !== undefined) out += lookup.anyRest?.has(p.key) === true ? `${markLiteral(v)}${rest}` : markLiteral(v);
    else if (p.fallback !== undefined) out += markLiteral(p.fallback);
    else return undefined;
  }
  return out;
}

/**
 * The first variable of `t` that `resolveTemplate` finds no value for (absent, multi-valued or holding a mark, and no default), as
 * written (`${aws:PrincipalTag/team}`), else undefined: what an explanation names when a pattern matched nothing for want
 * of it (policy review ir, 3).
 */
export function unresolvedVariable(t: Template, lookup: KeyLookup): string | undefined {
  for (const p of t.parts) {
    if (typeof p === 'string' || p.fallback !== undefined) continue;
    if (substitutable(p.key, lookup) === undefined) return `\${${p.name}}`;
  }
  return undefined;
}

/** Patterns a resource's cache holds, resolved from requests (src/core/iam/compile.ts). */
export const RESOLVED_RESOURCES = 256;
/** Patterns a condition value's cache holds (src/core/iam/conditions.ts). */
export const RESOLVED_VALUES = 64;
/**
 * The characters a resolved pattern is given on average: a cache holds its count of patterns as long as the pattern
 * written with values of this length, counted in characters. By count alone, values as long as a request can send made
 * each entry as long: a policy of 57 `arn:aws:s3:::…/${s3:prefix}/*` resources kept 17.5 MB over 256 requests with
 * prefixes of 1,000 characters, 59.1 MB with 4,000 (1.2 and 1.5 MB now; review ed3). `compiledWeight` counts a cache
 * full by this bound.
 */
export const RESOLVED_VALUE_CHARS = 128;

/**
 * A small bounded memo from resolved pattern text to its compiled matcher: `max` patterns, `maxChars` characters of them
 * (`RESOLVED_VALUE_CHARS`), then cleared.
 */
export class MatcherCache<M> {
  private readonly map = new Map<string, M>();
  private readonly build: (s: string) => M;
  private readonly max: number;
  private readonly maxChars: number;
  private chars = 0;
  constructor(build: (s: string) => M, max = 256, maxChars = Number.POSITIVE_INFINITY) {
    this.build = build;
    this.max = max;
    this.maxChars = maxChars;
  }
  get(s: string): M {
    let m = this.map.get(s);
    if (m === undefined) {
      if (this.map.size >= this.max || this.chars + s.length > this.maxChars) {
        this.map.clear();
        this.chars = 0;
      }
      m = this.build(s);
      this.map.set(s, m);
      this.chars += s.length;
    }
    return m;
  }
}

/** The cache of a pattern written as `text` with policy variables: `max` patterns resolved from it, of average length. */
export function resolvedCache<M>(build: (s: string) => M, max: number, text: string): MatcherCache<M> {
  return new MatcherCache(build, max, max * (text.length + RESOLVED_VALUE_CHARS));
}
