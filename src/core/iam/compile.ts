/**
 * The compiled form of a policy: statements indexed by action service prefix (so a decision looks only at
 * statements that can apply), matchers prebuilt, principals turned into lookup sets.
 */
import { compileCondition, type CompiledCondition } from './conditions.ts';
import { globMatcher, resolvedResourceMatcher, resourceMatcher, type Matcher } from './glob.ts';
import { PRINCIPAL_ID_RE, type Dialect, type Effect, type PolicyDocument, type PolicyType, type PolicyVersion, type PrincipalSpec, type Statement, type StatementRef } from './types.ts';
import { MatcherCache, parseTemplate, RESOLVED_RESOURCES, resolvedCache, replaceVariables, resolveTemplate, templateKeys, unresolvedVariable, type KeyLookup, type Template } from './variables.ts';
import { otherDialectActions } from './ram-actions.ts';

/** How a resource-policy statement names the caller, weakest to strongest (docs/semantics.md). */
export type PrincipalMatch = 0 | 1 | 2 | 3 | 4;
export const MATCH_NONE = 0;
export const MATCH_ACCOUNT = 1;
export const MATCH_EVERYONE = 2;
export const MATCH_ROLE = 3;
export const MATCH_DIRECT = 4;

export interface CompiledPrincipal {
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  /** Unique ids of users and roles (`PRINCIPAL_ID_RE`): matched against the principal's id, never its name. */
  readonly ids: ReadonlySet<string>;
  /** Service principal names, lowercased; `*` names every service (as everyone, but services only). */
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  /**
   * Role sessions named by ARN, as `sessionKey` keys them: `arn:aws:sts::A:assumed-role/R/S` and RAM's
   * `acs:ram::A:role/R/S` name one session, as `role/R` in either form names one role (review ax, 2). The ARNs are also
   * kept, as written, in `arns`.
   */
  readonly sessions: ReadonlySet<string>;
  /**
   * `users`, `roles` and `arns` lowercased, for Deny statements: the directory's user and role names are unique
   * whatever their case (`alice` and `Alice` cannot both exist, and a policy naming `user/Alice` is accepted for
   * `alice`), so a Deny naming one in another case still names it (fails closed; policy review C7). Allow statements
   * and NotPrincipal exemptions match the names exactly.
   */
  readonly folded: { readonly users: ReadonlySet<string>; readonly roles: ReadonlySet<string>; readonly arns: ReadonlySet<string>; readonly sessions: ReadonlySet<string> };
}

interface ResourcePattern {
  /**
   * The pattern as written, kept for Deny statements only (undefined on Allow ones, to keep the compiled form
   * small): a review covering many resources looks for those a deny names (`denyResourcePatterns`).
   */
  readonly text: string | undefined;
  readonly fixed: Matcher | undefined;
  readonly template: Template | undefined;
  readonly cache: MatcherCache<Matcher> | undefined;
}

export interface CompiledStatement {
  /** Position and Sid of the source statement (the parsed statement itself is not kept: memory). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly policy: string;
  readonly effect: Effect;
  readonly actions: readonly Matcher[];
  readonly notAction: boolean;
  readonly resources: readonly ResourcePattern[] | undefined;
  readonly notResource: boolean;
  /** Some resource pattern holds a policy variable (needs the key lookup). */
  readonly resourceVariables: boolean;
  readonly principal: CompiledPrincipal | undefined;
  readonly notPrincipal: CompiledPrincipal | undefined;
  readonly conditions: readonly CompiledCondition[];
  /** Statement references per policy type, built once so decisions do not allocate them. */
  readonly refs: Partial<Record<PolicyType, StatementRef>>;
}

export interface CompiledPolicy {
  readonly name: string;
  readonly dialect: Dialect;
  readonly version: PolicyVersion;
  readonly statements: readonly CompiledStatement[];
  /** Lowercased service prefix → statements whose `Action` names that service. */
  readonly byService: ReadonlyMap<string, readonly CompiledStatement[]>;
  /** Statements that may apply to any service (`*`, `NotAction`). */
  readonly anyService: readonly CompiledStatement[];
}

/** Canonical keys so that paths and ARN spellings of one account, user or role compare equal. */
export function userKey(account: string, name: string): string {
  return `${account}/${name}`;
}

