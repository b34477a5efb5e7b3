/**
 * Matchers built once at compile time (reference §A.1.5). Three flavours:
 * - whole-string glob (`Action`, `StringLike`): `*` any run, `?` one character;
 * - `Resource`: glob per ARN segment; `*` stays inside its segment unless it is the segment's last
 *   character (then it may expand beyond the colon boundary, per the current AWS docs); in the resource
 *   part `*` crosses `/` and `:`;
 * - `ArnLike`/`ArnEquals`: strict per-segment glob, a `*` never crosses a segment.
 *
 * Wildcards that came from `${*}`/`${?}` or from a substituted variable are literal: callers mark them with
 * LITERAL_STAR / LITERAL_QMARK (private-use characters, which a policy document cannot contain since only
 * U+0009–U+00FF are allowed).
 */

import { addSteps } from './work.ts';

export type Matcher = (s: string) => boolean;

export const LITERAL_STAR = '\uE000';
export const LITERAL_QMARK = '\uE001';
export const LITERAL_DOLLAR = '\uE002';

const always: Matcher = () => true;
const never: Matcher = () => false;

/**
 * A pattern as steps for `programMatcher`: a literal code unit, `ONE` (any one code unit) or `STAR` (any run), each
 * wildcard either free or kept from crossing `:` (`COLON`, the head segments of an ARN).
 */
const LIT = 0;
const ONE = 1;
const STAR = 2;
interface Step {
  readonly kind: 0 | 1 | 2;
  /** The code unit a `LIT` step matches. */
  readonly unit: number;
  /** Whether a wildcard step may match `:`. */
  readonly colon: boolean;
}
const COLON = 0x3a;

/** The steps of a glob: `*` and `?` as wildcards (that may match `:` when `colon`), every other code unit literal. */
function globSteps(p: string, colon: boolean): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x2a) out.push({ kind: STAR, unit: 0, colon });
    else if (c === 0x3f) out.push({ kind: ONE, unit: 0, colon });
    else out.push({ kind: LIT, unit: literalUnit(c), colon });
  }
  return out;
}

/** A literal code unit, the markers turned back into the characters they stand for. */
function literalUnit(c: number): number {
  if (c === 0xe000) return 0x2a;
  if (c === 0xe001) return 0x3f;
  if (c === 0xe002) return 0x24;
  return c;
}

const starCount = (p: string): number => {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 0x2a) n++;
  return n;
};

/**
 * A matcher that runs the steps as a set of positions over the input, one code unit at a time: time grows with
 * input × pattern at worst, whatever the pattern. A backtracking RegExp of a pattern with several `*` can take
 * exponential time on an input that almost matches (`arn:aws:s3:::*\/*\/*\/*.json` against a key of 300 `/` held
 * the server's one thread for seconds: review W), so patterns with more than one `*` are matched this way.
 */
function programMatcher(steps: readonly Step[]): Matcher {
  if (steps.every((st) => st.kind === LIT || st.colon)) return starMatcher(steps);
  const m = steps.length;
  stepsKept += m;
  // The two position sets are the matcher's own, made once: a call runs to its end before another can start.
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  return (s) => {
    cur.fill(0);
    cur[0] = 1;
    close(steps, cur);
    for (let k = 0; k < s.length; k++) {
      // Each code unit walks the whole pattern (work.ts).
      addSteps(m);
      const c = s.charCodeAt(k);
      next.fill(0);
      let any = false;
      for (let i = 0; i < m; i++) {
        if (cur[i] === 0) continue;
        const st = steps[i] as Step;
        if (st.kind === LIT) {
          if (st.unit === c) {
            next[i + 1] = 1;
            any = true;
          }
        } else if (st.colon || c !== COLON) {
          if (st.kind === ONE) next[i + 1] = 1;
          else next[i] = 1;
          any = true;
        }
      }
      if (!any) return false;
      close(steps, next);
      const t = cur;
      cur = next;
      next = t;
    }
    return cur[m] === 1;
  };
}

