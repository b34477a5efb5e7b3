/**
 * Who can reach a resource (DESIGN.md, the auditor's question): every user and role of the caller's account is
 * asked the same question through the authorize union, as a simulation (the code path of enforcement, recorded
 * nowhere), and those allowed are listed with the rules that allowed them.
 *
 * - A role is asked about by its ARN (`arn:aws:iam::A:role/<role>`), as a session of it with no session policy or
 *   tags. A session policy can only narrow that, but a resource policy naming one session's ARN grants that session
 *   more (review M3): each session of the caller's account that an Allow statement of a resource policy governing the
 *   resource (for an `sts:` action on a role, its trust policy) names by ARN (`arn:aws:sts::A:assumed-role/R/S`,
 *   `acs:ram::A:role/R/S`) is asked about too, by that ARN, so decided with the scoped sessions live under it as
 *   enforcement decides it (src/app/authorize.ts), and listed as kind `session`. A session's tags may still meet
 *   conditions the role's do not: those are not enumerable, and the note says so.
 * - A user counts with its groups' policies and its permissions boundary, as in any decision.
 * - Principals of other accounts that a resource policy names are not enumerated: their own account's policies
 *   decide their side (the answer says so); those an Allow statement names are listed in `grantedByResourcePolicy`,
 *   a role's trust policy counting as the resource policy of an `sts:` action on it (review fl, 1).
 * - Bindings that grant the permission to principals not enumerated here — `allUsers` (anyone, unauthenticated too),
 *   `allAuthenticatedUsers` (every account's principals), `serviceAccount:` roles of other accounts, `principal://`
 *   federated subjects — are listed in `grantedBeyond` (review ai, 8): without them a model bound to `allUsers` was
 *   answered with the account's users alone.
 * - Each principal allowed says whether it is allowed only under conditions (review dv, 1): asked again with the
 *   rules that have conditions left out (`AuthorizeInput.unconditional`), it is `conditional` when no longer allowed,
 *   and `conditions` names those of the rules that allowed it. Those refused only because the conditions of their
 *   Allow statements, or of the bindings naming them (review vg, 4), did not hold for the question's context are listed
 *   apart (`conditionallyExcluded`).
 * - Each role allowed lists in `through` the users and roles of the account that can come to act as it, with the
 *   shortest path, from escalation-paths' search (review dv, 2): who can end up doing it; each user allowed too, those
 *   that can come to act as it (mint its access key, review fl, 4). That search needs
 *   `iam:GetAccountAuthorizationDetails`; without it the answer comes without `through`, saying why.
 * - Each role allowed (a session: its role) lists in `trustedBeyond` who beyond the account its trust policy lets
 *   become it (review fl, 3): other accounts and theirs (`sts:AssumeRole`), OIDC providers' tokens
 *   (`sts:AssumeRoleWithWebIdentity`), conditional on what a question's context cannot carry (a token's claims).
 * - The caller needs `iam:ListUsers` and `iam:ListRoles` (`ram:` in `acs` accounts), and `gatehouse:Authorize` on
 *   the principals, as for any question about another principal.
 */
import { fail, failWith, ok, type GatehouseError, type Result } from '../core/errors.ts';
import { parseRoleArn, parseSessionArn, RAM_SESSION_NAME_RE, roleArnOf, SESSION_NAME_RE, sessionArn, userArnOf } from '../core/sts/session.ts';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type CompiledPolicy, type PolicySet, type Principal } from '../core/iam/index.ts';
import { defaultBucketStatement, defaultRoleName, defaultRoleScope, jobSessionTags, workspaceArn, type Workspace } from '../core/jobs/jobs.ts';
import { actionAndResourceRefusal, contextPassesTags, contextSetsSourceIdentity, reasonsBesideMembership, refusedOnlyAsNonMember, simulatedTime, type AuthorizeAnswer, type AuthorizeInput, type MatchedRule } from './authorize.ts';
import { entityArn } from '../core/directory/rules.ts';
import type { Caller } from './principals.ts';
import type { Directory, HeldListing } from './directory.ts';
import { isStoreUnavailable, type RoleRecord, type UserRecord } from './ports/store.ts';
import type { ResourcePolicies } from './resource-policies.ts';
import type { BeyondGrant } from './bindings.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import { STORED_POLICY_MAX_CHARS } from './unreadable-policy.ts';
import type { EscalationAnswer, EscalationInput, EscalationStep } from './escalation.ts';
import type { SubjectAllowed } from '../core/rbac/index.ts';
import { engineTurns } from './engine-turns.ts';

/** The authorize API's question, without a principal: every principal of the account is asked about. */
export type WhoCanInput = Omit<AuthorizeInput, 'principal' | 'principalProof' | 'audience' | 'resourceAccount'>;

export interface Reacher {
  /**
   * `federated-user`: a federated user of the account (`arn:aws:sts::A:federated-user/N`) that a resource policy names
   * by its ARN (review gd, 2): whichever user may call GetFederationToken under that name (`through`) acts as it.
   */
  readonly kind: 'user' | 'role' | 'session' | 'federated-user';
  /** The user's or role's name; a session's `ROLE/SESSION`; a federated user's name. */
  readonly name: string;
  /** The principal asked about: the user, the role, or the session's ARN as the resource policy names it. */
  readonly principal: string;
  readonly reasons: readonly string[];
  readonly matched: readonly MatchedRule[];
  /**
   * Whether every grant that allowed it holds only under a condition: asked again with the Allow statements and
   * bindings that have conditions left out, it was not allowed (review dv, 1).
   */
  readonly conditional: boolean;
  /**
   * When `conditional`: the conditions of the rules that allowed it, each once (`IpAddress aws:SourceIp` for an IAM
   * statement's, the CEL expression for a binding's); else none.
   */
  readonly conditions: readonly string[];
  /**
   * The conditions of Deny statements that would take the grant away in another context, each once (`NotIpAddress
   * aws:SourceIp` of "deny from outside the office"): a conditional Deny that did not apply to this question may apply
   * to the next (review du, 2). None when no conditional Deny can.
   */
  readonly unless: readonly string[];
  /**
   * For a role: every user and role of the account that can come to act as it (AssumeRole, PassRole to a job, a node
   * or a pod, a trust policy it may rewrite…), each with the shortest path, as `escalation-paths` finds them (review
   * dv, 2); for a session, those of its role, which pick the session's name (review eq, 4); for a user, those that can
   * come to act as it (its access key minted, review fl, 4). Absent when not looked for: a caller who may not read the
   * account whole.
   */
  readonly through?: readonly Through[];
  /**
   * How many more can come to act as the role than `through` lists (MAX_THROUGH a role, the shortest paths first):
   * absent when it lists them all.
   */
  readonly throughOmitted?: number;
  /**
   * For a role (a session: its role's): the principals beyond the account that its trust policy lets become it (review
   * fl, 3): other accounts and theirs by `sts:AssumeRole` (their own policies deciding their side), OIDC providers'
   * token holders by `sts:AssumeRoleWithWebIdentity`. A grant whose Allow conditions the question's context does not
   * meet (a token's `sub`, an external id: the caller's to give, never in the context) is listed as conditional on
   * them. Absent when there are none.
   */
  readonly trustedBeyond?: readonly TrustedBeyond[];
}

/** A principal beyond the account that a role's trust policy lets become the role, and by which call (review fl, 3). */
export interface TrustedBeyond extends ResourcePolicyGrant {
  /** `sts:AssumeRole` (another account's principal, or `*`), `sts:AssumeRoleWithWebIdentity` (an OIDC provider's tokens). */
  readonly action: string;
}

