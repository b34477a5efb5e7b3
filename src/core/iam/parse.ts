/**
 * Parse and validate a policy document of either JSON dialect. Grammar: reference §A.1.1 (AWS,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html) and §A.2 (RAM).
 * Every error is collected (not just the first) and the document is rejected whole on any error.
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
import { inFileOrder } from '../errors.ts';
import { childPath, inValueOrder, readJson, type JsonValue, type Position } from './json.ts';
import { resolvedGlobMatcher } from './glob.ts';
import { hasLeadingZeroOctet, isValidCidr } from './ip.ts';
import { isConditionKeyName } from './key-name.ts';
import { malformedVariable, multiValuedVariable } from './variables.ts';
import { parseDateValue } from './conditions.ts';
import {
  BASE_OPERATORS,
  PRINCIPAL_ID_RE,
  type BaseOperator,
  type ConditionEntry,
  type Dialect,
  type Effect,
  type PolicyDocument,
  type PolicyKind,
  type PolicyVersion,
  type PrincipalSpec,
  type SetQualifier,
  type Statement,
} from './types.ts';

export interface ParseOptions {
  readonly kind: PolicyKind;
  /** Size limit in characters, whitespace not counted. */
  readonly maxChars?: number;
  /**
   * A document being written (the IAM API, `gatehouse apply`): it must also meet the rules IAM applies when it takes a
   * document and that Gatehouse did not always apply. A document stored before such a rule still parses, so a role's
   * trust policy does not stop being read (a document that no longer parses denies what it governs).
   */
  readonly written?: boolean;
}

/** Documented defaults (reference §A.1.1): managed policy 6,144; trust policy 2,048. */
export const DEFAULT_MAX_CHARS: Readonly<Record<PolicyKind, number>> = { identity: 6144, resource: 20480, trust: 2048 };

/**
 * The text of a document, whitespace counted: IAM's `PolicyDocument` parameter is at most 131,072 characters
 * (CreatePolicy, PutUserPolicy… API reference). The quotas above do not count whitespace, so without this a 6,144
 * character policy padded to 900 KB was stored and served whole (review limits, L3). Applied when the quota is below
 * it: readers of stored documents pass a larger `maxChars` and keep reading what they stored.
 */
export const MAX_POLICY_TEXT = 131_072;

const TOP_LEVEL_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17', '1']);
const BASE_SET: ReadonlySet<string> = new Set(BASE_OPERATORS);
/** RAM's condition language has five families (reference §A.2): no Arn, Binary, Null or IfExists. */
const RAM_OPERATORS: ReadonlySet<string> = new Set(
  BASE_OPERATORS.filter((op) => /^(String|Numeric|Date|Bool$|IpAddress$|NotIpAddress$)/.test(op)),
);
/** Negated operators, which a missing key makes true (reference §A.1.7); the others it makes false. */
const NEGATED_BASES: ReadonlySet<string> = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress']);
const PRINCIPAL_KEYS: Readonly<Record<Dialect, ReadonlySet<string>>> = {
  aws: new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']),
  acs: new Set(['RAM', 'Service', 'Federated']),
};
const ACTION_RE = /^[A-Za-z0-9_-]+:[A-Za-z0-9_*?.-]+$/;
/**
 * The actions a role trust policy may grant: IAM refuses any other with MalformedPolicyDocument "AssumeRole policy may
 * only specify STS AssumeRole actions." (the role's permissions go in the policies attached to it).
 */