/**
 * The steps of a pattern whose every wildcard may match `:` (no wildcard in an ARN's head segments: the usual case),
 * matched the classic way: literals and `?` advance together, a mismatch goes back to the last `*` and lets it take
 * one code unit more. Time grows with input × pattern at worst, as `programMatcher`'s, and it allocates nothing: the
 * set of positions cost each multi-`*` match two arrays and a pass over the pattern per code unit (the engine's
 * decisions/s fell fourfold on a workload whose resources mostly end in `/*` after another `*`).
 */
function starMatcher(steps: readonly Step[]): Matcher {
  const m = steps.length;
  const kind = Uint8Array.from(steps, (st) => st.kind);
  const unit = Int32Array.from(steps, (st) => st.unit);
  return (s) => {
    const n = s.length;
    let i = 0;
    let j = 0;
    let star = -1;
    let mark = 0;
    // Each turn of the loop is a step (work.ts), counted at each return to the last `*`: a pattern that sends it back
    // again and again costs input × pattern.
    let walked = 0;
    while (i < n) {
      walked++;
      if (j < m) {
        const k = kind[j];
        if (k === STAR) {
          star = j++;
          mark = i;
          continue;
        }
        if (k === ONE || unit[j] === s.charCodeAt(i)) {
          i++;
          j++;
          continue;
        }
      }
      if (star === -1) {
        addSteps(walked);
        return false;
      }
      addSteps(walked);
      walked = 0;
      j = star + 1;
      i = ++mark;
    }
    addSteps(walked);
    while (j < m && kind[j] === STAR) j++;
    return j === m;
  };
}

/**
 * A RegExp of a pattern with one `*` at most: a step a code unit of input (work.ts). V8 matches these in about linear
 * time (a 100-character suffix after the `*` against 2,000 code units that almost match: 5 µs).
 */
function regexMatcher(re: RegExp): Matcher {
  return (s) => {
    addSteps(s.length);
    return re.test(s);
  };
}

/** Adds the positions reached by letting each `*` match nothing. */
function close(steps: readonly Step[], set: Uint8Array): void {
  for (let i = 0; i < steps.length; i++) if (set[i] === 1 && (steps[i] as Step).kind === STAR) set[i + 1] = 1;
}

function escapeChar(c: string): string {
  if (c === LITERAL_STAR) return '\\*';
  if (c === LITERAL_QMARK) return '\\?';
  if (c === LITERAL_DOLLAR) return '\\$';
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Turns literal markers back into the characters they stand for. */
export function unmark(s: string): string {
  return s.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QMARK, '?').replaceAll(LITERAL_DOLLAR, '$');
}

function hasWildcard(p: string): boolean {
  return p.includes('*') || p.includes('?');
}

function globSource(p: string, star: string, qmark: string): string {
  let out = '';
  for (const c of p) out += c === '*' ? star : c === '?' ? qmark : escapeChar(c);
  return out;
}

/**
 * Matchers are pure functions of their pattern, so identical patterns share one (thousands of roles repeat
 * the same actions and resources: interning keeps the compiled form small). Bounded by count and by the characters of
 * the patterns held; cleared when full. Only patterns as policies write them are interned: one resolved from a
 * request's values (a policy variable, `resolvedResourceMatcher` and the like) is held by its statement's own bounded
 * cache alone. Interned, `${aws:userid}` made one entry per session a role ever had and a 4,096-character context value
 * about 4.4 KB: 200,000 of them, some 880 MB, before the count bound cleared them (review eb1).
 */
const INTERN_MAX = 200_000;
/** About 9 MB of pattern text (a matcher keeps a copy of its pattern's literal part besides the key). */
export const INTERN_MAX_CHARS = 8 * 1024 * 1024;
/**
 * And 16 MiB of matchers, estimated: a matcher, its closure and its entry take some 300–700 bytes whatever its length,
 * and one that runs as steps (`programMatcher`: several wildcards, one kept from crossing `:`) an object of about 70
 * bytes per character besides. Counted in characters alone, 200,000 short patterns of SimulateCustomPolicy inputs or
 * session policies (`arn:*:s*:*:…:1*` in an `ArnLike`) kept some 360 MB (review ed3; measured with `--expose-gc`: 1.8 KB
 * a 22-character pattern as steps, 680 bytes a 12-character action, 270 bytes a 38-character prefix).
 */
