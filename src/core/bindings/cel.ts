/**
 * The subset of CEL (github.com/google/cel-spec, `doc/langdef.md`) that IAM conditions may use in Gatehouse.
 * A small recursive-descent parser with a type checker, compiled to closures; no `eval`, bounded in size and
 * nesting. Anything outside the subset is a parse error with its line and column, never a condition that
 * silently evaluates to something.
 *
 * The subset:
 * - attributes `request.time` (timestamp), `resource.name`, `resource.type`, `resource.service` (strings);
 * - literals: strings (`"…"` or `'…'`, escapes `\\ \" \' \n \r \t \uXXXX`), decimal integers (safe-integer
 *   range, optionally negative), `true`, `false`, and `timestamp("<RFC 3339>")` with a string literal;
 * - `s.startsWith(t)`, `s.endsWith(t)` on strings;
 * - `==`, `!=` on two values of one type; `<`, `<=`, `>`, `>=` on two ints, strings (in Unicode code point
 *   order, as CEL orders strings — not JavaScript's UTF-16 code-unit order, which differs past U+FFFF) or
 *   timestamps; one comparison per operand (`a < b < c` is refused rather than read as `(a < b) < c`);
 * - `&&`, `||`, `!`, parentheses. The whole expression must be a bool.
 * When a policy is written (`knownValues`), `resource.type`/`resource.service` compared with a literal that none of
 * their values is (`names.ts` RESOURCE_TYPES) is refused: the comparison would be the same for every request.
 *
 * Evaluation follows CEL: `&&` and `||` are commutative over errors (`false && error` is false, `true ||
 * error` is true; otherwise an error propagates). The only errors at evaluation are attributes the request
 * does not carry (`resource.type` of a resource of unknown type) and an invalid request time; a condition
 * that errors does not hold — the caller treats the binding as not applying (fail closed).
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
import { RESOURCE_SERVICES, RESOURCE_TYPES, unprintableIn } from './names.ts';
import type { BindingsResource } from './types.ts';

/** Gatehouse limits (GCP allows at most 12 logical operators per condition; the rest bound the parser's work). */
export const MAX_EXPRESSION_CHARS = 2048;
export const MAX_LOGICAL_OPERATORS = 12;
export const MAX_NESTING = 32;

export type CelType = 'bool' | 'int' | 'string' | 'timestamp';

/** What a condition reads: the request time (epoch ms) and the resource. */
export interface ConditionEnv {
  readonly time: number;
  readonly resource: BindingsResource;
}

/** An evaluation error, as a value (CEL errors are values that propagate). */
export class EvalFailure {
  readonly error: string;
  constructor(error: string) {
    this.error = error;
  }
}

export type ConditionResult = boolean | EvalFailure;

export interface CompiledCondition {
  readonly expression: string;
  evaluate(env: ConditionEnv): ConditionResult;
}

/** A timestamp is a bigint of epoch nanoseconds (`timestampNanos`); an int a number. */
type Value = boolean | number | bigint | string | EvalFailure;
type Fn = (env: ConditionEnv) => Value;

interface Node {
  readonly type: CelType;
  /** Offset of the token that the node is reported at. */
  readonly at: number;
  readonly fn: Fn;
  /** The attribute the node reads (`resource.type`), when it is one. */
  readonly attribute?: string;
  /** The string the node is, when it is a string literal. */
  readonly literal?: string;
}

/** A GCP resource name (`projects/_/buckets/b`, `//storage.googleapis.com/projects/…`), which no Gatehouse request has. */
const GCP_RESOURCE_NAME = /^(?:(?:projects|organizations|folders)\/|\/\/[a-z0-9.-]+\.googleapis\.com\/)/;

/**
 * An OSS ARN naming a bucket (and perhaps an object) with a region or an account (`acs:oss:cn-hangzhou:*:b/x`,
 * `acs:oss:*:<account>:b`): `resource.name` is never one, since it reads every OSS object in its one form,
 * `acs:oss:*:*:<bucket>/<key>` (review gk, 1; src/app/resource-tree.ts `canonicalArn`).
 */
const SPELLED_OSS_ARN = /^acs:oss:([^:]*):([^:]*):([^/:*?]+(?:\/.*)?)$/;

/**
 * An S3 bucket's or object's ARN naming a region or an account (`arn:aws:s3:us-east-1:A:data/secret/`): S3's bucket ARNs
 * have neither (`arn:aws:s3:::<bucket>[/<key>]`, as the S3 gateway names every request; the Service Authorization
 * Reference's "bucket" and "object" resource types), so no request's `resource.name` is one (review ly, 3). S3's resources
 * that do carry them (access points, batch jobs, Storage Lens, Access Grants) are left alone.
 */
const SPELLED_S3_ARN = /^(arn:aws[a-z-]*:s3:)([^:]*):([^:]*):(?!(?:accesspoint|job|storage-lens|storage-lens-group|access-grants|async-request)\/)([^/:*?]+(?:\/.*)?)$/s;

/**
 * The heads of the ARNs Gatehouse decides in their account's dialect only, whichever spelling a request uses, each as
 * `[aws, acs]`: a user's, group's or role's (`arn:aws:iam::`, any AWS partition, or `acs:ram::`; review ie, 2), and a
 * workspace's, job's or cluster's (`arn:aws:training:` or `acs:pai:`; reviews ie, 3 and ko, 2).
 */
const DIALECT_HEADS: readonly (readonly [RegExp, RegExp, string, string])[] = [
  [/^arn:aws[a-z-]*:iam::/, /^acs:ram::/, 'arn:aws:iam::', 'acs:ram::'],
  // Only what Gatehouse holds and decides on its own ARN (jobs, and the authorize API as jobs do): a model is another
  // server's, asked about as that server spells it. A cluster too: the clusters API decides it on its own ARN, and the
  // Kubernetes door and the authorize API read its other spellings as that ARN (src/app/kube.ts `clusterOfResource`;
  // review ko, 2).
  [/^arn:aws[a-z-]*:training:(?=[^:]*:[^:]*:(?:workspace|job|cluster)\/)/, /^acs:pai:(?=[^:]*:[^:]*:(?:workspace|job|cluster)\/)/, 'arn:aws:training:', 'acs:pai:'],
];

