/**
 * The decision (reference §A.1.2–A.1.3, §A.1.9, §A.2; the rules as implemented are in docs/semantics.md).
 * Pure: no I/O, no clock. Allocation per decision: the result object, the lookup closure when a statement
 * with conditions or variables is reached, and the matched list when something matches.
 */
import {
  MATCH_ACCOUNT,
  MATCH_DIRECT,
  MATCH_EVERYONE,
  MATCH_NONE,
  MATCH_ROLE,
  resourceMatches,
  sessionKey,
  unresolvedResourceVariable,
  statementRef,
  userKey,
  type CompiledPolicy,
  type CompiledPrincipal,
  type CompiledStatement,
  type PrincipalMatch,
} from './compile.ts';
import { evaluateCondition, otherProviderSpelling, type CompiledCondition, type ConditionMiss } from './conditions.ts';
import { keyLookup } from './principal.ts';
import { addSteps } from './work.ts';
import type { AuthzRequest, ConditionFailure, Decision, PolicySet, PolicyType, Principal, StatementRef } from './types.ts';
import type { KeyLookup, PrefixLookup } from './variables.ts';

export interface EvaluateOptions {
  readonly explain?: boolean;
  /**
   * Allow statements with a `Condition` block do not apply, whatever the context: the decision is what the principal
   * is allowed without any condition's help. Who-can asks it of each principal allowed, to tell a grant that holds only
   * under conditions from one that always holds (review dv, 1). Deny statements are decided as ever.
   */
  readonly unconditional?: boolean;
  /**
   * Deny statements with a `Condition` block apply as if their conditions held, whatever the context: the decision is
   * what the principal is allowed whatever a conditional Deny might take away. Who-can asks it of each principal
   * allowed, to tell a grant that a Deny can take away in another context (`NotIpAddress aws:SourceIp`: from outside
   * the office) from one no Deny touches (review du, 2). Allow statements are decided as ever.
   */
  readonly deniesHold?: boolean;
  /**
   * Allow statements with a `Condition` block apply as if their conditions held, whatever the context: the decision is
   * what the principal may be allowed when it meets them. Who-can asks it of the principals beyond the account that a
   * role's trust policy names (review fl, 3): an OIDC token's claims (`<issuer>:sub`) or an external id are the
   * caller's, never in a question's context. Deny statements are decided as ever; `unconditional` wins over it.
   */
  readonly allowsHold?: boolean;
}

/** Per-decision scratch state. */
interface Scan {
  readonly req: AuthzRequest;
  readonly action: string;
  readonly service: string;
  readonly explain: boolean;
  readonly unconditional: boolean;
  readonly deniesHold: boolean;
  readonly allowsHold: boolean;
  readonly hasBoundary: boolean;
  lookup: KeyLookup | undefined;
  /** `lookup` without `aws:userid`, for an Allow about a role asked by its ARN (`lookupFor`). */
  anyLookup: KeyLookup | undefined;
  /** `lookup` with `aws:userid` as `<RoleId>:` and any session name, for a Deny about such a role (`denyLookupFor`). */
  denyLookup: KeyLookup | undefined;
  /** The principal is a role asked about by its ARN (`Principal.anySession`): any session of it. */
  readonly anySession: boolean;
  matched: StatementRef[] | undefined;
  failures: ConditionFailure[] | undefined;
  /** Principal keys for resource-policy matching, computed on first need. */
  keys: PrincipalKeys | undefined;
  /**
   * A role session's `sessionKey`, whichever dialect its ARN is spelt in (undefined for any other principal); `null` until
   * first needed: only a statement naming sessions reads it, and its regular expressions cost a role's every decision.
   */
  session: string | undefined | null;
}

interface PrincipalKeys {
  readonly account: string;
  readonly user: string | undefined;
  readonly role: string | undefined;
  /** The unique id of the user, or of the role of a session (`aws:userid` up to its `:`). */
  readonly id: string | undefined;
  /** A federated user's IAM user (`userKey`): named, it matches as a role names its sessions (policy review fs, 1). */
  readonly federatedFrom: string | undefined;
}

/** Result of scanning one group of policies. */
const NOTHING = 0;
const ALLOW = 1;
const DENY = 2;

function lookupOf(s: Scan): KeyLookup {
  return (s.lookup ??= keyLookup(s.req));
}

/** `aws:userid` in either dialect's spelling, lowercased (as conditions and variables read keys). */
const USER_ID_KEYS: ReadonlySet<string> = new Set(['aws:userid', 'acs:userid']);

/**
 * The lookup of a statement: for an Allow about a role asked by its ARN, one in which `aws:userid` has no value. Such a
 * principal stands for any session of the role (`Principal.anySession`), and a session's `aws:userid` is
 * `<RoleId>:<session name>`, the name its assumer picks: read as the made-up `session`'s, an Allow of the per-session
 * folder `${aws:userid}/*`, or under `StringLike aws:userid "<RoleId>:session"`, answered the role Allow where every session
 * of another name is refused (review pd, 3). An Allow that reads it grants the role nothing (fails closed); a Deny reads
 * it as before (the session named `session` is one of the role's), and a condition on the key itself fails closed either
 * way (`applies`).
 */
function lookupFor(s: Scan, cs: CompiledStatement): KeyLookup {
  if (!s.anySession || cs.effect !== 'Allow') return lookupOf(s);
  return withoutUserId(s);
}