/**
 * Entries of `through` a role lists at most. Every user of an account can come to act as a role its trust policy
 * gives to the account, so without a bound the answer about one object of a large account held users × roles paths
 * (a million entries under escalation-paths' budget); `gatehouse escalation-paths` lists them all, a principal at a time.
 */
export const MAX_THROUGH = 100;

/** A principal that can come to act as an allowed role, and how (src/app/escalation.ts). */
export interface Through {
  readonly principal: string;
  readonly kind: 'user' | 'role';
  readonly name: string;
  /** The steps from it to the role, the last one ending at the role. */
  readonly path: readonly EscalationStep[];
}

/**
 * The role sessions of an account that the union's other engines name for a resource by their session name
 * (`AuthorizeEngine.sessionsNamed`: a Kubernetes binding to a session's username), as session ARNs (review eq, 4).
 */
export type EngineSessions = (account: string, resource: string) => Promise<readonly string[]>;

/** The subjects beyond the account's principals that the union's engines give an action on a resource to (review ne, 3). */
export type EngineSubjects = (account: string, resource: string, action: string) => Promise<readonly SubjectAllowed[]>;

/** Whom each principal of the caller's account can come to act as (`Escalation` with `becomeOnly`). */
type CanBecome = (caller: Caller, input: EscalationInput) => Promise<Result<EscalationAnswer>>;

/** A user that reaches the resource through a job of the workspace default role it may submit (review eq, 2). */
export interface ThroughDefaultRoleJob {
  readonly kind: 'user';
  readonly name: string;
  readonly principal: string;
  /** The workspace's ARN: the job is submitted there, and its session reaches that workspace's default bucket. */
  readonly workspace: string;
  /** The default role the job runs as (created by the first such job when the account has none yet). */
  readonly role: string;
  /**
   * How a user that is no member makes itself one first (review jb, 7): `training:UpdateWorkspace` (`PUT
   * /v1/workspaces/W`, review sb, 1; apply asks its read besides) or `iam:AddUserToGroup` (a member group), the workspace
   * written with it among the members. Absent for a member.
   */
  readonly join?: string;
  /** Why it may submit the job, then why the job's session may do it. */
  readonly reasons: readonly string[];
}

/** The users and roles of an account that the instance holds in memory (src/app/live.ts `heldList`), by name. */
export interface HeldPrincipals {
  readonly users: HeldListing<UserRecord>;
  readonly roles: HeldListing<RoleRecord>;
}

/**
 * What who-can reads of default-role jobs (src/app/jobs.ts): the account's workspaces, and the session policies a
 * default-role job of a user in one would carry now (none when it could not be submitted).
 */
export interface DefaultRoleJobs {
  readonly workspaces: (account: string) => Promise<readonly Workspace[]>;
  readonly session: (ws: Workspace, user: string) => Promise<readonly CompiledPolicy[] | undefined>;
  /** The groups of the account of these names that exist, with their paths (a workspace's member groups, review jb, 7). */
  readonly groups?: (account: string, names: readonly string[]) => Promise<readonly { readonly name: string; readonly path: string }[]>;
}

/** A principal not allowed only because the conditions of Allow statements for the question did not hold (review dv, 1). */
export interface ConditionallyExcluded {
  readonly kind: Reacher['kind'];
  readonly name: string;
  readonly principal: string;
  /** The conditions that did not hold, each once: of each Allow statement, the first that failed. */
  readonly conditions: readonly string[];
  /** Those Allow statements, each with its condition that did not hold. */
  readonly notMet: readonly MatchedRule[];
}

export interface WhoCanAnswer {
  readonly action: string;
  readonly resource: string;
  /** Those allowed: users, then roles, each by name, then sessions a resource policy names, by ARN. */
  readonly allowed: readonly Reacher[];
  /**
   * Principals not allowed (implicitly denied) for the context given only because the conditions of the Allow
   * statements (or of the bindings, review vg, 4) that name the action, the resource and them did not hold: allowed,
   * perhaps, in another context (from the right address, with MFA, at another time). Not those an explicit deny refuses. Meeting the conditions is needed, and may not be
   * enough (a permissions boundary may still not allow).
   */
  readonly conditionallyExcluded: readonly ConditionallyExcluded[];
  /**
   * Users who reach it through a job of the workspace default role (review eq, 2): a job they may submit with
   * `--role default` (a member allowed `training:CreateJob`; no PassRole is needed) runs as the default role under a
   * session policy that opens the workspace's default bucket to it, so they reach that bucket whatever their own
   * policies say of it.
   */
  readonly throughDefaultRoleJobs: readonly ThroughDefaultRoleJob[];
  /** Principals asked about in all. */
  readonly checked: number;
  /** Bindings granting it to principals beyond those asked about (`allUsers`, `allAuthenticatedUsers`, …). */
  readonly grantedBeyond: readonly BeyondGrant[];
  /**
   * Bindings that would grant it to principals beyond those asked about but for their condition, which did not hold at
   * the question's time (review vm, 3): what `conditionallyExcluded` is to `allowed`, `grantedBeyond`'s counterpart.
   * Each `conditional`, with the condition not met.
   */
  readonly conditionallyExcludedBeyond: readonly BeyondGrant[];
  /** Resource policies granting it to principals beyond those asked about (`*`, other accounts and theirs). */
  readonly grantedByResourcePolicy: readonly ResourcePolicyGrant[];
  /**
   * Resource policies that would grant it to principals beyond those asked about had the conditions of their Allow
   * statements held for the context given (review vm, 5): `grantedByResourcePolicy`'s counterpart, as
   * `conditionallyExcluded` is `allowed`'s. Not those an explicit deny refuses. Each `conditional`, with its conditions.
   */
  readonly conditionallyExcludedByResourcePolicy: readonly ResourcePolicyGrant[];
  /**
   * A cluster's RBAC bindings whose role allows it (a `kubernetes:` question), by each subject that is no principal asked
   * about (review ne, 3): a ServiceAccount (by its username, `system:serviceaccount:NS:NAME`), a Group, a User no
   * access entry renders, or one an entry renders for another account's principal or from an access key id (review nr,
   * 1 and 2). The cluster's webhook lets them in by RBAC alone: every pod running as that account, every member of that
   * group whoever authenticated it, that user of another authenticator. A User the entry of an account principal renders
   * otherwise is its IAM principal, listed in `allowed` when allowed.
   */
  readonly grantedByRbac: readonly SubjectAllowed[];
  /**
   * The parts of the answer not listed because the database could not be reached (review qf, 1): `through` (who can
   * come to act as each principal allowed) and `throughDefaultRoleJobs`, both of which read it; absent when whole.
   */
  readonly leftOut?: readonly ('through' | 'throughDefaultRoleJobs')[];
  readonly note: string;
}

/** A resource policy's grant to a principal who-can does not enumerate. */
export interface ResourcePolicyGrant {
  /** `*` (anyone), or the other account's root, user, role or session ARN the policy names. */
  readonly principal: string;
  /** The policy (`resource policy of <ARN>`). */
  readonly policy: string;
  /** The index of the Allow statement naming it. */
  readonly statement: number;
  /**
   * As an allowed principal's (review du, 3): whether the grant holds only under the conditions of the rules that
   * allow it (`conditions`), and which conditional Denies of the policies would take it away in another context (`unless`).
   */
  readonly conditional: boolean;
  readonly conditions: readonly string[];
  readonly unless: readonly string[];
}

type Simulate = (caller: Caller, input: AuthorizeInput) => Promise<Result<AuthorizeAnswer>>;
/**
 * The conditional bindings that would grant `principal` the question had their conditions held at `time`, where the
 * asker may read them (src/app/bindings.ts `conditionsNotMet`; review vg, 4): the union's answer says only that bindings
 * had no opinion.
 */
