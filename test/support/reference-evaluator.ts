/**
 * A deliberately naive reference evaluator for the IAM engine, written line by line from docs/semantics.md
 * (itself from shared/reference/policy-semantics.md §A.1–A.2). It works on parsed `PolicyDocument`s, with no
 * indexing, no precompiled regular expressions and no caching: plain loops and one recursive glob matcher, so
 * that it can be read against the document. The property tests compare the compiled engine with it.
 *
 * Scope: what test/support/policy-arbitraries.ts generates. Policy variables, `Date*`, `Binary*`
 * operators, principal-derived condition keys, service and web-identity principals are not modelled; a
 * condition operator outside the modelled set throws, so a generator change cannot silently test nothing.
 */
import type {
  AuthzRequest,
  ConditionEntry,
  Context,
  DecisionValue,
  PolicyDocument,
  Principal,
  PrincipalSpec,
  Statement,
} from '../../src/core/iam/index.ts';

export interface ReferencePolicySet {
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
  readonly session?: readonly PolicyDocument[];
  readonly resource?: readonly PolicyDocument[];
  readonly trust?: PolicyDocument;
}

// ---------------------------------------------------------------------------------------------------------
// Glob matching

/** One pattern element: a literal character, `*` (any run) or `?` (one character). */
interface GlobToken {
  readonly kind: 'lit' | 'star' | 'one';
  readonly ch: string;
  /** For `*` and `?`: whether the wildcard may match a `:`. */
  readonly crossesColon: boolean;
}

function matchTokens(tokens: readonly GlobToken[], ti: number, text: string, si: number, ignoreCase: boolean): boolean {
  if (ti === tokens.length) return si === text.length;
  const t = tokens[ti]!;
  if (t.kind === 'star') {
    // Try every length for the run, shortest first.
    for (let end = si; end <= text.length; end++) {
      if (matchTokens(tokens, ti + 1, text, end, ignoreCase)) return true;
      if (end < text.length && text[end] === ':' && !t.crossesColon) return false;
    }
    return false;
  }
  if (si === text.length) return false;
  const c = text[si]!;
  if (t.kind === 'one') {
    if (c === ':' && !t.crossesColon) return false;
    return matchTokens(tokens, ti + 1, text, si + 1, ignoreCase);
  }
  const same = ignoreCase ? t.ch.toLowerCase() === c.toLowerCase() : t.ch === c;
  return same && matchTokens(tokens, ti + 1, text, si + 1, ignoreCase);
}

/** Whole-string glob: `*` any run, `?` one character, both crossing every character. */
export function globMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const tokens: GlobToken[] = [];
  for (const ch of pattern) {
    if (ch === '*') tokens.push({ kind: 'star', ch, crossesColon: true });
    else if (ch === '?') tokens.push({ kind: 'one', ch, crossesColon: true });
    else tokens.push({ kind: 'lit', ch, crossesColon: false });
  }
  return matchTokens(tokens, 0, text, 0, ignoreCase);
}

/** Number of segments of an ARN pattern by its prefix, or 0 for a non-ARN. */
function arnSegmentCount(s: string): number {
  if (s.startsWith('arn:')) return 6;
  if (s.startsWith('acs:')) return 5;
  return 0;
}

/**
 * Resource glob (semantics.md "Matching"): case-sensitive; in a segment other than the last (the resource part,
 * which keeps its colons), `*` and `?` do not match `:` — except a `*` that is the segment's last character,
 * which may expand beyond the colon boundary. In the resource part `*` and `?` match anything. A pattern that
 * is not an ARN matches by whole-string glob.
 */