/**
 * The literal in another spelling than `partition`'s, when it is an ARN of `DIALECT_HEADS`: the head it has, and the one
 * to write. In an `aws` account that is the `acs:` dialect and every AWS partition but `aws` (`arn:aws-cn:iam::`): its
 * ARNs are `arn:aws:` ones (src/core/directory/rules.ts `entityArn`, src/core/jobs/jobs.ts `workspaceArn`; review ie, 4).
 */
function otherDialect(literal: string, partition: 'aws' | 'acs'): { readonly head: string; readonly ours: string } | undefined {
  for (const [aws, acs, awsHead, acsHead] of DIALECT_HEADS) {
    if (partition === 'acs') {
      const m = aws.exec(literal);
      if (m !== null) return { head: m[0], ours: acsHead };
      continue;
    }
    const m = acs.exec(literal) ?? aws.exec(literal);
    if (m !== null && m[0] !== awsHead) return { head: m[0], ours: awsHead };
  }
  return undefined;
}

/**
 * The ARNs of `DIALECT_HEADS` spelt with a region (`acs:pai:cn-hangzhou:A:workspace/W`, `arn:aws:iam:us-east-1:A:role/x`):
 * the head up to the region, the region, and the rest from the colon after it. Gatehouse's are regionless (IAM and RAM
 * are global; src/core/jobs/jobs.ts `workspaceArn`, `jobArn`, `clusterArn`), and jobs, PassRole and the clusters API
 * decide on those ARNs alone, so `resource.name` never has one of these (review ly, 1).
 */
const REGIONAL_GLOBAL_ARNS: readonly RegExp[] = [
  /^(arn:aws[a-z-]*:iam:|acs:ram:)([^:]+)(:.*)$/s,
  /^(arn:aws[a-z-]*:training:|acs:pai:)([^:]+)(:(?=[^:]*:(?:workspace|job|cluster)\/).*)$/s,
];

/** The literal without its region, when it is an ARN of `REGIONAL_GLOBAL_ARNS`: the region, and the ARN to write. */
function regionalGlobalArn(literal: string): { readonly region: string; readonly ours: string } | undefined {
  for (const re of REGIONAL_GLOBAL_ARNS) {
    const m = re.exec(literal);
    if (m !== null) return { region: m[2] as string, ours: `${m[1] as string}${m[3] as string}` };
  }
  return undefined;
}

/** The values an attribute can have, where they are a closed set (`resource.type`, `resource.service`). */
const KNOWN_VALUES: Readonly<Record<string, readonly string[]>> = { 'resource.type': RESOURCE_TYPES, 'resource.service': RESOURCE_SERVICES };

export interface ConditionParseOptions {
  /**
   * Refuse a comparison that no request can make come out otherwise (review gx, 6): `resource.type` or
   * `resource.service` against a string literal that no resource has (`== "storage.googleapis.com/Object"` is always
   * false, `!=` always true), or `startsWith`/`endsWith` of one that none begins or ends with; `resource.name` against a
   * GCP resource name (`projects/_/buckets/…`), which no request's is (review gx, 7). Checked when a policy
   * is written, not when a stored one is loaded, so that a condition stored before still decides as written.
   */
  readonly knownValues?: boolean;
  /**
   * The partition of the policy's account, when known (with `knownValues`): a role, user or group of it, and a workspace
   * or job, is asked about, passed and decided on its ARN in that dialect only, whichever spelling the request
   * uses (`acs:ram::A:role/x`, `acs:pai::A:workspace/W` in an `acs` account), so `resource.name` compared with such an
   * ARN of the other dialect is the same for every request (reviews ie, 2 and 3).
   */
  readonly partition?: 'aws' | 'acs';
  /**
   * The ARN the policy is attached to, in the form it is kept and looked up in (with `knownValues`): its bindings decide
   * only requests on `name` and, when `under`, on what lies under it (`name/…`), so those are the only values
   * `resource.name` takes there. A comparison no such request can make come out otherwise (`==`, `!=` or `startsWith`
   * with another bucket's ARN, an object key, `name/…` on a role's ARN) is refused (review jl, 1). Not given for
   * `account/<id>` and `workspace/<name>`, which govern requests on any ARN.
   */
  readonly scope?: ConditionScope;
}

/**
 * What requests a policy governs: see `ConditionParseOptions.scope`. One attached to an ARN, those on `name` (and under
 * it); one attached to `account/<id>` or `workspace/<name>`, those on the resources of `account`, so never an ARN that
 * names another account (review jl, 8).
 */
export type ConditionScope =
  | {
      readonly name: string;
      /** Whether it governs what lies under `name` too (`name/…`): false for a user's, group's or role's ARN. */
      readonly under: boolean;
    }
  | { readonly account: string };

/** The account an ARN names (`arn:P:S:R:<account>:…`, `acs:S:R:<account>:…`), when it names one. */
/** How every `resource.name` begins: an ARN of either dialect, an account's or a workspace's name (review jr, 1). */
const NAME_HEADS = ['arn:', 'acs:', 'account/', 'workspace/'] as const;

const ARN_ACCOUNT = /^(?:arn:[^:]*:[^:]*:[^:]*|acs:[^:]*:[^:]*):(\d{12,16}):/;

/** `bad`: a lexical error, reported when the parser reaches it (so errors come in reading order). */
type TokenKind = 'ident' | 'int' | 'string' | 'op' | 'eof' | 'bad';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** For `int`: the value; for `string`: the decoded value. */
  readonly value: number | string;
  readonly at: number;
}

class CelSyntaxError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly at: number;
  constructor(code: ErrorCode, message: string, at: number) {
    this.code = code;
    this.message = message;
    this.at = at;
  }
}

const ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, true>>>> = {
  request: { time: true },
  resource: { name: true, type: true, service: true },
};