function withoutUserId(s: Scan): KeyLookup {
  if (s.anyLookup !== undefined) return s.anyLookup;
  const all = lookupOf(s);
  return (s.anyLookup = (key) => (USER_ID_KEYS.has(key) ? undefined : all(key)));
}

/**
 * The lookup of a Deny about a role asked by its ARN where it may apply to some session of the role (review pd, 4): in
 * what a Deny matches (its `Resource`, a positive operator's values), `${aws:userid}` stands for `<RoleId>:` and any
 * session name (`PrefixLookup`); where it narrows what it denies (`NotResource`, a negated operator's values), it has no
 * value, which makes that part hold (fails closed). Read as the made-up `session`'s, a Deny of the per-session folder
 * `homes/${aws:userid}/*` did not apply to the role on another session's folder, which that session is denied.
 */
function denyLookupFor(s: Scan, widens: boolean): KeyLookup {
  if (!widens) return withoutUserId(s);
  if (s.denyLookup !== undefined) return s.denyLookup;
  const all = lookupOf(s);
  const id = s.req.principal.userId;
  const prefix = id !== undefined && id.includes(':') ? [id.slice(0, id.indexOf(':') + 1)] : undefined;
  const lookup: PrefixLookup = Object.assign((key: string) => (USER_ID_KEYS.has(key) ? prefix : all(key)), { anyRest: USER_ID_KEYS });
  return (s.denyLookup = lookup);
}

/** A condition on `aws:userid` of a role asked about by its ARN: an error (fails closed), saying why. */
const anySessionMiss = (c: CompiledCondition): ConditionMiss => ({
  error: true,
  reason: `\`${c.entry.key}\` of a role asked about by its ARN has no one value: it stands for any session of the role, whose \`aws:userid\` is \`<RoleId>:<session name>\` with the name its assumer picks (ask about a session's ARN), so ${c.entry.operator} cannot be evaluated`,
});

function principalKeys(p: Principal): PrincipalKeys {
  let user: string | undefined;
  let role: string | undefined;
  let id: string | undefined;
  let federatedFrom: string | undefined;
  // A group's member not known (`Principal.anyMember`) is no user a statement can name.
  if (p.kind === 'user' && p.anyMember !== true) {
    user = userKey(p.account, p.arn.slice(p.arn.lastIndexOf('/') + 1));
    id = p.userId;
  }
  if (p.kind === 'role-session') {
    if (p.roleArn) role = userKey(p.account, p.roleArn.slice(p.roleArn.lastIndexOf('/') + 1));
    // A session's `aws:userid` is `ROLEID:session` (src/core/sts/session.ts `sessionPrincipal`).
    if (p.userId !== undefined) id = p.userId.slice(0, p.userId.includes(':') ? p.userId.indexOf(':') : p.userId.length);
  }
  // A federated user is matched by the IAM user that federated, and by that user's unique id, with the boundary and
  // the session policy applied (`MATCH_ROLE`; reference §A.1.2 table, "IAM user that federated").
  if (p.kind === 'federated-user' && p.federatedFrom !== undefined) {
    federatedFrom = userKey(p.account, p.federatedFrom.arn.slice(p.federatedFrom.arn.lastIndexOf('/') + 1));
    id = p.federatedFrom.id;
  }
  return { account: p.account, user, role, id, federatedFrom };
}

function sessionKeyOf(s: Scan): string | undefined {
  if (s.session === null) s.session = s.req.principal.kind === 'role-session' ? sessionKey(s.req.principal.arn) : undefined;
  return s.session;
}

/** Whether `federated` names the provider `arn`, in its spelling or the other dialect's. */
function namesProvider(federated: ReadonlySet<string>, arn: string): boolean {
  if (federated.size === 0) return false;
  if (federated.has(arn)) return true;
  const other = otherProviderSpelling(arn);
  return other !== undefined && federated.has(other);
}

/** `fold`: compare user and role names and ARNs whatever their case (Deny statements: `CompiledPrincipal.folded`). */
function matchPrincipal(cp: CompiledPrincipal, s: Scan, fold = false): PrincipalMatch {
  const p = s.req.principal;
  if (p.kind === 'service') return cp.services.has(p.arn) ? MATCH_DIRECT : cp.everyone || cp.services.has('*') ? MATCH_EVERYONE : MATCH_NONE;
  // `{"Federated": "*"}` names every identity provider, as `{"Service": "*"}` every service: kept as a provider named `*`,
  // a Deny with it applied to no token (review mv, 1).
  // The provider is named in either dialect's spelling (review rh, 2): in an `acs` account a trust policy written with
  // AWS's (`arn:aws:iam::A:oidc-provider/H`, as IRSA's documentation writes it) let no token in.
  if (p.kind === 'web-identity') return p.provider !== undefined && namesProvider(cp.federated, p.provider) ? MATCH_DIRECT : cp.everyone || cp.federated.has('*') ? MATCH_EVERYONE : MATCH_NONE;
  // A role asked about by its ARN stands for any session of it (`Principal.anySession`): a statement naming one session
  // (its made-up name, `session`, included) names it only to deny (`fold`: a Deny), failing closed (review nw, 1).
  const oneSession = p.anySession !== true || fold;
  // A folded set is looked in only when it holds names: most Deny statements name everyone (`*`), and lowercasing the
  // principal's ARN and keys for each of them cost every decision.
  const { folded } = cp;
  if (oneSession && (cp.arns.has(p.arn) || (fold && folded.arns.size > 0 && folded.arns.has(p.arn.toLowerCase())))) return MATCH_DIRECT;
  const k = (s.keys ??= principalKeys(p));
  if (oneSession && cp.sessions.size > 0) {
    const session = sessionKeyOf(s);
    if (session !== undefined && (cp.sessions.has(session) || (fold && folded.sessions.has(session.toLowerCase())))) return MATCH_DIRECT;
  }
  if (k.user !== undefined && (cp.users.has(k.user) || (fold && folded.users.size > 0 && folded.users.has(k.user.toLowerCase())))) return MATCH_DIRECT;
  if (k.role !== undefined && (cp.roles.has(k.role) || (fold && folded.roles.size > 0 && folded.roles.has(k.role.toLowerCase())))) return MATCH_ROLE;
  if (k.federatedFrom !== undefined && (cp.users.has(k.federatedFrom) || (fold && folded.users.size > 0 && folded.users.has(k.federatedFrom.toLowerCase())))) return MATCH_ROLE;
  if (k.id !== undefined && cp.ids.size > 0 && cp.ids.has(k.id)) return p.kind === 'user' ? MATCH_DIRECT : MATCH_ROLE;
  if (cp.everyone) return MATCH_EVERYONE;
  if (k.account !== '' && cp.accounts.has(k.account)) return MATCH_ACCOUNT;
  return MATCH_NONE;
}