export function resourceMatch(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const segments = arnSegmentCount(pattern);
  if (segments === 0) return globMatch(pattern, resource, false);
  const tokens: GlobToken[] = [];
  let segment = 0; // index of the segment the current character belongs to
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const inLast = segment === segments - 1;
    if (ch === ':' && !inLast) {
      tokens.push({ kind: 'lit', ch, crossesColon: false });
      segment++;
    } else if (ch === '*') {
      const lastOfSegment = i === pattern.length - 1 || pattern[i + 1] === ':';
      tokens.push({ kind: 'star', ch, crossesColon: inLast || lastOfSegment });
    } else if (ch === '?') {
      tokens.push({ kind: 'one', ch, crossesColon: inLast });
    } else {
      tokens.push({ kind: 'lit', ch, crossesColon: false });
    }
  }
  return matchTokens(tokens, 0, resource, 0, false);
}

/**
 * `ArnEquals`/`ArnLike` (semantics.md "Matching"): value and pattern each cut into the value's six components (five for
 * `acs:`), the last keeping its colons, and compared component by component, case-sensitively; a value or pattern
 * without all of them matches nothing. `*` alone matches every value.
 */
export function arnMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const n = arnSegmentCount(value);
  if (n === 0) return false;
  const components = (s: string): string[] | undefined => {
    const parts = s.split(':');
    return parts.length < n ? undefined : [...parts.slice(0, n - 1), parts.slice(n - 1).join(':')];
  };
  const p = components(pattern);
  const v = components(value);
  if (p === undefined || v === undefined) return false;
  for (let i = 0; i < n; i++) if (!globMatch(p[i]!, v[i]!, false)) return false;
  return true;
}