export const INTERN_MAX_BYTES = 16 * 1024 * 1024;
const ENTRY_BYTES = 640;
const STEP_BYTES = 80;
/** Steps kept by the matchers built so far (`programMatcher`): what one build adds is what its matcher keeps. */
let stepsKept = 0;
const interned = new Map<string, Matcher>();
let internedChars = 0;
let internedBytes = 0;
function intern(key: string, build: () => Matcher): Matcher {
  let m = interned.get(key);
  if (m === undefined) {
    const steps = stepsKept;
    m = build();
    const bytes = ENTRY_BYTES + 2 * key.length + (stepsKept - steps) * STEP_BYTES;
    if (interned.size >= INTERN_MAX || internedChars + key.length > INTERN_MAX_CHARS || internedBytes + bytes > INTERN_MAX_BYTES) {
      interned.clear();
      internedChars = 0;
      internedBytes = 0;
    }
    interned.set(key, m);
    internedChars += key.length;
    internedBytes += bytes;
  }
  return m;
}

/** What the intern table holds: matchers, the characters of their keys and their estimated bytes (tests). */
export function internedHeld(): { readonly matchers: number; readonly chars: number; readonly bytes: number } {
  return { matchers: interned.size, chars: internedChars, bytes: internedBytes };
}

/**
 * Whether the input starts with `prefix` (a pattern's one trailing `*`: `arn:aws:s3:::bucket/prefix/*`, `s3:*`), by code
 * unit as `startsWith` compares. Compared from the prefix's end: patterns of one policy share their head
 * (`arn:aws:s3:::`), so a resource they do not match differs near the end, and the loop stops there. `startsWith` with
 * a prefix that is not a constant took some 60 ns a call (V8 inlines only a constant one) against about 20 for this
 * loop, and a decision tries several such patterns.
 */