/**
 * How `cp` names the principal's user or role (or the user that federated) in another case than its own only, as
 * `user/ALICE` for the user `alice`, or undefined: a write takes such a name (IAM names are unique whatever their case:
 * review Z3), but an Allow and a `NotPrincipal` exemption match names exactly (reference §A.1.5), so the decision says
 * why it does not grant or exempt (policy review qe, 2). For explanations only.
 */
function namedInOtherCase(cp: CompiledPrincipal, s: Scan): { readonly written: string; readonly own: string } | undefined {
  const k = (s.keys ??= principalKeys(s.req.principal));
  return writtenInOtherCase(k.user, 'user', cp.users, cp.folded.users) ?? writtenInOtherCase(k.role, 'role', cp.roles, cp.folded.roles) ?? writtenInOtherCase(k.federatedFrom, 'user', cp.users, cp.folded.users);
}

/**
 * How `set` writes `own` in another case, if it does. `folded` (`set` lowercased) answers first whether any entry does:
 * an Allow naming other principals, the common case, is told apart without lowercasing each of its names.
 */
function writtenInOtherCase(own: string | undefined, kind: string, set: ReadonlySet<string>, folded: ReadonlySet<string>): { readonly written: string; readonly own: string } | undefined {
  if (own === undefined || set.has(own)) return undefined;
  const lower = own.toLowerCase();
  if (!folded.has(lower)) return undefined;
  for (const w of set) if (w.toLowerCase() === lower) return { written: `${kind}/${w.slice(w.indexOf('/') + 1)}`, own: own.slice(own.indexOf('/') + 1) };
  return undefined;
}

function otherCaseNote(cs: CompiledStatement, type: PolicyType, element: 'Principal' | 'NotPrincipal', named: { readonly written: string; readonly own: string }, outcome: string): ConditionFailure {
  const reason = `\`${element}\` names \`${named.written}\`, which is \`${named.own}\` in another case: ${outcome}; write the name as it is stored, \`${named.own}\``;
  return { policy: cs.policy, type, index: cs.index, sid: cs.sid, effect: cs.effect, operator: element, key: named.written, reason, otherCase: true };
}

function actionMatches(cs: CompiledStatement, action: string): boolean {
  let hit = false;
  for (const m of cs.actions) {
    if (m(action)) {
      hit = true;
      break;
    }
  }
  return cs.notAction ? !hit : hit;
}

/**
 * Does the statement apply? Returns the principal match for resource/trust statements (MATCH_DIRECT for
 * identity-side statements), or MATCH_NONE.
 */