export type BindingsNotMet = (asker: string, action: string, resource: string, time: number) => Promise<(principal: string) => readonly MatchedRule[]>;
/**
 * The context the authorizer decides a question with where `account` may read the resource's facts (src/app/
 * authorize.ts `contextFor`): an object's stored tags where the S3 gateway holds it, of that account (review kj, 1 and
 * 3), and on an instance without the gateway the keys it cannot read (`unreadable`, review mq, 1). Without it, the
 * question's own.
 */
type ContextFor = (input: AuthorizeInput, account: string) => Promise<Pick<AuthorizeInput, 'context' | 'unreadable'>>;

/** `input` with the context (and unreadable keys) `contextFor` gives for `account` (review kj, 3; review mq, 1). */
async function withContextOf(input: WhoCanInput, account: string, contextFor: ContextFor | undefined): Promise<WhoCanInput> {
  if (contextFor === undefined) return input;
  const facts = await contextFor(input, account);
  if (facts.context === input.context && facts.unreadable === undefined) return input;
  const { context: _given, unreadable: _none, ...rest } = input;
  return { ...rest, ...facts };
}

interface Asked {
  readonly kind: Reacher['kind'];
  readonly name: string;
  readonly principal: string;
}

const RAM_ROLE_SESSION_RE = /^acs:ram::\d+:role\//;
/** An answer's note that it did not take keys of the question's context (src/app/authorize.ts `conclude`). */
const IGNORED_CONTEXT_RE = /^context `[^\n]*` ignored: /;
/** A principal tag's key, as a context or a condition (`StringEquals aws:PrincipalTag/team`) names it; either dialect. */
const PRINCIPAL_TAG_RE = /^(?:aws|acs):principaltag\/./i;

/**
 * What the note says of principal tags (review vg, 3). A condition on `aws:PrincipalTag/K` reads the principal's own
 * tags, not the request: listed with `IpAddress aws:SourceIp`'s kind among the conditions "not met for this context",
 * it read as something another request could carry, where a user meets it only once tagged (TagUser) and a role's
 * session by its role's tags or a session tag. And tags given in the context are taken as every principal's, in place
 * of its own, while the note said roles were asked "with no session policy or tags". `given`: the context's tag keys.
 */
function principalTagNotes(given: readonly string[], asked: readonly { readonly conditions: readonly string[]; readonly unless?: readonly string[] }[]): string[] {
  const notes: string[] = [];
  const q = (keys: readonly string[]): string => keys.map((k) => `\`${k}\``).join(', ');
  if (given.length > 0) {
    notes.push(`context ${q(given)} taken as ${given.length === 1 ? 'a tag' : 'tags'} of every principal asked, in place of ${given.length === 1 ? 'the tag' : 'those'} it has (a user's or role's tags as the directory holds them; roles asked as a session carrying ${given.length === 1 ? 'it' : 'them'}): who could do it so tagged, not who can as tagged now`);
  }
  const read = new Map<string, string>();
  const taken = new Set(given.map((k) => k.toLowerCase().slice(4)));
  for (const r of asked) {
    for (const c of [...r.conditions, ...(r.unless ?? [])]) {
      const key = c.slice(c.lastIndexOf(' ') + 1);
      if (PRINCIPAL_TAG_RE.test(key) && !taken.has(key.toLowerCase().slice(4)) && !read.has(key.toLowerCase())) read.set(key.toLowerCase(), key);
    }
  }
  if (read.size > 0) {
    const keys = [...read.values()];
    notes.push(`conditions on ${q(keys)} read each principal's own ${keys.length === 1 ? 'tag' : 'tags'} (${keys.map((k) => `\`${k.slice(k.indexOf('/') + 1)}\``).join(', ')}), not the request: a user's as the directory holds them (TagUser changes them), a role's session its role's (TagRole) or a session tag its trust policy lets it set (sts:TagSession); \`--context ${keys[0]}=VALUE\` asks as if every principal were so tagged`);
  }
  return notes;
}

/**
 * A federated user's ARN, as GetFederationToken names its session (`Name`: 2 to 32 characters of `[\w+=,.@-]`); only in
 * `aws` accounts (RAM has no federation token).
 */
const FEDERATED_USER_RE = /^arn:aws[a-z-]*:sts::(\d{12}):federated-user\/([\w+=,.@-]{2,32})$/;

/**
 * The federated users of `account` that an Allow statement of `policies` names by ARN, once each (review gd, 2). A
 * resource policy naming one grants that session alone, without identity policy or session policy (reference §A.1.2,
 * "federated-user session"), and any user allowed `sts:GetFederationToken` on that ARN may open such a session: asked
 * about by that ARN, as the sessions a policy names are.
 */
export function federatedUsersNamed(policies: readonly CompiledPolicy[], account: string): Asked[] {
  const out = new Map<string, Asked>();
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (st.effect !== 'Allow' || st.principal === undefined) continue;
      for (const arn of st.principal.arns) {
        const m = FEDERATED_USER_RE.exec(arn);
        if (m === null || m[1] !== account || out.has(arn)) continue;
        out.set(arn, { kind: 'federated-user', name: m[2] as string, principal: arn });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
}

/**
 * The refusal of a whole answer by the error of one of its questions, about the principal `kind name`: named after it
 * when it is about that principal (the caller may not ask about it), but as it stands, with its path, when it is the
 * question's own (its context or action), the same whoever is asked (review lv, 3: `user admin: context key …`, naming
 * whichever principal happened to be asked first, read as a fault of that user; escalation-paths lost the path).
 */
export function refusalAbout(kind: string, name: string, errors: readonly GatehouseError[]): GatehouseError {
  const e = errors[0];
  if (e === undefined) return { code: 'INTERNAL_ERROR', message: `${kind} ${name}: cannot be asked about`, path: '' };
  if (e.code === 'REQUEST_INVALID_CONTEXT' || e.code === 'REQUEST_INVALID_ACTION') return { code: e.code, message: e.message, path: e.path };
  return { code: e.code, message: `${kind} ${name}: ${e.message}`, path: e.path };
}

/**
 * The users of the account that may open a session of the federated user `r` (review gd, 2): allowed
 * `sts:GetFederationToken` on its ARN, as STS decides it (a user's own access key alone may ask, so users only), and
 * whose own policies do not explicitly deny the question (a federated session is decided with its user's policies,
 * whose explicit deny applies to it too). At most `max`, and how many more.
 */
async function federationBrokers(caller: Caller, r: Reacher, input: WhoCanInput, users: readonly Asked[], simulate: Simulate, max: number): Promise<Result<{ through: Through[]; omitted: number }>> {
  const through: Through[] = [];
  let omitted = 0;
  const context = input.context !== undefined ? { context: input.context } : {};
  for (const u of users) {
    const mint = await simulate(caller, { principal: u.principal, action: 'sts:GetFederationToken', resource: r.principal, ...context });
    if (!mint.ok) return fail([refusalAbout('user', u.name, mint.errors)]);
    if (mint.value.decision !== 'Allow') continue;
    const own = await simulate(caller, { ...input, principal: u.principal });
    if (!own.ok || own.value.decision === 'ExplicitDeny') continue;
    if (through.length >= max) {
      omitted++;
      continue;
    }
    through.push({ principal: u.principal, kind: 'user', name: u.name, path: [{ from: u.principal, to: r.principal, how: 'sts:GetFederationToken', actions: ['sts:GetFederationToken'], reasons: mint.value.reasons }] });
  }
  return ok({ through, omitted });
}

/**
 * The sessions of `account` that an Allow statement of a policy in `policies` names by ARN, once each whatever the
 * case (sessions and roles are looked up in any case, src/app/authorize.ts `sameName`). A name no session can have
 * (`*`, one letter: reference §A.1.9 RoleSessionName) is no one's, and so not asked about: enforcement matches a
 * session ARN exactly.
 */
export function sessionsNamed(policies: readonly CompiledPolicy[], account: string): Asked[] {
  const arns: string[] = [];
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (st.effect !== 'Allow' || st.principal === undefined) continue;
      arns.push(...st.principal.arns);
    }
  }
  return sessionsOf(arns, account);
}