const MISSING_TYPE = new EvalFailure('no value for `resource.type` in the request (the type of this resource is unknown)');
const MISSING_SERVICE = new EvalFailure('no value for `resource.service` in the request (the service of this resource is unknown)');
const MISSING_NAME = new EvalFailure('no value for `resource.name` in the request');
const BAD_TIME = new EvalFailure('`request.time` is not a valid time');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * CEL's timestamp range (cel-spec langdef, "Overflow"; google.protobuf.Timestamp): 0001-01-01T00:00:00Z to
 * 9999-12-31T23:59:59.999999999Z, in epoch milliseconds (sub-millisecond digits dropped).
 */
export const MIN_TIMESTAMP_MS = -62_135_596_800_000;
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/**
 * Parses an RFC 3339 timestamp as `timestamp()` accepts it; epoch milliseconds (rounded down: `timestampNanos` keeps every
 * digit), or undefined when it is not one or lies outside CEL's range (`MIN_TIMESTAMP_MS`…`MAX_TIMESTAMP_MS`), which is
 * checked on the instant, after its offset: `9999-12-31T23:00:00-05:00` is in year 10000 (review gx, 5).
 */
export function parseTimestamp(s: string): number | undefined {
  const ns = parseRfc3339(s);
  if (ns === undefined) return undefined;
  const ms = msOf(ns);
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS ? ms : undefined;
}

const NS_PER_MS = 1_000_000n;

/** Epoch nanoseconds → epoch milliseconds, rounded down (before the epoch too). */
function msOf(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns % NS_PER_MS < 0n ? q - 1n : q);
}

/**
 * A timestamp as CEL holds it (google.protobuf.Timestamp: nanoseconds), epoch nanoseconds, in CEL's range; undefined
 * else. The condition compares timestamps so: read as milliseconds, `.0005Z` was `.000Z`, and a request at `.000` was at
 * a grant that starts half a millisecond later (review hn, 2).
 */
function timestampNanos(s: string): bigint | undefined {
  return parseTimestamp(s) === undefined ? undefined : parseRfc3339(s);
}

/** An RFC 3339 timestamp's instant in epoch nanoseconds, whatever CEL's range; undefined when the text is not one. */
function parseRfc3339(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, sec] = m.map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const last = new Date(0);
  last.setUTCFullYear(y, mo, 0);
  const dim = last.getUTCDate();
  if (d > dim) return undefined;
  // Every digit of the fraction (at most nine: nanoseconds), read as digits, not as a double.
  const frac = m[7] === undefined ? 0n : BigInt((m[7] as string).slice(1).padEnd(9, '0'));
  const tz = m[8] as string;
  let offset = 0;
  if (tz !== 'Z' && tz !== 'z') {
    const oh = Number(tz.slice(1, 3));
    const om = Number(tz.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offset = (tz[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // Not `Date.UTC(y, …)`: it reads years 0 to 99 as 1900 to 1999 (`timestamp("0050-01-01T00:00:00Z")` would be 1950).
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, sec, 0);
  const ms = at.getTime() - offset;
  return Number.isFinite(ms) ? BigInt(ms) * NS_PER_MS + frac : undefined;
}

/** 1-based line and column of an offset. */
function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: at - start + 1 };
}

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

const UNSUPPORTED_OPS: Readonly<Record<string, string>> = {
  '+': 'arithmetic is not supported in conditions',
  '-': 'arithmetic is not supported in conditions',
  '*': 'arithmetic is not supported in conditions',
  '/': 'arithmetic is not supported in conditions',
  '%': 'arithmetic is not supported in conditions',
  '?': 'the conditional operator `? :` is not supported in conditions',
  ':': 'the conditional operator `? :` is not supported in conditions',
  '[': 'lists and indexing are not supported in conditions',
  ']': 'lists and indexing are not supported in conditions',
  '{': 'maps are not supported in conditions',
  '}': 'maps are not supported in conditions',
};