function applies(cs: CompiledStatement, s: Scan, type: PolicyType): PrincipalMatch {
  if (!actionMatches(cs, s.action)) return MATCH_NONE;
  // A variable with no value: `Resource` matches nothing; `NotResource` cannot say what it excludes, so an Allow grants
  // nothing and a Deny applies (fails closed; policy review C4). Either is explained once the statement is known to be
  // about this principal (policy review ir, 3).
  let unresolved: 'skipped' | 'applies' | undefined;
  if (cs.resources !== undefined) {
    const hit = resourceMatches(cs.resources, s.req.resource, !cs.resourceVariables ? noLookup : s.anySession && cs.effect === 'Deny' ? denyLookupFor(s, !cs.notResource) : lookupFor(s, cs));
    if (hit === undefined) {
      if (!cs.notResource || cs.effect === 'Allow') {
        if (!s.explain) return MATCH_NONE;
        unresolved = 'skipped';
      } else unresolved = 'applies';
    } else if (hit === cs.notResource) return MATCH_NONE;
  }
  let pm: PrincipalMatch = MATCH_DIRECT;
  let exemptButBounded = false;
  let exemptInOtherCase: { readonly written: string; readonly own: string } | undefined;
  if (cs.principal !== undefined) {
    pm = matchPrincipal(cs.principal, s, cs.effect === 'Deny');
    if (pm === MATCH_NONE) {
      // An Allow naming the principal's user or role in another case grants nothing, and says so (policy review qe, 2).
      const written = s.explain && cs.effect === 'Allow' ? namedInOtherCase(cs.principal, s) : undefined;
      if (written !== undefined) (s.failures ??= []).push(otherCaseNote(cs, type, 'Principal', written, 'an Allow matches a principal\'s name exactly (the name in a principal ARN is case-sensitive), so this statement grants it nothing'));
      return MATCH_NONE;
    }
  } else if (cs.notPrincipal !== undefined) {
    // NotPrincipal (Deny only): applies to every principal not listed; a principal with a permissions
    // boundary is always denied (reference §A.1.4).
    // Only naming the caller itself (or `*`) exempts it: the account and role ARNs are listed so that the
    // parents are not denied, not to exempt every session or user under them (reference §A.1.4). The account
    // itself is a principal NotPrincipal may name (AWS's NotPrincipal page): its root user is that account, so
    // an account entry names it directly.
    if (!s.hasBoundary || s.explain) {
      const m = matchPrincipal(cs.notPrincipal, s);
      if (m === MATCH_DIRECT || m === MATCH_EVERYONE || (m === MATCH_ACCOUNT && s.req.principal.kind === 'root')) {
        if (!s.hasBoundary) return MATCH_NONE;
        // Exempt but for its boundary: said when the Deny applies, or the reader, finding itself listed, cannot tell why
        // (policy review ir, 4).
        exemptButBounded = true;
      } else if (s.explain) exemptInOtherCase = namedInOtherCase(cs.notPrincipal, s);
    }
    pm = MATCH_EVERYONE;
  }
  if (unresolved === 'skipped') {
    const element = cs.notResource ? 'NotResource' : 'Resource';
    const variable = unresolvedResourceVariable(cs.resources ?? [], lookupFor(s, cs)) ?? 'a policy variable';
    const reason = `\`${element}\` reads \`${variable}\`, which has no value in this request${s.anySession && /^\$\{\s*a[wc]s:userid/i.test(variable) ? ' (a role asked about by its ARN stands for any session of it, whose `aws:userid` holds the session name its assumer picks: ask about a session\'s ARN)' : ''}: ${cs.notResource ? 'an Allow with it grants nothing (fails closed)' : 'the pattern matches nothing'}`;
    (s.failures ??= []).push({ policy: cs.policy, type, index: cs.index, sid: cs.sid, effect: cs.effect, operator: element, key: variable, reason });
    return MATCH_NONE;
  }
  if (cs.conditions.length > 0) {
    if (s.unconditional && cs.effect === 'Allow') return MATCH_NONE;
    if (s.deniesHold && cs.effect === 'Deny') return pm;
    if (s.allowsHold && cs.effect === 'Allow') return pm;
    const lookup = lookupFor(s, cs);
    const unreadable = s.req.unreadable;
    for (const c of cs.conditions) {
      const miss = unreadable !== undefined && unreadable.some((p) => c.key.startsWith(p)) ? unreadableMiss(c) : s.anySession && USER_ID_KEYS.has(c.key) ? anySessionMiss(c) : evaluateCondition(c, s.anySession && cs.effect === 'Deny' ? denyLookupFor(s, !c.negated) : lookup);
      if (miss === undefined) continue;
      // A condition that cannot be evaluated (a request value that does not parse for its operator) fails
      // closed: it counts as holding in a Deny and as failing in an Allow, so an unreadable value can neither
      // switch a Deny off nor switch an Allow on (DESIGN.md: the union fails closed on error).
      const denyStands = miss.error && cs.effect === 'Deny';
      if (s.explain) {
        const reason = miss.error ? `${miss.reason}: ${denyStands ? 'the Deny applies' : 'the Allow does not apply'} (fails closed)` : miss.reason;
        (s.failures ??= []).push({ policy: cs.policy, type, index: cs.index, sid: cs.sid, effect: cs.effect, operator: c.entry.operator, key: c.entry.key, reason });
      }
      if (!denyStands) return MATCH_NONE;
    }
  }
  // Said only of a Deny that applies, its conditions held (policy review ir, 3).
  if (unresolved === 'applies' && s.explain) {
    const variable = unresolvedResourceVariable(cs.resources ?? [], s.anySession ? withoutUserId(s) : lookupOf(s)) ?? 'a policy variable';
    const reason = `\`NotResource\` reads \`${variable}\`, which has no value in this request${s.anySession && /^\$\{\s*a[wc]s:userid/i.test(variable) ? ' (a role asked about by its ARN stands for any session of it, whose `aws:userid` holds the session name its assumer picks)' : ''}, so it cannot say what it exempts: the Deny applies (fails closed)`;
    (s.failures ??= []).push({ policy: cs.policy, type, index: cs.index, sid: cs.sid, effect: cs.effect, operator: 'NotResource', key: variable, reason });
  }
  if (exemptInOtherCase !== undefined) (s.failures ??= []).push(otherCaseNote(cs, type, 'NotPrincipal', exemptInOtherCase, 'an exemption matches a principal\'s name exactly (the name in a principal ARN is case-sensitive), so it does not exempt this principal: the Deny applies'));
  if (exemptButBounded) {
    const reason = '`NotPrincipal` lists this principal, but it has a permissions boundary, and a `NotPrincipal` statement denies every principal with one, listed or not (AWS, "Permissions boundaries for IAM entities"): the Deny applies';
    (s.failures ??= []).push({ policy: cs.policy, type, index: cs.index, sid: cs.sid, effect: cs.effect, operator: 'NotPrincipal', key: s.req.principal.arn, reason });
  }
  return pm;
}

const noLookup: KeyLookup = () => undefined;