/**
 * The session ARNs of `arns` that a session of `account` can carry, once each whatever the case, in ARN order: only the
 * forms our sessions carry (`acs:ram::A:role/R/S`, not Alibaba's own `assumed-role`), with a name a session can have.
 */
function sessionsOf(arns: Iterable<string>, account: string): Asked[] {
  const out = new Map<string, Asked>();
  for (const arn of arns) {
    const s = parseSessionArn(arn);
    if (!s || s.account !== account || (s.partition === 'acs' && !RAM_ROLE_SESSION_RE.test(arn))) continue;
    if (!(s.partition === 'aws' ? SESSION_NAME_RE : RAM_SESSION_NAME_RE).test(s.sessionName)) continue;
    const key = arn.toLowerCase();
    if (!out.has(key)) out.set(key, { kind: 'session', name: `${s.roleName}/${s.sessionName}`, principal: arn });
  }
  return [...out.values()].sort((a, b) => (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
}

/** A role's trust policy, compiled; none when it no longer parses (it allows no one). */
export function compiledTrust(role: { readonly name: string; readonly trustPolicy: string }): CompiledPolicy[] {
  const doc = parsePolicy(role.trustPolicy, { kind: 'trust', maxChars: STORED_POLICY_MAX_CHARS });
  return doc.ok ? [compilePolicy(doc.value, `trust policy of ${role.name}`)] : [];
}

/**
 * The trust policy of the role `resource` names, for an `sts:` action: STS decides AssumeRole (TagSession,
 * SetSourceIdentity) under it, and it may name one session of another role (`arn:aws:sts::A:assumed-role/ci/bot`), as
 * a bucket policy may. None for another resource or action, a role of another account or not listed, or a trust
 * policy that no longer parses (it allows no one).
 */
function trustPolicyOf(action: string, resource: string, account: string, roles: readonly { readonly name: string; readonly trustPolicy: string }[]): CompiledPolicy[] {
  if (!action.toLowerCase().startsWith('sts:')) return [];
  const arn = parseRoleArn(resource);
  if (!arn || arn.account !== account) return [];
  const role = roles.find((r) => r.name.toLowerCase() === arn.name.toLowerCase());
  return role ? compiledTrust(role) : [];
}

/** The calls that assume a role, which STS asks sts:TagSession and sts:SetSourceIdentity beside (`grantedByResourcePolicy`). */
const ASSUME_ACTIONS: ReadonlySet<string> = new Set(['sts:assumerole', 'sts:assumerolewithwebidentity', 'sts:assumerolewithsaml']);

/** The actions AWS's AssumeRoleWithWebIdentity asks a role's trust policy about a provider's token (src/app/oidc.ts). */
const WEB_IDENTITY_ACTIONS: ReadonlySet<string> = new Set(['sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity']);

/** The other side of a cross-account question, allowing everything: the foreign account's own policies are its own. */
const OWN_SIDE_ALLOWS = (() => {
  const d = parsePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', { kind: 'identity' });
  if (!d.ok) throw new Error('the allow-all policy does not parse');
  return compilePolicy(d.value, 'its own account\'s policies (not known here)');
})();

/** The conditions of `rules` (matched rules of an answer, statements of a decision), each once, in their order. */
function conditionsOf(rules: readonly { readonly conditions?: readonly string[] }[]): string[] {
  const out = new Set<string>();
  for (const r of rules) for (const c of r.conditions ?? []) out.add(c);
  return [...out];
}

/** A decision as who-can reads it: the IAM engine's or the authorize union's (its rules carry their conditions). */
interface Decided {
  readonly decision: string;
  readonly matched: readonly { readonly effect: string; readonly conditions?: readonly string[] }[];
}
type WhatIf = { readonly unconditional?: true; readonly deniesHold?: true };

/**
 * Of a grant (`granted`, an Allow): whether it holds only under the conditions of the rules that allow it, and which
 * conditional Denies would take it away in another context (reviews dv, 1; du, 2; du, 3). Both are the engine's
 * answers to what-ifs (`ask`), never a reading of the policies: how grants combine stays the engine's alone. Asked
 * first with both at once (no conditional Allow counts, every conditional Deny applies): an Allow there, the usual
 * case, settles both in one question; else each is asked apart.
 */
async function conditionality(granted: Decided, ask: (what: WhatIf) => Promise<Result<Decided>>): Promise<Result<{ conditional: boolean; conditions: string[]; unless: string[] }>> {
  const robust = await ask({ unconditional: true, deniesHold: true });
  if (!robust.ok) return robust;
  if (robust.value.decision === 'Allow') return ok({ conditional: false, conditions: [], unless: [] });
  const always = await ask({ unconditional: true });
  if (!always.ok) return always;
  const denied = await ask({ deniesHold: true });
  if (!denied.ok) return denied;
  const conditional = always.value.decision !== 'Allow';
  return ok({
    conditional,
    conditions: conditional ? conditionsOf(granted.matched.filter((m) => m.effect === 'Allow')) : [],
    unless: denied.value.decision !== 'Allow' ? conditionsOf(denied.value.matched.filter((m) => m.effect === 'Deny')) : [],
  });
}

/**
 * The principals beyond `account` that the resource policies governing the resource grant the question to (review
 * db, 3): `*` (anyone), and each other account, or user, role or session of one, that an Allow
 * statement names. Asked of the engine as that principal (`*` as an anonymous caller, the narrowest `*` covers), with the resource policies as
 * they stand and the principal's own side allowing: its account's policies decide that side, unknown here. Without
 * them a bucket open to the world read as open to the account's principals (as Access Analyzer, which reports such
 * grants).
 */
export async function grantedByResourcePolicy(policies: readonly CompiledPolicy[], account: string, input: WhoCanInput, time: number, allowsMayHold = false, companionsAsked = false): Promise<ResourcePolicyGrant[]> {
  const out: ResourcePolicyGrant[] = [];
  const seen = new Set<string>();
  const context = contextOf(input.context);
  // An AssumeRole question (a web identity token's exchange, a SAML assertion's) whose context passes session tags or
  // names a source identity: STS asks the trust policy for sts:TagSession or sts:SetSourceIdentity as well, and refuses
  // the call without them (src/app/sts.ts, src/app/oidc.ts), as the authorize API now answers it (review sz, 4). A
  // provider or another account whose trust statement allows the assume alone was listed as granted (review te, 2).
  const companions = companionsAsked && ASSUME_ACTIONS.has(input.action.toLowerCase()) ? [...(contextPassesTags(input.context) ? ['sts:TagSession'] : []), ...(contextSetsSourceIdentity(input.context) ? ['sts:SetSourceIdentity'] : [])] : [];
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (st.effect !== 'Allow' || st.principal === undefined) continue;
      const p = st.principal;
      const partition = policy.dialect === 'acs' ? 'acs' : 'aws';
      const entity = (acct: string, kind: string, name: string) => (partition === 'acs' ? `acs:ram::${acct}:${kind}/${name}` : `arn:aws:iam::${acct}:${kind}/${name}`);
      const named: string[] = [
        ...(p.everyone ? ['*'] : []),
        ...[...p.accounts].map((a) => entity(a, 'root', '').replace(/\/$/, '')),
        ...[...p.users].map((k) => entity(k.slice(0, k.indexOf('/')), 'user', k.slice(k.indexOf('/') + 1))),
        ...[...p.roles].map((k) => entity(k.slice(0, k.indexOf('/')), 'role', k.slice(k.indexOf('/') + 1))),
        ...p.arns,
      ];
      // An identity provider's tokens (`Federated`: an OIDC provider's ARN), asked as AssumeRoleWithWebIdentity asks
      // (src/app/oidc.ts): a web identity of that provider, never one of the account's principals (review fl, 3).
      // Only the questions that call asks (review ne, 4): AWS's AssumeRoleWithWebIdentity, with TagSession and
      // SetSourceIdentity beside it, never `sts:AssumeRole`, a signed caller's (a trust giving a provider that alone lets
      // no token in, and was listed); RAM's AssumeRoleWithOIDC asks `sts:AssumeRole`.
      const federated = (partition === 'acs' ? input.action.toLowerCase().startsWith('sts:') : WEB_IDENTITY_ACTIONS.has(input.action.toLowerCase())) ? [...p.federated] : [];
      for (const arn of [...named, ...federated]) {
        if (seen.has(arn.toLowerCase())) continue;
        const web = federated.includes(arn) && !named.includes(arn);
        // `*` names every provider (review mv, 1) but is no provider's ARN: asked as a token of a provider no statement
        // names, as the exchange decides one, it is let in only where an Allow would let in any token (review ne, 1: it
        // was asked as a provider named `*`, which the statement names outright, and listed though every token is refused).
        const who: Result<Principal> = web ? ok({ kind: 'web-identity', arn, ...(arn === '*' ? {} : { provider: arn }), partition, account: '' }) : principalFromArn(arn);
        if (!who.ok || (!web && arn !== '*' && who.value.account === account)) continue;
        const request = { principal: who.value, action: input.action, resource: input.resource, resourceAccount: account, context, time, ...(input.unreadable !== undefined ? { unreadable: input.unreadable } : {}) };
        // A web identity is decided by the trust policy alone, as AssumeRoleWithWebIdentity decides it.
        const set: PolicySet = web ? { identity: [], trust: policy } : { identity: arn === '*' ? [] : [OWN_SIDE_ALLOWS], resource: policies };
        let d = evaluate(request, set);
        // Conditions the asker cannot give (a token's claims, an external id): met, the grant is conditional on them.
        const held = d.decision !== 'Allow' && allowsMayHold;
        if (held) d = evaluate(request, set, { allowsHold: true });
        if (d.decision !== 'Allow') continue;
        // Each companion STS asks too must be allowed (its conditions counted as the assume's are).
        const also = companions.map((action) => ({ ...request, action }));
        const alsoDecided = also.map((r) => evaluate(r, set, held ? { allowsHold: true } : {}));
        if (alsoDecided.some((x) => x.decision !== 'Allow')) continue;
        seen.add(arn.toLowerCase());
        // Conditional, and what a conditional Deny would take away, as for the principals listed (review du, 3).
        const c = await conditionality(d, async (what) => ok(evaluate(request, set, held ? { ...what, allowsHold: true } : what)));
        if (!c.ok) continue;
        const cs = [c.value];
        for (let i = 0; i < also.length; i++) {
          const r = also[i] as typeof request;
          const x = await conditionality(alsoDecided[i] as Decided, async (what) => ok(evaluate(r, set, held ? { ...what, allowsHold: true } : what)));
          if (x.ok) cs.push(x.value);
        }
        const conditional = cs.some((x) => x.conditional);
        out.push({ principal: arn, policy: policy.name, statement: st.index, conditional, conditions: [...new Set(cs.flatMap((x) => x.conditions))], unless: [...new Set(cs.flatMap((x) => x.unless))] });
      }
    }
  }
  return out;
}