/** Action: `service:Name`, case-insensitive, `*` and `?` anywhere. */
export function actionMatch(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

// ---------------------------------------------------------------------------------------------------------
// Principals

/** How a `Principal` entry matched the caller, strongest first (semantics.md "Decision" 3). */
export type PrincipalForm = 'direct' | 'role' | 'everyone' | 'account';

function accountOfRootArn(value: string): string | undefined {
  const aws = /^arn:aws:iam::(\d{12}):root$/.exec(value);
  if (aws) return aws[1];
  const acs = /^acs:ram::(\d{12}):root$/.exec(value);
  if (acs) return acs[1];
  return undefined;
}

/**
 * Every form by which `spec` names the caller (empty: it does not). `fold`: user and role ARNs compared whatever their
 * case, as a Deny statement's principals are (semantics.md "Matching", policy review C7).
 */
export function principalForms(spec: PrincipalSpec, p: Principal, fold = false): PrincipalForm[] {
  // A user or role ARN names its entity by account and name, whatever path it writes (semantics.md "Matching").
  const pathless = (a: string): string => a.replace(/^(arn:aws:iam::\d{12}:(?:user|role)\/)(?:.*\/)?([^/]+)$/, '$1$2');
  const same = (a: string, b: string): boolean => {
    const x = pathless(a);
    const y = pathless(b);
    return x === y || (fold && x.toLowerCase() === y.toLowerCase());
  };
  const forms: PrincipalForm[] = [];
  if (spec === '*') {
    forms.push('everyone');
    return forms;
  }
  const arnValues = [...(spec.AWS ?? []), ...(spec.RAM ?? [])];
  for (const v of arnValues) {
    if (v === '*') {
      forms.push('everyone');
      continue;
    }
    // Account id ≡ arn:aws:iam::A:root ≡ acs:ram::A:root: delegates to the account.
    const account = /^\d{12}$/.test(v) ? v : accountOfRootArn(v);
    if (account !== undefined) {
      if (p.account !== '' && account === p.account) forms.push('account');
      continue;
    }
    if (p.kind !== 'root' && p.kind !== 'anonymous' && same(v, p.arn)) forms.push('direct');
    if (p.kind === 'role-session' && p.roleArn !== undefined && same(v, p.roleArn)) forms.push('role');
  }
  for (const v of spec.Service ?? []) {
    if (p.kind === 'service' && v.toLowerCase() === p.arn.toLowerCase()) forms.push('direct');
  }
  for (const v of spec.Federated ?? []) {
    if (p.kind === 'web-identity' && p.provider !== undefined && v === p.provider) forms.push('direct');
  }
  return forms;
}

// ---------------------------------------------------------------------------------------------------------
// Conditions

/**
 * Values of a key: keys are case-insensitive; `acs:X` falls back to `aws:X` and vice versa, but for `acs:AccessId`,
 * which AWS has no counterpart of (docs/semantics.md, review do, 1).
 */
function lookup(context: Context | undefined, key: string): readonly string[] | undefined {
  if (context === undefined) return undefined;
  const k = key.toLowerCase();
  const direct = context.get(k);
  if (direct !== undefined) return direct;
  if (k.slice(4) === 'accessid') return undefined;
  if (k.startsWith('acs:')) return context.get('aws:' + k.slice(4));
  if (k.startsWith('aws:')) return context.get('acs:' + k.slice(4));
  return undefined;
}

function parseDecimal(s: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return undefined;
  return Number(s);
}

function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

function ipInCidr(ip: number, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  const base = parseIpv4(slash < 0 ? cidr : cidr.slice(0, slash));
  const bits = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
  if (base === undefined) throw new Error(`reference: bad CIDR ${cidr}`);
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(base / size);
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike']);

/**
 * Does one request value satisfy the operator against the policy values? `undefined` when the value does not
 * parse for the operator (unknown: see `conditionEntryTruth`). For a negated operator "satisfies"
 * means: matches none of the policy values (NOR).
 */
function valueSatisfies(base: string, requestValue: string, policyValues: readonly string[]): boolean | undefined {
  let matchesOne: (v: string) => boolean;
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      matchesOne = (v) => v === requestValue;
      break;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      matchesOne = (v) => v.toLowerCase() === requestValue.toLowerCase();
      break;
    case 'StringLike':
    case 'StringNotLike':
      matchesOne = (v) => globMatch(v, requestValue, false);
      break;
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      matchesOne = (v) => arnMatch(v, requestValue);
      break;
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals': {
      const r = parseDecimal(requestValue);
      if (r === undefined) return undefined;
      matchesOne = (v) => {
        const p = parseDecimal(v);
        if (p === undefined) throw new Error(`reference: bad numeric policy value ${v}`);
        if (base === 'NumericEquals' || base === 'NumericNotEquals') return r === p;
        if (base === 'NumericLessThan') return r < p;
        if (base === 'NumericLessThanEquals') return r <= p;
        if (base === 'NumericGreaterThan') return r > p;
        return r >= p;
      };
      break;
    }
    case 'Bool':
      if (requestValue !== 'true' && requestValue !== 'false') return undefined;
      matchesOne = (v) => v === requestValue;
      break;
    case 'IpAddress':
    case 'NotIpAddress': {
      const ip = parseIpv4(requestValue);
      if (ip === undefined) return undefined;
      matchesOne = (v) => ipInCidr(ip, v);
      break;
    }
    default:
      throw new Error(`reference: operator ${base} is not modelled`);
  }
  let any = false;
  for (const v of policyValues) if (matchesOne(v)) any = true;
  return NEGATED.has(base) ? !any : any;
}

/**
 * One condition entry (operator, key, values) against the request context, in three values: `undefined` when it
 * is neither true nor false because a request value does not parse for the operator and no other value decides
 * (semantics.md: an evaluation error, which fails closed: a Deny applies, an Allow does not).
 */
