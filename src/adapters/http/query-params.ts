/**
 * Query API parameters (`application/x-www-form-urlencoded`), with the AWS list and map encodings:
 * `Tags.member.1.Key`, `TagKeys.member.1`, `ContextEntries.member.1.ContextKeyValues.member.2`.
 */
import { isUtf8 } from 'node:buffer';
import { failWith, ok, type Result } from '../../core/errors.ts';

/**
 * Parameters one Query API request may carry (query and body together). The largest real calls (SimulateCustomPolicy
 * with its lists, 50 session tags) use a few hundred; reading 1 MiB of `a=b&…` into a map took 140 ms of the event
 * loop, before the request's signature is checked (review limits, L6).
 */
export const MAX_QUERY_PARAMETERS = 4096;

/** How many `&`-separated parameters `src` holds (an upper bound: empty ones count), counted without decoding. */
export function parameterCount(src: string): number {
  if (src === '') return 0;
  let n = 1;
  for (let i = src.indexOf('&'); i !== -1; i = src.indexOf('&', i + 1)) n++;
  return n;
}

/** A run of percent-escapes: the bytes of whole UTF-8 characters, when the run is well formed. */
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * The name of the first parameter of form-encoded `src` whose name or value, its percent-escapes decoded, is not UTF-8
 * (`%E9`, Latin-1's é): undefined when all are. A character's bytes are escaped together, so each run of escapes is
 * whole characters. URLSearchParams reads such bytes as U+FFFD, which a request was then refused for (a policy document
 * "character U+FFFD is not allowed") or, where any character is taken, would keep (review hg, 3).
 */
export function notUtf8Parameter(src: string): string | undefined {
  if (!src.includes('%')) return undefined;
  for (const part of src.split('&')) {
    if (!part.includes('%')) continue;
    for (const m of part.matchAll(ESCAPE_RUN)) {
      if (isUtf8(Buffer.from(m[0].replaceAll('%', ''), 'hex'))) continue;
      const name = new URLSearchParams(part).keys().next().value ?? '';
      return name.length > 64 ? `${name.slice(0, 64)}…` : name;
    }
  }
  return undefined;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** IAM's answer to a required member left out: `field` as its message names it (`tags.1.member.value`). */
const nullAt = (field: string, param: string): Result<never> =>
  failWith('VALIDATION_ERROR', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`, param);

/** The most members a request's `Tags` may have (IAM's `tagListType`). */
const MAX_TAGS_IN_REQUEST = 50;

export class Params {
  private readonly map: Map<string, string>;
  /**
   * The first parameter the request gives more than once (twice in the body, or in the query and the body), whose value
   * `get` reads as its last: what reads the request before this server (a proxy allowing some `Action`s, a log) reads
   * the first, as `URLSearchParams.get` does (review vl, 3). Undefined when each is given once.
   */
  readonly repeated: string | undefined;
  constructor(map: Map<string, string>, repeated?: string) {
    this.map = map;
    this.repeated = repeated;
  }

  static parse(body: string, query: string): Params {
    const map = new Map<string, string>();
    let repeated: string | undefined;
    for (const src of [query, body]) {
      for (const [k, v] of new URLSearchParams(src)) {
        if (repeated === undefined && map.has(k)) repeated = k;
        map.set(k, v);
      }
    }
    return new Params(map, repeated);
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  /**
   * The first list of the request whose members are not numbered 1, 2, 3… without a gap (`PolicyArns.member.2.arn`
   * with no `PolicyArns.member.1`, a 0-based `Tags.member.0.Key`, `TagKeys.member.01`), as a refusal naming the list
   * and the member at fault; undefined when every list is numbered so. `list` and `structs` read members from 1 up to
   * the first missing number: the rest were dropped without a word, and a session asked with its managed session policy
   * numbered from 2 (or 0) was issued without it, with all its role's rights (review hj, 1). Nested lists
   * (`ContextEntries.member.1.ContextKeyValues.member.N`) are checked each on its own.
   */
  listNumberingProblem(): Result<void> {
    const indices = new Map<string, Map<string, string>>();
    for (const key of this.map.keys()) {
      for (let at = key.indexOf('.member.'); at !== -1; at = key.indexOf('.member.', at + 1)) {
        const list = key.slice(0, at);
        const start = at + '.member.'.length;
        const dot = key.indexOf('.', start);
        const index = key.slice(start, dot === -1 ? undefined : dot);
        let seen = indices.get(list);
        if (seen === undefined) indices.set(list, (seen = new Map()));
        if (!seen.has(index)) seen.set(index, key);
      }
    }
    const shown = (s: string): string => (s.length > 128 ? `${s.slice(0, 128)}…` : s);
    for (const [list, seen] of indices) {
      for (const [index, key] of seen) {
        if (!/^[1-9]\d*$/.test(index)) {
          return failWith('VALIDATION_ERROR', `parameter \`${shown(key)}\`: the members of list \`${shown(list)}\` are numbered 1, 2, 3… (\`${shown(list)}.member.1\` first), not \`${shown(index)}\``, shown(key));
        }
      }
      for (let i = 1; i <= seen.size; i++) {
        if (seen.has(String(i))) continue;
        // The next number given, as it was written (a number of hundreds of digits is no `Infinity`).
        const beyond = [...seen.keys()].filter((n) => n.length > String(i).length || (n.length === String(i).length && n > String(i))).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0] ?? '';
        return failWith(
          'VALIDATION_ERROR',
          `parameter \`${shown(list)}.member.${i}\` is missing while \`${shown(list)}.member.${shown(beyond)}\` is given: the members of a list are numbered 1, 2, 3… without a gap; number them again from 1`,
          `${shown(list)}.member.${i}`,
        );
      }
    }
    return ok(undefined);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** A required string; AWS answers a missing one with `ValidationError`. */
  required(name: string): Result<string> {
    const v = this.map.get(name);
    if (v === undefined || v === '') return nullAt(lowerFirst(name), name);
    return ok(v);
  }

  /**
   * The `Name.member.N.Key`/`.Value` tags of a request. Both members of a tag are required (IAM's `Tag` shape), and
   * with `required` so is the list (TagUser, TagRole, TagPolicy…): a tag without its Value was stored with an empty one,
   * and a TagUser naming no tag answered 200 having done nothing, where IAM answers ValidationError.
   */
  tags(name: string, required: boolean): Result<{ key: string; value: string }[]> {
    const structs = this.structs(name);
    const field = lowerFirst(name);
    if (required && structs.length === 0) return nullAt(field, name);
    // IAM's `tagListType` holds at most 50: more in one request is malformed (ValidationError), not the entity's tag
    // quota (LimitExceeded, for tags merged past 50), which TagRole/TagUser/TagPolicy answered (review hw, 3).
    if (structs.length > MAX_TAGS_IN_REQUEST) {
      return failWith(
        'VALIDATION_ERROR',
        `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS_IN_REQUEST} (${structs.length} tags given)`,
        name,
      );
    }
    const out: { key: string; value: string }[] = [];
    for (const [i, m] of structs.entries()) {
      const key = m.get('Key');
      const value = m.get('Value');
      if (key === undefined) return nullAt(`${field}.${i + 1}.member.key`, `${name}.member.${i + 1}.Key`);
      if (value === undefined) return nullAt(`${field}.${i + 1}.member.value`, `${name}.member.${i + 1}.Value`);
      out.push({ key, value });
    }
    // One key twice, in any case (IAM's tag keys are case-insensitive), is IAM's InvalidInput in its words, the modeled
    // InvalidInputException clients catch (Terraform's and kops' users meet it); it was ValidationError (review nv, 3).
    const keys = new Set(out.map((t) => t.key.toLowerCase()));
    if (keys.size < out.length) return failWith('INVALID_INPUT', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.', name);
    return ok(out);
  }

  /** A required `Name.member.N` list (UntagUser's TagKeys): absent, IAM answers ValidationError, not a no-op. */
  requiredList(name: string): Result<string[]> {
    const v = this.list(name);
    return v.length === 0 ? nullAt(lowerFirst(name), name) : ok(v);
  }

  int(name: string): Result<number | undefined> {
    const v = this.map.get(name);
    if (v === undefined) return ok(undefined);
    // Cut: a value reaches 1 MiB, and unsigned calls take integers too (review gc, 4).
    if (!/^-?\d+$/.test(v)) return failWith('VALIDATION_ERROR', `${name} must be an integer, got \`${v.length > 32 ? `${v.slice(0, 32)}…` : v}\``, name);
    return ok(Number(v));
  }

  /**
   * A boolean parameter as the Query protocol reads it, xsd:boolean: `true` or `1`, `false` or `0`. Anything else
   * was false without a word (`SetAsDefault=1` created a version that was not the default; review hw, 2).
   */
  bool(name: string): Result<boolean | undefined> {
    const v = this.map.get(name);
    if (v === undefined) return ok(undefined);
    if (v === 'true' || v === '1') return ok(true);
    if (v === 'false' || v === '0') return ok(false);
    return failWith('VALIDATION_ERROR', `${name} must be a boolean (\`true\` or \`false\`), got \`${v.length > 32 ? `${v.slice(0, 32)}…` : v}\``, name);
  }

  /**
   * A required `Name.member.N` list that may be empty: given empty, the SDKs send `Name=` (botocore and SDK v3 alike);
   * left out, nothing, which IAM answers ValidationError. UpdateOpenIDConnectProviderThumbprint without its list removed
   * every thumbprint (review it, 4).
   */
  presentList(name: string): Result<string[]> {
    const v = this.list(name);
    return v.length === 0 && !this.map.has(name) ? nullAt(lowerFirst(name), name) : ok(v);
  }

  /** `Name.member.1`, `Name.member.2`, … in order. */
  list(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.map.get(`${name}.member.${i}`);
      if (v === undefined) return out;
      out.push(v);
    }
  }

  /**
   * `Name.member.N.Field` structures, in order (1, 2, … up to the first missing N). One pass over the parameters:
   * looking each N up by scanning them all was quadratic, and a 700 KB unsigned AssumeRoleWithWebIdentity of
   * 20,000 `PolicyArns.member.N.arn` held the event loop 50 s (review limits, L1).
   */
  structs(name: string): Map<string, string>[] {
    const prefix = `${name}.member.`;
    const byIndex = new Map<string, Map<string, string>>();
    for (const [k, v] of this.map) {
      if (!k.startsWith(prefix)) continue;
      const dot = k.indexOf('.', prefix.length);
      if (dot === -1) continue;
      const index = k.slice(prefix.length, dot);
      let entry = byIndex.get(index);
      if (entry === undefined) byIndex.set(index, (entry = new Map()));
      entry.set(k.slice(dot + 1), v);
    }
    const out: Map<string, string>[] = [];
    for (let i = 1; ; i++) {
      const entry = byIndex.get(String(i));
      if (entry === undefined) return out;
      out.push(entry);
    }
  }

  /** A sub-view of one struct, so nested lists can use `list()`. */
  static of(entry: Map<string, string>): Params {
    return new Params(entry);
  }
}