/** `written`: a policy being written (`knownValues`), where a lone surrogate escape is refused; a stored one decides as before. */
function lex(text: string, written = false): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  const fail = (message: string, at: number): never => {
    throw new CelSyntaxError('BINDINGS_INVALID_CONDITION', message, at);
  };
  try {
    lexInto();
  } catch (e) {
    if (!(e instanceof CelSyntaxError)) throw e;
    tokens.push({ kind: 'bad', text: '', value: e.message, at: e.at });
    return tokens;
  }
  tokens.push({ kind: 'eof', text: '', value: '', at: n });
  return tokens;

  function lexInto(): void {
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      const next = text[i];
      if ((next === '"' || next === "'") && /^[rRbB]{1,2}$/.test(word)) fail('raw and byte string literals are not supported; use a plain string such as "…"', start);
      tokens.push({ kind: 'ident', text: word, value: word, at: start });
      continue;
    }
    if (isDigit(c)) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const after = text[i];
      if (after !== undefined && /[.eExXuU]/.test(after)) fail('only decimal integer literals are supported (no floating-point, hexadecimal or unsigned literals)', start);
      if (after !== undefined && isIdentStart(text.charCodeAt(i))) fail(`unexpected \`${after}\` after a number`, i);
      const digits = text.slice(start, i);
      const v = Number(digits);
      if (digits.length > 16 || !Number.isSafeInteger(v)) fail(`integer literal \`${digits}\` is out of range (at most ${Number.MAX_SAFE_INTEGER})`, start);
      tokens.push({ kind: 'int', text: digits, value: v, at: start });
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      const quote = text[i] as string;
      if (text.startsWith(quote.repeat(3), i)) fail('triple-quoted strings are not supported', start);
      i++;
      let out = '';
      for (;;) {
        if (i >= n) fail('unterminated string literal', start);
        const ch = text[i] as string;
        if (ch === quote) {
          i++;
          break;
        }
        if (ch === '\n' || ch === '\r') fail('unterminated string literal (a string cannot span lines)', start);
        if (ch === '\\') {
          const e = text[i + 1];
          const simple: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', "'": "'", n: '\n', r: '\r', t: '\t' };
          if (e !== undefined && Object.hasOwn(simple, e)) {
            out += simple[e];
            i += 2;
            continue;
          }
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            const unit = parseInt(text.slice(i + 2, i + 6), 16);
            // CEL strings are code points (langdef, "String and Bytes Values"): a surrogate escape is half of a pair, one
            // character only with its other half; alone it is none, and `startsWith("…\uD83D")` matched 1,024 (review mk, 3).
            // Refused when a policy is written, so that a condition stored before still decides as written.
            if (written && unit >= 0xd800 && unit <= 0xdfff) {
              const low = unit <= 0xdbff && text.startsWith('\\u', i + 6) && /^[dD][c-fC-F][0-9a-fA-F]{2}$/.test(text.slice(i + 8, i + 12)) ? parseInt(text.slice(i + 8, i + 12), 16) : undefined;
              if (low === undefined) fail(`\`${text.slice(i, i + 6)}\` is ${unit <= 0xdbff ? 'a high' : 'a low'} UTF-16 surrogate alone, which is no character: write the pair (such as \`\\uD83D\\uDE00\`) or the character itself`, i);
              out += String.fromCharCode(unit, low as number);
              i += 12;
              continue;
            }
            out += String.fromCharCode(unit);
            i += 6;
            continue;
          }
          fail(`unsupported escape \`\\${e ?? ''}\` in a string (supported: \\\\ \\" \\' \\n \\r \\t \\uXXXX)`, i);
        }
        out += ch;
        i++;
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), value: out, at: start });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two, value: two, at: start });
      i += 2;
      continue;
    }
    const one = text[i] as string;
    if ('<>!().,'.includes(one) || one === '-') {
      tokens.push({ kind: 'op', text: one, value: one, at: start });
      i++;
      continue;
    }
    // CEL's comments (`//` to the end of the line, langdef "Syntax") are outside the subset: said as such, not as `/`.
    if (two === '//') fail('comments (`//`) are not supported in conditions: remove it, and keep the note in the condition\'s `description`', start);
    if (one === '&') fail('`&` is not an operator; use `&&`', start);
    if (one === '|') fail('`|` is not an operator; use `||`', start);
    if (one === '=') fail('`=` is not an operator; use `==` to compare', start);
    const why = UNSUPPORTED_OPS[one];
    if (why !== undefined) fail(`\`${one}\`: ${why}`, start);
    fail(`unexpected character \`${one}\``, start);
  }
  }
}

const an = (t: CelType): string => (t === 'int' ? 'an int' : `a ${t}`);

const describeToken = (t: Token): string => (t.kind === 'eof' ? 'the end of the expression' : `\`${t.text}\``);