const TRUST_ACTIONS = ['sts:assumerole', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity', 'sts:setcontext'];
const IAM_SID_RE = /^[A-Za-z0-9]*$/;
const AWS_PRINCIPAL_RE = /^arn:aws[a-z-]*:(?:iam::\d{12}:(?:root|user\/.+|role\/.+)|sts::\d{12}:(?:assumed-role\/[^/]+\/.+|federated-user\/.+))$/;
const RAM_PRINCIPAL_RE = /^acs:ram::\d{1,20}:(?:root|user\/.+|role\/.+)$/;
/** OSS's spelling of a RAM role's session, `*` for all its sessions (src/core/iam/compile.ts `OSS_SESSION_RE`). */
const OSS_SESSION_PRINCIPAL_RE = /^arn:sts::\d{1,20}:assumed-role\/[^/*?]+\/(?:\*|[^*?]+)$/;
/** A service principal's name, as a caller is one (src/core/iam/principal.ts `SERVICE_RE`): labels joined by dots. */
const SERVICE_NAME_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
/** An identity provider's ARN (OIDC or SAML), in either dialect, as a `Federated` principal names it. */
const PROVIDER_PRINCIPAL_RE = /^(?:arn:aws[a-z-]*:iam|acs:ram)::\d{1,20}:(?:oidc-provider|saml-provider)\/.+$/;
/** A user, role, session or federated user ARN ending in `/` (no name), in either dialect: its kind captured. */
const TRAILING_SLASH_PRINCIPAL_RE = /^(?:arn:aws[a-z-]*:(?:iam|sts)|acs:ram)::\d{1,20}:(user|role|assumed-role|federated-user)\/.*\/$/;

const isVariableVersion = (v: PolicyVersion): boolean => v === '2012-10-17';

export function parsePolicy(input: string | unknown, opts: ParseOptions): Result<PolicyDocument> {
  // Valid documents (the common case) are read without recording element positions, which would be garbage
  // by the thousand when a directory compiles at start; an invalid one is read again to point into its text.
  const fast = parseWith(input, opts, false);
  if (fast.ok) return fast;
  // A document given as a value (a YAML file's, an apply document's `spec.document`) has no text of its own to place
  // its errors in, and they came in the parser's order: `gatehouse plan` printed a statement's lines 9, 10 then 8, and
  // the refusal's message named line 9's (review ty, 1). In the order of their elements in it, as a text's are.
  if (typeof input !== 'string') return { ok: false, errors: inValueOrder(input, fast.errors) };
  // In the text's order, as the CLI prints them: the parser meets a statement's elements in its own order (`Effect`,
  // `Action`, `Principal`), so the API listed lines 4, 6 then 5, and named line 6's first (review ts, 2).
  const placed = parseWith(input, opts, true);
  return placed.ok ? placed : { ok: false, errors: inFileOrder(placed.errors) };
}

function parseWith(input: string | unknown, opts: ParseOptions, withPositions: boolean): Result<PolicyDocument> {
  const errors: GatehouseError[] = [];
  let value: JsonValue | undefined;
  let positions: ReadonlyMap<string, Position> = new Map();
  let exactNumbers: ReadonlyMap<string, string> = new Map();
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS[opts.kind];

  if (typeof input === 'string') {
    if (maxChars < MAX_POLICY_TEXT && input.length > MAX_POLICY_TEXT) {
      return { ok: false, errors: [{ code: 'VALIDATION_ERROR', message: `policy document is ${input.length} characters with its whitespace; the limit is ${MAX_POLICY_TEXT}: remove the padding`, path: '' }] };
    }
    const bad = firstDisallowedChar(input);
    if (bad) {
      // Where it is, as a JSON path, when the text is JSON at all (between tokens it is not): the element that starts
      // last before it, which is the innermost string or member key holding it.
      const read = readJson(input, true);
      let path = '';
      if (read.value !== undefined) {
        let at: Position = { line: 0, column: 0 };
        for (const [p, pos] of read.positions) {
          const before = pos.line < bad.line || (pos.line === bad.line && pos.column <= bad.column);
          if (before && !p.includes('#') && (pos.line > at.line || (pos.line === at.line && pos.column >= at.column))) [path, at] = [p, pos];
        }
      }
      return { ok: false, errors: [{ code: 'POLICY_INVALID_CHARACTER', message: disallowedMessage(bad.code), path, line: bad.line, column: bad.column }] };
    }
    const size = countNonWhitespace(input);
    if (size > maxChars) {
      return { ok: false, errors: [{ code: 'POLICY_TOO_LARGE', message: `policy document is ${size} characters (whitespace not counted); the limit is ${maxChars}`, path: '' }] };
    }
    const read = readJson(input, withPositions);
    // A number literal a double does not hold is read again with its path, so that a condition compares it as written.
    if (read.inexactNumbers && !withPositions) return parseWith(input, opts, true);
    exactNumbers = read.exactNumbers;
    positions = read.positions;
    errors.push(...read.errors);
    if (read.value === undefined) return { ok: false, errors };
    value = read.value;
  } else {
    // Walked before it is turned into text: JSON.stringify of an object nested 100,000 deep throws, which read as
    // "must be a JSON object" (review Z, finding 7). The same limit as the text form's reader.
    const deep = tooDeep(input, '', 0);
    if (deep !== undefined) return { ok: false, errors: [{ code: 'POLICY_JSON_SYNTAX', message: `document nested too deeply: more than ${MAX_NESTING} levels at ${deep === '' ? 'its top' : deep}`, path: deep }] };
    const text = safeStringify(input);
    if (text === undefined) return { ok: false, errors: [{ code: 'POLICY_INVALID_TYPE', message: 'policy document must be a JSON object', path: '' }] };
    const bad = firstDisallowedChar(text);
    if (bad) {
      return { ok: false, errors: [{ code: 'POLICY_INVALID_CHARACTER', message: disallowedMessage(bad.code), path: pathHolding(input, bad.code, '') ?? '' }] };
    }
    const size = countNonWhitespace(text);
    if (size > maxChars) {
      return { ok: false, errors: [{ code: 'POLICY_TOO_LARGE', message: `policy document is ${size} characters (whitespace not counted); the limit is ${maxChars}`, path: '' }] };
    }
    value = input as JsonValue;
  }

  const err = (code: ErrorCode, path: string, message: string): void => {
    const p = positions.get(path);
    errors.push(p ? { code, message, path, line: p.line, column: p.column } : { code, message, path });
  };

  if (!isObject(value)) {
    err('POLICY_INVALID_TYPE', '', 'policy document must be a JSON object');
    return { ok: false, errors };
  }
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key)) err('POLICY_UNKNOWN_ELEMENT', key, `unknown top-level element \`${key}\`; allowed: Version, Id, Statement`);
  }

  let version: PolicyVersion;
  if (value['Version'] !== undefined) {
    const v = value['Version'];
    if (typeof v === 'string' && VERSIONS.has(v)) version = v as PolicyVersion;
    // A number (`"Version": 1`, and YAML's unquoted `Version: 1`, the natural way to write RAM's version there) was told
    // it "must be `1`, got `1`" (review is, 2): the version is a string, and the message says to quote it.
    else if (typeof v === 'number' || typeof v === 'boolean') err('POLICY_INVALID_VERSION', 'Version', `\`Version\` must be a string, \`"2012-10-17"\`, \`"2008-10-17"\` (AWS) or \`"1"\` (Alibaba RAM), got the ${typeof v} ${show(v)}: put it in quotes (in YAML, \`Version: "1"\`)`);
    else err('POLICY_INVALID_VERSION', 'Version', `\`Version\` must be \`2012-10-17\`, \`2008-10-17\` (AWS) or \`1\` (Alibaba RAM), got ${show(v)}`);
  }
  // A RAM document whose version was written as the number 1 is read as RAM's for the rest, so that its `RAM` principals
  // and operators are not refused as AWS's besides the version (review is, 2).
  const dialect: Dialect = version === '1' || value['Version'] === 1 ? 'acs' : 'aws';

  let id: string | undefined;
  if (value['Id'] !== undefined) {
    if (opts.kind === 'identity') err('POLICY_INVALID_ID', 'Id', '`Id` is not allowed in an identity-based policy');
    else if (typeof value['Id'] !== 'string') err('POLICY_INVALID_ID', 'Id', '`Id` must be a string');
    else id = value['Id'];
  }

  const statements: Statement[] = [];
  const rawStatements = value['Statement'];
  if (rawStatements === undefined) {
    err('POLICY_MISSING_ELEMENT', 'Statement', 'policy has no `Statement`');
  } else if (Array.isArray(rawStatements)) {
    if (rawStatements.length === 0) err('POLICY_EMPTY', 'Statement', '`Statement` is an empty list; a policy needs at least one statement');
    rawStatements.forEach((s, i) => {
      const st = parseStatement(s, i, childPath('Statement', i));
      if (st) statements.push(st);
    });
  } else if (isObject(rawStatements)) {
    const st = parseStatement(rawStatements, 0, 'Statement');
    if (st) statements.push(st);
  } else {
    err('POLICY_INVALID_TYPE', 'Statement', '`Statement` must be an object or a list of objects');
  }

  const seenSids = new Map<string, number>();
  for (const st of statements) {
    if (st.sid === undefined || st.sid === '') continue;
    const prev = seenSids.get(st.sid);
    if (prev !== undefined) err('POLICY_DUPLICATE_SID', stmtPath(rawStatements, st.index, 'Sid'), `statement ids must be unique in a policy: \`${st.sid}\` is also used by statement ${prev}`);
    else seenSids.set(st.sid, st.index);
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { version, dialect, id, statements } };

  function parseStatement(raw: JsonValue, index: number, path: string): Statement | undefined {
    if (!isObject(raw)) {
      err('POLICY_INVALID_TYPE', path, 'a statement must be a JSON object');
      return undefined;
    }
    const before = errors.length;
    for (const key of Object.keys(raw)) {
      if (!STATEMENT_KEYS.has(key)) err('POLICY_UNKNOWN_ELEMENT', childPath(path, key), `unknown statement element \`${key}\``);
    }

    let sid: string | undefined;
    if (raw['Sid'] !== undefined) {
      const s = raw['Sid'];
      if (typeof s !== 'string') err('POLICY_INVALID_SID', childPath(path, 'Sid'), '`Sid` must be a string');
      else if (dialect === 'aws' && opts.kind !== 'resource' && !IAM_SID_RE.test(s)) err('POLICY_INVALID_SID', childPath(path, 'Sid'), `\`Sid\` \`${s}\` may contain only letters and digits (A-Z, a-z, 0-9)`);
      else sid = s;
    }

    let effect: Effect | undefined;
    const e = raw['Effect'];
    if (e === undefined) err('POLICY_MISSING_ELEMENT', childPath(path, 'Effect'), 'statement has no `Effect`');
    else if (e === 'Allow' || e === 'Deny') effect = e;
    else {
      const hint = typeof e === 'string' && /^(allow|deny)$/i.test(e) ? ` (effects are case-sensitive: write \`${e.toLowerCase() === 'allow' ? 'Allow' : 'Deny'}\`)` : '';
      err('POLICY_INVALID_EFFECT', childPath(path, 'Effect'), `\`Effect\` must be \`Allow\` or \`Deny\`, got ${show(e)}${hint}`);
    }

    const action = pair(raw, path, 'Action', 'NotAction', true, parseAction);
    if (opts.kind === 'trust' && opts.written === true && action.a !== undefined) trustActions(raw['Action'] as JsonValue, action.a, childPath(path, 'Action'));
    const resourceRequired = opts.kind !== 'trust';
    let resource: Pair = { a: undefined, b: undefined };
    if (opts.kind === 'trust') {
      for (const k of ['Resource', 'NotResource']) {
        if (raw[k] !== undefined) err('POLICY_UNKNOWN_ELEMENT', childPath(path, k), `\`${k}\` is not allowed in a role trust policy: the resource is the role itself`);
      }
    } else {
      resource = pair(raw, path, 'Resource', 'NotResource', resourceRequired, parseResource);
    }

    let principal: PrincipalSpec | undefined;
    let notPrincipal: PrincipalSpec | undefined;
    const hasP = raw['Principal'] !== undefined;
    const hasNP = raw['NotPrincipal'] !== undefined;
    if (opts.kind === 'identity') {
      if (hasP) err('POLICY_PRINCIPAL_NOT_ALLOWED', childPath(path, 'Principal'), '`Principal` is not allowed in an identity-based policy: the principal is the identity the policy is attached to');
      if (hasNP) err('POLICY_PRINCIPAL_NOT_ALLOWED', childPath(path, 'NotPrincipal'), '`NotPrincipal` is not allowed in an identity-based policy');
    } else {
      if (hasP && hasNP) err('POLICY_CONFLICTING_ELEMENTS', childPath(path, 'NotPrincipal'), 'a statement may have `Principal` or `NotPrincipal`, not both');
      else if (!hasP && !hasNP) err('POLICY_PRINCIPAL_REQUIRED', childPath(path, 'Principal'), `a ${opts.kind === 'trust' ? 'trust' : 'resource-based'} policy statement needs a \`Principal\``);
      if (hasP) principal = parsePrincipal(raw['Principal'] as JsonValue, childPath(path, 'Principal'));
      if (hasNP) {
        if (opts.kind === 'trust') err('POLICY_NOTPRINCIPAL_NOT_ALLOWED', childPath(path, 'NotPrincipal'), '`NotPrincipal` is not allowed in a role trust policy; use `Principal` with a condition on `aws:PrincipalArn`');
        // RAM's grammar (reference §A.2, "Policy elements") has `Principal` only: a `Version: "1"` bucket policy with a
        // `NotPrincipal` Deny was taken and enforced as AWS reads one (review ov, 1). Refused when written; stored, read so.
        else if (dialect === 'acs' && opts.written === true) err('POLICY_NOTPRINCIPAL_NOT_ALLOWED', childPath(path, 'NotPrincipal'), '`NotPrincipal` is not part of the RAM policy language (Version "1"): write `"Principal": {"RAM": "*"}` with a `StringNotEquals` condition on `acs:PrincipalARN` naming the principals to exempt');
        else if (effect === 'Allow') err('POLICY_NOTPRINCIPAL_NOT_ALLOWED', childPath(path, 'NotPrincipal'), '`NotPrincipal` is allowed only with `"Effect": "Deny"`; use `Principal: "*"` with an `ArnNotEquals` condition on `aws:PrincipalArn`');
        else notPrincipal = parsePrincipal(raw['NotPrincipal'] as JsonValue, childPath(path, 'NotPrincipal'));
      }
    }

    const conditions: ConditionEntry[] = [];
    if (raw['Condition'] !== undefined) parseCondition(raw['Condition'], childPath(path, 'Condition'), conditions);

    if (errors.length > before || effect === undefined) return undefined;
    return {
      index,
      sid,
      effect,
      action: action.a,
      notAction: action.b,
      resource: resource.a,
      notResource: resource.b,
      principal,
      notPrincipal,
      conditions,
    };
  }

  interface Pair {
    a: string[] | undefined;
    b: string[] | undefined;
  }

  function pair(raw: { [k: string]: JsonValue }, path: string, a: string, b: string, required: boolean, check: (v: string, p: string) => void): Pair {
    const va = raw[a];
    const vb = raw[b];
    if (va !== undefined && vb !== undefined) {
      err('POLICY_CONFLICTING_ELEMENTS', childPath(path, b), `a statement may have \`${a}\` or \`${b}\`, not both`);
      return { a: undefined, b: undefined };
    }
    if (va === undefined && vb === undefined) {
      if (required) err('POLICY_MISSING_ELEMENT', childPath(path, a), `statement needs \`${a}\` or \`${b}\``);
      return { a: undefined, b: undefined };
    }
    const key = va !== undefined ? a : b;
    // Not `va ?? vb`: a `null` element is the one given, and is refused as null (policy review CX3).
    const given = (va !== undefined ? va : vb) as JsonValue;
    const list = stringList(given, childPath(path, key), a === 'Action' ? 'POLICY_INVALID_ACTION' : 'POLICY_INVALID_RESOURCE');
    if (list) list.forEach((v, i) => check(v, Array.isArray(given) ? childPath(childPath(path, key), i) : childPath(path, key)));
    return va !== undefined ? { a: list, b: undefined } : { a: undefined, b: list };
  }

  function stringList(v: JsonValue, path: string, code: ErrorCode): string[] | undefined {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) {
      if (v.length === 0) {
        err(code, path, 'list is empty; give at least one value');
        return undefined;
      }
      let okAll = true;
      v.forEach((x, i) => {
        if (typeof x !== 'string') {
          err(code, childPath(path, i), `expected a string, got ${show(x)}`);
          okAll = false;
        }
      });
      return okAll ? (v as string[]) : undefined;
    }
    err(code, path, `expected a string or a list of strings, got ${show(v)}`);
    return undefined;
  }

  function parseAction(a: string, path: string): void {
    if (a === '*') return;
    if (!ACTION_RE.test(a)) err('POLICY_INVALID_ACTION', path, `action \`${a}\` must look like \`service:ActionName\` (wildcards \`*\` and \`?\` allowed in the name) or be \`*\``);
  }

  /** A written trust policy's actions, each `*` or one that can match an AssumeRole action (TRUST_ACTIONS). */
  function trustActions(given: JsonValue, actions: readonly string[], path: string): void {
    actions.forEach((a, i) => {
      if (a === '*' || !ACTION_RE.test(a)) return;
      const matches = resolvedGlobMatcher(a.toLowerCase());
      if (TRUST_ACTIONS.some((t) => matches(t))) return;
      const at = Array.isArray(given) ? childPath(path, i) : path;
      err('POLICY_INVALID_ACTION', at, `action \`${a}\` cannot be granted by a role trust policy: AssumeRole policy may only specify STS AssumeRole actions (\`sts:AssumeRole\`, \`sts:AssumeRoleWithWebIdentity\`, \`sts:AssumeRoleWithSAML\`, \`sts:TagSession\`, \`sts:SetSourceIdentity\`, \`sts:SetContext\`); grant the role's permissions in a policy attached to it`);
    });
  }

  function parseResource(r: string, path: string): void {
    if (r === '*') return;
    const isArn = r.startsWith('arn:');
    const isAcs = r.startsWith('acs:');
    if (!isArn && !isAcs) {
      err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\` must be \`*\` or an ARN (\`arn:partition:service:region:account:resource\` or \`acs:service:region:account:resource\`)`);
      return;
    }
    const parts = r.split(':');
    const need = isArn ? 6 : 5;
    const last = parts[parts.length - 1] ?? '';
    if (parts.length < need && !last.endsWith('*')) {
      err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\` has ${parts.length} of the ${need} colon-separated parts of ${isArn ? 'an `arn:` ARN' : 'an `acs:` ARN'}`);
      return;
    }
    const service = parts[isArn ? 2 : 1] ?? '';
    if (/[*?]/.test(service)) err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\`: wildcards are not allowed in the service part of an ARN`);
    else if (service === '') err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\` names no service`);
    else if (opts.written === true && isVariableVersion(version)) {
      const head = variableBeforeResourcePart(r, need - 1);
      if (head !== undefined) {
        err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\`: \`${head}\` is before the ARN's resource part, where policy variables are not substituted (only after its ${need === 6 ? 'fifth' : 'fourth'} colon): it would be literal text, and the pattern would match no request; write the value, or \`*\`, there`);
      } else {
        const start = resourcePartStart(r, need - 1);
        const bad = malformedVariable(r, start);
        const multi = bad === undefined ? multiValuedVariable(r, start) : undefined;
        if (bad !== undefined) err('POLICY_INVALID_RESOURCE', path, `resource \`${r}\`: ${malformedMessage(bad)}`);
        else if (multi !== undefined) err('POLICY_INVALID_RESOURCE', path, multiValuedMessage(multi));
      }
    }
  }

  function parsePrincipal(v: JsonValue, path: string): PrincipalSpec | undefined {
    if (v === '*') return '*';
    // An OSS bucket policy names its principals as a plain list of UIDs or `*` (`"Principal": ["20214760404935xxxx"]`,
    // the form OSS's console writes: OSS "Policy syntax and elements", `"Principal": ["UID|*"]`): in a RAM resource
    // policy the list is read as the values of `RAM`. OSS reads an empty list as everyone; it is refused here, so
    // that a list emptied by mistake does not open the bucket to all.
    if (Array.isArray(v) && dialect === 'acs' && opts.kind === 'resource') {
      if (v.length === 0) {
        err('POLICY_INVALID_PRINCIPAL', path, 'principal list is empty: OSS reads `[]` as everyone; write `["*"]` for everyone, or list the UIDs or `acs:ram::` ARNs it names');
        return undefined;
      }
      const list = stringList(v, path, 'POLICY_INVALID_PRINCIPAL');
      if (!list) return undefined;
      list.forEach((val, i) => checkPrincipalValue('RAM', val, childPath(path, i)));
      return { RAM: list };
    }
    if (!isObject(v)) {
      const list = dialect === 'acs' && opts.kind === 'resource' ? ', or a list of UIDs such as ["123456789012"]' : '';
      err('POLICY_INVALID_PRINCIPAL', path, `principal must be \`"*"\` or an object such as {"${dialect === 'acs' ? 'RAM' : 'AWS'}": "…"}${list}, got ${show(v)}`);
      return undefined;
    }
    const spec: Record<string, string[]> = {};
    const keys = Object.keys(v);
    if (keys.length === 0) err('POLICY_INVALID_PRINCIPAL', path, 'principal object is empty');
    for (const key of keys) {
      const p = childPath(path, key);
      if (!PRINCIPAL_KEYS[dialect].has(key)) {
        err('POLICY_INVALID_PRINCIPAL', p, `unknown principal type \`${key}\`; allowed: ${[...PRINCIPAL_KEYS[dialect]].join(', ')}`);
        continue;
      }
      // An S3 canonical user ID names an account in a bucket policy (compile.ts; policy review fs, 3), not in a role's
      // trust policy, which IAM takes `AWS`, `Service` and `Federated` principals in: refused when written; in a trust
      // policy stored before, it names no one, as it always did.
      if (key === 'CanonicalUser' && opts.kind === 'trust') {
        if (opts.written === true) err('POLICY_INVALID_PRINCIPAL', p, '`CanonicalUser` (an S3 canonical user ID) is not a principal a role trust policy may name: name the account as {"AWS": "<account id>"}');
        continue;
      }
      const list = stringList(v[key] as JsonValue, p, 'POLICY_INVALID_PRINCIPAL');
      if (!list) continue;
      list.forEach((val, i) => checkPrincipalValue(key, val, Array.isArray(v[key]) ? childPath(p, i) : p));
      spec[key] = list;
    }
    return spec;
  }

  /**
   * What to write instead of a partial wildcard, as the dialect and principal type can take it (review mv, 2): RAM has no
   * Arn operators (reference §A.2), and a service principal has no `aws:PrincipalArn` (§A.1.8), so "`aws:PrincipalArn`
   * with `ArnLike`" was refused in RAM and matched no service.
   */
  function wildcardAdvice(key: string): string {
    const other = dialect === 'acs' ? '`"RAM": "*"`' : '`"AWS": "*"`';
    if (key === 'Service') {
      return dialect === 'acs'
        ? 'list the service names, such as `ecs.aliyuncs.com`, or write `"Service": "*"` for every service'
        : 'write `"Service": "*"` with a condition on `aws:PrincipalServiceName` with `StringLike`';
    }
    if (key === 'Federated') return 'list the identity providers’ ARNs, or write `"Federated": "*"` for every provider';
    return dialect === 'acs'
      ? `write ${other} with a condition on \`acs:PrincipalARN\` with \`StringLike\` (RAM has no Arn operators)`
      : `write ${other} with a condition on \`aws:PrincipalArn\` with \`ArnLike\``;
  }

  function checkPrincipalValue(key: string, val: string, vp: string): void {
    // A `CanonicalUser` value is kept as the account it identifies (src/core/iam/compile.ts), and `*` identifies none:
    // stored, a Deny with it named no one (review mv, 3). Refused when written; a stored one is read as before.
    if (key === 'CanonicalUser' && val === '*' && opts.written === true) {
      err('POLICY_INVALID_PRINCIPAL', vp, 'Invalid principal in policy: "CanonicalUser":"*" (a canonical user ID identifies one account, and `*` none): write `"Principal": "*"` for everyone, or the canonical ID of each account');
      return;
    }
    // Any other `CanonicalUser` value that is no account id (AWS's 64 hex digits, copied from a bucket policy on AWS)
    // identifies no account here either, where the canonical ID of an account is its id: dropped as `*` was, a Deny
    // with it named no one (review qy, 2). S3 refuses a canonical ID that identifies no one; a stored one is read as before.
    if (key === 'CanonicalUser' && val !== '*' && !/^\d{1,20}$/.test(val) && opts.written === true) {
      err('POLICY_INVALID_PRINCIPAL', vp, `Invalid principal in policy: "CanonicalUser":"${val}" (a canonical user ID here is the account id, as every Owner and Grantee the S3 gateway answers shows it: write the account id of the account meant, or {"AWS": "<account id>"})`);
      return;
    }
    if (val === '*' || (key === 'RAM' && OSS_SESSION_PRINCIPAL_RE.test(val))) return;
    if (key === 'RAM' && val.startsWith('arn:sts::')) {
      err('POLICY_INVALID_PRINCIPAL', vp, `\`${val}\` is not a RAM role session: give \`arn:sts::<uid>:assumed-role/<role>/<session>\`, or \`…/<role>/*\` for every session of the role (wildcards elsewhere are not supported: list the roles)`);
      return;
    }
    if (val.includes('*') || val.includes('?')) {
      err('POLICY_INVALID_PRINCIPAL', vp, `principal \`${val}\` has a partial wildcard; only \`"*"\` alone is allowed (${wildcardAdvice(key)})`);
      return;
    }
    // A user's, role's or session's ARN ending in `/` (`user/alice/`, `acs:ram::A:role/ops/`) has no name, and users and
    // roles are matched by name: it named no principal, so a Deny meant for alice denied no one, and the existence check
    // (src/app/principal-refs.ts) looked up no name and let it through (review qy, 1). Refused when written, as
    // `principalFromArn` refuses the same ARN given as a principal; a stored one is read as before.
    const slash = (key === 'AWS' || key === 'RAM') && opts.written === true ? TRAILING_SLASH_PRINCIPAL_RE.exec(val) : null;
    if (slash !== null) {
      const kind = slash[1] as string;
      const [who, form] = kind === 'assumed-role' ? ['role session', '<role>/<session>'] : kind === 'federated-user' ? ['federated user', '<name>'] : [kind, key === 'RAM' ? '<name>' : '<path/>name'];
      err('POLICY_INVALID_PRINCIPAL', vp, `Invalid principal in policy: "${key}":"${val}" ends in \`/\`, where a ${who}'s ARN ends in its name (\`…:${kind}/${form}\`)`);
      return;
    }
    if (key === 'AWS' && !/^\d{12}$/.test(val) && !AWS_PRINCIPAL_RE.test(val) && !PRINCIPAL_ID_RE.test(val)) {
      err('POLICY_INVALID_PRINCIPAL', vp, `\`${val}\` is not a valid AWS principal: give an account id, or the ARN of an account root, user, role, assumed-role session or federated user`);
    } else if (key === 'RAM' && !/^\d{1,20}$/.test(val) && !RAM_PRINCIPAL_RE.test(val) && !PRINCIPAL_ID_RE.test(val)) {
      err('POLICY_INVALID_PRINCIPAL', vp, `\`${val}\` is not a valid RAM principal: give an account UID, \`acs:ram::<uid>:root\`, \`…:user/<name>\`, \`…:role/<name>\` or \`arn:sts::<uid>:assumed-role/<role>/<session>\``);
    } else if (key === 'Service' && !/^[A-Za-z0-9.-]+$/.test(val)) {
      err('POLICY_INVALID_PRINCIPAL', vp, `\`${val}\` is not a service principal name such as \`training.gatehouse.dev\``);
    } else if (key === 'Federated' && opts.written === true && !PROVIDER_PRINCIPAL_RE.test(val) && !SERVICE_NAME_RE.test(val)) {
      // A web identity token's principal is its provider's ARN (src/app/oidc.ts): an issuer URL, a user's ARN or any other
      // text named no provider, so a Deny with it denied no token (review qy, 4). IAM refuses it ("Federated principals
      // must be valid domain names or SAML metadata ARNs"); a stored one is read as before.
      const url = /^https?:\/\/([^?#]+?)\/?$/i.exec(val);
      const instead = url !== null ? `: name the provider by its ARN, \`${dialect === 'acs' ? 'acs:ram::<account>' : 'arn:aws:iam::<account>'}:oidc-provider/${url[1] as string}\`, as CreateOpenIDConnectProvider answers it, not by its issuer URL` : `: give an identity provider's ARN (\`${dialect === 'acs' ? 'acs:ram::<account>' : 'arn:aws:iam::<account>'}:oidc-provider/<host/path>\` or \`…:saml-provider/<name>\`), or a provider's domain name such as \`accounts.google.com\``;
      err('POLICY_INVALID_PRINCIPAL', vp, `Invalid principal in policy: "Federated":"${val}" is not an identity provider${instead}`);
    } else if (key === 'Service' && opts.written === true && !SERVICE_NAME_RE.test(val)) {
      // A name without a dot (`ec2`), or beginning or ending with one, is no service any caller is (src/core/iam/principal.ts
      // reads a service principal so): it named no one, and a Deny with it denied nobody (review qy, 3). IAM refuses it
      // (`Invalid principal in policy: "SERVICE":"…"`); a stored one is read as before.
      err('POLICY_INVALID_PRINCIPAL', vp, `Invalid principal in policy: "Service":"${val}" is not a service principal's name: it is a DNS name with a dot between each label, such as \`training.gatehouse.dev\`, \`ec2.amazonaws.com\` or \`ecs.aliyuncs.com\`, and names no service otherwise`);
    } else if (val === '') {
      err('POLICY_INVALID_PRINCIPAL', vp, 'principal value is empty');
    }
  }

  function parseCondition(v: JsonValue, path: string, out: ConditionEntry[]): void {
    if (!isObject(v)) {
      err('POLICY_INVALID_TYPE', path, '`Condition` must be an object of operators');
      return;
    }
    // `"Condition": {}` is taken, as IAM takes it: it plainly names no condition. An operator with no key is refused
    // below: it reads as a restriction and tests nothing (review vt, 1).
    for (const operator of Object.keys(v)) {
      const opPath = childPath(path, operator);
      const op = parseOperator(operator);
      if (typeof op === 'string') {
        err('POLICY_INVALID_CONDITION_OPERATOR', opPath, op);
        continue;
      }
      const block = v[operator] as JsonValue;
      if (!isObject(block)) {
        err('POLICY_INVALID_TYPE', opPath, `condition operator \`${operator}\` must map condition keys to values`);
        continue;
      }
      if (opts.written === true && Object.keys(block).length === 0) {
        err('POLICY_INVALID_CONDITION_KEY', opPath, `condition operator \`${operator}\` names no condition key: it tests nothing, so the statement applies to every request as if it had no condition; give a condition key and its values, or remove \`${operator}\``);
        continue;
      }
      for (const key of Object.keys(block)) {
        const keyPath = childPath(opPath, key);
        if (!isConditionKeyName(key)) {
          err('POLICY_INVALID_CONDITION_KEY', keyPath, `condition key \`${key}\` is not a valid key name: 1 to 256 characters, no control character, and spaces only in a tag key after \`/\` (\`aws:PrincipalTag/Cost Center\`)`);
          continue;
        }
        const raw = block[key] as JsonValue;
        const values = conditionValues(raw, keyPath);
        if (!values) continue;
        let valid = true;
        values.forEach((val, i) => {
          const templated = opts.written === true && isVariableVersion(version) && /^(String|Arn)/.test(op.base);
          const bad = templated ? malformedVariable(val) : undefined;
          const multi = templated && bad === undefined ? multiValuedVariable(val) : undefined;
          const msg = checkConditionValue(op.base, val, isVariableVersion(version)) ?? (bad !== undefined ? malformedMessage(bad) : multi !== undefined ? multiValuedMessage(multi) : undefined);
          if (msg) {
            err('POLICY_INVALID_CONDITION_VALUE', Array.isArray(raw) ? childPath(keyPath, i) : keyPath, msg);
            valid = false;
          }
        });
        if (valid) out.push({ operator, base: op.base, qualifier: op.qualifier, ifExists: op.ifExists, key, values });
      }
    }
  }

  function conditionValues(raw: JsonValue, path: string): string[] | undefined {
    // A number as written where its double differs (review lq, 2), else the double's digits.
    // `at` is asked only for a number of a policy that holds some inexact literal: no path string per value otherwise.
    const one = (x: JsonValue, at: () => string): string | undefined =>
      typeof x === 'string' ? x : typeof x === 'number' ? ((exactNumbers.size > 0 ? exactNumbers.get(at()) : undefined) ?? plainNumber(x)) : typeof x === 'boolean' ? String(x) : undefined;
    if (Array.isArray(raw)) {
      if (raw.length === 0) {
        err('POLICY_INVALID_CONDITION_VALUE', path, 'condition value list is empty');
        return undefined;
      }
      const out: string[] = [];
      let good = true;
      raw.forEach((x, i) => {
        const s = one(x, () => childPath(path, i));
        if (s === undefined) {
          err('POLICY_INVALID_CONDITION_VALUE', childPath(path, i), `condition values must be strings, numbers or booleans, got ${show(x)}`);
          good = false;
        } else out.push(s);
      });
      return good ? out : undefined;
    }
    const s = one(raw, () => path);
    if (s === undefined) {
      err('POLICY_INVALID_CONDITION_VALUE', path, `condition values must be strings, numbers or booleans, got ${show(raw)}`);
      return undefined;
    }
    return [s];
  }

  function parseOperator(operator: string): { base: BaseOperator; qualifier: SetQualifier | undefined; ifExists: boolean } | string {
    let rest = operator;
    let qualifier: SetQualifier | undefined;
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      const q = rest.slice(0, colon);
      if (q !== 'ForAllValues' && q !== 'ForAnyValue') return `unknown set qualifier \`${q}\` in \`${operator}\`; use \`ForAllValues:\` or \`ForAnyValue:\``;
      qualifier = q;
      rest = rest.slice(colon + 1);
    }
    let ifExists = false;
    if (rest.endsWith('IfExists') && !BASE_SET.has(rest)) {
      ifExists = true;
      rest = rest.slice(0, -'IfExists'.length);
    }
    if (!BASE_SET.has(rest)) {
      const near = BASE_OPERATORS.find((o) => o.toLowerCase() === rest.toLowerCase());
      return `unknown condition operator \`${operator}\`${near ? ` (operators are case-sensitive: \`${near}\`)` : ''}`;
    }
    const base = rest as BaseOperator;
    if (base === 'Null' && ifExists) return '`Null` cannot take `IfExists`: it already tests whether the key exists';
    // A set qualifier compares a key's values with the policy's, and `Null` compares none: the engine decides it as plain
    // `Null`, which is not what `ForAllValues:` says of an absent key (review hn, 5). Refused when written; stored, read so.
    if (base === 'Null' && qualifier !== undefined && opts.written === true) return `\`${operator}\`: \`Null\` takes no set qualifier: it tests whether the key is in the request at all, whatever its values; write \`Null\``;
    if (dialect === 'acs') {
      if (!RAM_OPERATORS.has(base)) return `condition operator \`${base}\` is not part of the RAM policy language (Version "1"); use a String, Numeric, Date, Bool or IpAddress operator`;
      if (ifExists) {
        const plain = `${qualifier ? `${qualifier}:` : ''}${base}`;
        // What a missing key makes it (reference §A.1.7): ForAllValues true, ForAnyValue false, else true only when negated.
        const missing = qualifier === 'ForAllValues' || (qualifier === undefined && NEGATED_BASES.has(base)) ? 'true' : 'false';
        return `\`IfExists\` operators are not part of the RAM policy language (Version "1"): use \`${plain}\`, which a key missing from the request makes ${missing}`;
      }
    }
    return { base, qualifier, ifExists };
  }
}

/**
 * A JSON number condition value as the digits of a decimal, never in exponent form: `String` writes 0.0000001 as `1e-7`
 * and 1e21 as `1e+21`, which no Numeric operator reads (they take integers or decimals), so a document holding a valid
 * decimal was refused with a value it does not hold (review fc, 2). The digits are the number's shortest round-trip
 * form, as `String` gives them; only where the point goes changes. Infinity (a literal past a double's range) stays
 * `Infinity`, which is refused as not a number.
 */
export function plainNumber(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac, exp] = m as unknown as [string, string, string, string | undefined, string];
  const digits = lead + (frac ?? '');
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Why a `${` that is no policy variable is refused (review vt, 3): it stays literal text, so a pattern with it matches
 * no request and a value with it compares as those characters. IAM Access Analyzer reports each as an error ("Missing
 * brace in variable", "Empty variable", "Missing quote in variable", "Unsupported space in variable").
 */
function malformedMessage(bad: NonNullable<ReturnType<typeof malformedVariable>>): string {
  const literal = 'so it would be literal text, not a policy variable';
  const dollar = 'write `${$}` for a literal `$`';
  switch (bad.why) {
    case 'unclosed':
      return `\`${bad.shown}\` opens a policy variable that is never closed with \`}\`, ${literal}: close it, or ${dollar}`;
    case 'empty':
      return `\`${bad.shown}\` names no condition key, ${literal}: write \`\${key}\` such as \`\${aws:username}\`, or ${dollar}`;
    case 'default': {
      const m = /^\$\{\s*([^,]*?)\s*,\s*(.*?)\s*\}$/.exec(bad.shown);
      const fix = m !== null && m[1] !== '' ? ` (\`\${${m[1] as string}, '${(m[2] as string).replace(/'/g, '')}'}\`)` : '';
      return `\`${bad.shown}\` is not read as a variable with a default, so it would be literal text: a default value goes in single quotes after the key${fix}, or ${dollar}`;
    }
    case 'key':
      return `\`${bad.shown}\` does not name a condition key (1 to 256 characters, no control character, and spaces only in a tag key after \`/\`), ${literal}: write the key as \`\${aws:username}\` or \`\${aws:PrincipalTag/team}\`, or ${dollar}`;
  }
}

/** Why a variable of a multivalued key is refused (review hn, 6). */
function multiValuedMessage(variable: string): string {
  return `\`${variable}\` reads a multivalued key, and only single-valued keys can be policy variables: it would never have a value; compare the key's values in a condition with \`ForAnyValue:\` or \`ForAllValues:\` instead`;
}

/** Where the resource part of ARN pattern `r` begins: just past its `colons`-th colon (its length when it has fewer). */
function resourcePartStart(r: string, colons: number): number {
  let at = 0;
  for (let i = 0; i < colons; i++) {
    const c = r.indexOf(':', at);
    if (c < 0) return r.length;
    at = c + 1;
  }
  return at;
}

/**
 * The first `${…}` (a variable or an escape) that starts before the resource part of ARN pattern `r`, which begins after
 * its `colons`-th colon (src/core/iam/compile.ts `resourcePart`: the engine substitutes only from there), else undefined.
 */
function variableBeforeResourcePart(r: string, colons: number): string | undefined {
  let seen = 0;
  for (let i = 0; i < r.length && seen < colons; i++) {
    if (r.charCodeAt(i) === 0x3a) seen++;
    else if (r.startsWith('${', i)) {
      const end = r.indexOf('}', i);
      if (end > 0) return r.slice(i, end + 1);
    }
  }
  return undefined;
}

/** Validates a policy value for its operator family; returns a message, or undefined when valid. */
function checkConditionValue(base: BaseOperator, v: string, variables: boolean): string | undefined {
  const hasVar = variables && v.includes('${');
  const family = base.startsWith('String') ? 'String' : base.startsWith('Arn') ? 'Arn' : base.startsWith('Numeric') ? 'Numeric' : base.startsWith('Date') ? 'Date' : base.includes('IpAddress') ? 'Ip' : base;
  if (hasVar && family !== 'String' && family !== 'Arn') return `policy variables are not allowed in values of \`${base}\``;
  switch (family) {
    case 'Numeric':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) ? undefined : `\`${v}\` is not a number (\`${base}\` takes integers or decimals)`;
    case 'Date':
      return parseDateValue(v) !== undefined ? undefined : `\`${v}\` is not a date (\`${base}\` takes ISO 8601 such as \`2026-01-31T12:00:00Z\` or epoch seconds)`;
    case 'Bool':
    case 'Null':
      return /^(true|false)$/i.test(v) ? undefined : `\`${base}\` takes \`true\` or \`false\`, got \`${v}\``;
    case 'Ip':
      if (isValidCidr(v)) return undefined;
      if (hasLeadingZeroOctet(v)) return `\`${v}\` is not an IPv4 address or CIDR block: an octet has a leading zero, which some read as octal (\`010\` is 8 to them, 10 to others); write it without (\`10.0.0.0/8\`)`;
      return `\`${v}\` is not an IPv4 or IPv6 address or CIDR block`;
    case 'BinaryEquals':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 ? undefined : `\`${v}\` is not base64 (\`BinaryEquals\` compares base64 values)`;
    default:
      return undefined;
  }
}

function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `\`${v.length > 60 ? v.slice(0, 60) + '…' : v}\``;
  return `\`${String(v)}\``;
}