/**
 * The principals beyond `account` that the trust policy of `role` (ARN `arn`) lets become it (review fl, 3), each once
 * by the first call that lets it in: `sts:AssumeRole` for other accounts and theirs (`*` too),
 * `sts:AssumeRoleWithWebIdentity` for OIDC providers (RAM's `AssumeRoleWithOIDC` asks `sts:AssumeRole` of one).
 * Decided by the engine with the question's context, and where that does not meet an Allow's conditions, as if they
 * held: then listed as conditional on them.
 */
async function trustedBeyond(role: { readonly name: string; readonly trustPolicy: string }, arn: string, account: string, input: WhoCanInput, time: number): Promise<TrustedBeyond[]> {
  const trust = compiledTrust(role);
  const out: TrustedBeyond[] = [];
  for (const action of ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity']) {
    const asked = { action, resource: arn, ...(input.context !== undefined ? { context: input.context } : {}) };
    for (const g of await grantedByResourcePolicy(trust, account, asked, time, true)) {
      if (!out.some((o) => o.principal.toLowerCase() === g.principal.toLowerCase())) out.push({ ...g, action });
    }
  }
  return out;
}

/**
 * The users who reach the question through a job of the workspace default role (review eq, 2). `--role default`
 * needs no PassRole: a member allowed `training:CreateJob` in a workspace runs a job as the default role, whose session
 * policy opens the workspace's default bucket (src/app/jobs.ts `defaultSessionPolicy`). The job's session is decided
 * as enforcement decides it (src/app/authorize.ts `readJobSession`): the role's answer (`allowed`, asked by its ARN as
 * a session with no session policy) cut by the session policies the job would carry, which must allow and not deny.
 * An account with no default role yet gets one at the first such job, with `defaultRoleScope`: decided with that policy
 * and the resource's policies. Only workspaces whose default bucket statement allows the question are looked at: the
 * session policy's other statements are the submitter's own table rights, never more than its own.
 */