const AWS_ARN_RE = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(root|user\/(?:.*\/)?([^/]+)|role\/(?:.*\/)?([^/]+)|assumed-role\/.+|federated-user\/.+)$/;
const RAM_ARN_RE = /^acs:ram::(\d{1,20}):(root|user\/(?:.*\/)?([^/]+)|role\/([^/]+)(\/.+)?)$/;
const AWS_SESSION_RE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const RAM_SESSION_RE = /^acs:ram::(\d{1,20}):role\/([^/]+)\/(.+)$/;
/**
 * OSS's spelling of a RAM role's session in a bucket policy's `Principal` (OSS bucket policy FAQ: "arn:sts::
 * {RoleOwnerUid}:assumed-role/{RoleName}/{RoleSessionName}"), with `*` as the session for every session of the role.
 */
export const OSS_SESSION_RE = /^arn:sts::(\d{1,20}):assumed-role\/([^/*?]+)\/(.+)$/;

/**
 * The one key of a role session's ARN in either dialect, `<account>/<role>/<session>`: an account's sessions carry
 * its partition's form (DESIGN.md), and a policy of the other dialect names them in its own (an `aws` bucket policy
 * can only write `arn:aws:sts::A:assumed-role/R/S` for a session of an `acs` account). Undefined for any other ARN.
 */
export function sessionKey(arn: string): string | undefined {
  const m = AWS_SESSION_RE.exec(arn) ?? RAM_SESSION_RE.exec(arn) ?? OSS_SESSION_RE.exec(arn);
  return m ? `${m[1] as string}/${m[2] as string}/${m[3] as string}` : undefined;
}

/**
 * The user or role a principal value names by ARN (any path, either partition's form), as `compilePrincipal`
 * matches it: by account and name. Undefined for anything else (accounts, sessions, services, ids).
 */
export function namedEntity(v: string): { readonly kind: 'user' | 'role'; readonly account: string; readonly name: string } | undefined {
  const a = AWS_ARN_RE.exec(v);
  if (a) {
    if (a[4] !== undefined) return { kind: 'user', account: a[2] as string, name: a[4] };
    if (a[5] !== undefined) return { kind: 'role', account: a[2] as string, name: a[5] };
    return undefined;
  }
  const r = RAM_ARN_RE.exec(v);
  if (r) {
    if (r[3] !== undefined) return { kind: 'user', account: r[1] as string, name: r[3] };
    if (r[4] !== undefined && r[5] === undefined) return { kind: 'role', account: r[1] as string, name: r[4] };
  }
  // OSS's `arn:sts::A:assumed-role/R/*`: every session of role R, as the role ARN names them.
  const o = OSS_SESSION_RE.exec(v);
  if (o && o[3] === '*') return { kind: 'role', account: o[1] as string, name: o[2] as string };
  return undefined;
}

function compilePrincipal(spec: PrincipalSpec): CompiledPrincipal {
  const accounts = new Set<string>();
  const users = new Set<string>();
  const roles = new Set<string>();
  const arns = new Set<string>();
  const ids = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const sessions = new Set<string>();
  let everyone = spec === '*';
  if (spec !== '*') {
    for (const v of [...(spec.AWS ?? []), ...(spec.RAM ?? [])]) {
      if (v === '*') {
        everyone = true;
        continue;
      }
      if (/^\d+$/.test(v)) {
        accounts.add(v);
        continue;
      }
      if (PRINCIPAL_ID_RE.test(v)) {
        ids.add(v);
        continue;
      }
      const a = AWS_ARN_RE.exec(v);
      if (a) {
        const acct = a[2] as string;
        if (a[3] === 'root') accounts.add(acct);
        else if (a[4] !== undefined) users.add(userKey(acct, a[4]));
        else if (a[5] !== undefined) roles.add(userKey(acct, a[5]));
        else arns.add(v);
        continue;
      }
      const r = RAM_ARN_RE.exec(v);
      if (r) {
        const acct = r[1] as string;
        if (r[2] === 'root') accounts.add(acct);
        else if (r[3] !== undefined) users.add(userKey(acct, r[3]));
        else if (r[5] !== undefined) arns.add(v);
        else if (r[4] !== undefined) roles.add(userKey(acct, r[4]));
        continue;
      }
      const o = OSS_SESSION_RE.exec(v);
      if (o && o[3] === '*') {
        roles.add(userKey(o[1] as string, o[2] as string));
        continue;
      }
      arns.add(v);
    }
    for (const v of arns) {
      const k = sessionKey(v);
      if (k !== undefined) sessions.add(k);
    }
    // S3's canonical user ID identifies an account (AWS's Principal page), and the S3 gateway answers an account's as the
    // account id itself (every Owner and CanonicalUser grantee): such a value names that account, as `{"AWS": "<id>"}`.
    // Another (AWS's 64 hex digits) names no account here. Dropped, a Deny on the owner's canonical ID never applied
    // (policy review fs, 3).
    for (const v of spec.CanonicalUser ?? []) if (/^\d+$/.test(v)) accounts.add(v);
    // `{"Service": "*"}` names services, not everyone: it is kept as `*` among the services, which only a service
    // principal is looked up in (policy review C5: it let every user and anonymous caller in).
    for (const s of spec.Service ?? []) services.add(s.toLowerCase());
    for (const f of spec.Federated ?? []) federated.add(f);
  }
  const fold = (set: ReadonlySet<string>): ReadonlySet<string> => new Set([...set].map((v) => v.toLowerCase()));
  return { everyone, accounts, users, roles, arns, ids, services, federated, sessions, folded: { users: fold(users), roles: fold(roles), arns: fold(arns), sessions: fold(sessions) } };
}

/** Where variables count in a resource pattern (reference §A.1.6): after the 5th colon of `arn:` ARNs, the 4th of `acs:` ones. */
export function resourcePart(r: string): number {
  const n = r.startsWith('arn:') ? 5 : r.startsWith('acs:') ? 4 : 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const c = r.indexOf(':', at);
    if (c < 0) return r.length;
    at = c + 1;
  }
  return at;
}

/**
 * An OSS pattern with its region and account made `*`: OSS bucket names are global, so `acs:oss:*:*:b/x`,
 * `acs:oss:cn-hangzhou:*:b/x` and `acs:oss:*:123456789012:b/x` name one object (src/app/resource-policies.ts
 * `resourcePolicyArn`). A Deny's `Resource` is read this way so that a request spelling the region or account
 * differently (a resource server that does not know the owner sends `*`) cannot step around it (policy review C9),
 * and so is an Allow's `NotResource`, the exception it carves out of a grant: kept as written, `Allow oss:*
 * NotResource acs:oss:cn-hangzhou:*:secret/*` granted `acs:oss:*:*:secret/x` (review ov, 4). An Allow's `Resource`
 * and a Deny's `NotResource` keep the pattern as written (fails closed: fewer grants, fewer exceptions to a deny).
 */
function ossAnyRegionAccount(r: string): string {
  const m = /^acs:oss:[^:]*:([^:]*):/.exec(r);
  if (!m) return r;
  const rest = r.slice(m[0].length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket === '') return r;
  // A pattern over several buckets keeps its account: `acs:oss:*:<account>:*` (or `my*`) means the buckets of that
  // account, and read with any account it would cover every account's buckets. Its region names nothing, as for one
  // bucket: `acs:oss:cn-hangzhou:*:secret-*` was stepped around by `acs:oss:*:*:secret-a/x` (review ov, 5).
  if (bucket.includes('*') || bucket.includes('?') || bucket.includes('${')) return `acs:oss:*:${m[1] as string}:${rest}`;
  return `acs:oss:*:*:${rest}`;
}

function compileResource(raw: string, variables: boolean, deny: boolean, notResource: boolean): ResourcePattern {
  const r = deny !== notResource ? ossAnyRegionAccount(raw) : raw;
  const template = variables ? parseTemplate(r, resourcePart(r)) : undefined;
  const text = deny ? r : undefined;
  // Resolved per request: held by this cache alone, never interned (review eb1).
  if (template) return { text, fixed: undefined, template, cache: resolvedCache(resolvedResourceMatcher, RESOLVED_RESOURCES, r) };
  return { text, fixed: resourceMatcher(r), template: undefined, cache: undefined };
}

/**
 * Whether a pattern matches `resource`: true, false, or undefined when none does and some pattern holds a variable
 * with no value. Such a pattern matches nothing (reference §A.1.6), but in `NotResource` it cannot say what it
 * excludes, so the caller does not let it grant (AWS: a variable it cannot resolve may invalidate the statement).
 */
export function resourceMatches(patterns: readonly ResourcePattern[], resource: string, lookup: KeyLookup): boolean | undefined {
  let unresolved = false;
  for (const p of patterns) {
    if (p.fixed) {
      if (p.fixed(resource)) return true;
      continue;
    }
    const resolved = resolveTemplate(p.template as Template, lookup);
    if (resolved === undefined) unresolved = true;
    else if ((p.cache as MatcherCache<Matcher>).get(resolved)(resource)) return true;
  }
  return unresolved ? undefined : false;
}

/** The first variable a pattern of `patterns` has no value for (`resourceMatches` answered undefined), as written. */
export function unresolvedResourceVariable(patterns: readonly ResourcePattern[], lookup: KeyLookup): string | undefined {
  for (const p of patterns) {
    if (p.template === undefined) continue;
    const v = unresolvedVariable(p.template, lookup);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** An IAM/RAM entity's ARN (pattern) in each dialect, and a workspace's, job's or cluster's. */
const IAM_PATTERN = /^arn:aws:iam::([^:]*):([a-z-]+)\/(?:([^*?]*)\/)?([^/]+)$/;
const RAM_PATTERN = /^acs:ram::([^:]*):([a-z-]+)\/([^/]+)$/;
const TRAINING_PATTERN = /^(arn:aws:training|acs:pai)::([^:]*):(.+)$/;

/**
 * The other dialect's spellings of a pattern naming an IAM/RAM entity, account root, workspace, job or cluster, as
 * src/app/principals.ts `otherDialectIamArn` and `otherTrainingArn` spell a request's ARN: RAM has no paths, so AWS's
 * path is dropped, and RAM's name stands for the entity at any path of AWS's (`role/x`, and `role/<path>/x` through a
 * `*` path). Read into an Allow's `NotResource`, the exception a grant carves out: decisions are taken on the entity's
 * canonical ARN in its account's dialect, so `Allow * NotResource arn:aws:iam::A:role/admin` left
 * `acs:ram::A:role/admin` granted in an `acs` account (review ov, 6). A path holding a wildcard has no RAM spelling.
 */
function otherDialectPatterns(r: string): string[] {
  const t = TRAINING_PATTERN.exec(r);
  if (t !== null) return [`${t[1] === 'acs:pai' ? 'arn:aws:training' : 'acs:pai'}::${t[2] as string}:${t[3] as string}`];
  const root = /^(?:arn:aws:iam|acs:ram)::([^:]*):root$/.exec(r);
  if (root !== null) return [r.startsWith('acs:') ? `arn:aws:iam::${root[1] as string}:root` : `acs:ram::${root[1] as string}:root`];
  const ram = RAM_PATTERN.exec(r);
  if (ram !== null) {
    const [account, type, name] = [ram[1] as string, ram[2] as string, ram[3] as string];
    return [`arn:aws:iam::${account}:${type}/${name}`, `arn:aws:iam::${account}:${type}/*/${name}`];
  }
  const iam = IAM_PATTERN.exec(r);
  if (iam !== null) return [`acs:ram::${iam[1] as string}:${iam[2] as string}/${iam[4] as string}`];
  // Any other pattern over IAM's or RAM's resources (`arn:aws:iam::*:*`, `acs:ram::A:*`): the same text in the other.
  const any = /^(?:arn:aws:iam|acs:ram)::([^:]*):([^/]*)$/.exec(r);
  return any === null ? [] : [`${r.startsWith('acs:') ? 'arn:aws:iam' : 'acs:ram'}::${any[1] as string}:${any[2] as string}`];
}

function compileStatement(st: Statement, policy: string, variables: boolean): CompiledStatement {
  // An Allow's `NotAction`, the actions a grant leaves out, leaves out their other dialect's names too (review ov, 7).
  const actionList = st.effect === 'Allow' && st.notAction !== undefined ? st.notAction.flatMap((a) => [a, ...otherDialectActions(a)]) : (st.action ?? st.notAction ?? []);
  const written = st.resource ?? st.notResource;
  // An Allow's exceptions hold in either dialect's spelling (review ov, 4 for OSS's: `ossAnyRegionAccount`).
  const resourceList = st.effect === 'Allow' && st.notResource !== undefined ? st.notResource.flatMap((r) => [r, ...otherDialectPatterns(r)]) : written;
  const resources = resourceList?.map((r) => compileResource(r, variables, st.effect === 'Deny', st.notResource !== undefined));
  return {
    index: st.index,
    sid: st.sid,
    policy,
    effect: st.effect,
    actions: actionList.map((a) => globMatcher(a, true)),
    notAction: st.notAction !== undefined,
    resources,
    notResource: st.notResource !== undefined,
    resourceVariables: resources?.some((r) => r.template !== undefined) ?? false,
    principal: st.principal !== undefined ? compilePrincipal(st.principal) : undefined,
    notPrincipal: st.notPrincipal !== undefined ? compilePrincipal(st.notPrincipal) : undefined,
    conditions: st.conditions.map((c) => compileCondition(c, variables)),
    refs: {},
  };
}

export function statementRef(s: CompiledStatement, type: PolicyType): StatementRef {
  let ref = s.refs[type];
  if (ref === undefined) {
    const base = { policy: s.policy, type, index: s.index, sid: s.sid, effect: s.effect };
    // Built once per statement and type, as the reference itself: a decision allocates nothing for it.
    ref = Object.freeze(s.conditions.length > 0 ? { ...base, conditions: Object.freeze(s.conditions.map((c) => `${c.entry.operator} ${c.entry.key}`)) } : base);
    (s.refs as Record<PolicyType, StatementRef>)[type] = ref;
  }
  return ref;
}

/** The operators whose values may hold policy variables (reference §A.1.6): String and Arn. */
const VARIABLE_OPERATORS = /^(String|Arn)/;

/**
 * The context keys a statement of `doc` reads, each as written, in order (repeats kept): the keys of the policy
 * variables of its `Resource`/`NotResource` (their resource part), then each condition's key followed by the keys of the
 * variables in its values. Variables count under `Version: 2012-10-17` only, as the engine reads them; the escapes
 * `${*}`, `${?}`, `${$}` read no key. Without `withDefaults`, a variable with a default (`${k, 'x'}`) is left out: it
 * needs no value.
 */
export function statementKeys(doc: PolicyDocument, st: Statement, withDefaults = true): string[] {
  const variables = doc.version === '2012-10-17';
  const out: string[] = [];
  if (variables) for (const r of st.resource ?? st.notResource ?? []) out.push(...templateKeys(r, resourcePart(r), withDefaults));
  for (const c of st.conditions) {
    out.push(c.key);
    if (variables && VARIABLE_OPERATORS.test(c.base)) for (const v of c.values) out.push(...templateKeys(v, 0, withDefaults));
  }
  return out;
}

/**
 * Every context key a document reads (`statementKeys`), each as first written and once whatever its case, in the order
 * written: what GetContextKeysFor…Policy answer (review hn, 1).
 */
export function referencedKeys(doc: PolicyDocument, seen: Map<string, string> = new Map()): Map<string, string> {
  for (const st of doc.statements) for (const k of statementKeys(doc, st)) if (!seen.has(k.toLowerCase())) seen.set(k.toLowerCase(), k);
  return seen;
}

/**
 * `doc` with each variable of its `Resource` patterns that `absent` says has no value (and that has no default) made a
 * `*`: a statement that applies to a resource once those keys are given applies to it so. What a simulation asks to tell
 * the keys a statement waits on (review hn, 3). Other documents, and a `NotResource`, are left as they are.
 */
export function withUnresolvedResourcesOpen(doc: PolicyDocument, absent: (key: string) => boolean): PolicyDocument {
  if (doc.version !== '2012-10-17') return doc;
  const open = (r: string): string => replaceVariables(r, resourcePart(r), (key, fallback) => (fallback === undefined && absent(key) ? '*' : undefined));
  return { ...doc, statements: doc.statements.map((st) => (st.resource === undefined ? st : { ...st, resource: st.resource.map(open) })) };
}

export function compilePolicy(doc: PolicyDocument, name: string): CompiledPolicy {
  const variables = doc.version === '2012-10-17';
  const statements = doc.statements.map((st) => compileStatement(st, name, variables));
  const byService = new Map<string, CompiledStatement[]>();
  const anyService: CompiledStatement[] = [];
  for (const [i, cs] of statements.entries()) {
    const list = (doc.statements[i] as Statement).action;
    if (cs.notAction || !list || list.some((a) => a === '*' || !a.includes(':') || /[*?]/.test(a.slice(0, a.indexOf(':'))))) {
      anyService.push(cs);
      continue;
    }
    const services = new Set(list.map((a) => a.slice(0, a.indexOf(':')).toLowerCase()));
    for (const svc of services) {
      let bucket = byService.get(svc);
      if (!bucket) byService.set(svc, (bucket = []));
      bucket.push(cs);
    }
  }
  return { name, dialect: doc.dialect, version: doc.version, statements, byService, anyService };
}