function stmtPath(raw: unknown, index: number, key: string): string {
  return Array.isArray(raw) ? childPath(childPath('Statement', index), key) : childPath('Statement', key);
}

function firstDisallowedChar(text: string): { code: number; line: number; column: number } | undefined {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    // By code point: a character outside the BMP (an emoji) is named as written, `U+1F600`, not by the first half of
    // its surrogate pair (`U+D83D`), which the author finds nowhere in what they wrote.
    const c = text.codePointAt(i) as number;
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === 0x09 || c === 0x0d || (c >= 0x20 && c <= 0xff)) continue;
    return { code: c, line, column: i - lineStart + 1 };
  }
  return undefined;
}

function disallowedMessage(code: number): string {
  return `character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in a policy document (only tab, newline, carriage return and U+0020–U+00FF)`;
}

/**
 * The JSON path of the first key or string of `v` holding the code point `code`, in document order (a key before its
 * value), else undefined: a refused character of an object-form document (as apply sends it, with no line to point
 * at) is named at its element, as every other refusal is (STYLE.md habit 2).
 */
function pathHolding(v: unknown, code: number, path: string): string | undefined {
  const holds = (s: string): boolean => s.includes(String.fromCodePoint(code));
  if (typeof v === 'string') return holds(v) ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = pathHolding(v[i], code, childPath(path, i));
      if (p !== undefined) return p;
    }
  } else if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) {
      const p = childPath(path, k);
      if (holds(k)) return p;
      const q = pathHolding((v as Record<string, unknown>)[k], code, p);
      if (q !== undefined) return q;
    }
  }
  return undefined;
}

/** A policy's size as IAM counts it against its quotas: every character but space, tab, LF and CR. */
export function countNonWhitespace(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
  }
  return n;
}

/** How deep a document may nest, as the text form's reader allows (src/core/iam/json.ts `MAX_DEPTH`). */
const MAX_NESTING = 64;

/** The path of the first value nested deeper than `MAX_NESTING` in a document given as an object, else undefined. */
function tooDeep(v: unknown, path: string, depth: number): string | undefined {
  if (depth > MAX_NESTING) return path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = tooDeep(v[i], childPath(path, i), depth + 1);
      if (p !== undefined) return p;
    }
  } else if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) {
      const p = tooDeep((v as Record<string, unknown>)[k], childPath(path, k), depth + 1);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

function safeStringify(v: unknown): string | undefined {
  try {
    const s = JSON.stringify(v);
    return typeof s === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}