async function throughDefaultRoleJobs(
  caller: Caller,
  input: WhoCanInput,
  users: readonly Asked[],
  roles: readonly { readonly name: string; readonly path: string; readonly tags?: readonly { readonly key: string; readonly value: string }[] }[],
  governing: ReturnType<ResourcePolicies['forResource']>,
  jobs: DefaultRoleJobs,
  simulate: Simulate,
  time: number,
  contextFor?: ContextFor,
): Promise<Result<ThroughDefaultRoleJob[]>> {
  const { partition, account } = caller;
  const name = defaultRoleName(partition);
  const role = roles.find((r) => r.name.toLowerCase() === name.toLowerCase());
  const roleArn = roleArnOf(partition, account, role?.path ?? '/', role?.name ?? name);
  // Whether the role may do it is asked for each workspace below, as the job's session (review qf, 5): decided by the
  // role's ARN, with its tags alone, a role kept to jobs by their session tags was refused (no one listed) and one
  // denying a workspace's jobs by them allowed (its members listed).
  const compiled = (doc: object, label: string): CompiledPolicy | undefined => {
    const d = parsePolicy(JSON.stringify(doc), { kind: 'identity' });
    return d.ok ? compilePolicy(d.value, label) : undefined;
  };
  const created = role === undefined ? compiled(defaultRoleScope(partition), `training-default-scope of ${name} (created by the first default-role job)`) : undefined;
  const roleTags = Object.fromEntries((role?.tags ?? []).map((t) => [t.key, t.value]));
  const principal: Principal = { kind: 'role-session', arn: sessionArn(partition, account, role?.name ?? name, 'job-who-can'), partition, account, roleArn, tags: roleTags };
  // With the context the authorizer decides the job's session with (review kj, 1): on an object of a bucket the S3
  // gateway holds, its stored tags as s3:ExistingObjectTag, as the gateway decides the job's request and as the
  // principals allowed were decided; the asker's tags there mixed the two answers.
  const facts = contextFor === undefined ? input : await contextFor(input, account);
  const requestOf = { principal, action: input.action, resource: input.resource, resourceAccount: account, context: contextOf(facts.context), time, ...(facts.unreadable !== undefined ? { unreadable: facts.unreadable } : {}) };
  const out: ThroughDefaultRoleJob[] = [];
  /** How user `u` may make itself a member of `ws` (its ARN `arn`): the action and why, or undefined. */
  const joinOf = async (u: Asked, ws: Workspace, arn: string): Promise<Result<{ action: string; reasons: readonly string[] } | undefined>> => {
    const groups = jobs.groups === undefined ? [] : await jobs.groups(account, ws.members.flatMap((m) => (m.group !== undefined ? [m.group] : [])));
    // `PUT /v1/workspaces/W` of the existing workspace asks `training:UpdateWorkspace` alone (review sb, 1: it asked
    // `training:CreateWorkspace`, taken here for a join the server now refuses); apply asks its read besides (review jb, 17).
    for (const [action, resource] of [
      ['training:UpdateWorkspace', arn] as const,
      ...groups.map((g) => [`${partition === 'acs' ? 'ram' : 'iam'}:AddUserToGroup`, entityArn(partition, account, 'group', g.path, g.name)] as const),
    ] as const) {
      const a = await simulate(caller, { principal: u.principal, action, resource, ...(input.context !== undefined ? { context: input.context } : {}) });
      if (!a.ok) return fail([refusalAbout('user', u.name, a.errors)]);
      if (a.value.decision === 'Allow') return ok({ action, reasons: a.value.reasons });
    }
    return ok(undefined);
  };
  for (const ws of await jobs.workspaces(account)) {
    if (ws.defaultBucket === undefined) continue;
    // The job's session carries the workspace's session tags (its id unknown: `*`, as escalation-paths' job steps carry
    // it) over the role's tags, and enforcement decides it with them (review qf, 5).
    const sessionTags = jobSessionTags({ workspace: ws.name, id: '*' });
    const request = { ...requestOf, principal: { ...principal, tags: { ...roleTags, ...sessionTags } } };
    const head = compiled({ Version: partition === 'acs' ? '1' : '2012-10-17', Statement: [defaultBucketStatement(ws.defaultBucket)] }, 'session-policy');
    if (head === undefined || evaluate(request, { identity: [head] }).decision !== 'Allow') continue;
    if (role !== undefined) {
      const asJob = await simulate(caller, { principal: roleArn, action: input.action, resource: input.resource, context: { ...(input.context ?? {}), ...Object.fromEntries(Object.entries(sessionTags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])) } });
      if (!asJob.ok) return fail([refusalAbout('role', role.name, asJob.errors)]);
      // The role may not do it as this workspace's job: no such job may.
      if (asJob.value.decision !== 'Allow') continue;
    }
    const wsArn = workspaceArn(partition, account, ws.name);
    for (const u of users) {
      // Allowed only to a member (src/app/authorize.ts `asMembersAllow`), and never to a disabled user.
      const submit = await simulate(caller, { principal: u.principal, action: 'training:CreateJob', resource: wsArn, ...(input.context !== undefined ? { context: input.context } : {}) });
      if (!submit.ok) return fail([refusalAbout('user', u.name, submit.errors)]);
      // Refused only as no member (review jb, 7): a user that may make itself one (as escalation-paths' job steps join a
      // workspace, review bz, 4) submits the job all the same. It was left out, though it reaches the bucket as a member.
      let join: { action: string; reasons: readonly string[] } | undefined;
      if (submit.value.decision !== 'Allow') {
        if (!refusedOnlyAsNonMember(submit.value)) continue;
        const j = await joinOf(u, ws, wsArn);
        if (!j.ok) return j;
        if (j.value === undefined) continue;
        join = j.value;
      }
      const session = await jobs.session(ws, u.name);
      if (session === undefined) continue;
      const cut = evaluate(request, { identity: [...session] });
      if (cut.decision !== 'Allow') continue;
      if (created !== undefined) {
        const d = evaluate({ ...request, resourceAccount: governing.account ?? account }, { identity: [created], session: [...session], resource: governing.policies });
        if (d.decision !== 'Allow') continue;
      }
      out.push({
        kind: 'user',
        name: u.name,
        principal: u.principal,
        workspace: wsArn,
        role: roleArn,
        ...(join !== undefined ? { join: join.action } : {}),
        reasons: [...(join !== undefined ? [...join.reasons, ...reasonsBesideMembership(submit.value)] : submit.value.reasons), `a job of ${u.name}'s with --role default in workspace ${ws.name} runs as ${roleArn}, its session policy allowing ${input.action} on the workspace's default bucket ${ws.defaultBucket}`],
      });
    }
  }
  return ok(out);
}

/**
 * `resourcePolicies`: the policies governing a resource, as the authorizer reads them. `canBecome`: escalation-paths' search (src/app/escalation.ts), asked for whom every principal can come to act as, so
 * that each allowed role lists those who reach the resource through it (review dv, 2); without it, no role says so.
 * `maxThrough`: entries a role lists at most (MAX_THROUGH).
 */