/** A condition on a key the request has but whose value cannot be read here (`AuthzRequest.unreadable`): an error. */
const unreadableMiss = (c: CompiledCondition): ConditionMiss => ({ error: true, reason: `\`${c.entry.key}\` has a value that cannot be read here, so ${c.entry.operator} cannot be evaluated` });

/**
 * Scans policies of one type. Returns NOTHING | ALLOW | DENY flags; for resource/trust policies also the
 * strongest principal match among applicable Allow statements (in the high bits).
 */
function scan(policies: readonly CompiledPolicy[], s: Scan, type: PolicyType): number {
  let flags = NOTHING;
  let best: number = MATCH_NONE;
  for (const p of policies) {
    const bucket = p.byService.get(s.service);
    const lists = bucket === undefined ? 1 : 2;
    for (let l = 0; l < lists; l++) {
      const list = l === 0 ? p.anyService : (bucket as readonly CompiledStatement[]);
      for (let i = 0; i < list.length; i++) {
        const cs = list[i] as CompiledStatement;
        // The statement, and each entry it may try (work.ts).
        addSteps(1 + cs.actions.length + (cs.resources?.length ?? 0));
        const pm = applies(cs, s, type);
        if (pm === MATCH_NONE) continue;
        (s.matched ??= []).push(statementRef(cs, type));
        if (cs.effect === 'Deny') flags |= DENY;
        else {
          flags |= ALLOW;
          if (pm > best) best = pm;
        }
      }
    }
  }
  return flags | (best << 4);
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * What STS still decides for a user's session beside AssumeRole and GetCallerIdentity: the permissions an AssumeRole
 * asks with it (tags, source identity, context), which are no STS operation of their own.
 */
const USER_SESSION_STS: ReadonlySet<string> = new Set(['sts:assumerole', 'sts:getcalleridentity', 'sts:tagsession', 'sts:setsourceidentity', 'sts:setcontext']);

/**
 * Why credentials from GetSessionToken (`federated`: from GetFederationToken) may not make the call `action` (lower
 * case) whatever their policies say, or undefined: an IAM (RAM) operation, or an STS one they are refused. PassRole is no
 * IAM operation but a permission another service asks (a job submitted with the session passes a role), and stays with
 * the policies; GetSessionToken and GetFederationToken are said of every session before this.
 */
function sessionRefusedCall(action: string, federated: boolean): string | undefined {
  const who = federated ? 'the credentials of a federated user (GetFederationToken)' : 'credentials from GetSessionToken';
  if ((action.startsWith('iam:') || action.startsWith('ram:')) && action.slice(4) !== 'passrole') {
    return `${who} cannot call the ${action.startsWith('ram:') ? 'RAM' : 'IAM'} API${federated ? '' : ' without MFA, which Gatehouse does not offer'}; a user's long-term access key, or a role's session, can`;
  }
  if (action.startsWith('sts:') && (federated ? action !== 'sts:getcalleridentity' : !USER_SESSION_STS.has(action))) {
    return `${who} may call, of STS, ${federated ? 'GetCallerIdentity only' : 'only AssumeRole and GetCallerIdentity'}`;
  }
  return undefined;
}

function decision(
  s: Scan,
  value: Decision['decision'],
  deniedBy: Decision['deniedBy'],
  allowedBy: Decision['allowedBy'],
  summary: string,
): Decision {
  return { decision: value, matched: s.matched ?? EMPTY, deniedBy, allowedBy, summary, conditionFailures: s.failures ?? EMPTY };
}

export function evaluate(req: AuthzRequest, set: PolicySet, opts: EvaluateOptions = {}): Decision {
  const action = req.action.toLowerCase();
  const colon = action.indexOf(':');
  const s: Scan = {
    req,
    action,
    service: colon < 0 ? action : action.slice(0, colon),
    explain: opts.explain === true,
    unconditional: opts.unconditional === true,
    deniesHold: opts.deniesHold === true,
    allowsHold: opts.allowsHold === true,
    hasBoundary: set.boundary !== undefined,
    lookup: undefined,
    anyLookup: undefined,
    denyLookup: undefined,
    anySession: req.principal.kind === 'role-session' && req.principal.anySession === true,
    matched: undefined,
    failures: undefined,
    keys: undefined,
    session: null,
  };
  const p = req.principal;

  // GetCallerIdentity needs no permission: "If an administrator attaches a policy to your identity that explicitly denies
  // access to the sts:GetCallerIdentity action, you can still perform this operation" (STS API reference). Every signed
  // principal may call it whatever its policies say, as Gatehouse's STS answers it (review jk, 7); nothing is matched.
  if (action === 'sts:getcalleridentity' && set.trust === undefined && (p.kind === 'user' || p.kind === 'root' || p.kind === 'role-session' || p.kind === 'federated-user')) {
    return { decision: 'Allow', matched: EMPTY, deniedBy: undefined, allowedBy: undefined, summary: 'GetCallerIdentity needs no permission: STS answers it to every signed caller, whatever its policies say (an explicit deny included)', conditionFailures: EMPTY };
  }
  // GetSessionToken and GetFederationToken are AWS STS's: Gatehouse's STS refuses them to an `acs` account whatever its
  // policies say (review qd, 1; RAM has no federation token, review fb, 1), so no policy allows them there. The authorize
  // API asked about a RAM user answered Allow for either, as STS refused it (review qd, 3).
  if ((action === 'sts:getsessiontoken' || action === 'sts:getfederationtoken') && set.trust === undefined && p.partition === 'acs') {
    const name = action === 'sts:getsessiontoken' ? 'GetSessionToken' : 'GetFederationToken';
    return { decision: 'ImplicitDeny', matched: EMPTY, deniedBy: 'identity', allowedBy: undefined, summary: `${name} is AWS STS's: an Alibaba Cloud (acs) account's STS has no ${name} and gives a RAM user STS credentials only for a role; assume a role instead`, conditionFailures: EMPTY };
  }
  // GetSessionToken needs none either (in an `aws` account), for a user's long-term key: "No permissions are required for users to perform this
  // operation … You cannot use policies to control authentication operations" (STS API reference); Gatehouse's STS
  // issues it deciding nothing (review jk, 8). Session credentials are refused it, below (review jk, 6).
  if (action === 'sts:getsessiontoken' && set.trust === undefined && p.kind === 'user' && p.session === undefined && p.consoleSignIn !== true) {
    return { decision: 'Allow', matched: EMPTY, deniedBy: undefined, allowedBy: undefined, summary: 'GetSessionToken needs no permission: STS issues it to a user signing with its long-term access key, whatever its policies say (an explicit deny included)', conditionFailures: EMPTY };
  }

  const identity = scan(set.identity, s, 'identity');
  const boundary = set.boundary ? scan([set.boundary], s, 'boundary') : NOTHING;
  const session = set.session && set.session.length > 0 ? scan(set.session, s, 'session') : NOTHING;
  const resource = set.resource && set.resource.length > 0 ? scan(set.resource, s, 'resource') : NOTHING;
  const trust = set.trust ? scan([set.trust], s, 'trust') : NOTHING;

  // 1. An explicit deny in any policy wins.
  const denyType: PolicyType | undefined =
    identity & DENY ? 'identity' : boundary & DENY ? 'boundary' : session & DENY ? 'session' : resource & DENY ? 'resource' : trust & DENY ? 'trust' : undefined;
  if (denyType !== undefined) {
    return decision(s, 'ExplicitDeny', denyType, undefined, `explicitly denied by ${denyType === "identity" ? "an" : "a"} ${denyType} policy`);
  }

  const resourceAccount = req.resourceAccount ?? accountOf(req.resource) ?? p.account;
  const sameAccount = p.kind !== 'anonymous' && p.kind !== 'service' && resourceAccount === p.account;
  const isRoot = p.kind === 'root';

  // 2. The identity path: identity ∩ boundary ∩ session.
  // The root user has full access on its own account's side of any evaluation (reference §A.1.2 step 1).
  const identityAllows = isRoot || (identity & ALLOW) !== 0;
  const boundaryOk = isRoot || !set.boundary || (boundary & ALLOW) !== 0;
  const hasSessionPolicies = set.session !== undefined && set.session.length > 0;
  const sessionOk = isRoot || (hasSessionPolicies ? (session & ALLOW) !== 0 : p.kind !== 'federated-user');
  const identityPath = p.kind !== 'anonymous' && identityAllows && boundaryOk && sessionOk;
  const identityBlocker: PolicyType = !identityAllows ? 'identity' : !boundaryOk ? 'boundary' : 'session';
  // A federated user given no session policy has none to blame: said as such, with the cure (review kd, 3).
  const noSessionPolicy = !hasSessionPolicies && p.kind === 'federated-user'
    ? 'this federated user’s session was given no session policy, and a federated user has no permissions without one (pass `Policy` or `PolicyArns` to GetFederationToken)'
    : undefined;

  const allowIdentity = (why: string): Decision => decision(s, 'Allow', undefined, isRoot && (identity & ALLOW) === 0 ? 'root' : 'identity', why);
  const implicit = (by: PolicyType, why: string): Decision => decision(s, 'ImplicitDeny', by, undefined, why);
  const acs = p.partition === 'acs';

  // GetFederationToken and GetSessionToken take a user's long-term key: STS refuses them to temporary credentials
  // ("Cannot call GetFederationToken with session credentials", the same of GetSessionToken; reference §A.1.9), so no
  // policy lets a session call them (policy review fs, 5; GetSessionToken: review jk, 6), nor a console sign-in, which is
  // session credentials to STS though it acts as the key it was opened with (review ik, 1; ol, 3).
  if ((action === 'sts:getfederationtoken' || action === 'sts:getsessiontoken') && (p.kind === 'role-session' || p.kind === 'federated-user' || p.kind === 'web-identity' || p.session !== undefined || p.consoleSignIn === true)) {
    return implicit('identity', `${action === 'sts:getsessiontoken' ? 'GetSessionToken' : 'GetFederationToken'} cannot be called with session credentials: it takes a user’s long-term access key`);
  }
  // A user's session (GetSessionToken) "cannot call any IAM API operations unless MFA authentication information is
  // included" nor "any STS API except AssumeRole or GetCallerIdentity" (IAM User Guide, "Permissions for
  // GetSessionToken"); a federated user no IAM operation and of STS GetCallerIdentity alone. Gatehouse has no MFA, and its
  // IAM and STS APIs refuse them so (src/adapters/http/server.ts userSessionRefusal): no policy lets them, as the
  // authorize API asked about them said it did (review pc, 2).
  if (set.trust === undefined && ((p.kind === 'user' && p.session !== undefined) || p.kind === 'federated-user')) {
    const refused = sessionRefusedCall(action, p.kind === 'federated-user');
    if (refused !== undefined) return implicit('identity', refused);
  }

  // 3. Trust mode: deciding sts:AssumeRole* on a role (reference §A.1.9; RAM: §A.2).
  if (set.trust) {
    if (isRoot) return implicit('identity', 'the root user cannot assume roles');
    // GetFederationToken's credentials call no STS operation but GetCallerIdentity (STS refuses AssumeRole with them):
    // no trust policy lets a federated user in (policy review fs, 4).
    if (p.kind === 'federated-user') return implicit('identity', 'a federated user cannot assume roles: its credentials call no STS operation but GetCallerIdentity');
    const named = (trust & ALLOW) !== 0 ? trust >> 4 : MATCH_NONE;
    if (named === MATCH_NONE) return implicit('trust', 'the role trust policy does not allow this principal');
    // A service or identity provider has no account and no identity policies: the trust policy naming it
    // is the whole grant (reference §A.1.9; RAM `Service` principals, §A.2).
    if ((p.kind === 'service' || p.kind === 'web-identity') && named === MATCH_DIRECT) {
      return decision(s, 'Allow', undefined, 'resource', 'allowed by the role trust policy, which names this service or identity provider');
    }
    if (acs || !sameAccount || named === MATCH_ACCOUNT) {
      if (identityPath) return decision(s, 'Allow', undefined, 'identity', 'allowed by the role trust policy and the caller’s identity policies');
      return implicit(identityBlocker, acs ? 'RAM needs both the trust policy and the caller’s policies to allow' : sameAccount ? 'the trust policy delegates to the account, and the caller’s policies do not allow' : 'cross-account: the caller’s own account does not allow');
    }
    if (!boundaryOk) return implicit('boundary', 'the caller’s permissions boundary does not allow assuming the role');
    // A trust policy naming the role, or everyone, does not name this session: its session policy applies, as it does
    // to a resource policy open to everyone (reference §A.1.2 table; only naming the session ARN lifts it).
    if ((named === MATCH_ROLE || named === MATCH_EVERYONE) && !sessionOk) return implicit('session', 'the session policy does not allow assuming the role');
    // Say what the trust policy named: the caller, its role, or everyone. "Names the caller" of a trust policy open to
    // `*` read as the narrow grant it is not (review kt, 3).
    const trustNamed = named === MATCH_EVERYONE ? 'which is open to everyone (`*`; the caller’s permissions boundary and session policies applied)' : named === MATCH_ROLE ? 'which names the caller’s role (the caller’s permissions boundary and session policies applied)' : 'which names the caller';
    return decision(s, 'Allow', undefined, 'resource', `allowed by the role trust policy, ${trustNamed}`);
  }

  const named = (resource & ALLOW) !== 0 ? resource >> 4 : MATCH_NONE;

  if (p.kind === 'anonymous') {
    if (named >= MATCH_EVERYONE) return decision(s, 'Allow', undefined, 'resource', 'allowed by a resource policy open to everyone');
    return implicit('resource', 'anonymous requests need a resource policy that allows everyone');
  }

  // KMS keys (reference §A.1.2, "Exceptions"): a key is used (`kms:` actions on its ARN) only as its key policy allows.
  // An identity policy counts only where the key policy lets the account in (names it, as KMS's default key policy
  // does); nothing, the root user's rights included, opens a key whose key policy does not allow the principal (review
  // hs, 4). A statement naming the principal, its role or everyone grants as any resource policy's does, below. Only
  // where the resource's policies are part of the set (`set.resource`, even empty): a simulation given no resource
  // policy decides by identity policies alone, as IAM's simulator does.
  if (named === MATCH_NONE && set.resource !== undefined && s.service === 'kms' && KMS_KEY_ARN.test(req.resource)) {
    return implicit('resource', 'a KMS key is used only as its key policy allows, and no statement of the key policy allows this principal (nor names its account, which would let the account’s IAM policies decide)');
  }

  // 4. Cross-account. RAM (OSS "Authentication", steps 2–4), for object storage (`OBJECT_STORAGE_ARN`; elsewhere as AWS,
  // below: review ss, 2): the session policy is read first; the caller's RAM
  // policies cannot grant a bucket of another account (they implicitly deny it), and a bucket policy that allows the
  // caller grants alone, as in one account (RAM "Policy evaluation process": it "applies to all cases"). A grant
  // naming only the caller's account delegates to it, as in one account: the identity path is needed (*choice*,
  // docs/semantics.md Decision 6). AWS: both sides must allow (reference §A.1.3).
  // A permissions boundary (a Gatehouse user's or role's, RAM having none) limits a grant to the role or to everyone, as
  // in AWS (reference §A.1.2 table), never one naming the caller itself (policy review fs, 2).
  const boundaryCut = (named === MATCH_ROLE || named === MATCH_EVERYONE) && !boundaryOk;
  const whom = named === MATCH_EVERYONE ? 'everyone' : p.kind === 'federated-user' ? 'the IAM user that federated' : 'the role';
  if (!sameAccount && acs && p.kind !== 'service' && p.kind !== 'web-identity' && OBJECT_STORAGE_ARN.test(req.resource)) {
    if (!sessionOk) return implicit('session', 'the session policy does not allow this request');
    if (boundaryCut) return implicit('boundary', `a resource policy of account ${resourceAccount} allows ${whom}, but the permissions boundary does not`);
    if (named > MATCH_ACCOUNT) return decision(s, 'Allow', undefined, 'resource', `allowed by a resource policy of account ${resourceAccount}`);
    if (named === MATCH_NONE) return implicit('resource', `cross-account request: no resource policy of account ${resourceAccount} allows it (RAM policies of the caller’s account do not grant another account’s resources)`);
    if (identityPath) return decision(s, 'Allow', undefined, 'resource', 'allowed by a resource policy that delegates to the caller’s account, and the caller’s identity policies');
    return implicit(identityBlocker, 'cross-account request: a resource policy delegates to the caller’s account (it names the account, not this principal), and the caller’s own policies do not allow');
  }
  if (!sameAccount && p.kind !== 'service' && p.kind !== 'web-identity') {
    if (named === MATCH_NONE) return implicit('resource', `cross-account request: no resource policy of account ${resourceAccount} allows it`);
    if (!identityPath) return implicit(identityBlocker, `cross-account request: the resource policy allows it, but the caller’s own account does not${identityBlocker === 'session' && noSessionPolicy !== undefined ? `: ${noSessionPolicy}` : ''}`);
    return decision(s, 'Allow', undefined, 'resource', 'allowed by the resource policy and the caller’s identity policies');
  }

  // 5. Same account. RAM: identity and resource policies in parallel, after the session check (§A.2). A grant naming
  // only the account delegates to it, as a RAM trust policy's `acs:ram::<uid>:root` does ("RAM users and roles of the
  // account that are granted the permission", §A.2) and as OSS reads a UID (the identity of that UID, a RAM user having
  // its own): it lets in no RAM user or role whose own policies do not allow (review ck, 2).
  if (acs) {
    if (!sessionOk) return implicit('session', 'the session policy does not allow this request');
    if (boundaryCut) return implicit('boundary', `a resource policy allows ${whom}, but the permissions boundary does not`);
    if (named > MATCH_ACCOUNT) return decision(s, 'Allow', undefined, 'resource', 'allowed by a resource policy');
    if (identityPath) return allowIdentity('allowed by an identity policy');
    if (named === MATCH_ACCOUNT && identityBlocker === 'identity') return implicit('identity', 'a resource policy delegates to the account (it names the account, not this principal), and no identity policy allows this request');
    return implicit(identityBlocker, 'no policy allows this request');
  }
  if (named === MATCH_DIRECT) return decision(s, 'Allow', undefined, 'resource', 'allowed by a resource policy that names this principal');
  // A grant to the role, or to everyone (`*`), is still bounded by the boundary and the session policy.
  if ((named === MATCH_ROLE || named === MATCH_EVERYONE) && boundaryOk && sessionOk) {
    return decision(s, 'Allow', undefined, 'resource', `allowed by a resource policy ${named === MATCH_EVERYONE ? 'open to everyone' : `that names ${whom}`} (boundary and session policies applied)`);
  }
  if (identityPath) return allowIdentity(isRoot && (identity & ALLOW) === 0 ? 'the account root has full access to its own account' : 'allowed by an identity policy');
  if (named === MATCH_ROLE || named === MATCH_EVERYONE) {
    const by: PolicyType = !boundaryOk ? 'boundary' : 'session';
    if (by === 'session' && noSessionPolicy !== undefined) return implicit(by, `a resource policy allows ${whom}, but ${noSessionPolicy}`);
    return implicit(by, `a resource policy allows ${whom}, but the ${by === 'boundary' ? 'permissions boundary' : 'session policy'} does not`);
  }
  if (named === MATCH_ACCOUNT && identityBlocker === 'identity') return implicit('identity', 'a resource policy delegates to the account (it names the account, not this principal), and no identity policy allows this request');
  if (identityBlocker === 'session' && noSessionPolicy !== undefined) return implicit('session', noSessionPolicy);
  return implicit(identityBlocker, identityBlocker === 'identity' ? 'no policy allows this request' : `the ${identityBlocker === 'boundary' ? 'permissions boundary' : 'session policy'} does not allow this request`);
}

/**
 * An object in object storage, or its bucket: an OSS ARN (`acs:oss:…`), or an S3 one (`arn:aws:s3:::…`), as an `acs`
 * principal may reach an `aws` account's bucket. RAM's rule that a bucket policy naming the caller grants alone across
 * accounts is OSS's ("Authentication"; RAM's resource side is "only OSS bucket policies and role trust policies",
 * reference §A.2): elsewhere (a PAI model, a KMS key, a resource server's table) nothing in RAM lets another account's
 * resource policy grant a RAM user or role that its own account grants nothing, and a cross-account request needs both
 * sides, as issue 8 and reference §A.1.3 say. Read as every resource, a RAM user with no policy at all was allowed
 * another account's model by that account's policy alone (review ss, 2).
 */
const OBJECT_STORAGE_ARN = /^(?:acs:oss:|arn:[a-z][a-z0-9-]*:s3:::)/;

/** A KMS key's ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`), whose key policy must allow (not an alias's). */
const KMS_KEY_ARN = /^arn:[a-z][a-z0-9-]*:kms:[^:]*:\d+:key\//;

/** The account segment of an ARN (`arn:p:svc:region:ACCOUNT:…`, `acs:svc:region:ACCOUNT:…`), if any. */
export function accountOf(arn: string): string | undefined {
  const n = arn.startsWith('arn:') ? 4 : arn.startsWith('acs:') ? 3 : -1;
  if (n < 0) return undefined;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const c = arn.indexOf(':', at);
    if (c < 0) return undefined;
    at = c + 1;
  }
  const end = arn.indexOf(':', at);
  // An ARN naming no account (`arn:aws:s3:::bucket/key`): nothing to slice nor test.
  if (end === at) return undefined;
  const acct = arn.slice(at, end < 0 ? arn.length : end);
  return /^\d+$/.test(acct) ? acct : undefined;
}