function prefixMatcher(prefix: string): Matcher {
  const n = prefix.length;
  return (s) => {
    if (s.length < n) return false;
    for (let i = n - 1; i >= 0; i--) if (s.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
    return true;
  };
}

/** Whole-string glob. With `lowercase`, the pattern is lowercased and callers pass lowercased input. */
export function globMatcher(pattern: string, lowercase = false): Matcher {
  return intern(`${lowercase ? 'g' : 'G'}${pattern}`, () => buildGlob(pattern, lowercase));
}

/** The same for a pattern resolved from a request's values (a policy variable): built, never interned. */
export function resolvedGlobMatcher(pattern: string): Matcher {
  return buildGlob(pattern, false);
}

function buildGlob(pattern: string, lowercase: boolean): Matcher {
  const p = lowercase ? pattern.toLowerCase() : pattern;
  if (p === '*') return always;
  if (!hasWildcard(p)) {
    const lit = unmark(p);
    return (s) => s === lit;
  }
  const star = p.indexOf('*');
  if (star === p.length - 1 && !p.includes('?')) return prefixMatcher(unmark(p.slice(0, -1)));
  if (starCount(p) > 1) return programMatcher(globSteps(p, true));
  const re = new RegExp(`^${globSource(p, '.*', '.')}$`, 's');
  return regexMatcher(re);
}

function arnShape(p: string): { segments: number } | undefined {
  if (p.startsWith('arn:')) return { segments: 6 };
  if (p.startsWith('acs:')) return { segments: 5 };
  return undefined;
}

/** `Resource`/`NotResource` element matcher. */
export function resourceMatcher(pattern: string): Matcher {
  return intern(`R${pattern}`, () => buildResource(pattern));
}

/** The same for a pattern resolved from a request's values (a policy variable): built, never interned. */
export function resolvedResourceMatcher(pattern: string): Matcher {
  return buildResource(pattern);
}

function buildResource(pattern: string): Matcher {
  if (pattern === '*') return always;
  const shape = arnShape(pattern);
  if (!shape) return buildGlob(pattern, false);
  if (!hasWildcard(pattern)) {
    const lit = unmark(pattern);
    return (s) => s === lit;
  }
  // The commonest form, `arn:aws:s3:::bucket/prefix/*`: one trailing `*`, which may cross `/` and `:`
  // (resource part, or a segment's last character), so a prefix test is exact and needs no RegExp.
  if (pattern.indexOf('*') === pattern.length - 1 && !pattern.includes('?')) return prefixMatcher(unmark(pattern.slice(0, -1)));
  const parts = pattern.split(':');
  const head = parts.slice(0, shape.segments - 1);
  const rest = parts.length >= shape.segments ? parts.slice(shape.segments - 1).join(':') : undefined;
  if (starCount(pattern) > 1) {
    // The same rules as steps: in a head segment `*` and `?` stay inside it, but a segment's last `*` may cross.
    const steps: Step[] = [];
    head.forEach((seg, i) => {
      if (i > 0) steps.push({ kind: LIT, unit: COLON, colon: false });
      for (let j = 0; j < seg.length; j++) {
        const c = seg.charCodeAt(j);
        if (c === 0x2a) steps.push({ kind: STAR, unit: 0, colon: j === seg.length - 1 });
        else if (c === 0x3f) steps.push({ kind: ONE, unit: 0, colon: false });
        else steps.push({ kind: LIT, unit: literalUnit(c), colon: false });
      }
    });
    if (rest !== undefined) steps.push({ kind: LIT, unit: COLON, colon: false }, ...globSteps(rest, true));
    return programMatcher(steps);
  }
  const headSrc = head
    .map((seg, i) => {
      let out = '';
      for (let j = 0; j < seg.length; j++) {
        const c = seg[j] as string;
        if (c === '*') out += j === seg.length - 1 ? '.*' : '[^:]*';
        else if (c === '?') out += '[^:]';
        else out += escapeChar(c);
      }
      return i === 0 ? out : out;
    })
    .join(':');
  const src = rest === undefined ? headSrc : `${headSrc}:${globSource(rest, '.*', '.')}`;
  const re = new RegExp(`^${src}$`, 's');
  return regexMatcher(re);
}

/**
 * `ArnLike`/`ArnEquals` matcher: the six (or five, `acs:`) components compared separately, the last keeping its colons
 * ("Each of the six colon-delimited components of the ARN is checked separately", Conditions_ARN). A value or pattern
 * without all its components matches nothing: a pattern such as `*:role/admin` is not whole-string globbed, where its
 * `*` would run across components (review dj, 1). A pattern whose first component is not literally `arn`/`acs`
 * (`*:aws:iam::…`) is split by the shape of the value it meets. `*` alone matches every value (*choice*, docs/semantics.md).
 */
export function arnConditionMatcher(pattern: string): Matcher {
  return intern(`A${pattern}`, () => buildArnCondition(pattern));
}

/** The same for a pattern resolved from a request's values (a policy variable): built, never interned. */
export function resolvedArnConditionMatcher(pattern: string): Matcher {
  return buildArnCondition(pattern);
}

function buildArnCondition(pattern: string): Matcher {
  if (pattern === '*') return always;
  const shape = arnShape(pattern);
  if (shape) return componentMatcher(pattern, shape.segments);
  const six = componentMatcher(pattern, 6);
  const five = componentMatcher(pattern, 5);
  return (s) => (s.startsWith('arn:') ? six(s) : s.startsWith('acs:') ? five(s) : false);
}

/** `pattern` as `segments` components, each glob kept inside its own (the last one's may match `:`). */
function componentMatcher(pattern: string, segments: number): Matcher {
  const parts = pattern.split(':');
  if (parts.length < segments) return never;
  if (starCount(pattern) > 1) {
    const steps: Step[] = [];
    parts.slice(0, segments - 1).forEach((seg, i) => {
      if (i > 0) steps.push({ kind: LIT, unit: COLON, colon: false });
      steps.push(...globSteps(seg, false));
    });
    steps.push({ kind: LIT, unit: COLON, colon: false }, ...globSteps(parts.slice(segments - 1).join(':'), true));
    return programMatcher(steps);
  }
  const head = parts.slice(0, segments - 1).map((seg) => globSource(seg, '[^:]*', '[^:]'));
  const rest = globSource(parts.slice(segments - 1).join(':'), '.*', '.');
  const re = new RegExp(`^${head.join(':')}:${rest}$`, 's');
  return regexMatcher(re);
}