export function createWhoCan(directory: Pick<Directory, 'listUsers' | 'listRoles'>, simulate: Simulate, resourcePolicies: Pick<ResourcePolicies, 'forResource'>, grantedBeyond: (asker: string, action: string, resource: string, time: number) => readonly BeyondGrant[] | Promise<readonly BeyondGrant[]> = () => [], now: () => number = Date.now, canBecome?: CanBecome, maxThrough = MAX_THROUGH, defaultRoleJobs?: DefaultRoleJobs, engineSessions?: EngineSessions, contextFor?: ContextFor, engineSubjects?: EngineSubjects, held?: HeldPrincipals, bindingsNotMet?: BindingsNotMet, beyondNotMet: (asker: string, action: string, resource: string, time: number) => readonly BeyondGrant[] | Promise<readonly BeyondGrant[]> = () => []) {
  return async function whoCan(caller: Caller, input: WhoCanInput): Promise<Result<WhoCanAnswer>> {
    // Before the resource's policies are read for it: a missing or non-string `resource` crashed that read (500).
    const refused = actionAndResourceRefusal(input);
    if (refused !== undefined) return refused;
    // The users and roles as the instance holds them when the database cannot be reached (review qf, 1): each is
    // decided from memory as the authorize API decides it then; the parts that read the database are left out, and the
    // note says which. It answered 503.
    let fromMemory = false;
    const heldUsers = held && ((account: string) => ((fromMemory = true), held.users(account)));
    const heldRoles = held && ((account: string) => ((fromMemory = true), held.roles(account)));
    const users = await directory.listUsers(caller, {}, heldUsers);
    if (!users.ok) return users;
    const roles = await directory.listRoles(caller, {}, heldRoles);
    if (!roles.ok) return roles;
    /** What the database's outage left out of the answer, each said in the note (review qf, 1). */
    const leftOut: { field: 'through' | 'throughDefaultRoleJobs'; what: string }[] = [];
    /** `part`'s answer, or, when the database cannot be reached, `absent`, `field` noted as left out (`what` it is). */
    const unlessOutage = async <T>(part: () => Promise<T>, absent: T, field: 'through' | 'throughDefaultRoleJobs', what: string): Promise<T> => {
      try {
        return await part();
      } catch (e) {
        if (held === undefined || !isStoreUnavailable(e)) throw e;
        leftOut.push({ field, what });
        return absent;
      }
    };
    const governing = resourcePolicies.forResource(input.resource);
    // For an `sts:` action on a role of the account, its trust policy is the resource policy STS decides under: the
    // sessions it names are asked about, and the principals of other accounts it names are grants beyond the account.
    const trust = trustPolicyOf(input.action, input.resource, caller.account, roles.value);
    const principals: Asked[] = [
      ...users.value.map((u) => ({ kind: 'user' as const, name: u.name, principal: userArnOf(caller.partition, caller.account, u.path, u.name) })),
      ...roles.value.map((r) => ({ kind: 'role' as const, name: r.name, principal: roleArnOf(caller.partition, caller.account, r.path, r.name) })),
      // Sessions a resource policy (or the trust policy) names, and those another engine's rules name by their session
      // name (a Kubernetes binding to `…:assumed-role/R/alice`, review eq, 4): whoever becomes R picks the name.
      ...sessionsOf(
        [
          ...sessionsNamed([...governing.policies, ...trust], caller.account).map((x) => x.principal),
          ...(engineSessions !== undefined ? await engineSessions(caller.account, input.resource) : []),
        ],
        caller.account,
      ),
      // Federated users a resource policy names (review gd, 2): GetFederationToken is AWS STS's alone.
      ...(caller.partition === 'aws' ? federatedUsersNamed(governing.policies, caller.account) : []),
    ];
    // The question's time: its `aws:CurrentTime` (else `aws:EpochTime`), at which the principals are decided (simulate,
    // review ej, 2), else now. Every part of the answer is decided at it (review vd, 3): the grants to other accounts, the
    // trust beyond the account and the default-role jobs were decided at the server's clock, so at `aws:EpochTime` 2031 a
    // bucket policy's grant to a partner "until 2030" written on `aws:CurrentTime` was still listed.
    const askedAt = simulatedTime(contextOf(input.context)) ?? now();
    const allowed: Reacher[] = [];
    const excluded: ConditionallyExcluded[] = [];
    /**
     * What the answers say of the context keys they did not take (review vd, 4): who the principal is (`aws:PrincipalArn`,
     * `aws:username`…), the resource's owner (`aws:ResourceAccount`). Every principal is asked with the same context, so
     * each says the same; the per-principal diagnostics are not part of who-can's answer, and the keys were dropped
     * without a word: "who can read it as user x", or "…were it account B's", was answered as if not asked.
     */
    const contextNotes = new Set<string>();
    let checked = 0;
    /** The conditional bindings each principal not allowed misses (review vg, 4): prepared once, at the first. */
    let notMetOf: ((principal: string) => readonly MatchedRule[]) | undefined;
    // Each question is awaited but answered without I/O: the event loop turns now and then, so that the server answers
    // others while costly principals are asked about (review qm, 4).
    const turn = engineTurns();
    for (const p of principals) {
      await turn();
      const a = await simulate(caller, { ...input, principal: p.principal, withConditionsNotMet: true });
      // A session of a role that no longer exists is no one (no such session can be issued): not a principal.
      if (!a.ok && p.kind === 'session' && a.errors[0]?.code === 'NO_SUCH_ENTITY') continue;
      checked++;
      // The question itself is wrong (an action that is not one), or the caller may not ask about this principal:
      // the whole answer would be partial, so it is refused as it stands.
      if (!a.ok) return fail([refusalAbout(p.kind, p.name, a.errors)]);
      for (const d of a.value.diagnostics) if (IGNORED_CONTEXT_RE.test(d)) contextNotes.add(d);
      if (a.value.decision === 'Allow') {
        // Asked again without the rules that hold only under a condition, and with every conditional Deny applying:
        // the engines decide whether what is left allows (an identity policy alone, a resource policy alone, both across
        // accounts, within the boundary), so the answer does not re-derive how grants combine.
        const c = await conditionality(a.value, async (what) => {
          const r = await simulate(caller, { ...input, principal: p.principal, ...what });
          return r.ok ? r : fail([refusalAbout(p.kind, p.name, r.errors)]);
        });
        if (!c.ok) return c;
        allowed.push({ ...p, reasons: a.value.reasons, matched: a.value.matched, ...c.value });
      } else if (a.value.decision === 'ImplicitDeny') {
        // An IAM Allow's condition, or a binding's (review vg, 4: a grant from 2030 left its members out of both lists).
        notMetOf ??= bindingsNotMet === undefined ? () => [] : await bindingsNotMet(caller.account, input.action, input.resource, askedAt);
        const bound = notMetOf(p.principal);
        const notMet = [...(a.value.conditionsNotMet ?? []), ...bound];
        if (notMet.length > 0) excluded.push({ ...p, conditions: conditionsOf(notMet), notMet });
      }
    }
    // Who reaches it through a default-role job (review eq, 2): no PassRole is asked for one, so escalation-paths'
    // steps (`through`) do not find them, and the job's session is narrower than the role.
    let viaJobs: ThroughDefaultRoleJob[] = [];
    if (defaultRoleJobs !== undefined) {
      const users = principals.filter((p) => p.kind === 'user');
      const v = await unlessOutage(() => throughDefaultRoleJobs(caller, input, users, roles.value, governing, defaultRoleJobs, simulate, askedAt, contextFor), ok([]), 'throughDefaultRoleJobs', 'who reaches it through a default-role job of a workspace (`throughDefaultRoleJobs`, which reads the workspaces)');
      if (!v.ok) return v;
      viaJobs = v.value;
    }
    // Who can come to act as each role allowed: the auditor's question is who can end up doing it (review dv, 2).
    // Asked of escalation-paths' search, with the question's context, only when a role is allowed (it walks the
    // account whole). A caller who may not read the account whole, or an account too large for its budget, gets the
    // answer without it, and the note says why.
    let throughNote = '';
    // A session allowed is come to by whoever comes to act as its role, which picks the session's name (review eq, 4).
    const roleOf = (r: Reacher): string | undefined => {
      if (r.kind === 'role') return r.principal;
      const name = r.kind === 'session' ? parseSessionArn(r.principal)?.roleName.toLowerCase() : undefined;
      const role = name === undefined ? undefined : roles.value.find((x) => x.name.toLowerCase() === name);
      return role && roleArnOf(caller.partition, caller.account, role.path, role.name);
    };
    // A user allowed is come to by whoever may act as it: mint its access key (`iam:CreateAccessKey`, review fl, 4), or
    // come to one that may; escalation-paths lists those steps as it lists AssumeRole.
    const targetOf = (r: Reacher): string | undefined => (r.kind === 'user' ? r.principal : roleOf(r));
    if (canBecome !== undefined && allowed.some((r) => targetOf(r) !== undefined)) {
      const e = await unlessOutage(() => canBecome(caller, { ...(input.context !== undefined ? { context: input.context } : {}), becomeOnly: true }), undefined, 'through', "who can come to act as each principal allowed (`through`, escalation-paths' search, which reads the account whole)");
      if (e === undefined) {
        // Left out for the outage: said below.
      } else if (e.ok) {
        const lists = new Map<string, Through[]>(allowed.flatMap((r) => (targetOf(r) !== undefined ? [[targetOf(r) as string, []] as [string, Through[]]] : [])));
        for (const report of e.value.reports) {
          for (const b of report.canBecome) {
            lists.get(b.principal)?.push({ principal: report.principal, kind: report.kind, name: report.principal.slice(report.principal.lastIndexOf('/') + 1), path: b.path });
          }
        }
        let omitted = false;
        for (let i = 0; i < allowed.length; i++) {
          const r = allowed[i] as Reacher;
          const target = targetOf(r);
          const found = target === undefined ? undefined : lists.get(target);
          if (found === undefined) continue;
          // The shortest paths first (then in escalation-paths' order): the direct ones, when only the first are listed.
          const through = [...found].sort((x, y) => x.path.length - y.path.length);
          if (through.length > maxThrough) {
            allowed[i] = { ...r, through: through.slice(0, maxThrough), throughOmitted: through.length - maxThrough };
            omitted = true;
          } else allowed[i] = { ...r, through };
        }
        throughNote = `; each user and role allowed (and each session allowed, by its role) lists in \`through\` the users and roles of the account that can come to act as it (escalation-paths' steps, with the context given)${omitted ? `, at most ${maxThrough} a role: \`throughOmitted\` counts the others, which escalation-paths lists` : ''}`;
      } else {
        throughNote = `; who can come to act as the roles allowed is not listed (through): ${e.errors[0]?.message ?? 'escalation paths cannot be asked'}`;
      }
    }
    // Who can open a session of each federated user allowed (review gd, 2): the users allowed GetFederationToken on it.
    for (let i = 0; i < allowed.length; i++) {
      const r = allowed[i] as Reacher;
      if (r.kind !== 'federated-user') continue;
      const b = await federationBrokers(caller, r, input, principals.filter((p) => p.kind === 'user'), simulate, maxThrough);
      if (!b.ok) return b;
      allowed[i] = { ...r, through: b.value.through, ...(b.value.omitted > 0 ? { throughOmitted: b.value.omitted } : {}) };
    }
    // Who beyond the account can become each role allowed (review fl, 3): `through` follows the account's own
    // principals, and a role a partner account or an OIDC provider's tokens may assume reads, without this, as reached
    // from within the account alone.
    const trustedCache = new Map<string, TrustedBeyond[]>();
    for (let i = 0; i < allowed.length; i++) {
      const r = allowed[i] as Reacher;
      const arn = roleOf(r);
      const role = arn === undefined ? undefined : roles.value.find((x) => roleArnOf(caller.partition, caller.account, x.path, x.name) === arn);
      if (arn === undefined || role === undefined) continue;
      let found = trustedCache.get(arn);
      if (found === undefined) trustedCache.set(arn, (found = await trustedBeyond(role, arn, caller.account, input, askedAt)));
      if (found.length > 0) allowed[i] = { ...r, trustedBeyond: found };
    }
    // At the question's time (`aws:CurrentTime`), which the principals above were decided at (simulate, review ej, 2), not
    // the server's: a binding's `request.time` condition lists who it lets in then (review ke, 2).
    const beyond = await grantedBeyond(caller.account, input.action, input.resource, askedAt);
    const beyondExcluded = await beyondNotMet(caller.account, input.action, input.resource, askedAt);
    // Kubernetes subjects the webhook lets in by RBAC alone, without an IAM principal (review ne, 3): without them, a
    // secret bound to a ServiceAccount read as reached by no one.
    const rbacBeyond = engineSubjects !== undefined ? await engineSubjects(caller.account, input.resource, input.action) : [];
    // Another account's resource policies are its own to read (as its bindings, review I3).
    // Listed to the owner (or the root account) alone, so decided with the owner's facts: an object's stored tags, as the
    // gateway decides the other account's request on it (review kj, 3), not the asker's.
    const owner = governing.account ?? caller.account;
    const readable = governing.account === caller.account || caller.account === ROOT_ACCOUNT;
    const ownersInput = readable ? await withContextOf(input, owner, contextFor) : input;
    const foreign = readable ? await grantedByResourcePolicy([...governing.policies, ...trust], owner, ownersInput, askedAt, false, true) : [];
    // Those the Allow statements' conditions keep out of it in this context (review vm, 5): granted had they held, less
    // those granted now.
    const granted = new Set(foreign.map((g) => g.principal.toLowerCase()));
    const foreignExcluded = readable ? (await grantedByResourcePolicy([...governing.policies, ...trust], owner, ownersInput, askedAt, true, true)).filter((g) => !granted.has(g.principal.toLowerCase())) : [];
    // Principal tags, given or read by a condition (review vg, 3).
    const tagsGiven = Object.keys(input.context ?? {}).filter((k) => PRINCIPAL_TAG_RE.test(k));
    const tagNotes = principalTagNotes(tagsGiven, [...allowed, ...excluded]);
    const open = foreign.some((g) => g.principal === '*') ? 'anyone (*: every account\'s principals, and unauthenticated callers where the service takes them)' : 'principals of other accounts';
    const widest = beyond.some((g) => g.member === 'allUsers') ? 'anyone, unauthenticated too (allUsers)' : beyond.some((g) => g.member === 'allAuthenticatedUsers') ? 'every authenticated principal of every account (allAuthenticatedUsers)' : 'principals of other accounts or federated subjects';
    return ok({
      action: input.action,
      resource: input.resource,
      allowed,
      conditionallyExcluded: excluded,
      throughDefaultRoleJobs: viaJobs,
      checked,
      grantedBeyond: beyond,
      conditionallyExcludedBeyond: beyondExcluded,
      grantedByResourcePolicy: foreign,
      conditionallyExcludedByResourcePolicy: foreignExcluded,
      grantedByRbac: rbacBeyond,
      ...(leftOut.length > 0 ? { leftOut: leftOut.map((l) => l.field) } : {}),
      // A resource policy naming one session's ARN grants that session alone, without identity policy: the role's
      // answer does not cover it (review I, M3), so each such session is asked about by its ARN.
      note: `every user and role of account ${caller.account}, roles as a session with no session policy${tagsGiven.length > 0 ? ' and the tags of the context' : ' or tags'}, and each session of the account that a resource policy on the resource names by its ARN or a cluster's binding names by its username (and each federated user it names, with in \`through\` the users that may open its session by GetFederationToken); sessions whose tags meet a condition the role's do not, and principals of other accounts that a resource policy names, are not listed among them; a principal allowed only under conditions says so (conditional, conditions), and one whose grant a Deny with a condition would take away in another context says which (unless)${excluded.length > 0 ? '; principals whose Allow statements’ conditions did not hold for this context: see conditionallyExcluded' : ''}${throughNote}${allowed.some((r) => r.trustedBeyond !== undefined) ? '; principals beyond the account that a role\'s trust policy lets become it (other accounts, OIDC providers\' tokens): see each role\'s trustedBeyond' : ''}${viaJobs.length > 0 ? '; users who may submit a job of the workspace default role reach it through the job, whose session opens the workspace\'s default bucket: see throughDefaultRoleJobs' : ''}${beyond.length > 0 ? `; bindings also grant it to ${widest}: see grantedBeyond` : ''}${beyondExcluded.length > 0 ? '; bindings whose condition did not hold at this time would also grant it to principals beyond the account: see conditionallyExcludedBeyond' : ''}${foreign.length > 0 ? `; resource policies also grant it to ${open}: see grantedByResourcePolicy` : ''}${foreignExcluded.length > 0 ? '; resource policies would also grant it to principals beyond the account had the conditions of their Allow statements held for this context: see conditionallyExcludedByResourcePolicy' : ''}${rbacBeyond.length > 0 ? '; the cluster\'s RBAC also gives it to subjects no access entry maps to a principal of the account (service accounts, groups, other authenticators\' users), which its webhook lets in: see grantedByRbac' : ''}${[...contextNotes, ...tagNotes].map((n) => `; ${n}`).join('')}${fromMemory || leftOut.length > 0 ? `; the database cannot be reached: ${fromMemory ? 'the users and roles as this instance holds them, each decided as the authorize API decides it meanwhile' : 'the users and roles as the database listed them'}${leftOut.length > 0 ? `, and ${leftOut.map((l) => l.what).join(' and ')} not listed (\`leftOut\`): ask again once it is back` : ''}` : ''}`,
    });
  };
}

export type WhoCan = ReturnType<typeof createWhoCan>;