const ORDERED: ReadonlySet<CelType> = new Set(['int', 'string', 'timestamp']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;
  private logical = 0;

  private readonly knownValues: boolean;
  private readonly partition: 'aws' | 'acs' | undefined;
  private readonly scope: ConditionScope | undefined;
  /** When given, every `resource.name == "…"` and `!=` is listed here (`resourceNameEqualities`). */
  private readonly equalities: { literal: string; at: number; op: '==' | '!=' }[] | undefined;

  constructor(tokens: Token[], knownValues = false, partition?: 'aws' | 'acs', scope?: ConditionScope, equalities?: { literal: string; at: number; op: '==' | '!=' }[]) {
    this.tokens = tokens;
    this.knownValues = knownValues;
    this.partition = partition;
    this.scope = scope;
    this.equalities = equalities;
  }

  /**
   * Refuses `attr OP literal` (either way round, or `attr.startsWith(literal)`) when `attr` has a closed set of values
   * none of which `matches` the literal: the comparison is the same for every request.
   */
  private checkKnown(attr: Node, lit: Node, what: string, matches: (value: string, lit: string) => boolean, outcome: string): void {
    if (!this.knownValues || attr.attribute === undefined || lit.literal === undefined) return;
    if (attr.attribute === 'resource.name' && what !== 'ends with' && GCP_RESOURCE_NAME.test(lit.literal)) {
      // A GCP resource name (`projects/_/buckets/data/objects/…`): Gatehouse's `resource.name` is the request's ARN, or
      // `account/<id>`, `workspace/<name>`, so no request has it (review gx, 7).
      const shown = lit.literal.length > 80 ? `${lit.literal.slice(0, 80)}…` : lit.literal;
      this.fail(`\`resource.name\` ${what} \`${shown}\` for no request: it is a GCP resource name, and Gatehouse's \`resource.name\` is the ARN the request names (such as \`arn:aws:s3:::data/reports/\` or \`acs:oss:*:*:data/reports/\`), or \`account/<id>\`, \`workspace/<name>\`; so this comparison is ${outcome} for every request: write the ARN`, lit.at);
    }
    const oss = attr.attribute === 'resource.name' && what !== 'ends with' ? SPELLED_OSS_ARN.exec(lit.literal) : null;
    if (oss !== null && (oss[1] !== '*' || oss[2] !== '*')) {
      // The region or account an OSS console shows (`acs:oss:cn-hangzhou:*:b/secret/`): no request's `resource.name` has
      // it, so `!resource.name.startsWith(…)` held for every object, `secret/` included (review ie, 1).
      const ours = `acs:oss:*:*:${oss[3] as string}`;
      const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
      this.fail(`\`resource.name\` ${what} \`${shown(lit.literal)}\` for no request: an OSS object's \`resource.name\` is \`acs:oss:*:*:<bucket>/<key>\` whatever region or account the request names (a bucket is one resource under every spelling), so this comparison is ${outcome} for every request: write \`${shown(ours)}\``, lit.at);
    }
    const s3 = attr.attribute === 'resource.name' && what !== 'ends with' ? SPELLED_S3_ARN.exec(lit.literal) : null;
    if (s3 !== null && (s3[2] !== '' || s3[3] !== '')) {
      // `arn:aws:s3:us-east-1:A:data/secret/`, as an account's ARNs are written: a bucket's has no region or account, so
      // `!resource.name.startsWith(…)` held for every object, `secret/` included (review ly, 3).
      const ours = `${s3[1] as string}::${s3[4] as string}`;
      const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
      this.fail(`\`resource.name\` ${what} \`${shown(lit.literal)}\` for no request: an S3 bucket's or object's ARN has no region and no account (\`arn:aws:s3:::<bucket>/<key>\`, as every S3 request names it), so this comparison is ${outcome} for every request: write \`${shown(ours)}\``, lit.at);
    }
    const other = attr.attribute === 'resource.name' && what !== 'ends with' && this.partition !== undefined ? otherDialect(lit.literal, this.partition) : undefined;
    if (other !== undefined) {
      // `arn:aws:iam::A:role/admin` in an `acs` account: its roles are decided on `acs:ram::A:role/…` (jobs, PassRole in
      // either spelling), so `!resource.name.startsWith(…)` held for every role, admin's too (review ie, 2); the same for
      // its workspaces and jobs, `acs:pai:…` (review ie, 3).
      const ours = `${other.ours}${lit.literal.slice(other.head.length)}`;
      const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
      this.fail(`\`resource.name\` ${what} \`${shown(lit.literal)}\` for no request: this policy's account is of partition \`${this.partition}\`, and its roles, users, groups, workspaces, jobs and clusters are decided on their \`${other.ours}…\` ARNs whichever spelling or partition the request uses, so this comparison is ${outcome} for every request: write \`${shown(ours)}\``, lit.at);
    }
    const regional = attr.attribute === 'resource.name' && what !== 'ends with' ? regionalGlobalArn(lit.literal) : undefined;
    if (regional !== undefined) {
      // `acs:pai:cn-hangzhou:A:workspace/vision`, as RAM writes PAI's ARNs: the workspace's is `acs:pai::A:workspace/vision`,
      // the one jobs decide on, so `!resource.name.startsWith(…)` held for vision too (review ly, 1).
      const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
      this.fail(`\`resource.name\` ${what} \`${shown(lit.literal)}\` for no request: roles, users, groups, workspaces, jobs and clusters are decided on their ARNs without a region (IAM and RAM are global, and Gatehouse's workspaces, jobs and clusters are named by account alone), the ARNs jobs, PassRole and the clusters API decide on, so this comparison, with region \`${shown(regional.region)}\`, is ${outcome} for every request: write \`${shown(regional.ours)}\``, lit.at);
    }
    const scope = this.scope;
    const named = scope !== undefined && 'account' in scope && attr.attribute === 'resource.name' && what !== 'ends with' ? ARN_ACCOUNT.exec(lit.literal)?.[1] : undefined;
    if (named !== undefined && scope !== undefined && 'account' in scope && named !== scope.account) {
      // An ARN of another account is decided with that account's policies, never with this one's (review jl, 8).
      const shown = lit.literal.length > 80 ? `${lit.literal.slice(0, 80)}…` : lit.literal;
      this.fail(`\`resource.name\` ${what} \`${shown}\` for no request this policy governs: that ARN names account ${named}, and this policy, of account ${scope.account}, governs only requests on its own account's resources (another account's are decided with its policies), so this comparison is ${outcome} for every request: write the ARN with account ${scope.account}`, lit.at);
    }
    if (scope !== undefined && 'account' in scope && attr.attribute === 'resource.name' && what !== 'ends with') {
      // Every request's `resource.name` under an account's or workspace's policy is an ARN, `account/<id>` or
      // `workspace/<name>`: a literal none of them can be, or start with, is the same for every request (review jr, 1).
      const l = lit.literal;
      const reachable = l === '*' || NAME_HEADS.some((h) => l.startsWith(h) || (what === 'starts with' && h.startsWith(l))) || (what === 'starts with' && l === '');
      if (!reachable) {
        const shown = l.length > 80 ? `${l.slice(0, 80)}…` : l;
        this.fail(`\`resource.name\` ${what} \`${shown}\` for no request: \`resource.name\` is always an ARN (\`arn:…\`, \`acs:…\`, such as \`arn:aws:s3:::data/reports/\`), \`account/<id>\` or \`workspace/<name>\`, so this comparison is ${outcome} for every request: write the ARN of what it is meant for`, lit.at);
      }
    }
    if (scope !== undefined && 'name' in scope && attr.attribute === 'resource.name' && what !== 'ends with') {
      // The values `resource.name` takes under this policy: `scope.name`, and when `under`, `scope.name/…` (review jl, 1).
      const l = lit.literal;
      const below = scope.under && l.startsWith(`${scope.name}/`);
      const reachable = what === 'is' ? l === scope.name || below : scope.name.startsWith(l) || below;
      if (!reachable) {
        const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
        const names = scope.under ? `\`${shown(scope.name)}\` or a name under it (\`${shown(scope.name)}/…\`)` : `\`${shown(scope.name)}\` itself (a user's, group's or role's policy governs that principal alone)`;
        this.fail(`\`resource.name\` ${what} \`${shown(l)}\` for no request this policy governs: it is attached to \`${shown(scope.name)}\`, so \`resource.name\` is always ${names}, the ARN the request names; this comparison is ${outcome} for every request: write the ARN of what it is meant for, under \`${shown(scope.name)}\`, or attach the binding higher up (\`account/<id>\`)`, lit.at);
      }
    }
    const values = Object.hasOwn(KNOWN_VALUES, attr.attribute) ? KNOWN_VALUES[attr.attribute] : undefined;
    if (values === undefined || values.some((v) => matches(v, lit.literal as string))) return;
    const shown = lit.literal.length > 80 ? `${lit.literal.slice(0, 80)}…` : lit.literal;
    // GCP's spelling of a service (`storage.googleapis.com/Object`): Gatehouse's is `storage.gatehouse.dev/Object`.
    const ours = lit.literal.replace(/^([a-z]+)\.googleapis\.com(?=\/|$)/, '$1.gatehouse.dev');
    const hint = ours !== lit.literal ? `; Gatehouse spells GCP's \`…googleapis.com\` as \`…gatehouse.dev\`${values.some((v) => matches(v, ours)) ? `: write \`${ours}\`` : ''}` : '';
    this.fail(`\`${attr.attribute}\` ${what} \`${shown}\` for no resource, so this comparison is ${outcome} for every request that has a \`${attr.attribute}\`: write one of Gatehouse's values, ${values.join(', ')}${hint}`, lit.at);
  }

  private peek(): Token {
    const t = this.tokens[this.i] as Token;
    if (t.kind === 'bad') this.fail(t.value as string, t.at);
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  /** A token that cannot come here; names what the subset lacks when the token is part of full CEL. */
  private unexpected(t: Token, where: string): never {
    if (t.kind === 'op' && t.text === '-') this.fail(`\`-\`: ${UNSUPPORTED_OPS['-']}`, t.at);
    if (t.kind === 'ident' && t.text === 'in') this.fail('the `in` operator is not supported in conditions', t.at);
    return this.fail(`unexpected ${describeToken(t)}${where}`, t.at);
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private fail(message: string, at: number, code: ErrorCode = 'BINDINGS_INVALID_CONDITION'): never {
    throw new CelSyntaxError(code, message, at);
  }

  private expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== text) this.fail(`expected \`${text}\` ${what}, found ${describeToken(t)}`, t.at);
    return this.next();
  }

  private enter(at: number): void {
    if (++this.depth > MAX_NESTING) this.fail(`the expression nests deeper than ${MAX_NESTING} levels`, at, 'BINDINGS_TOO_LARGE');
  }

  private countLogical(at: number): void {
    if (++this.logical > MAX_LOGICAL_OPERATORS) this.fail(`a condition may use at most ${MAX_LOGICAL_OPERATORS} logical operators (\`&&\`, \`||\`, \`!\`)`, at, 'BINDINGS_TOO_LARGE');
  }

  parse(): Node {
    const t = this.peek();
    if (t.kind === 'eof') this.fail('the expression is empty', 0, 'BINDINGS_MISSING_FIELD');
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'eof') this.unexpected(rest, ' after a complete expression');
    if (node.type !== 'bool') this.fail(`a condition must be a bool, but this expression is ${an(node.type)}`, t.at);
    return node;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isOp('||')) {
      const op = this.next();
      this.countLogical(op.at);
      const right = this.parseAnd();
      this.mustBeBool(left, op);
      this.mustBeBool(right, op);
      left = { type: 'bool', at: op.at, fn: orFn(left.fn, right.fn) };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseRelation();
    while (this.isOp('&&')) {
      const op = this.next();
      this.countLogical(op.at);
      const right = this.parseRelation();
      this.mustBeBool(left, op);
      this.mustBeBool(right, op);
      left = { type: 'bool', at: op.at, fn: andFn(left.fn, right.fn) };
    }
    return left;
  }

  private mustBeBool(n: Node, op: Token): void {
    if (n.type !== 'bool') this.fail(`\`${op.text}\` needs bool operands, got ${an(n.type)}`, op.at);
  }

  private relOp(): Token | undefined {
    const t = this.peek();
    return t.kind === 'op' && (t.text === '==' || t.text === '!=' || t.text === '<' || t.text === '<=' || t.text === '>' || t.text === '>=') ? t : undefined;
  }

  private parseRelation(): Node {
    const left = this.parseUnary();
    const op = this.relOp();
    if (op === undefined) return left;
    this.next();
    const right = this.parseUnary();
    const again = this.relOp();
    if (again !== undefined) this.fail(`comparisons do not chain: combine them with \`&&\` (found \`${again.text}\` after \`${op.text}\`)`, again.at);
    if (left.type !== right.type) this.fail(`\`${op.text}\` cannot compare ${an(left.type)} with ${an(right.type)}`, op.at);
    if (op.text !== '==' && op.text !== '!=' && !ORDERED.has(left.type)) this.fail(`\`${op.text}\` cannot order ${left.type} values (only ints, strings and timestamps)`, op.at);
    if (op.text === '==' || op.text === '!=') {
      const outcome = op.text === '==' ? 'false' : 'true';
      const [attr, lit] = right.attribute !== undefined ? [right, left] : [left, right];
      this.checkKnown(attr, lit, 'is', (v, l) => v === l, outcome);
      if (this.equalities !== undefined && attr.attribute === 'resource.name' && lit.literal !== undefined) this.equalities.push({ literal: lit.literal, at: lit.at, op: op.text === '==' ? '==' : '!=' });
    }
    const base = compareFn(op.text, left.fn, right.fn);
    return { type: 'bool', at: op.at, fn: aliasedCompareFn(op.text, left, right, base) ?? base };
  }

  private parseUnary(): Node {
    if (this.isOp('!')) {
      const op = this.next();
      this.countLogical(op.at);
      this.enter(op.at);
      const operand = this.parseUnary();
      this.depth--;
      if (operand.type !== 'bool') this.fail(`\`!\` needs a bool operand, got ${an(operand.type)}`, op.at);
      const f = operand.fn;
      return { type: 'bool', at: op.at, fn: (env) => {
        const v = f(env);
        return typeof v === 'boolean' ? !v : v;
      } };
    }
    return this.parseMember();
  }

  private parseMember(): Node {
    let node = this.parsePrimary();
    while (this.isOp('.')) {
      const dot = this.next();
      const name = this.next();
      if (name.kind !== 'ident') this.fail(`expected a method name after \`.\`, found ${describeToken(name)}`, name.at);
      if (!this.isOp('(')) this.fail(`\`${name.text}\` is not a field of ${an(node.type)}`, name.at);
      if (name.text !== 'startsWith' && name.text !== 'endsWith') {
        this.fail(`method \`${name.text}\` is not supported in conditions (supported: startsWith, endsWith)`, name.at);
      }
      if (node.type !== 'string') this.fail(`\`${name.text}\` applies to strings, not to ${an(node.type)}`, dot.at);
      this.next();
      this.enter(name.at);
      const arg = this.parseOr();
      this.depth--;
      if (this.isOp(',')) this.fail(`\`${name.text}\` takes one argument`, this.peek().at);
      this.expectOp(')', `to close the call of \`${name.text}\``);
      if (arg.type !== 'string') this.fail(`\`${name.text}\` takes a string argument, got ${an(arg.type)}`, arg.at);
      const starts = name.text === 'startsWith';
      this.checkKnown(node, arg, starts ? 'starts with' : 'ends with', (v, l) => (starts ? v.startsWith(l) : v.endsWith(l)), 'false');
      node = { type: 'bool', at: name.at, fn: methodFn(name.text, node.fn, arg.fn, node.attribute === 'resource.name') };
    }
    return node;
  }

  private parsePrimary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'int': {
        const v = t.value as number;
        return { type: 'int', at: t.at, fn: () => v };
      }
      case 'string': {
        const v = t.value as string;
        return { type: 'string', at: t.at, fn: () => v, literal: v };
      }
      case 'eof':
        return this.fail('the expression ends too early', t.at);
      case 'op': {
        if (t.text === '(') {
          this.enter(t.at);
          const inner = this.parseOr();
          this.depth--;
          this.expectOp(')', 'to close `(`');
          return inner;
        }
        if (t.text === '-') {
          const num = this.peek();
          if (num.kind === 'int' && num.at === t.at + 1) {
            this.next();
            const v = -(num.value as number);
            return { type: 'int', at: t.at, fn: () => v };
          }
          return this.fail(`\`-\`: ${UNSUPPORTED_OPS['-']}`, t.at);
        }
        return this.unexpected(t, '');
      }
      case 'ident':
        return this.parseIdent(t);
      case 'bad':
        return this.fail(t.value as string, t.at);
    }
  }

  private parseIdent(t: Token): Node {
    const word = t.text;
    if (word === 'true' || word === 'false') {
      const v = word === 'true';
      return { type: 'bool', at: t.at, fn: () => v };
    }
    if (word === 'timestamp' && this.isOp('(')) {
      this.next();
      const arg = this.next();
      if (arg.kind !== 'string') this.fail('`timestamp` takes a string literal such as "2026-01-01T00:00:00Z"', arg.at);
      if (this.isOp(',')) this.fail('`timestamp` takes one argument', this.peek().at);
      this.expectOp(')', 'to close the call of `timestamp`');
      const ns = timestampNanos(arg.value as string);
      if (ns === undefined) {
        // A CEL timestamp outside its range is an error when evaluated (the binding would never apply); said here.
        if (parseRfc3339(arg.value as string) !== undefined) this.fail(`\`${arg.text}\` is outside the range of CEL timestamps, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z (counted in UTC, after its offset)`, arg.at);
        this.fail(`\`${arg.text}\` is not an RFC 3339 timestamp such as "2026-01-01T00:00:00Z"`, arg.at);
      }
      return { type: 'timestamp', at: t.at, fn: () => ns };
    }
    const fields = Object.hasOwn(ATTRIBUTES, word) ? ATTRIBUTES[word] : undefined;
    if (fields !== undefined) {
      if (!this.isOp('.')) this.fail(`\`${word}\` alone is not a value; use ${Object.keys(fields).map((f) => `\`${word}.${f}\``).join(', ')}`, t.at);
      this.next();
      const f = this.next();
      if (f.kind !== 'ident') this.fail(`expected an attribute name after \`${word}.\`, found ${describeToken(f)}`, f.at);
      if (!Object.hasOwn(fields, f.text)) {
        this.fail(`\`${word}.${f.text}\` is not supported in conditions (supported: ${Object.keys(fields).map((x) => `${word}.${x}`).join(', ')})`, f.at);
      }
      return { ...attribute(`${word}.${f.text}`, t.at), attribute: `${word}.${f.text}` };
    }
    if (this.isOp('(')) return this.fail(`function \`${word}\` is not supported in conditions (supported: timestamp)`, t.at);
    if (word === 'null') return this.fail('`null` is not supported in conditions', t.at);
    if (word === 'in') return this.fail('the `in` operator is not supported in conditions', t.at);
    return this.fail(`unknown identifier \`${word}\` (conditions may read request.time, resource.name, resource.type, resource.service)`, t.at);
  }
}