export function conditionEntryTruth(entry: ConditionEntry, context: Context | undefined): boolean | undefined {
  const requestValues = lookup(context, entry.key);
  if (entry.base === 'Null') {
    // Null: "true" ⇔ the key is absent, "false" ⇔ present; values OR.
    for (const v of entry.values) {
      if (v === 'true' && requestValues === undefined) return true;
      if (v === 'false' && requestValues !== undefined) return true;
    }
    return false;
  }
  const negated = NEGATED.has(entry.base);
  if (requestValues === undefined) {
    if (entry.qualifier === 'ForAllValues') return true;
    if (entry.qualifier === 'ForAnyValue') return false;
    if (entry.ifExists) return true;
    return negated;
  }
  // Every value: a false one decides false; else an unreadable one leaves it unknown.
  const every = (): boolean | undefined => {
    let unknown = false;
    for (const r of requestValues) {
      const t = valueSatisfies(entry.base, r, entry.values);
      if (t === false) return false;
      if (t === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  };
  // Some value: a true one decides true; else an unreadable one leaves it unknown.
  const some = (): boolean | undefined => {
    let unknown = false;
    for (const r of requestValues) {
      const t = valueSatisfies(entry.base, r, entry.values);
      if (t === true) return true;
      if (t === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
  if (entry.qualifier === 'ForAllValues') return every();
  if (entry.qualifier === 'ForAnyValue') return some();
  // Plain operator (choice): positive — some request value satisfies it; negated — no request value matches
  // any policy value.
  return negated ? every() : some();
}

/** The entry holds (true, not unknown). */
export function conditionEntryHolds(entry: ConditionEntry, context: Context | undefined): boolean {
  return conditionEntryTruth(entry, context) === true;
}

// ---------------------------------------------------------------------------------------------------------
// Statements

/** Action, resource and conditions match (the principal is checked separately). */
/**
 * A Deny's OSS `Resource`, and an Allow's OSS `NotResource` (review ov, 4), naming one bucket, with region and account
 * `*` (bucket names are global: semantics.md "Matching", policy review C9); a pattern over several buckets keeps its
 * account, with region `*` (review ov, 5).
 */
function ossOneBucketAnyAccount(r: string): string {
  const m = /^acs:oss:[^:]*:([^:]*):([^/]*)(.*)$/.exec(r);
  if (!m) return r;
  const bucket = m[2] as string;
  if (bucket === '') return r;
  // Several buckets keep their account, never their region (review ov, 5).
  return /[*?]|\$\{/.test(bucket) ? `acs:oss:*:${m[1] as string}:${bucket}${m[3] as string}` : `acs:oss:*:*:${bucket}${m[3] as string}`;
}

/** A pattern's spellings in the other dialect (semantics.md, "Roles as resources"; review ov, 6), written plainly. */
function otherDialectSpellings(r: string): string[] {
  const parts = r.split(':');
  if (parts.length !== 6 && parts.length !== 5) return [];
  if (r.startsWith('arn:aws:training::')) return [`acs:pai::${parts.slice(4).join(':')}`];
  if (r.startsWith('acs:pai::')) return [`arn:aws:training::${parts.slice(3).join(':')}`];
  if (r.startsWith('arn:aws:iam::') && parts.length === 6) {
    const [account, rest] = [parts[4] as string, parts[5] as string];
    const segs = rest.split('/');
    if (segs.length < 2) return [`acs:ram::${account}:${rest}`];
    const path = segs.slice(1, -1).join('/');
    if (/[*?]/.test(path) || !/^[a-z-]+$/.test(segs[0] as string) || segs[segs.length - 1] === '') return [];
    return [`acs:ram::${account}:${segs[0] as string}/${segs[segs.length - 1] as string}`];
  }
  if (r.startsWith('acs:ram::') && parts.length === 5) {
    const [account, rest] = [parts[3] as string, parts[4] as string];
    const segs = rest.split('/');
    if (segs.length < 2) return [`arn:aws:iam::${account}:${rest}`];
    if (segs.length !== 2 || !/^[a-z-]+$/.test(segs[0] as string) || segs[1] === '') return [];
    return [`arn:aws:iam::${account}:${rest}`, `arn:aws:iam::${account}:${segs[0] as string}/*/${segs[1] as string}`];
  }
  return [];
}

function statementApplies(s: Statement, req: AuthzRequest): boolean {
  if (s.action !== undefined) {
    let any = false;
    for (const a of s.action) if (actionMatch(a, req.action)) any = true;
    if (!any) return false;
  }
  if (s.notAction !== undefined) {
    // An Allow leaves out an IAM/RAM action in both services' names (review ov, 7; RAM's own names aside).
    const twin = (a: string): string[] => (/^iam:/i.test(a) ? [`ram:${a.slice(4)}`] : /^ram:/i.test(a) ? [`iam:${a.slice(4)}`] : []);
    for (const a of s.notAction) if ([a, ...(s.effect === 'Allow' ? twin(a) : [])].some((x) => actionMatch(x, req.action))) return false;
  }
  if (s.resource !== undefined) {
    let any = false;
    for (const r of s.resource) if (resourceMatch(s.effect === 'Deny' ? ossOneBucketAnyAccount(r) : r, req.resource)) any = true;
    if (!any) return false;
  }
  if (s.notResource !== undefined) {
    for (const r of s.notResource) {
      // An Allow's exception holds in every spelling: OSS's region and account (review ov, 4), the other dialect's (ov, 6).
      const spellings = s.effect === 'Allow' ? [ossOneBucketAnyAccount(r), ...otherDialectSpellings(r)] : [r];
      if (spellings.some((x) => resourceMatch(x, req.resource))) return false;
    }
  }
  for (const c of s.conditions) {
    const t = conditionEntryTruth(c, req.context);
    // Unknown fails closed: it stands in a Deny and fails an Allow.
    if (t === false || (t === undefined && s.effect !== 'Deny')) return false;
  }
  return true;
}

/** For identity-side policies: does some Allow statement match? */
function someAllow(docs: readonly PolicyDocument[], req: AuthzRequest): boolean {
  for (const d of docs) for (const s of d.statements) if (s.effect === 'Allow' && statementApplies(s, req)) return true;
  return false;
}

/** For resource and trust policies: the forms by which matching Allow statements name the caller. */
function allowForms(docs: readonly PolicyDocument[], req: AuthzRequest): Set<PrincipalForm> {
  const forms = new Set<PrincipalForm>();
  for (const d of docs) {
    for (const s of d.statements) {
      if (s.effect !== 'Allow' || s.principal === undefined) continue;
      if (!statementApplies(s, req)) continue;
      for (const f of principalForms(s.principal, req.principal)) forms.add(f);
    }
  }
  return forms;
}

function denies(s: Statement, req: AuthzRequest, hasBoundary: boolean): boolean {
  if (s.effect !== 'Deny' || !statementApplies(s, req)) return false;
  if (s.principal !== undefined && principalForms(s.principal, req.principal, true).length === 0) return false;
  // NotPrincipal: only naming the caller itself (`direct`) or everyone exempts it — an account or role ARN does
  // not exempt the users and sessions under it, though the account names its own root user — and a caller with a
  // permissions boundary is never exempt.
  if (s.notPrincipal !== undefined && !hasBoundary) {
    const forms = principalForms(s.notPrincipal, req.principal);
    if (forms.includes('direct') || forms.includes('everyone') || (forms.includes('account') && req.principal.kind === 'root')) return false;
  }
  return true;
}

/** Resource account (semantics.md "Decision" 8). */
function resourceAccountOf(req: AuthzRequest): string {
  if (req.resourceAccount !== undefined) return req.resourceAccount;
  const segments = arnSegmentCount(req.resource);
  if (segments > 0) {
    const account = req.resource.split(':')[segments - 2] ?? '';
    if (account !== '') return account;
  }
  return req.principal.account;
}

// ---------------------------------------------------------------------------------------------------------
// Decision (semantics.md "Decision" 1–9)

export function referenceDecide(req: AuthzRequest, set: ReferencePolicySet): DecisionValue {
  const p = req.principal;
  const session = set.session ?? [];
  const resource = set.resource ?? [];

  // 1. Any matching Deny anywhere.
  const all: PolicyDocument[] = [...set.identity, ...session, ...resource];
  if (set.boundary !== undefined) all.push(set.boundary);
  if (set.trust !== undefined) all.push(set.trust);
  for (const d of all) for (const s of d.statements) if (denies(s, req, set.boundary !== undefined)) return 'ExplicitDeny';

  // 9. Anonymous: only a resource-policy Allow naming `*` grants.
  if (p.kind === 'anonymous') return allowForms(resource, req).has('everyone') ? 'Allow' : 'ImplicitDeny';

  const sameAccount = resourceAccountOf(req) === p.account;
  const isRoot = p.kind === 'root';

  // 2. Identity path. The root user's own account side always allows, cross-account too.
  const identityAllows = isRoot || someAllow(set.identity, req);
  const boundaryPasses = isRoot || set.boundary === undefined || someAllow([set.boundary], req);
  let sessionPasses: boolean;
  if (isRoot) sessionPasses = true;
  else if (session.length === 0) sessionPasses = p.kind !== 'federated-user';
  else sessionPasses = someAllow(session, req);
  const identityPath = identityAllows && boundaryPasses && sessionPasses;

  // 7. Trust mode. The root user cannot assume roles.
  if (set.trust !== undefined) {
    // Nor can a federated user (GetFederationToken's credentials call no STS operation but GetCallerIdentity; fs, 4).
    if (isRoot || p.kind === 'federated-user') return 'ImplicitDeny';
    const trustForms = allowForms([set.trust], req);
    if (trustForms.size === 0) return 'ImplicitDeny';
    if (p.partition === 'aws' && sameAccount && (trustForms.has('direct') || trustForms.has('role'))) {
      if (!boundaryPasses) return 'ImplicitDeny';
      // Naming the role (not the session) applies the caller's session policies (docs/semantics.md rule 7).
      if (!trustForms.has('direct') && !sessionPasses) return 'ImplicitDeny';
      return 'Allow';
    }
    return identityPath ? 'Allow' : 'ImplicitDeny';
  }

  // A user's session (GetSessionToken) calls no IAM (RAM) operation but lets PassRole be asked, and of STS only
  // AssumeRole, GetCallerIdentity and what an AssumeRole asks with it; a federated user no IAM operation, of STS
  // GetCallerIdentity alone (IAM User Guide, "Permissions for GetSessionToken"; review pc, 2).
  const a = req.action.toLowerCase();
  if ((p.kind === 'user' && p.session !== undefined) || p.kind === 'federated-user') {
    if ((a.startsWith('iam:') || a.startsWith('ram:')) && a.slice(4) !== 'passrole') return 'ImplicitDeny';
    const sts = p.kind === 'federated-user' ? ['sts:getcalleridentity'] : ['sts:assumerole', 'sts:getcalleridentity', 'sts:tagsession', 'sts:setsourceidentity', 'sts:setcontext'];
    if (a.startsWith('sts:') && !sts.includes(a)) return 'ImplicitDeny';
  }

  const forms = allowForms(resource, req);

  // 6. acs partition: session check, then identity ∨ resource in one account; across accounts, for object storage (an
  // OSS or S3 bucket or object), the caller's RAM policies grant nothing alone (OSS "Authentication" step 3), a
  // resource grant naming the caller does. Another account's resource of any other kind needs both sides, as in AWS
  // (step 5; review ss, 2).
  const objectStorage = /^(?:acs:oss:|arn:[a-z][a-z0-9-]*:s3:::)/.test(req.resource);
  if (p.partition === 'acs' && (sameAccount || objectStorage)) {
    if (!sessionPasses) return 'ImplicitDeny';
    const identitySide = identityAllows && boundaryPasses;
    const resourceSide = forms.size > 0;
    // Naming only the account delegates: it grants nothing alone (review ck, 2), in one account or across two. A grant
    // to the role or to everyone is limited by the caller's permissions boundary; one naming the caller is not (fs, 2).
    const alone = forms.has('direct') || ((forms.has('role') || forms.has('everyone')) && boundaryPasses);
    const allowed = alone || (identitySide && (sameAccount || resourceSide));
    return allowed ? 'Allow' : 'ImplicitDeny';
  }

  // 5. Cross-account: a resource grant naming the caller in any way, and the identity path.
  if (!sameAccount) return forms.size > 0 && identityPath ? 'Allow' : 'ImplicitDeny';

  // 4. Same account.
  if (forms.has('direct')) return 'Allow';
  if ((forms.has('role') || forms.has('everyone')) && boundaryPasses && sessionPasses) return 'Allow';
  return identityPath ? 'Allow' : 'ImplicitDeny';
}