function attribute(name: string, at: number): Node {
  switch (name) {
    case 'request.time':
      // Whole milliseconds, as nanoseconds (the timestamps it is compared with keep every digit: review hn, 2).
      return { type: 'timestamp', at, fn: (env) => (Number.isFinite(env.time) ? BigInt(Math.floor(env.time)) * NS_PER_MS : BAD_TIME) };
    case 'resource.name':
      return { type: 'string', at, fn: (env) => (typeof env.resource.name === 'string' ? env.resource.name : MISSING_NAME) };
    case 'resource.type':
      return { type: 'string', at, fn: (env) => env.resource.type ?? MISSING_TYPE };
    default:
      return { type: 'string', at, fn: (env) => env.resource.service ?? MISSING_SERVICE };
  }
}

function andFn(l: Fn, r: Fn): Fn {
  return (env) => {
    const a = l(env);
    if (a === false) return false;
    const b = r(env);
    if (b === false) return false;
    if (a === true && b === true) return true;
    return a instanceof EvalFailure ? a : b;
  };
}

function orFn(l: Fn, r: Fn): Fn {
  return (env) => {
    const a = l(env);
    if (a === true) return true;
    const b = r(env);
    if (b === true) return true;
    if (a === false && b === false) return false;
    return a instanceof EvalFailure ? a : b;
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Orders two strings by Unicode code point (CEL, langdef "Equality and Ordering"): JavaScript's `<` compares UTF-16
 * code units, which puts U+10000 and above (surrogate pairs) before U+E000–U+FFFF. Negative, zero or positive.
 */
function compareCodePoints(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done === true) return q.done === true ? 0 : -1;
    if (q.done === true) return 1;
    const d = (p.value.codePointAt(0) ?? 0) - (q.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** `<`-style comparison of two values of one ordered type (ints are numbers, timestamps bigints, strings by code point). */
const order = (a: number | bigint | string | boolean, b: number | bigint | string | boolean): number =>
  typeof a === 'string' && typeof b === 'string' ? compareCodePoints(a, b) : a < b ? -1 : a > b ? 1 : 0;

type Primitive = number | bigint | string | boolean;

function comparator(op: string): (a: Primitive, b: Primitive) => boolean {
  switch (op) {
    case '==':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => order(a, b) < 0;
    case '<=':
      return (a, b) => order(a, b) <= 0;
    case '>':
      return (a, b) => order(a, b) > 0;
    default:
      return (a, b) => order(a, b) >= 0;
  }
}

/**
 * A comparison of `resource.name` (on one side only) for a resource with other names (`BindingsResource.aliases`, review
 * qs, 3): it holds when it holds for one of the names, but `!=`, which holds only when the other side is none of them —
 * so that `resource.name != "workspace/secret"` excludes the workspace however a request names it. Undefined when
 * neither side, or both, is `resource.name`.
 */
function aliasedCompareFn(op: string, l: Node, r: Node, base: Fn): Fn | undefined {
  const leftIsName = l.attribute === 'resource.name';
  if (leftIsName === (r.attribute === 'resource.name')) return undefined;
  const cmp = comparator(op);
  const other = leftIsName ? r.fn : l.fn;
  return (env) => {
    const first = base(env);
    const aliases = env.resource.aliases;
    if (aliases === undefined || aliases.length === 0 || first instanceof EvalFailure) return first;
    const o = other(env);
    if (o instanceof EvalFailure) return o;
    const holds = (name: string): boolean => (leftIsName ? cmp(name, o as Primitive) : cmp(o as Primitive, name));
    return op === '!=' ? first === true && aliases.every(holds) : first === true || aliases.some(holds);
  };
}

function compareFn(op: string, l: Fn, r: Fn): Fn {
  const cmp = comparator(op);
  return (env) => {
    const a = l(env);
    if (a instanceof EvalFailure) return a;
    const b = r(env);
    if (b instanceof EvalFailure) return b;
    return cmp(a, b);
  };
}

function methodFn(name: string, recv: Fn, arg: Fn, recvIsName = false): Fn {
  const starts = name === 'startsWith';
  return (env) => {
    const s = recv(env);
    if (s instanceof EvalFailure) return s;
    const a = arg(env);
    if (a instanceof EvalFailure) return a;
    const holds = (x: string): boolean => (starts ? x.startsWith(a as string) : x.endsWith(a as string));
    if (holds(s as string)) return true;
    // `resource.name` of a resource with other names holds when one of them does (`aliasedCompareFn`; review qs, 3).
    const aliases = recvIsName ? env.resource.aliases : undefined;
    return aliases !== undefined && aliases.some(holds);
  };
}

/**
 * Why an expression may not be written as it is, or undefined: it holds a character that would not show as written
 * (`unprintableIn`; tabs and line breaks are CEL whitespace). Checked when a policy is written, before the expression
 * is parsed, so that no message quotes the character back (the lexer quotes what it does not expect); not by
 * `parseCondition`, so that a condition stored before still decides as written (review aw, 2).
 */
export function unprintableExpression(expression: string): GatehouseError | undefined {
  const bad = unprintableIn(expression, '\t\n\r');
  if (bad === undefined) return undefined;
  const { line, column } = position(expression, bad.at);
  const where = expression.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  const code = bad.name.slice(2).toLowerCase();
  const instead = code.length === 4 ? `, or inside a string write it as the escape \`\\u${code}\`` : '';
  return { code: 'BINDINGS_INVALID_CONDITION', message: `the expression holds ${bad.name}, a control, format or separator character that would not show as written (it can hide or reorder text where the condition is shown): remove it${instead} (at ${where})`, path: '', line, column };
}

/** A `resource.name == "…"` (or `!=`) of a condition: the literal, where it is, and the operator. */
export interface ResourceNameEquality {
  readonly literal: string;
  readonly op: '==' | '!=';
  readonly line: number;
  readonly column: number;
}

/**
 * Every comparison of `resource.name` with a string literal by `==` or `!=` in `expression`, in reading order; none when
 * it does not parse. For the checks only the store can make (src/app/bindings.ts: an ARN that names an entity that
 * exists by another ARN; review jl, 2).
 */
export function resourceNameEqualities(expression: string): readonly ResourceNameEquality[] {
  if (expression.length > MAX_EXPRESSION_CHARS) return [];
  const found: { literal: string; at: number; op: '==' | '!=' }[] = [];
  try {
    new Parser(lex(expression), false, undefined, undefined, found).parse();
  } catch (e) {
    if (!(e instanceof CelSyntaxError)) throw e;
    return [];
  }
  return found.map((f) => ({ literal: f.literal, op: f.op, ...position(expression, f.at) }));
}

/**
 * Parses and type-checks a condition expression, and compiles it. Errors carry the line and column in the
 * expression (path `` — the caller places it in its document).
 */
export function parseCondition(expression: string, options: ConditionParseOptions = {}): Result<CompiledCondition> {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    return { ok: false, errors: [{ code: 'BINDINGS_TOO_LARGE', message: `the condition is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_CHARS}`, path: '' }] };
  }
  try {
    const node = new Parser(lex(expression, options.knownValues === true), options.knownValues === true, options.partition, options.scope).parse();
    const fn = node.fn as (env: ConditionEnv) => ConditionResult;
    return { ok: true, value: { expression, evaluate: fn } };
  } catch (e) {
    if (!(e instanceof CelSyntaxError)) throw e;
    const { line, column } = position(expression, e.at);
    const where = expression.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
    const error: GatehouseError = { code: e.code, message: `${e.message} (at ${where})`, path: '', line, column };
    return { ok: false, errors: [error] };
  }
}
