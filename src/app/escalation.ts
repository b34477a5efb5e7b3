/**
 * Which paths let a principal gain more rights (DESIGN.md, the auditor's question): from a user or a role of the
 * caller's account, every principal it can come to act as, step by step, and every way it, or one of those, can
 * give itself new rights. Each step is a question asked of the engine that enforces it, recorded nowhere.
 *
 * Steps (X acts as Y afterwards):
 * - `sts:AssumeRole`: the role's trust policy and X's own policies, as AssumeRole decides (src/app/sts.ts); where
 *   either compares the session name X picks (`sts:RoleSessionName`), also under each name they name (review eq, 5).
 * - `iam:UpdateAssumeRolePolicy`: X may rewrite the role's trust policy to name itself, then assume it.
 * - `sts:AssumeRole` after `iam:AddUserToGroup` of itself (review sx, 2): a group whose policies allow AssumeRole on the
 *   role, which X (a user) may join (room made first at its quota of groups); asked with the group's policies added.
 * - `sts:AssumeRole` after `iam:AttachUserPolicy`/`iam:AttachRolePolicy` on itself (review sx, 3), or `iam:AttachGroupPolicy`
 *   on a group X (a user) is in (review tg, 1): a managed policy allowing AssumeRole on the role, which X may attach
 *   there (`iam:PolicyARN`); asked with that policy added.
 * - `sts:AssumeRole` after `iam:SetDefaultPolicyVersion` (review sx, 4): a version of a managed policy attached to X
 *   (or its group) allowing AssumeRole on the role, made the default; asked with that version in the default's place.
 *   So too of X's permissions boundary policy held as the boundary alone (review tw, 3), in the boundary's place alone.
 * - `sts:AssumeRole` after X lifts its own permissions boundary (review tw, 4): `Delete…PermissionsBoundary` on itself,
 *   `Put…PermissionsBoundary` of any policy, or `CreatePolicyVersion` on the boundary policy, as the boundary gains
 *   below ask them; asked with a boundary allowing everything in its place (its own policies in full). So too before
 *   passing a role to a job, a node or a pod, as a group joined is. And after another principal reached lifts X's
 *   boundary (review uo, 2: `liftedByAnother`, once the search has no step left), before AssumeRole only.
 * - `sts:AssumeRole` with an external id (review jb, 4): one the role's trust policy or X's own policies compare
 *   `sts:ExternalId` with, which X gives (it is no secret: the trust policy names it).
 * - `sts:AssumeRole` with session tags (review ii, 2): the tags the role's trust policy or X's own policies compare
 *   `aws:RequestTag/K` with, which X passes, asked with them as AssumeRole asks it, `sts:TagSession` included.
 * - `sts:AssumeRole` with a source identity (review ii, 3): one the role's trust policy or X's own policies compare
 *   `sts:SourceIdentity` with (`${aws:username}` read as a user's name), asked with it, `sts:SetSourceIdentity` included.
 * - `sts:AssumeRole` after `iam:TagRole` on the role (review ii, 8): the tags X's own policies ask of the role
 *   (`aws:ResourceTag/K`, `iam:ResourceTag/K`), AssumeRole decided with the role carrying them.
 * - `sts:AssumeRole` after `iam:TagUser`/`iam:TagRole` on itself (review cc, 5): the principal tags the role's trust
 *   policy or X's policies test (`aws:PrincipalTag/K`), which X may set on itself; asked as AssumeRole decides with them.
 * - `sts:AssumeRole` after `iam:UpdateUser` on itself (review ml, 2): a path the role's trust policy admits users under
 *   (`ArnLike aws:PrincipalArn …:user/admins/*`), which X (a user) may move itself to (UpdateUser asked on its ARN and
 *   on the new one); asked as AssumeRole decides with X's ARN under that path.
 * - `iam:PassRole` to a training job: X (a user) may pass the role to the training service, may create a job in a
 *   workspace it belongs to, or in one it may join (write it with `training:UpdateWorkspace`, or add itself to a member
 *   group; its own policies deciding the submission), or one it may create (review jb, 5), and the
 *   role trusts the training service:
 *   the job's processes run as the role. Where
 *   PassRole is refused only for want of an allow, X may also come to pass it by binding itself
 *   `roles/iam.serviceAccountUser` on the role or the account (it may set their IAM policy): listed with
 *   `gatehouse:SetIamPolicy` (or `iam.serviceAccounts.setIamPolicy`) first among the step's actions. Where it may
 *   pass the role only once it holds another policy (review tg, 2): a group allowing PassRole that it may join, or a
 *   managed policy allowing it that it may attach to itself or a group of its own (as the AssumeRole steps above ask
 *   them), or another version of a managed policy it holds, or of its boundary (review tw, 3), that it may make the
 *   default (review tk, 2; decided in the default's place), then a job in a workspace it is a member of, or one it joins or creates first (review tw, 1),
 *   PassRole and CreateJob asked with that policy added.
 * - `iam:PassRole` to a cluster node: X (a user, or a role, whose sessions start nodes too) may start a node of a
 *   cluster whose node role (compute config, mapping rule for a user, or instance role) X may pass to the compute
 *   service, and the role trusts that service; or of a cluster X may write (`training:UpdateCluster` of one that
 *   exists, `training:CreateCluster` of a new one), its instance role set to the role (review jb, 6). The node role of
 *   a cluster as it stands, X may also come to pass as for a job (review tg, 2): a group joined or a policy attached first;
 *   so too the role of a cluster it writes (review tw, 2).
 * - `iam:PassRole` to a pod (review cc, 3): X (a user or role) may create pods in a namespace of a cluster
 *   (`kubernetes:create` on `<cluster>/namespaces/<ns>/pods`, which the cluster's RBAC decides through X's access
 *   entry), and may pass a role that trusts the compute service: a pod annotated `gatehouse.dev/role` runs as it (pod
 *   admission, src/app/kube.ts `checkPass`). Asked in each namespace the cluster's RBAC objects name, and `default`
 *   (where a ClusterRoleBinding reaches); for a role, also as each of its sessions a binding names by username, whose
 *   name whoever becomes the role picks (review eq, 4). PassRole as for a node, `roles/iam.serviceAccountUser` included;
 *   a role X may pass only once a group is joined or a policy attached first, as for a node (review tk, 1).
 *   Where RBAC does not let X create pods yet, X with an access entry on the cluster may still write a Role that does
 *   and bind it to its own Kubernetes user (`training:ApplyRbacObject`, asked with apply's condition keys, review fl,
 *   2), or put itself in a group a binding lets create pods by rewriting its own entry (`training:UpdateAccessEntry`
 *   through apply, or `DeleteAccessEntry` and `CreateAccessEntry`, review fl, 5); without an entry, it may make one
 *   (`training:CreateAccessEntry`) first; unless IAM denies it `kubernetes:create` there. Where it may create no pods, a
 *   workload whose pod template names the role (review jb, 2): admission grants the template on X's authority, and the
 *   pods a built-in controller (a Job's, a Deployment's) or a controller the cluster trusts makes from it run as the role.
 * - `sts:AssumeRoleWithWebIdentity` (review jb, 9): the role's trust policy lets an OIDC provider of the account assume it,
 *   and X may register that provider (`iam:CreateOpenIDConnectProvider`, after `iam:DeleteOpenIDConnectProvider` where
 *   it is registered) with keys of its own (`JwksJson`), so it signs the tokens, with the claims the trust policy asks.
 * - `iam:CreateAccessKey` on another user: X may mint that user's key; for a user holding its quota of two keys, together
 *   with `iam:DeleteAccessKey`, which makes room; for a disabled user, whose keys authenticate
 *   nothing, together with `iam:UpdateUser`, which enables it again. A disabled user asked about acts in no path.
 * - `iam:CreateUser` / `iam:CreateRole`: X may create a principal (review cc, 2) and act as it, minting the new user's
 *   key (`iam:CreateAccessKey`) or assuming the new role, whose trust policy X writes to name itself (decided as
 *   AssumeRole would decide that policy); listed only with a gain of X over it (below), since a principal with no
 *   policy is nothing more. The name is X's choice: asked for a name each of X's own Allow statements on users (roles)
 *   of the account spells (`user/temp-*` read as `user/temp-new`) and for a plain one; when `CreateUser` is refused
 *   without a boundary and a policy of X reads `iam:PermissionsBoundary`, asked with each policy as the boundary. The
 *   new principal is followed no further (it has nothing but what X writes to it). In an account holding its quota of
 *   5,000 users (1,000 roles), only with `iam:DeleteUser` (`DeleteRole`) first of one that may be deleted, review lk, 1.
 *
 * Gains (X changes what a principal it acts as may do):
 * - a policy written or attached to it (`PutUserPolicy`, `AttachUserPolicy`, `PutRolePolicy`, `AttachRolePolicy`),
 *   to one of its groups (`PutGroupPolicy`, `AttachGroupPolicy`), or a new default version of a managed policy
 *   attached to it or its groups (`CreatePolicyVersion`, with `DeletePolicyVersion` first on a policy holding its quota
 *   of five versions, review fl, 6): any right, within its permissions boundary if it has one
 *   that X cannot remove. Enforcement names the policy an `Attach…Policy` attaches (`iam:PolicyARN`): when the
 *   question without it is refused, or never asked since a policy of X reads that key (so a Deny naming some policies
 *   holds, review mb, 3; so for `Put…PermissionsBoundary`), it is asked for each managed policy of
 *   the account and each built-in one not already in effect, and each one allowed gives its rights (any right when
 *   it allows everything), or one X may create (`CreatePolicy`, review jb, 8; in an account holding its quota of
 *   1,500, only with `DeletePolicy` of one attached to no one first, review la, 3);
 * - another existing version of such a managed policy made the default (`SetDefaultPolicyVersion`), when one allows
 *   more than the default (`widerVersions`): the rights of that version, or any right (within the boundary that
 *   stays) when it allows every action on every resource unconditionally. The actor picks a version, not a document,
 *   so a policy whose other versions allow nothing more is no path;
 * - its permissions boundary removed or replaced (`Delete…`/`Put…PermissionsBoundary`), or the boundary policy itself
 *   rewritten (`CreatePolicyVersion` on it) or set to a wider version (`SetDefaultPolicyVersion`): its own policies
 *   in full (AWS's delegated-administration example denies both on the boundary policy for this reason), or cut by
 *   the wider boundary `policy`. Enforcement names the boundary (`iam:PermissionsBoundary`): the current one on
 *   `Put/Attach…Policy` and `Delete…PermissionsBoundary`, the new one on `Put…PermissionsBoundary`, which, refused
 *   without it when a policy of X reads that key, is asked for each policy that may be wider than the current one;
 * - `AddUserToGroup`: the rights of that group, when a policy of it has an Allow statement (a group with none, or Deny
 *   statements only, grants nothing, review lk, 2) that may meet one of its permissions boundary's, where one stays
 *   (review mb, 1; so for a policy attached by `iam:PolicyARN`, `gives: policy`) and is not
 *   covered by a Deny of its own that stays (review mb, 2); with the group's policy written too (`Put`/`AttachGroupPolicy`, a new or
 *   wider default version of its managed policy, review jb, 1), what that write gives, the join named `first`; and a
 *   group X may create, join and write (`CreateGroup`, review jb, 10; in an account holding its quota of 300 groups,
 *   only with `DeleteGroup` of an empty one first, review la, 2, or of one X may empty first, review mb, 4).
 * - `TagUser`/`TagRole` on it (review cc, 7), when its own Allow statements test principal tags it does not carry
 *   (`aws:PrincipalTag/K`, string operators): what they grant, the tagging asked with those keys and values (on a
 *   principal holding its quota of 50 tags, only with `Untag…` of as many first, review la, 1; so for every tagging
 *   below and in the steps above). For a
 *   role X may assume, also those tags passed as session tags (`sts:TagSession`, review ii, 1), which its session
 *   carries over the role's: AssumeRole asked with them (`aws:RequestTag/K`, `aws:TagKeys`), and `sts:TagSession`.
 * - `gatehouse:SetIamPolicy` on the account (`account/<id>`) or a workspace (review cc, 4), or on a bucket or resource of
 *   the account (review jb, 11), or on any other ARN the account holds an IAM policy on (review ke, 4): a binding of any
 *   role to it there, `roles/owner` included, on every resource below (binding members name users and roles alike).
 * - `gatehouse:UpdateIamRole` on a custom role that a binding of the account grants it (as `user:`, through a group, as
 *   a service account, or as everyone; review ke, 3): any permission added to the role, wherever the binding applies.
 * - `s3:PutBucketPolicy` on a bucket the account owns, or `gatehouse:PutResourcePolicy` on it or on a resource the
 *   account holds a policy on (review cc, 6): a policy granting it every action there.
 * - over a principal X creates: `Put…Policy` or `Attach…Policy` on it (any right, within the boundary its creation
 *   had to set), and for a user `AddUserToGroup`.
 * - a Deny of its own taken away (review eq, 3): an inline policy holding one deleted (`Delete…Policy`), such a managed
 *   policy detached (`Detach…Policy`), a group holding one left (`RemoveUserFromGroup`) or its policy deleted or
 *   detached, a principal tag a Deny tests removed (`Untag…`), or one a Deny applies without set (`Tag…`, review ii,
 *   4: `StringNotEquals aws:PrincipalTag/K`, `Null … true`; for a role, passed as a session tag, `sts:TagSession`,
 *   review ii, 6), or for a role a tag a Deny compares overridden by a session tag (review ii, 7), or for a user its
 *   path moved out of one a Deny names by `aws:PrincipalArn` (`UpdateUser`, review ml, 3): what its other
 *   policies grant (`without-deny`).
 *
 * Roles are asked about by their ARN, as a session with no session policy, the most a session of the role may do
 * (a session ARN is decided with the scoped sessions live under it, src/app/authorize.ts). Conditions are evaluated against the request context given (empty by default), so a step
 * that a condition gates (a source IP, MFA; not an external id, session name or source identity, which the assumer gives) appears only when the context satisfies it. Principals of
 * other accounts are not followed. The caller needs `iam:GetAccountAuthorizationDetails` (`ram:` in `acs`
 * accounts), which reads the account whole, and `gatehouse:Authorize` on its principals.
 *
 * Bounded: an answer asks at most `MAX_QUESTIONS` questions (a few seconds), else it is refused and the caller is
 * asked to name one principal (at once when the account is too large for any search to fit, review dx, 1); and it lets the event loop turn every `SLICE` questions, so decisions served
 * meanwhile do not wait for it. A question whose answer the compiled policies show cannot be Allow (no trust statement
 * may name the principal, no Allow statement of its own may match the action and the ARN) is not asked: the sieve
 * (review ee, 1), which changes how many questions an answer takes, never the answer.
 */
import { setImmediate } from 'node:timers/promises';
import { engineTurns } from './engine-turns.ts';
import { failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../core/errors.ts';
import { adminService, entityArn, QUOTAS, rootArn, shortName, type Partition } from '../core/directory/rules.ts';
import { builtinsMeaningfulIn } from '../core/directory/catalogue.ts';
import { clusterArn, computeServices, drawableJobIdLike, isWorkspaceMember, JOB_TAG_CLUSTER, JOB_TAG_JOB, JOB_TAG_WORKSPACE, jobArn, jobSessionTags, nodeRole, serviceTrustContext, trainingServices, workspaceArn, type Cluster, type Workspace } from '../core/jobs/jobs.ts';
import { parseRoleArn, parseSessionArn, RAM_SESSION_NAME_RE, roleNamedBy, SESSION_NAME_RE } from '../core/sts/session.ts';
import type { AssumeDecisionOptions } from './sts.ts';
import { bindStatement, compilePolicy, contextOf, evaluate, parsePolicy, resolvedGlobMatcher, type CompiledPolicy, type ConditionEntry, type Decision, type PolicyDocument, type PolicySet, type Principal, type Statement } from '../core/iam/index.ts';
import type { PolicyVersionRecord, Tag } from './ports/store.ts';
import { reasonsBesideMembership, refusedOnlyAsNonMember, simulatedTime, withAddedPolicies, type AuthorizeAnswer, type AuthorizeInput } from './authorize.ts';
import { ASSOCIATED_RESOURCE, decideAdmin, decideForServiceNames, passedToEveryName, ramOwnName, type Caller } from './principals.ts';
import { awsResourceTags, requestTagContext, tagKeysContext } from './directory.ts';
import { compiledTrust, refusalAbout, sessionsNamed } from './who-can.ts';
import { principalArnFor } from './principal-refs.ts';
import { customRoleArn, serviceAccountEmail } from '../core/bindings/index.ts';
import { accessEntryContext, rbacContext } from './kube-apply.ts';
import { defaultUsername, renderUsername, TRAINING_WORKLOAD_RESOURCES, WORKLOAD_TEMPLATES } from '../core/kube/index.ts';
import { AUTHENTICATED_GROUP, labelsMatching, type BoundRole } from '../core/rbac/index.ts';
import type { AuthorizationDetails, GroupDetail, UserDetail } from './simulate.ts';

export interface EscalationStep {
  /** The user or role acting. */
  readonly from: string;
  /** The user or role it acts as afterwards. */
  readonly to: string;
  readonly how: 'sts:AssumeRole' | 'iam:UpdateAssumeRolePolicy' | 'iam:PassRole to a training job' | 'iam:PassRole to a cluster node' | 'iam:PassRole to a pod' | 'iam:CreateAccessKey' | 'iam:CreateUser' | 'iam:CreateRole' | 'sts:GetFederationToken' | 'sts:AssumeRoleWithWebIdentity' | 'sts:AssumeRoleWithOIDC';
  /** The actions it takes, as the account's dialect names them. */
  readonly actions: readonly string[];
  /** Where, when it is not `to`: the workspace or cluster. */
  readonly via?: string;
  /** Why each action is allowed, one line per question. */
  readonly reasons: readonly string[];
}

export interface EscalationGain {
  /** The user or role that can act. */
  readonly by: string;
  /** The user or role whose rights grow. */
  readonly principal: string;
  readonly action: string;
  /** What is written to: the principal, one of its groups, or a managed policy attached to it. */
  readonly resource: string;
  /**
   * `any`: any right (a policy of the actor's choosing, or a version that allows everything); `any-within-boundary`:
   * any right its permissions boundary allows; `own-policies`: its own policies, no longer cut by its boundary (cut
   * by the wider boundary `policy` instead, when given);
   * `group`: the rights of `resource`; `policy`: the rights of managed policy `policy` (of its `versions` when given),
   * within the boundary that stays; `bindings`: any role a binding grants (`roles/owner`…) on `resource` and what lies
   * under it (storage, ML, Kubernetes permissions, passing roles), within its boundary; not the actions Gatehouse
   * decides by IAM policies alone; `resource`: any right a resource policy grants on `resource` and what lies under it
   * (where its service reads resource policies); `tags`: what its own policies grant to a principal carrying the tags
   * the reasons name (`aws:PrincipalTag/K` conditions); `without-deny`: what its other policies grant once the Deny
   * statements of `policy` (an inline policy's name, a managed policy's ARN, a group's ARN, or a tag key its Denies
   * test) no longer apply to it, removed by `action` (review eq, 3).
   */
  readonly gives: 'any' | 'any-within-boundary' | 'own-policies' | 'group' | 'policy' | 'bindings' | 'resource' | 'tags' | 'without-deny';
  /**
   * The managed policy attached (`Attach…Policy` allowed only for some policies, by `iam:PolicyARN`), set to another
   * version, or put as the boundary (`Put…PermissionsBoundary` allowed only for some, by `iam:PermissionsBoundary`).
   */
  readonly policy?: string;
  /** For `SetDefaultPolicyVersion`: the versions of `policy` that allow more than its default. */
  readonly versions?: readonly string[];
  /**
   * Actions taken before `action`, which it needs (review fl, 6): `iam:DeletePolicyVersion` before a
   * `CreatePolicyVersion` on a policy that holds its quota of five versions (IAM refuses a sixth, LimitExceeded);
   * `Untag…` before a `Tag…` on a principal that holds its quota of 50 tags (review la, 1).
   */
  readonly first?: readonly string[];
  readonly reasons: readonly string[];
}

export interface EscalationReport {
  /** The user or role asked about. */
  readonly principal: string;
  readonly kind: 'user' | 'role';
  /** Every principal it can come to act as, each with the shortest path there. */
  /**
   * Kind `federated-user`: a federated user of the account that a resource policy names by ARN, whose session a user
   * reached may open by GetFederationToken (review gd, 2); it is followed no further.
   */
  readonly canBecome: readonly { readonly principal: string; readonly kind: 'user' | 'role' | 'federated-user'; readonly path: readonly EscalationStep[] }[];
  /**
   * Ways to more rights, for itself and each principal it can become: the path to the actor, then the gain. For
   * each principal whose rights would grow, each kind of gain from the closest actor that has it.
   */
  readonly canGain: readonly { readonly path: readonly EscalationStep[]; readonly gain: EscalationGain }[];
  /**
   * Whether some path ends in any right for a principal it acts as: a gain of any right, or a boundary lifted (or made
   * one allowing everything) from a principal whose own policies allow everything (review uo, 3).
   */
  readonly anyRight: boolean;
}

export interface EscalationAnswer {
  readonly reports: readonly EscalationReport[];
  /** Questions asked of the engine. */
  readonly questions: number;
  readonly note: string;
}

export interface EscalationInput {
  /** A user or role ARN of the caller's account; every user and role when absent. */
  readonly principal?: string;
  /** The request context every question is asked with. */
  readonly context?: AuthorizeInput['context'];
  /**
   * Only whom each principal can come to act as (`canBecome`, without principals it may create): no gains are looked
   * for. Set by who-can alone (review dv, 2), never read from a request.
   */
  readonly becomeOnly?: boolean;
}

/** An external id AssumeRole takes (`ExternalId`: 2 to 1,224 of these characters, src/core/sts/session.ts). */
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]{2,1224}$/;

/** The name escalation-paths asks to give the Role (ClusterRole) and binding a principal may write for itself (review fl, 2). */
const RBAC_NAME = 'pod-creators';
/** The most names escalation-paths asks for those objects (`pod-creators` and the names a policy singles out). */
const MAX_RBAC_NAMES = 8;
/** An RBAC object's name as Kubernetes takes it (apimachinery `ValidatePathSegmentName`: no `/` nor `%`). */
const RBAC_OBJECT_NAME = /^[^/%]{1,253}$/;
/** A namespace's name (an RFC 1123 label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Questions one answer may ask at most (~10 µs each): beyond, the caller is asked to name one principal. */
export const MAX_QUESTIONS = 1_000_000;
/** Questions asked between two turns of the event loop, so a long search does not stall decisions. */
const SLICE = 2_000;

export interface EscalationDeps {
  readonly details: (caller: Caller) => Promise<Result<AuthorizationDetails>>;
  readonly simulate: (caller: Caller, input: AuthorizeInput) => Promise<Result<AuthorizeAnswer>>;
  readonly principalOf: (caller: Caller, arn: string) => Promise<Result<{ principal: Principal; policies: PolicySet }>>;
  /** `planned`: the trust policy of a role not yet created under `roleArn`, decided as that role's would be. */
  readonly assumeDecision: (principal: Principal, policies: PolicySet, roleArn: string, context?: Record<string, string | string[]>, opts?: AssumeDecisionOptions) => Promise<Decision | undefined>;
  readonly workspaces: (account: string) => Promise<Workspace[]>;
  readonly clusters: (account: string) => Promise<Cluster[]>;
  /** The namespaces a cluster's RBAC objects name (for pods); none when absent. */
  readonly podNamespaces?: (account: string, cluster: string) => Promise<readonly string[]>;
  /**
   * A principal's (by ARN) access entry on a cluster, so that a binding to its Kubernetes user reaches it (review fl,
   * 2), and what rewriting it is asked with (review fl, 5); none when it has none, or when absent.
   */
  readonly accessEntryOf?: (account: string, cluster: string, principalArn: string) => Promise<{ readonly name: string; readonly kubernetesGroups: readonly string[]; readonly username?: string } | undefined>;
  /**
   * The Kubernetes groups whose members the union's engines allow `action` on `resource` (src/app/authorize.ts
   * `AuthorizeEngine.groupsAllowed`; `''`: none needed beyond `system:authenticated`), review fl, 5. None when absent.
   */
  readonly groupsAllowed?: (account: string, resource: string, action: string) => Promise<readonly string[]>;
  /**
   * The role sessions of the account that the union's engines name for a resource by their session name (a cluster
   * binding to `…:assumed-role/R/alice`, src/app/who-can.ts `EngineSessions`): whoever becomes R may create pods as
   * such a session (review eq, 4). None when absent.
   */
  readonly sessionsNamed?: (account: string, resource: string) => Promise<readonly string[]>;
  /**
   * The roles the union's engines bind a Kubernetes user (name and groups) to where `resource` lies (src/app/authorize.ts
   * `AuthorizeEngine.rolesBound`): rewriting one, or joining an aggregated one, needs no binding (review lr, 1). None when absent.
   */
  /**
   * The usernames whose Kubernetes user the union's engines allow `action` on `resource` (src/app/authorize.ts
   * `AuthorizeEngine.usersAllowed`): an access entry giving one reaches it (review lr, 2). None when absent.
   */
  readonly usersAllowed?: (account: string, resource: string, action: string) => Promise<readonly string[]>;
  /**
   * The roles whose rules the union's engines let do `action` on `resource` (src/app/authorize.ts
   * `AuthorizeEngine.rolesAllowing`): binding one to itself needs no role written (review lr, 3). None when absent.
   */
  readonly rolesAllowing?: (account: string, resource: string, action: string) => Promise<readonly BoundRole[]>;
  readonly rolesBound?: (account: string, resource: string, user: { readonly name: string; readonly groups: readonly string[] }) => Promise<readonly BoundRole[]>;
  /** The resources whose policy the account writes: its buckets (`bucket`), and those it holds a resource policy on. */
  readonly policyResources?: (account: string) => Promise<readonly { readonly arn: string; readonly bucket: boolean }[]>;
  /**
   * The bindings of the account's IAM policies whose role is one of its custom roles (`accounts/<id>/roles/<name>`):
   * the role, the resource the policy is on and the binding's members (review ke, 3). None when absent.
   */
  /** The ARNs the account holds an IAM policy (bindings) on, as they are written (review ke, 4). None when absent. */
  readonly iamPolicyResources?: (account: string) => Promise<readonly string[]>;
  readonly customRoleBindings?: (account: string) => Promise<readonly { readonly role: string; readonly resource: string; readonly members: readonly string[] }[]>;
  /**
   * The federated users of the account (`arn:aws:sts::A:federated-user/N`) that an Allow statement of a resource policy
   * of the account names by ARN: such a grant holds for that session alone, and a user allowed `sts:GetFederationToken`
   * on the ARN opens one (review gd, 2). None when absent.
   */
  readonly federatedUsersNamed?: (account: string) => Promise<readonly string[]>;
  /** How many access keys (active or not) a user of the account holds: at the quota, a new one needs a deletion first. */
  readonly accessKeyCount?: (account: string, user: string) => Promise<number>;
  /**
   * The ARNs of the OIDC providers registered in the account (`aws`): a role whose trust policy names a provider that
   * a principal may register (or delete and register again) with keys of its own is one it may become (review jb, 9).
   * None looked for when absent.
   */
  readonly oidcProviders?: (account: string) => Promise<readonly string[]>;
  /** The clock web identity trust decisions are made at (default `Date.now`). */
  readonly now?: () => number;
  /** Default `MAX_QUESTIONS`. */
  readonly maxQuestions?: number;
  /**
   * Whether the search skips the questions a sieve proves cannot be allowed (default true; see `trustMayName` and
   * `identityGrants`, review ee, 1). Sound where `simulate` and `assumeDecision` decide as the engine does: `simulate`
   * by the identity policies `principalOf` returns, no engine of the union but IAM allowing `iam:CreateAccessKey` or
   * `iam:UpdateAssumeRolePolicy` (bindings have no permission for them, RBAC decides `kubernetes:` alone), no resource
   * policy read for them; `assumeDecision` under the trust policies `details` lists. Off, every question is asked:
   * stubs that answer otherwise, and the proof that the sieve changes no answer.
   */
  readonly sift?: boolean;
}

/**
 * The versions of a managed policy, other than its default, that may allow more than the default, each with whether
 * it allows everything (an unconditioned Allow of `*` on `*`, and no Deny). Identity policies combine by union of
 * Allows minus union of Denies, so a version allows nothing more, whatever else applies, when each of its Allow
 * statements is covered by an Allow of the default and each Deny of the default is also one of its own. Coverage is
 * proved on the statements (action and resource patterns, conditions equal or absent on the covering side); what
 * cannot be proved covered counts as more, so the answer may list a version that is in truth no wider, never miss
 * one that is. A version that does not parse counts as more too.
 */
export function widerVersions(versions: readonly PolicyVersionRecord[]): { readonly versionId: string; readonly any: boolean }[] {
  const def = versions.find((v) => v.isDefault);
  const parse = (v: PolicyVersionRecord): PolicyDocument | undefined => {
    const r = parsePolicy(v.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
    return r.ok ? r.value : undefined;
  };
  const d = def && parse(def);
  const out: { versionId: string; any: boolean }[] = [];
  for (const v of versions) {
    if (v.isDefault) continue;
    const doc = parse(v);
    if (doc && d && noWider(doc, d)) continue;
    out.push({ versionId: v.versionId, any: doc !== undefined && allowsEverything(doc) });
  }
  return out;
}

const lower = (xs: readonly string[] | undefined): string[] | undefined => xs?.map((x) => x.toLowerCase()).sort();
const conditionsKey = (cs: readonly ConditionEntry[]): string =>
  JSON.stringify(cs.map((c) => [c.operator.toLowerCase(), c.key.toLowerCase(), [...c.values].sort()]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
/** A statement as it bears on an identity policy's decision (Sid, position and Principal left out). */
const statementKey = (s: Statement): string =>
  JSON.stringify([s.effect, lower(s.action), lower(s.notAction), s.resource && [...s.resource].sort(), s.notResource && [...s.notResource].sort(), conditionsKey(s.conditions)]);

function allowsEverything(doc: PolicyDocument): boolean {
  if (doc.statements.some((s) => s.effect === 'Deny')) return false;
  return doc.statements.some((s) => s.effect === 'Allow' && s.conditions.length === 0 && (s.action ?? []).includes('*') && (s.resource ?? []).includes('*'));
}

/**
 * Does `v` allow nothing that `d` does not, in any policy set (see `widerVersions`)? Each Deny of `d` must be one of
 * `v`'s, read alike: a policy variable in it (`${aws:username}`) is a literal string under `2008-10-17` or no `Version`
 * (reference/policy-semantics.md §A.1.1), so the same Deny in a document of another `Version` denies something else
 * (review sx, 1: the legacy twin of a default denying `…/${aws:username}/*` dropped the Deny, and was held no wider).
 */
function noWider(v: PolicyDocument, d: PolicyDocument): boolean {
  const sameVariables = v.version === d.version;
  const vKeys = new Set(v.statements.map(statementKey));
  const keptAlike = (s: Statement): boolean => vKeys.has(statementKey(s)) && (sameVariables || !statementKey(s).includes('${'));
  if (!d.statements.every((s) => s.effect !== 'Deny' || keptAlike(s))) return false;
  const allows = d.statements.filter((s) => s.effect === 'Allow');
  return v.statements.every((s) => s.effect !== 'Allow' || allows.some((c) => covers(c, s, sameVariables)));
}

/** Does Allow statement `c` allow every request Allow statement `s` does? */
function covers(c: Statement, s: Statement, sameVariables: boolean): boolean {
  if (sameVariables && statementKey(c) === statementKey(s)) return true;
  if (c.conditions.length > 0 && (!sameVariables || conditionsKey(c.conditions) !== conditionsKey(s.conditions))) return false;
  const allActions = (c.action ?? []).includes('*');
  const actionsOk = allActions || (c.action !== undefined && s.action !== undefined && s.action.every((a) => c.action?.some((q) => actionCovers(q, a, sameVariables))));
  if (!actionsOk) return false;
  const allResources = (c.resource ?? []).includes('*');
  return allResources || (c.resource !== undefined && s.resource !== undefined && s.resource.every((r) => c.resource?.some((q) => resourceCovers(q, r, sameVariables))));
}

/**
 * Does action pattern `q` match every action pattern `p` matches (whole-string globs, case-insensitive)? `q`'s `*`
 * may stand for any run of `p`'s characters and wildcards, its `?` for one character or `?` of `p`.
 */
function actionCovers(q: string, p: string, sameVariables: boolean): boolean {
  const a = q.toLowerCase();
  const b = p.toLowerCase();
  if (a.includes('${') || b.includes('${')) return sameVariables && a === b;
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const k = i * (b.length + 1) + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length) r = j === b.length;
    else if (a[i] === '*') r = match(i + 1, j) || (j < b.length && match(i, j + 1));
    else if (j === b.length) r = false;
    else if (a[i] === '?') r = b[j] !== '*' && match(i + 1, j + 1);
    else r = a[i] === b[j] && match(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return match(0, 0);
}

/**
 * Does resource pattern `q` match every resource `p` matches? Proved only for `*`, the same pattern, and `q` a prefix
 * without wildcards ending in `*` inside the resource part (past the ARN's fifth colon, four in `acs:`), where `*`
 * crosses `/` and `:` (src/core/iam/glob.ts), that `p` starts with (a policy variable in it resolves the same in both).
 */
function resourceCovers(q: string, p: string, sameVariables: boolean): boolean {
  if (q === '*') return true;
  // A policy variable reads the same in both only under the same `Version` (2008-10-17 has none).
  if ((q.includes('${') || p.includes('${')) && !sameVariables) return false;
  if (q === p) return true;
  const prefix = q.slice(0, -1);
  const plain = prefix.replace(/\$\{[^}]*\}/g, 'x');
  if (!q.endsWith('*') || plain.includes('*') || plain.includes('?')) return false;
  const colons = plain.split(':').length - 1;
  return colons >= (plain.startsWith('acs:') ? 4 : 5) && p.startsWith(prefix);
}

/**
 * May glob patterns `a` and `b` (`*` any run of characters, `?` one) both match some one string? A policy variable
 * (`${aws:username}`) reads as `*`: it may resolve to anything.
 */
function globsMeet(a: string, b: string): boolean {
  const x = a.replace(/\$\{[^}]*\}/g, '*');
  const y = b.replace(/\$\{[^}]*\}/g, '*');
  const memo = new Map<number, boolean>();
  const meet = (i: number, j: number): boolean => {
    const k = i * (y.length + 1) + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === x.length && j === y.length) r = true;
    else if (x[i] === '*') r = meet(i + 1, j) || (j < y.length && meet(i, j + 1));
    else if (y[j] === '*') r = meet(i, j + 1) || (i < x.length && meet(i + 1, j));
    else if (i === x.length || j === y.length) r = false;
    else r = (x[i] === y[j] || x[i] === '?' || y[j] === '?') && meet(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return meet(0, 0);
}

/**
 * May Allow statements `s` and `c` both allow one same request? Proved apart only by their `Action` and `Resource`
 * patterns (case-insensitive actions, case-sensitive resources); `NotAction`, `NotResource` and conditions count as
 * meeting, so the answer may say two statements meet that never do, never the reverse.
 */
function statementsMeet(s: Statement, c: Statement): boolean {
  const actions = s.action === undefined || c.action === undefined || s.action.some((a) => c.action?.some((b) => globsMeet(a.toLowerCase(), b.toLowerCase())));
  const resources = s.resource === undefined || c.resource === undefined || s.resource.some((a) => c.resource?.some((b) => globsMeet(a, b)));
  return actions && resources;
}

/**
 * May the Allow statements of `docs` grant anything within permissions boundary `boundary` (review mb, 1)? A boundary
 * caps whatever identity policies grant (reference §A.1.2), so a group or a policy none of whose Allow statements may
 * meet one of the boundary's gives a principal bounded by it nothing. A document not read (`undefined`) may grant.
 */
function grantsWithin(docs: readonly (PolicyDocument | undefined)[], boundary: PolicyDocument): boolean {
  const fence = boundary.statements.filter((st) => st.effect === 'Allow');
  return docs.some((d) => d === undefined || d.statements.some((st) => st.effect === 'Allow' && fence.some((c) => statementsMeet(st, c))));
}

/**
 * Is every Allow statement of `docs` covered by one of `denies`, Deny statements of the principal's own that stay
 * (review mb, 2)? An explicit deny overrides any allow (reference §A.1), so such a group or policy gives it nothing.
 * Coverage is proved as `covers` proves it (a Deny with conditions covers only an Allow with the same ones); a document
 * not read is never covered.
 */
function deniedWhole(docs: readonly (PolicyDocument | undefined)[], denies: readonly { readonly st: Statement; readonly version: PolicyDocument['version'] }[]): boolean {
  if (denies.length === 0) return false;
  return docs.every((d) => d !== undefined && d.statements.every((st) => st.effect !== 'Allow' || denies.some((n) => covers(n.st, st, n.version === d.version))));
}

/**
 * The condition key enforcement always gives `action`, lowercase (src/app/directory.ts): `iam:PolicyARN` on
 * Attach/Detach…Policy, `iam:PermissionsBoundary` on Put…PermissionsBoundary (review mb, 3); none for other actions.
 */
function namedKey(action: string): string | undefined {
  if (/:(Attach|Detach)(User|Group|Role)Policy$/i.test(action)) return 'iam:policyarn';
  if (/:Put(User|Role)PermissionsBoundary$/i.test(action)) return 'iam:permissionsboundary';
  return undefined;
}

/** Does context `c` give key `key` (lowercase; context keys compare case-insensitively)? */
const hasKey = (c: Readonly<Record<string, unknown>> | undefined, key: string): boolean => c !== undefined && Object.keys(c).some((k) => k.toLowerCase() === key);

type CompiledStatement = CompiledPolicy['statements'][number];

/**
 * The sieve (review ee, 1): a search of an account of N principals asks each of them at least one question per other
 * principal (whether it may assume each role, mint each user's key, rewrite each role's trust policy), N² questions of
 * ~6 µs, though in most accounts few pairs are anywhere near an allow. Each question the sieve skips is one whose answer
 * is certainly not Allow, read from the compiled policies alone: an Allow needs an Allow statement that applies, and a
 * statement applies only if its action, resource and principal match (its conditions may then still fail, so they are
 * ignored, as Deny statements are, which only ever take an allow away). What cannot be read without the request counts
 * as matching: `NotAction`, `NotResource`, `NotPrincipal`, a resource holding a policy variable, a principal named by
 * an ARN the sieve does not parse (a session's) or by a unique id. A skipped pair gives no step, as the question would
 * not have, and asks nothing, so it counts for nothing against the budget.
 */

/**
 * The Allow statements of the identity policies of `policies` that may allow `action` on some resource; undefined when
 * any statement of any kind may (a set carrying a trust policy, decided in trust mode). Without such a statement no
 * question of `action` is allowed: same-account `iam:`/`ram:` requests are decided by identity policies alone (no
 * resource policy is read for them), and the principals asked about are users and roles, never the account's root.
 */
function identityGrants(policies: PolicySet, action: string): readonly CompiledStatement[] | undefined {
  if (policies.trust !== undefined) return undefined;
  // A `ram:` call is granted by an Allow of RAM's own name for it too (`ram:UpdateRole` for UpdateAssumeRolePolicy), as
  // the IAM API decides it (`decideAdmin`, review lp, 2): read for that name alone, a RAM user allowed `ram:UpdateRole`
  // on a role was never asked about it (review ob, 1).
  const own = /^ram:/i.test(action) ? ramOwnName(action) : undefined;
  const names = own === undefined ? [action.toLowerCase()] : [action.toLowerCase(), own.toLowerCase()];
  const out: CompiledStatement[] = [];
  for (const p of policies.identity) {
    for (const st of p.statements) if (st.effect === 'Allow' && (st.notAction || st.actions.some((m) => names.some((a) => m(a))))) out.push(st);
  }
  return out;
}

/** May one of `grants` (from `identityGrants`) apply to `resource`, conditions aside? */
function mayGrantOn(grants: readonly CompiledStatement[] | undefined, resource: string): boolean {
  return grants === undefined || grants.some((st) => st.resources === undefined || st.notResource || st.resourceVariables || st.resources.some((p) => p.fixed === undefined || p.fixed(resource)));
}

/**
 * The Allow statements of a role's trust policy that may allow `sts:AssumeRole`: AssumeRole allows no one that none of
 * them names, whatever the caller's own policies (src/core/iam/evaluate.ts, trust mode: the trust policy must name the
 * principal, directly or through its account).
 */
function trustGrants(trust: readonly CompiledPolicy[]): readonly CompiledStatement[] {
  const out: CompiledStatement[] = [];
  for (const p of trust) for (const st of p.statements) if (st.effect === 'Allow' && (st.notAction || st.actions.some((m) => m('sts:assumerole')))) out.push(st);
  return out;
}

/**
 * May one of `grants` (from `trustGrants`) name the user or role `name` of `account`, conditions aside? Names are
 * compared in any case (a superset of the exact comparison Allow statements make); a statement with a `Resource`, with
 * `NotPrincipal` or without `Principal`, one naming everyone, the account, any ARN the compiler kept as written (a
 * session's) or a unique id may name anyone.
 */
function trustMayName(grants: readonly CompiledStatement[], account: string, name: string): boolean {
  if (grants.length === 0) return false;
  const key = `${account}/${name}`.toLowerCase();
  return grants.some((st) => {
    const cp = st.principal;
    if (st.resources !== undefined || cp === undefined) return true;
    return cp.everyone || cp.accounts.has(account) || cp.arns.size > 0 || cp.ids.size > 0 || cp.folded.users.has(key) || cp.folded.roles.has(key);
  });
}

/**
 * A context this small cannot make a question invalid once the directory's facts about the resource are added (at most
 * 50 tags, each as `aws:ResourceTag/K` and `iam:ResourceTag/K`; authorize caps a context at 256 keys and 1,024 values):
 * a question the sieve skips would not have been refused, so skipping it cannot turn a refused answer into one given.
 */
function roomyContext(context: Readonly<Record<string, unknown>> | undefined): boolean {
  if (context === undefined) return true;
  let keys = 0;
  let values = 0;
  for (const k in context) {
    if (!Object.hasOwn(context, k)) continue;
    keys++;
    const v = context[k];
    values += Array.isArray(v) ? v.length : 1;
  }
  return keys <= 64 && values <= 256;
}

/** One principal of the account, as the search sees it. */
interface Node {
  readonly arn: string;
  readonly kind: 'user' | 'role';
  readonly name: string;
  /** The principal questions are asked about: the user, or the role (by its ARN: a session of it with no session policy). */
  readonly asked: string;
  readonly groups: readonly string[];
  readonly boundary: string | null;
  /** Managed policies attached to it and to its groups. */
  readonly managed: readonly string[];
  /**
   * A disabled user (`gatehouse users disable`): its keys and sessions authenticate nothing, so it acts in no path of
   * its own, and minting a key for it leads to it only together with `iam:UpdateUser`, which enables it again.
   */
  readonly disabled: boolean;
}

/** An edge out of a node: the node it leads to and how. */
type Edge = { readonly to: Node; readonly step: EscalationStep };

/**
 * The policies a principal would hold after a step of its own (a group joined, a policy attached, a version made the
 * default): identity policies besides (or in place of) its own, and a version of its boundary in the boundary's place
 * (review tw, 3); asked as `AuthorizeInput.addedIdentity` and `addedBoundary`.
 */
type Added = { readonly identity: readonly CompiledPolicy[]; readonly boundary?: CompiledPolicy };
const withAdded = (policies: PolicySet, added: Added): PolicySet => ({ ...policies, ...withAddedPolicies(policies, added.identity, added.boundary) });

/** `identity policy \`user/eve/p\` statement 0 (Sid \`Mint\`)`: a statement that decided, as src/core/iam/explain.ts names one. */
const statementText = (m: { readonly type: string; readonly policy: string; readonly index?: number; readonly statement?: number; readonly sid?: string | undefined }): string =>
  `${m.type === 'boundary' ? 'permissions boundary' : `${m.type} policy`} \`${m.policy}\` statement ${m.index ?? m.statement ?? '?'}${m.sid ? ` (Sid \`${m.sid}\`)` : ''}`;
/**
 * The statements of `matched` that made `decision` (the Denies of an ExplicitDeny, else the Allows), named: a step or
 * gain said only "allowed by an identity policy", and an auditor could not tell which policy to change (review jb, 3).
 */
const decidedBy = (decision: string, matched: readonly { readonly effect: string; readonly type: string; readonly policy: string; readonly index?: number; readonly statement?: number; readonly sid?: string | undefined }[]): string => {
  const effect = decision === 'ExplicitDeny' ? 'Deny' : decision === 'Allow' ? 'Allow' : undefined;
  // `matched` of a decision made elsewhere than the engine (a test's stub) may be missing: named by nothing, then.
  const rules = effect === undefined ? [] : (matched ?? []).filter((m) => m.effect === effect);
  return rules.length === 0 ? '' : ` (${rules.map(statementText).join('; ')})`;
};
const line = (d: Decision): string => `iam: ${d.decision}: ${d.summary}${decidedBy(d.decision, d.matched)}`;
/** The answer with its `iam:` line naming the IAM statements that decided (`decidedBy`). */
const named = (a: AuthorizeAnswer): AuthorizeAnswer => {
  const by = decidedBy(a.decision, (a.matched ?? []).filter((m) => m.engine === 'iam'));
  return by === '' ? a : { ...a, reasons: a.reasons.map((r) => (r.startsWith('iam: ') && !r.startsWith('iam: no opinion') && !r.includes(by) ? `${r}${by}` : r)) };
};

/** A question the engine would not answer. */
class Refused extends Error {
  readonly code: ErrorCode;
  /** Where in the question the fault is (`context.aws:SourceIp`), when it is the question's (review lv, 3). */
  readonly path: string;
  constructor(code: ErrorCode, message: string, path = '') {
    super(message);
    this.code = code;
    this.path = path;
  }
}

/** `Refused` by the error of a question about `node` (`refusalAbout`: named after it unless it is the question's own). */
const refusedAbout = (node: { readonly kind: string; readonly name: string }, errors: readonly GatehouseError[]): Refused => {
  const e = refusalAbout(node.kind, node.name, errors);
  return new Refused(e.code, e.message, e.path);
};

export function createEscalation(deps: EscalationDeps) {
  return async function escalation(caller: Caller, input: EscalationInput): Promise<Result<EscalationAnswer>> {
    const details = await deps.details(caller);
    if (!details.ok) return details;
    const partition: Partition = caller.partition;
    const account = caller.account;
    const iam = (name: string): string => `${adminService(partition)}:${name}`;
    const context = input.context;
    /**
     * The question's time (`aws:CurrentTime`, else `aws:EpochTime`, as a simulation takes it: review ej, 2), at which the
     * questions the search decides with the engine itself are decided too, as `deps.simulate` decides the others (review
     * vd, 5): the web-identity step was decided at the server's clock.
     */
    const questionTime = (): number => simulatedTime(contextOf(context)) ?? (deps.now ?? Date.now)();
    let questions = 0;
    /**
     * Whether a question of `simulate` with the context as given (no keys of the search's own) was answered: the sieve
     * skips none before (`worthAsking`).
     */
    let answeredOnce = false;
    const max = deps.maxQuestions ?? MAX_QUESTIONS;
    /** Counts a question; past the budget the whole answer is refused, and now and then the event loop turns. */
    const overBudget = (): string => `escalation paths ${input.principal === undefined ? `of every user and role of account ${account}` : `of ${input.principal}`} need more than ${max.toLocaleString('en-US')} questions of the engine${input.principal === undefined ? ': ask about one principal at a time (`principal`)' : ''}`;
    // And whenever the engine has taken TURN_STEPS: 2,000 questions about principals with costly policies took
    // minutes (review qm, 4).
    const turn = engineTurns();
    const ask = async (): Promise<void> => {
      if (++questions > max) throw new Refused('LIMIT_EXCEEDED', overBudget());
      if (questions % SLICE === 0) await setImmediate();
      else await turn();
    };

    const groupPolicies = new Map(details.value.groups.map((g) => [g.group.name, g.attached.map((a) => a.arn)]));
    const groupArn = (name: string): string => {
      const g = details.value.groups.find((x) => x.group.name === name);
      return entityArn(partition, account, 'group', g?.group.path ?? '/', name);
    };
    const userNode = (u: UserDetail): Node => {
      const arn = entityArn(partition, account, 'user', u.user.path, u.user.name);
      return { arn, kind: 'user', name: u.user.name, asked: arn, groups: u.groups, boundary: u.user.permissionsBoundary, managed: [...new Set([...u.attached.map((a) => a.arn), ...u.groups.flatMap((g) => groupPolicies.get(g) ?? [])])], disabled: u.user.disabled === true };
    };
    const nodes: Node[] = [
      ...details.value.users.map(userNode),
      ...details.value.roles.map((r): Node => ({
        arn: entityArn(partition, account, 'role', r.role.path, r.role.name),
        kind: 'role',
        name: r.role.name,
        asked: entityArn(partition, account, 'role', r.role.path, r.role.name),
        groups: [],
        boundary: r.role.permissionsBoundary,
        managed: r.attached.map((a) => a.arn),
        disabled: false,
      })),
    ];
    const byArn = new Map(nodes.map((n) => [n.arn, n]));
    /**
     * The sessions of role `x` that the trust policy of role `r` names by ARN (`arn:aws:sts::A:assumed-role/X/S`,
     * `acs:ram::A:role/X/S`): whoever becomes `x` chooses its session's name, so such a trust policy lets `x` assume
     * `r` (review ac, escalation). Read once a role, as who-can reads them (`sessionsNamed`).
     */
    const namedIn = new Map(details.value.roles.map((r) => [r.role.name, sessionsNamed(compiledTrust(r.role), account)]));
    const sessionsOfIn = (x: Node, r: Node): string[] => (namedIn.get(r.name) ?? []).filter((s) => s.name.slice(0, s.name.indexOf('/')) === x.name).map((s) => s.principal);
    const roles = nodes.filter((n) => n.kind === 'role');
    const users = nodes.filter((n) => n.kind === 'user');

    /**
     * The user or role an ARN in another spelling names (review qf, 3): as the authorize API resolves it (`principalOf`),
     * a name in any case and, in an `acs` account, either dialect's ARN, the path as stored; not a session's ARN. It
     * answered 404 "is not a user or role", where the authorize API, simulate and who-can decide it as that entity.
     */
    const spelledOtherwise = async (arn: string): Promise<Node | undefined> => {
      if (!/^(arn|acs):/.test(arn)) return undefined;
      const r = await deps.principalOf(caller, arn);
      if (!r.ok) return undefined;
      const p = r.value.principal;
      const canonical = p.kind === 'user' ? p.arn : p.kind === 'role-session' && p.anySession === true ? p.roleArn : undefined;
      return canonical === undefined ? undefined : byArn.get(canonical);
    };

    let starts: Node[] = nodes;
    if (input.principal !== undefined) {
      const start = byArn.get(input.principal) ?? nodes.find((n) => n.asked === input.principal) ?? (await spelledOtherwise(input.principal));
      // A name (`bob`, `user/bob`) is not an ARN: said so, with the ARNs of the users and roles of that name (names
      // compare without case, as IAM's do) (review gz, 3). It was answered "`bob` is not a user or role of the account"
      // with the user `bob` right there, and another user's ARN as the example.
      if (!start && !/^(arn|acs):/.test(input.principal)) {
        const named = input.principal.slice(input.principal.lastIndexOf('/') + 1);
        const arns = nodes.filter((n) => n.name.toLowerCase() === named.toLowerCase()).map((n) => n.arn);
        const instead = arns.length > 0 ? `give the ARN of the one meant: ${arns.join(' or ')}` : `no user or role of account ${account} is named \`${shortName(named)}\`; an ARN is of the form ${entityArn(partition, account, 'user', '/', 'alice')} or ${entityArn(partition, account, 'role', '/', 'ops')}`;
        return failWith('INVALID_INPUT', `\`${shortName(input.principal)}\` is not an ARN: ${instead}`, 'principal');
      }
      if (!start) return failWith('NO_SUCH_ENTITY', `\`${shortName(input.principal)}\` is not a user or role of account ${account} (give its ARN, e.g. ${entityArn(partition, account, 'user', '/', 'alice')})`, 'principal');
      starts = [start];
    }

    /** The engine's answer for `node` doing `action` on `resource`; an error refuses the whole answer. */
    /** The answer to `node` asking for `action` on `resource`, whatever it is. */
    const answer = async (node: Node, action: string, resource: string, extra?: Record<string, string | string[]>, added?: Added): Promise<AuthorizeAnswer> => {
      await ask();
      const ctx = extra ? { ...(context ?? {}), ...extra } : context;
      // `added`: identity policies the principal would hold after a step of its own (a group joined, a policy attached).
      const a = await deps.simulate(caller, { principal: node.asked, action, resource, ...(ctx ? { context: ctx } : {}), ...(added ? { addedIdentity: added.identity } : {}), ...(added?.boundary ? { addedBoundary: added.boundary } : {}) });
      if (!a.ok) throw refusedAbout(node, a.errors);
      if (!extra && !added) answeredOnce = true;
      return named(a.value);
    };
    const allows = async (node: Node, action: string, resource: string, extra?: Record<string, string | string[]>): Promise<AuthorizeAnswer | undefined> => {
      // Enforcement names the policy an Attach/Detach…Policy attaches and the boundary a Put…PermissionsBoundary puts
      // (review mb, 3): asked without it, a Deny that reads it (`ArnLike iam:PolicyARN arn:aws:iam::aws:policy/*`) does
      // not apply, and the Allow read as "any policy". Where a policy of `node` reads the key, only asked with it.
      const key = namedKey(action);
      if (key !== undefined && !hasKey(extra, key) && !hasKey(context, key) && (await decidesOn(node, key))) return undefined;
      const a = await answer(node, action, resource, extra);
      return a.decision === 'Allow' ? a : undefined;
    };
    /** As `allows`, asked about `principal`, a session of role `node`. */
    const allowsAs = async (principal: string, node: Node, action: string, resource: string): Promise<AuthorizeAnswer | undefined> => {
      await ask();
      const a = await deps.simulate(caller, { principal, action, resource, ...(context ? { context } : {}) });
      if (!a.ok) throw refusedAbout(node, a.errors);
      return a.value.decision === 'Allow' ? named(a.value) : undefined;
    };
    /**
     * The values `x`'s own Allow statements (identity policies and permissions boundary, either of which may confine
     * them, as `decidesOn` reads them) single out for the string key `key`: a `String…Equals` value as written, a
     * `String…Like` pattern with its wildcards as `x`; those `valid` takes, up to `max`. Escalation-paths asks with them
     * where it would otherwise make one up (reviews rm, 2 and 3).
     */
    const conditionValues = async (x: Node, key: string, valid: (v: string) => boolean, max: number): Promise<string[]> => {
      const policies = await asPrincipal(x).then((p) => p.policies, () => undefined);
      const out = new Set<string>();
      for (const policy of policies === undefined ? [] : [...policies.identity, ...(policies.boundary ? [policies.boundary] : [])]) {
        for (const st of policy.statements) {
          if (st.effect !== 'Allow') continue;
          for (const c of st.conditions) {
            if (c.key.toLowerCase() !== key || c.negated || !c.entry.base.startsWith('String')) continue;
            for (const v of c.entry.values) {
              const n = c.entry.base.includes('Like') ? v.replace(/[*?]/g, 'x') : v;
              if (out.size < max && !v.includes('${') && valid(n)) out.add(n);
            }
          }
        }
      }
      return [...out];
    };
    /**
     * The names asked for the RBAC objects `x` may write for itself: `pod-creators`, then each name its own Allow
     * statements single out by `training:RbacName`. Asked about `pod-creators` alone, a delegate confined to its own names
     * (`StringLike training:RbacName team-*`) was said to write none (review rm, 2).
     */
    const rbacNames = async (x: Node): Promise<string[]> => [
      ...new Set([RBAC_NAME, ...(await conditionValues(x, 'training:rbacname', (n) => RBAC_OBJECT_NAME.test(n) && n !== '.' && n !== '..', MAX_RBAC_NAMES - 1))]),
    ];
    /**
     * A namespace of cluster `name` (ARN `arn`) where `x` may come to create pods by writing RBAC (review fl, 2): it has
     * an access entry there (a binding to its Kubernetes user then reaches it), IAM does not deny it `kubernetes:create`
     * on the namespace's pods, and it may apply a Role and a RoleBinding of it to itself there, or a ClusterRole and a
     * ClusterRoleBinding (any namespace), each asked with the condition keys apply gives it (`rbacContext`).
     */
    const rbacWritable = async (x: Node, name: string, arn: string, namespaces: readonly string[]): Promise<{ ns: string; reasons: readonly string[]; rbac: string; actions: readonly string[] } | undefined> => {
      if (deps.accessEntryOf === undefined) return undefined;
      // Its access entry (review fl, 5): one that names a group the cluster's bindings let create pods. Without one,
      // made (`POST /v1/clusters/C/access-entries`: `training:CreateAccessEntry`); with one, rewritten by `gatehouse
      // apply` (`training:UpdateAccessEntry`, and apply's read of the document, `training:DescribeAccessEntry` on
      // `…:accessentry/<name>`) or deleted and made again (`training:DeleteAccessEntry`, then `CreateAccessEntry`);
      // each asked with the keys enforcement gives it (`accessEntryContext`: the principal, the groups, the username).
      // Without an entry, every other way needs one made first.
      const entry = await deps.accessEntryOf(account, name, x.arn);
      const mayEnter = async (groups: readonly string[], username = entry?.username): Promise<{ actions: string[]; reasons: readonly string[] } | undefined> => {
        const want = accessEntryContext({ principalArn: x.arn, kubernetesGroups: groups, ...(username !== undefined ? { username } : {}) });
        const create = async (): Promise<AuthorizeAnswer | undefined> => allows(x, 'training:CreateAccessEntry', arn, want);
        if (entry === undefined) {
          const c = await create();
          return c && { actions: ['training:CreateAccessEntry'], reasons: c.reasons };
        }
        const update = await allows(x, 'training:UpdateAccessEntry', arn, want);
        const read = update && (await allows(x, 'training:DescribeAccessEntry', entityArn(partition, account, 'accessentry' as 'user', '/', entry.name)));
        if (update && read) return { actions: ['training:DescribeAccessEntry', 'training:UpdateAccessEntry'], reasons: [...read.reasons, ...update.reasons] };
        const del = await allows(x, 'training:DeleteAccessEntry', arn, accessEntryContext({ principalArn: x.arn, kubernetesGroups: entry.kubernetesGroups, ...(entry.username !== undefined ? { username: entry.username } : {}) }));
        const again = del && (await create());
        return again && { actions: ['training:DeleteAccessEntry', 'training:CreateAccessEntry'], reasons: [...(del?.reasons ?? []), ...again.reasons] };
      };
      const names = await rbacNames(x);
      let made: { actions: string[]; reasons: readonly string[] } | undefined;
      if (entry === undefined) {
        made = await mayEnter([]);
        if (!made && deps.groupsAllowed === undefined && deps.usersAllowed === undefined) return undefined;
      }
      for (const ns of namespaces) {
        const pods = `${arn}/namespaces/${ns}/pods`;
        if ((await answer(x, 'kubernetes:create', pods)).decision === 'ExplicitDeny') continue;
        for (const g of (await deps.groupsAllowed?.(account, pods, 'kubernetes:create')) ?? []) {
          // `''`: the entry's user alone may; with an entry that already holds, RBAC would have allowed it.
          if (g === '' && entry) continue;
          const e = g === '' ? made : await mayEnter([...(entry?.kubernetesGroups ?? []), g]);
          if (e) return { ns, reasons: e.reasons, rbac: g === '' ? 'an access entry for itself' : `its access entry with group ${g}`, actions: e.actions };
        }
        // A username a binding names (review lr, 2): the entry's `username` is any name not `system:`, so an entry that
        // gives it makes the principal that Kubernetes user, asked with the key enforcement gives it, `training:username`.
        for (const u of (await deps.usersAllowed?.(account, pods, 'kubernetes:create')) ?? []) {
          if (entry?.username === u) continue;
          const e = await mayEnter(entry?.kubernetesGroups ?? [], u);
          if (e) return { ns, reasons: e.reasons, rbac: `its access entry with username ${u}`, actions: e.actions };
        }
      }
      if (!entry && !made) return undefined;
      // A role a binding of the cluster already gives its Kubernetes user (review lr, 1): rewritten to let pods be
      // created, or, for an aggregated ClusterRole, joined by a ClusterRole with the labels one of its selectors
      // matches (the aggregation controller adds its rules), no binding written. Its user is the entry's, by name
      // (a user's own; a role's session names are its assumer's to pick, so a role is matched by its groups) and groups.
      const template = entry?.username ?? defaultUsername(x.arn);
      const kubeUser = {
        name: x.kind === 'user' && !template.includes('{{AccessKeyID}}') ? renderUsername(template, { accountId: account, sessionName: x.name, accessKeyId: '' }) : '',
        groups: [...(entry?.kubernetesGroups ?? []), AUTHENTICATED_GROUP],
      };
      for (const ns of namespaces) {
        const pods = `${arn}/namespaces/${ns}/pods`;
        if ((await answer(x, 'kubernetes:create', pods)).decision === 'ExplicitDeny') continue;
        for (const bound of (await deps.rolesBound?.(account, pods, kubeUser)) ?? []) {
          const where = bound.kind === 'Role' ? `Role ${bound.namespace}/${bound.name}` : `ClusterRole ${bound.name}`;
          const writes: [Record<string, string | string[]>, string][] = [
            [rbacContext({ kind: bound.kind, metadata: { name: bound.name, namespace: bound.namespace, labels: bound.labels } }), `${where}, bound to its Kubernetes user, rewritten`],
          ];
          for (const sel of bound.selectors ?? []) {
            // Each label set the selector matches: a writer may be allowed some values only (review rm, 1).
            for (const labels of labelsMatching(sel)) {
              const shown = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
              for (const n of names) writes.push([rbacContext({ kind: 'ClusterRole', metadata: { name: n, namespace: '', labels } }), `ClusterRole ${n} labelled ${shown || '(none)'}, which ${where}, bound to its Kubernetes user, aggregates,`]);
            }
          }
          for (const [ctx, what] of writes) {
            const w = await allows(x, 'training:ApplyRbacObject', arn, ctx);
            if (!w) continue;
            return {
              ns,
              reasons: [...(made?.reasons ?? []), ...w.reasons],
              rbac: `${made ? 'an access entry for itself, then ' : ''}${what}`,
              actions: [...(made?.actions ?? []), 'training:ApplyRbacObject'],
            };
          }
        }
      }
      // A role that already lets pods be created there, bound to its own Kubernetes user (review lr, 3): a RoleBinding
      // in the namespace, or for a ClusterRole a ClusterRoleBinding too, asked with the keys apply gives it.
      for (const ns of namespaces) {
        const pods = `${arn}/namespaces/${ns}/pods`;
        if ((await answer(x, 'kubernetes:create', pods)).decision === 'ExplicitDeny') continue;
        for (const r of (await deps.rolesAllowing?.(account, pods, 'kubernetes:create')) ?? []) {
          const roleRef = `${r.kind}/${r.name}`;
          const bindings: [Record<string, string>, string][] = names.map((n) => [{ 'training:RbacKind': 'RoleBinding', 'training:RbacName': n, 'training:RbacNamespace': ns, 'training:RbacRoleRef': roleRef }, `a RoleBinding ${ns}/${n}`]);
          if (r.kind === 'ClusterRole') for (const n of names) bindings.push([{ 'training:RbacKind': 'ClusterRoleBinding', 'training:RbacName': n, 'training:RbacRoleRef': roleRef }, `a ClusterRoleBinding ${n}`]);
          for (const [ctx, what] of bindings) {
            const b = await allows(x, 'training:ApplyRbacObject', arn, ctx);
            if (!b) continue;
            return {
              ns,
              reasons: [...(made?.reasons ?? []), ...b.reasons],
              rbac: `${made ? 'an access entry for itself, then ' : ''}${what} of ${r.kind === 'Role' ? `Role ${r.namespace}/${r.name}` : `ClusterRole ${r.name}`} to its Kubernetes user`,
              actions: [...(made?.actions ?? []), 'training:ApplyRbacObject'],
            };
          }
        }
      }
      // A role and a binding of it under one name, each name asked (`rbacNames`).
      const objects = (ns: string): [Record<string, string>, Record<string, string>, string][] =>
        names.flatMap((n): [Record<string, string>, Record<string, string>, string][] => [
          [
            { 'training:RbacKind': 'Role', 'training:RbacName': n, 'training:RbacNamespace': ns },
            { 'training:RbacKind': 'RoleBinding', 'training:RbacName': n, 'training:RbacNamespace': ns, 'training:RbacRoleRef': `Role/${n}` },
            n,
          ],
          [
            { 'training:RbacKind': 'ClusterRole', 'training:RbacName': n },
            { 'training:RbacKind': 'ClusterRoleBinding', 'training:RbacName': n, 'training:RbacRoleRef': `ClusterRole/${n}` },
            n,
          ],
        ]);
      for (const ns of namespaces) {
        const pods = `${arn}/namespaces/${ns}/pods`;
        if ((await answer(x, 'kubernetes:create', pods)).decision === 'ExplicitDeny') continue;
        for (const [role, binding, n] of objects(ns)) {
          const r = await allows(x, 'training:ApplyRbacObject', arn, role);
          if (!r) continue;
          const b = await allows(x, 'training:ApplyRbacObject', arn, binding);
          if (!b) continue;
          const what = role['training:RbacKind'] === 'Role' ? `Role ${ns}/${n} and a RoleBinding of it` : `ClusterRole ${n} and a ClusterRoleBinding of it`;
          return {
            ns,
            reasons: [...(made?.reasons ?? []), ...r.reasons, ...b.reasons],
            rbac: `${made ? 'an access entry for itself, then ' : ''}${what} to its Kubernetes user`,
            actions: [...(made?.actions ?? []), 'training:ApplyRbacObject'],
          };
        }
      }
      return undefined;
    };
    /** The sessions of role `x` that the engines name for `resource` (`sessionsNamed`), as session ARNs. */
    const sessionsOfRole = async (x: Node, resource: string): Promise<string[]> => {
      const named = (await deps.sessionsNamed?.(account, resource)) ?? [];
      return named.filter((arn) => parseSessionArn(arn)?.roleName.toLowerCase() === x.name.toLowerCase());
    };
    const resolved = new Map<string, { principal: Principal; policies: PolicySet }>();
    const asPrincipal = async (node: Node): Promise<{ principal: Principal; policies: PolicySet }> => {
      let r = resolved.get(node.asked);
      if (!r) {
        const p = await deps.principalOf(caller, node.asked);
        if (!p.ok) throw refusedAbout(node, p.errors);
        resolved.set(node.asked, (r = p.value));
      }
      return r;
    };
    /** The context as AssumeRole's trust check takes it (strings). */
    const trustContext: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(context ?? {})) trustContext[k] = Array.isArray(v) ? v.map(String) : String(v);
    /**
     * The job ids a new job may be drawn with that `policies` single out by a pattern, one for each
     * (`drawableJobIdLike`): in the values of the condition keys `kindOf` says hold a job's id or its ARN.
     */
    const jobIdsIn = (policies: readonly (CompiledPolicy | undefined)[], kindOf: (key: string) => 'id' | 'arn' | undefined): string[] => {
      const ids = new Set<string>();
      for (const policy of policies) {
        for (const st of policy?.statements ?? []) {
          for (const c of st.conditions) {
            const kind = kindOf(c.entry.key.toLowerCase());
            if (kind === undefined) continue;
            for (const v of c.entry.values) {
              const id = drawableJobIdLike(kind === 'id' ? v : (/:job\/([^:]*)$/.exec(v)?.[1] ?? ''));
              if (id !== undefined) ids.add(id);
            }
          }
        }
      }
      return [...ids];
    };
    /**
     * Those the role's trust policy names (`aws:RequestTag/gatehouse:job`, `aws:SourceArn …:job/a*`, review hq, 4), in
     * RAM's spelling too (`acs:RequestTag/gatehouse:job`, review on, 3).
     */
    const trustJobIds = (role: Node): string[] =>
      jobIdsIn(trustOf.get(role.name) ?? [], (key) => (key === `aws:requesttag/${JOB_TAG_JOB}` || key === `acs:requesttag/${JOB_TAG_JOB}` ? 'id' : key === 'aws:sourcearn' || key === 'acs:sourcearn' ? 'arn' : undefined));
    /**
     * The workspace or cluster names (patterns as written) the roles' trust policies accept jobs or nodes of by their
     * session tag `tag` (`aws:RequestTag/gatehouse:cluster`, as issuance decides it: review hp, 7; RAM's `acs:` spelling
     * too, as review on, 3 reads the job's), from Allow statements.
     */
    const trustTagValues = (rs: readonly Node[], tag: string): string[] => {
      const names = new Set<string>();
      for (const r of rs) {
        for (const policy of trustOf.get(r.name) ?? []) {
          for (const st of policy?.statements ?? []) {
            if (st.effect !== 'Allow') continue;
            for (const c of st.conditions) {
              const key = c.entry.key.toLowerCase();
              if (key === `aws:requesttag/${tag}` || key === `acs:requesttag/${tag}`) for (const v of c.entry.values) names.add(v);
            }
          }
        }
      }
      return [...names];
    };
    /** Those `x`'s own policies pass roles for (`iam:AssociatedResourceArn …:job/a*`, review hq, 6). */
    const passJobIds = async (x: Node): Promise<string[]> => {
      // Only what `answer` asked already decides a step: a principal that cannot be resolved has no more ids to give.
      const policies = await asPrincipal(x).then((p) => p.policies, () => undefined);
      if (policies === undefined) return [];
      return jobIdsIn([...policies.identity, policies.boundary, ...(policies.session ?? [])], (key) => (key === ASSOCIATED_RESOURCE.toLowerCase() ? 'arn' : undefined));
    };
    /**
     * The id of a new job (`*`: any job) for which the role trusts one of `services` (a job's or a node's), or undefined.
     * Asked for any job, then for an id of each pattern of job ids its trust policy names (`trustJobIds`): the literal
     * `*` matched none, and a role that one new job in 32 may assume was left out (review hq, 4). `ids`: those only.
     */
    const trustsService = async (role: Node, services: readonly string[], tags: Readonly<Record<string, string>>, ids: readonly string[] = ['*', ...trustJobIds(role)]): Promise<string | undefined> => {
      next: for (const id of ids) {
        let allowed = false;
        for (const svc of services) {
          await ask();
          // With the aws:SourceAccount and aws:SourceArn the service assumes it with for the job (review fm, 1) and the
          // job's session tags, of the step's workspace or cluster, which a trust policy may scope the role by (review hp, 7).
          const d = await deps.assumeDecision({ kind: 'service', arn: svc, partition, account: '' }, { identity: [] }, role.arn, serviceTrustContext(account, jobArn(partition, account, id), { ...tags, [JOB_TAG_JOB]: id }));
          // A Deny of the service by any of its names refuses it, as issuance does (`trustedServiceName`, review gj, 4).
          if (d?.decision === 'ExplicitDeny') continue next;
          if (d?.decision === 'Allow') allowed = true;
        }
        if (allowed) return id;
      }
      return undefined;
    };

    const workspaces = await deps.workspaces(account);
    const clusters = await deps.clusters(account);
    const passAction = partition === 'acs' ? 'ram:PassRole' : 'iam:PassRole';
    /** A service that runs workloads as a role, and which roles trust it (asked once a role). */
    const training = { services: trainingServices(partition), trusted: new Map<string, string | null>() };
    const compute = { services: computeServices(partition), trusted: new Map<string, string | null>() };

    /**
     * The step to role `r` through a workload of `service` (a job, a node) that `x` may already start (`via`):
     * `r` trusts the service, and `x` may pass `r` to it.
     */
    /**
     * Whether `x`'s policies deny passing role `role` with every name of the service at once (`decideForServiceNames`'
     * `deniedTogether`, review ku, 2), asked only when a name's answer is an explicit deny to confirm. Decided on the
     * policies themselves, as enforcement decides it: the authorize API takes one value of a single-valued key.
     */
    const everyName = async (x: Node, answers: ReadonlyMap<string, AuthorizeAnswer>, role: string, keys: Record<string, string | string[]>, added?: Added): Promise<(() => boolean) | undefined> => {
      if (answers.size < 2 || ![...answers.values()].some((a) => a.decision === 'ExplicitDeny')) return undefined;
      const me = await asPrincipal(x);
      const policies = added ? withAdded(me.policies, added) : me.policies;
      const d = decideAdmin({ principal: me.principal, action: passAction, resource: role, context: contextOf({ ...(context ?? {}), ...keys }), time: questionTime() }, policies);
      return () => d.decision === 'ExplicitDeny';
    };
    const passTo = async (x: Node, r: Node, service: typeof training, via: { how: EscalationStep['how']; actions: readonly string[]; arn: string; reasons: readonly string[]; tags: Readonly<Record<string, string>> }, out: Edge[], added?: Added): Promise<void> => {
      const trustKey = `${r.arn}\n${JSON.stringify(via.tags)}`;
      let trusted = service.trusted.get(trustKey);
      if (trusted === undefined) service.trusted.set(trustKey, (trusted = (await trustsService(r, service.services, via.tags)) ?? null));
      if (trusted === null) return;
      // The job the role would go with (`iam:AssociatedResourceArn`, review gb, 5): any job of the account, as pod
      // admission asks it of a workload's template, or the one of the ids the trust singles out (review hq, 4); then one
      // of each pattern of job ids `x`'s policies pass roles for, which the role trusts too (review hq, 6). A job's id
      // is drawn by the server, never chosen.
      let pass: AuthorizeAnswer | undefined;
      for (const id of [trusted, ...(await passJobIds(x)).filter((i) => i !== trusted)]) {
        if (id !== trusted && (await trustsService(r, service.services, via.tags, [id])) === undefined) continue;
        const associated = { [ASSOCIATED_RESOURCE]: jobArn(partition, account, id) };
        // Decided as enforcement decides it (src/app/principals.ts `decideForService`): an explicit deny naming the
        // service by any of its names refuses (review gb, 3), an Allow by any of them allows (review hp, 6).
        const answers = new Map<string, AuthorizeAnswer>();
        for (const svc of service.services) answers.set(svc, await answer(x, passAction, r.arn, { 'iam:PassedToService': svc, 'acs:Service': svc, ...associated }, added));
        const together = await everyName(x, answers, r.arn, { ...passedToEveryName(service.services), ...associated }, added);
        const decided = decideForServiceNames(service.services, (svc) => answers.get(svc) as AuthorizeAnswer, together);
        if (decided.decision === 'Allow') {
          out.push({ to: r, step: { from: x.arn, to: r.arn, how: via.how, actions: [passAction, ...via.actions], via: via.arn, reasons: [...decided.reasons, ...via.reasons] } });
          return;
        }
        pass ??= decided;
      }
      // With policies `added` (a step of `x` first), the binding below is another path, asked without them.
      if (pass === undefined || added !== undefined) return;
      // Refused only for want of an allow: `roles/iam.serviceAccountUser` bound to `x` on the role, or on the account
      // above it, is PassRole wherever it is asked (src/app/bindings.ts `actAs`), and `x` may write that binding when it
      // may set the role's or the account's IAM policy (review ai: such a principal was reported with no step).
      if (pass.decision !== 'ImplicitDeny') return;
      const bind = await mayBind(x, r);
      if (bind) {
        const line = `${x.arn} may bind roles/iam.serviceAccountUser to itself on ${bind.on} (${bind.action}), which allows ${passAction} on ${r.arn} unless its permissions boundary or session policy cuts that grant`;
        out.push({ to: r, step: { from: x.arn, to: r.arn, how: via.how, actions: [bind.action, passAction, ...via.actions], via: via.arn, reasons: [...bind.reasons, line, ...via.reasons] } });
      }
    };
    /**
     * Whether `x` may name `r` as the instance role of the cluster it may write (`written`): PassRole on `r` to the
     * compute service with the cluster's ARN as `iam:AssociatedResourceArn`, as the write asks it (review jg, 1); refused
     * only for want of an allow, through a binding `x` may write, which `PUT /v1/clusters/C` honours (apply does not; every
     * write `clusterWritable` finds is a PUT).
     */
    const passesToCluster = async (x: Node, r: Node, written: { readonly arn: string; readonly actions: readonly string[] }, added?: Added): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const answers = new Map<string, AuthorizeAnswer>();
      for (const svc of compute.services) answers.set(svc, await answer(x, passAction, r.arn, { 'iam:PassedToService': svc, 'acs:Service': svc, [ASSOCIATED_RESOURCE]: written.arn }, added));
      const together = await everyName(x, answers, r.arn, { ...passedToEveryName(compute.services), [ASSOCIATED_RESOURCE]: written.arn }, added);
      const decided = decideForServiceNames(compute.services, (svc) => answers.get(svc) as AuthorizeAnswer, together);
      if (decided.decision === 'Allow') return { actions: [], reasons: decided.reasons };
      // With policies `added` (a step of `x` first), the binding below is another path, asked without them.
      if (decided.decision !== 'ImplicitDeny' || added !== undefined) return undefined;
      const bind = await mayBind(x, r);
      return bind && { actions: [bind.action], reasons: [...bind.reasons, `${x.arn} may bind roles/iam.serviceAccountUser to itself on ${bind.on} (${bind.action}), which allows ${passAction} on ${r.arn}`] };
    };
    /**
     * Where `x` may write the binding that passes `r`: the role's own IAM policy or the account's, by IAM
     * (`gatehouse:SetIamPolicy`) or by a binding (`iam.serviceAccounts.setIamPolicy`, inherited from the account).
     */
    const mayBind = async (x: Node, r: Node): Promise<{ on: string; action: string; reasons: readonly string[] } | undefined> => {
      for (const [on, action] of [
        [r.arn, 'gatehouse:SetIamPolicy'],
        [rootArn(partition, account), 'gatehouse:SetIamPolicy'],
        [r.arn, 'iam.serviceAccounts.setIamPolicy'],
      ] as const) {
        const a = await allows(x, action, on);
        if (a) return { on: on === r.arn ? r.arn : `account/${account}`, action, reasons: a.reasons };
      }
      return undefined;
    };

    /**
     * How user `x` may make itself a member of workspace `ws` (its ARN `arn`): the actions, and why they are allowed.
     * `PUT /v1/workspaces/W` of the existing workspace asks `training:UpdateWorkspace` alone (review sb, 1: it asked
     * `training:CreateWorkspace`, which was taken for a join here and is now refused); `gatehouse apply` asks that and its
     * read (`training:GetWorkspace`, review jb, 17), so a join apply makes the PUT makes too.
     */
    const joinOf = async (x: Node, ws: Workspace, arn: string): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const put = await allows(x, 'training:UpdateWorkspace', arn);
      if (put) return { actions: ['training:UpdateWorkspace'], reasons: put.reasons };
      // A member group, room made first when `x` is in its quota of groups (review jb, 18, as review jb, 13 for gains).
      let room: { first: readonly string[]; reasons: readonly string[] } | undefined | null = null;
      for (const m of ws.members) {
        const g = m.group === undefined ? undefined : details.value.groups.find((d) => d.group.name.toLowerCase() === (m.group as string).toLowerCase());
        if (!g) continue;
        const a = await allows(x, iam('AddUserToGroup'), groupArn(g.group.name));
        if (!a) continue;
        if (room === null) room = await groupRoom(x, x);
        if (room === undefined) return undefined;
        return { actions: [...room.first, iam('AddUserToGroup')], reasons: [...room.reasons, ...a.reasons] };
      }
      return undefined;
    };

    /**
     * A namespace of cluster `c` (ARN `arn`) where `x` may create a workload whose pods run on the grant its pod template
     * gets at admission (review jb, 2, src/app/kube.ts `passerOf`): the built-in kinds kube-controller-manager makes pods
     * of (`WORKLOAD_TEMPLATES`), and the training kinds where the cluster trusts a controller (`trustedControllers`).
     */
    const workloadCreatable = async (x: Node, c: Cluster, arn: string, namespaces: readonly string[]): Promise<{ ns: string; reasons: readonly string[]; workload: string } | undefined> => {
      const kinds = [
        ...Object.keys(WORKLOAD_TEMPLATES)
          .filter((k) => TRAINING_WORKLOAD_RESOURCES[k.slice(0, k.indexOf('/'))] === undefined)
          .map((k) => `${k.slice(k.indexOf('/') + 1).toLowerCase()}s${k.startsWith('/') ? '' : `.${k.slice(0, k.indexOf('/'))}`}`),
        ...((c.trustedControllers?.length ?? 0) > 0 ? Object.entries(TRAINING_WORKLOAD_RESOURCES).flatMap(([group, resources]) => resources.map((r) => `${r}.${group}`)) : []),
      ];
      for (const ns of namespaces) {
        for (const workload of kinds) {
          const a = await allows(x, 'kubernetes:create', `${arn}/namespaces/${ns}/${workload}`);
          if (a) return { ns, reasons: a.reasons, workload };
        }
      }
      return undefined;
    };

    /**
     * Names not yet `taken` (lower-cased) of a `kind` — a workspace or a training cluster — that `x` might create: one
     * each of its Allow statements on that kind spells (`workspace/team-*` read as `team-new`, `?` as `x`), then a
     * plain `new-<kind>` (`-1`, `-2`… past taken ones). Reviews jb, 5 (workspaces) and 6 (clusters). And one each ARN
     * of that kind an Allow's `iam:AssociatedResourceArn` names spells (review ob, 3): a cluster write asks PassRole with
     * the cluster's ARN there (`passesToCluster`), so a principal allowed to pass a role only for `cluster/team-*`
     * reached it through `team-new`, never through `new-cluster`, and was listed with no path.
     */
    const unusedNamesSpelt = (x: Node, kind: 'workspace' | 'cluster', taken: ReadonlySet<string>, spelt: readonly string[] = [], own = true): Set<string> => {
      const names = new Set<string>();
      // Names (patterns) a role's trust accepts by the session tag of the workspace or cluster (review om, 1 and 2).
      for (const v of spelt) {
        const name = v.replace(/\*/g, 'new').replace(/\?/g, 'x');
        if (!v.includes('${') && /^[\w+=,.@-]{1,128}$/.test(name) && !taken.has(name.toLowerCase())) names.add(name);
      }
      if (!own) return names;
      const re = new RegExp(partition === 'acs' ? `^acs:pai::(\\d+|\\*)?:${kind}/(.+)$` : `^arn:aws:training::(\\d+|\\*)?:${kind}/(.+)$`);
      const associated = ASSOCIATED_RESOURCE.toLowerCase();
      for (const d of documentsOf(x)) {
        for (const st of d.statements) {
          if (st.effect !== 'Allow') continue;
          for (const r of [...(st.resource ?? []), ...st.conditions.filter((c) => c.key.toLowerCase() === associated).flatMap((c) => c.values)]) {
            const m = re.exec(r);
            if (!m || r.includes('${') || (m[1] !== undefined && m[1] !== '*' && m[1] !== account)) continue;
            const name = (m[2] ?? '').replace(/\*/g, 'new').replace(/\?/g, 'x');
            if (/^[\w+=,.@-]{1,128}$/.test(name) && !taken.has(name.toLowerCase())) names.add(name);
          }
        }
      }
      for (let i = 0; ; i++) {
        const name = `new-${kind}${i === 0 ? '' : `-${i}`}`;
        if (taken.has(name)) continue;
        names.add(name);
        return names;
      }
    };

    /**
     * A workspace user `x` may create (`PUT /v1/workspaces/W`: `training:CreateWorkspace`), naming itself a member, and
     * submit jobs in (review jb, 5): only workspaces that exist were looked at, so a user allowed to create one, to
     * submit jobs and to pass a role was no path to the role. Asked for a name each of its Allow statements on
     * workspaces spells (`workspace/team-*` read as `team-new`) and a plain one; none taken.
     */
    const newWorkspaceFor = async (x: Node, only?: readonly string[]): Promise<{ ws: Workspace; why: readonly string[]; join: readonly string[] } | undefined> => {
      const names = only ?? unusedNamesSpelt(x, 'workspace', new Set(workspaces.map((w) => w.name.toLowerCase())));
      for (const name of [...names].slice(0, 8)) {
        const arn = workspaceArn(partition, account, name);
        const create = await allows(x, 'training:CreateWorkspace', arn);
        if (!create) continue;
        // Decided as for a member: a workspace that does not exist yet refuses a non-member alone (`asMembersAllow`).
        const submit = await answer(x, 'training:CreateJob', arn);
        if (!refusedOnlyAsNonMember(submit)) continue;
        return { ws: { account, name, members: [{ user: x.name }] }, why: [...create.reasons, `${x.arn} may create workspace ${name}, naming itself a member`, ...reasonsBesideMembership(submit)], join: ['training:CreateWorkspace'] };
      }
      return undefined;
    };

    /**
     * A cluster `x` may write (`PUT /v1/clusters/C` on its ARN: `training:UpdateCluster` of an existing one, review sb, 1,
     * where it asked `training:CreateCluster`; `training:CreateCluster` of a new one; apply asks the update and its read,
     * `training:GetCluster`, review jb, 16, so it writes none the PUT does not) to set its instance role (review jb, 6): an
     * existing one first, then one under a name each of its Allow statements on clusters spells (`cluster/gpu-*` read as
     * `gpu-new`) and a plain `new-cluster`; none taken.
     */
    const clusterWritable = async (x: Node, trusted: readonly string[] = []): Promise<{ name: string; arn: string; actions: readonly string[]; reasons: readonly string[] }[]> => {
      const names = clusters.map((c) => c.name);
      const fresh = unusedNamesSpelt(x, 'cluster', new Set(clusters.map((c) => c.name.toLowerCase())), trusted);
      // Each one, not the first: PassRole on a cluster write is asked with the cluster's ARN (review ob, 3).
      const out: { name: string; arn: string; actions: readonly string[]; reasons: readonly string[] }[] = [];
      for (const name of [...names, ...[...fresh].slice(0, 8)]) {
        const arn = clusterArn(partition, account, name);
        const action = names.includes(name) ? 'training:UpdateCluster' : 'training:CreateCluster';
        const a = await allows(x, action, arn);
        if (a) out.push({ name, arn, actions: [action], reasons: a.reasons });
      }
      return out;
    };

    /**
     * Managed policies `x` may create (`iam:CreatePolicy`, review jb, 8), each with why: under a name each of its Allow
     * statements on policies of the account spells (`policy/team-*` read as `team-new`, a path kept) and a plain
     * `new-policy`; none taken. Read once a principal.
     */
    const newPolicyCache = new Map<string, { arn: string; first: readonly string[]; reasons: readonly string[] }[]>();
    /**
     * Room in the account for a managed policy `x` creates (review la, 3): IAM holds an account to 1,500 customer managed
     * policies (`QUOTAS.customerManagedPoliciesPerAccount`) and refuses another (LimitExceeded, src/app/directory.ts), so
     * in a full account `x` must delete one first (`DeletePolicy`), one that may go as it is (attached to no one, no
     * one's boundary, one version) or that `x` may empty first (review ml, 4). Nothing first when there is room; `first` undefined when there is none and `x` may
     * not make it.
     */
    const policyAccountRoom = async (x: Node): Promise<{ first?: readonly string[]; reasons: readonly string[] }> => {
      const own = details.value.policies.filter((p) => p.policy.account === account);
      if (own.length < QUOTAS.customerManagedPoliciesPerAccount) return { first: [], reasons: [] };
      const used = new Set([
        ...details.value.users.flatMap((u) => [...u.attached.map((a) => a.arn), ...(u.user.permissionsBoundary ? [u.user.permissionsBoundary] : [])]),
        ...details.value.groups.flatMap((g) => g.attached.map((a) => a.arn)),
        ...details.value.roles.flatMap((r) => [...r.attached.map((a) => a.arn), ...(r.role.permissionsBoundary ? [r.role.permissionsBoundary] : [])]),
      ]);
      const grants = identityGrants((await asPrincipal(x)).policies, iam('DeletePolicy'));
      for (const p of own) {
        if (p.versions.length > 1 || used.has(p.policy.arn) || !worthAsking(grants, p.policy.arn)) continue;
        const d = await allows(x, iam('DeletePolicy'), p.policy.arn);
        if (d) return { first: [iam('DeletePolicy')], reasons: [...d.reasons, `the account holds ${own.length} managed policies, its quota of ${QUOTAS.customerManagedPoliciesPerAccount}: ${x.name} deletes ${p.policy.name}, attached to no one, first`] };
      }
      // Or one `x` may empty first, as for groups, users and roles (reviews mb, 4 and ml, 1; review ml, 4): its other
      // versions deleted, detached from each user, group and role, and taken off as a permissions boundary (DeletePolicy
      // refuses a policy in any such use, DeleteConflict). Never one that bears on `x` (attached to it or a group of it, or
      // its boundary): taking it away may take away the very rights the path needs.
      const mine = new Set([...x.managed, ...(x.boundary ? [x.boundary] : [])]);
      for (const p of own) {
        const arn = p.policy.arn;
        if (mine.has(arn) || !worthAsking(grants, arn)) continue;
        const steps: [string, string, Record<string, string> | undefined][] = [];
        if (p.versions.length > 1) steps.push([iam('DeletePolicyVersion'), arn, undefined]);
        for (const u of details.value.users) {
          const ua = entityArn(partition, account, 'user', u.user.path, u.user.name);
          if (u.attached.some((a) => a.arn === arn)) steps.push([iam('DetachUserPolicy'), ua, { 'iam:PolicyARN': arn }]);
          if (u.user.permissionsBoundary === arn) steps.push([iam('DeleteUserPermissionsBoundary'), ua, { 'iam:PermissionsBoundary': arn }]);
        }
        for (const g of details.value.groups) if (g.attached.some((a) => a.arn === arn)) steps.push([iam('DetachGroupPolicy'), groupArn(g.group.name), { 'iam:PolicyARN': arn }]);
        for (const r of details.value.roles) {
          const ra = entityArn(partition, account, 'role', r.role.path, r.role.name);
          if (r.attached.some((a) => a.arn === arn)) steps.push([iam('DetachRolePolicy'), ra, { 'iam:PolicyARN': arn }]);
          if (r.role.permissionsBoundary === arn) steps.push([iam('DeleteRolePermissionsBoundary'), ra, { 'iam:PermissionsBoundary': arn }]);
        }
        if (steps.length === 0) continue;
        const d = await allows(x, iam('DeletePolicy'), arn);
        if (!d) continue;
        const first: string[] = [];
        const reasons: string[] = [];
        let emptied = true;
        for (const [action, resource, extra] of steps) {
          const a = await allows(x, action, resource, extra);
          if (!a) {
            emptied = false;
            break;
          }
          if (!first.includes(action)) first.push(action);
          reasons.push(...a.reasons);
        }
        if (emptied) return { first: [...first, iam('DeletePolicy')], reasons: [...reasons, ...d.reasons, `the account holds ${own.length} managed policies, its quota of ${QUOTAS.customerManagedPoliciesPerAccount}: ${x.name} empties ${p.policy.name} (${first.join(', ')}) and deletes it first`] };
      }
      return { reasons: [] };
    };
    const newPoliciesBy = async (x: Node): Promise<{ arn: string; first: readonly string[]; reasons: readonly string[] }[]> => {
      const hit = newPolicyCache.get(x.arn);
      if (hit) return hit;
      const room = await policyAccountRoom(x);
      const first = room.first;
      if (!first) {
        newPolicyCache.set(x.arn, []);
        return [];
      }
      const taken = new Set(details.value.policies.map((p) => p.policy.arn.toLowerCase()));
      const arns = new Set<string>();
      const re = partition === 'acs' ? /^acs:ram::(\d+|\*)?:policy\/(.+)$/i : /^arn:aws:iam::(\d+|\*)?:policy\/(.+)$/;
      for (const d of documentsOf(x)) {
        for (const st of d.statements) {
          if (st.effect !== 'Allow') continue;
          for (const r of [...(st.resource ?? []), ...st.conditions.flatMap((c) => (c.key.toLowerCase() === 'iam:policyarn' ? c.values : []))]) {
            const m = re.exec(r);
            if (!m || r.includes('${') || (m[1] !== undefined && m[1] !== '*' && m[1] !== account)) continue;
            const rest = (m[2] ?? '').replace(/\*/g, 'new').replace(/\?/g, 'x');
            const slash = rest.lastIndexOf('/');
            const name = rest.slice(slash + 1);
            const path = partition === 'acs' || slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}`;
            const arn = entityArn(partition, account, 'policy', path, name);
            if (/^[\w+=,.@-]{1,128}$/.test(name) && !taken.has(arn.toLowerCase())) arns.add(arn);
          }
        }
      }
      arns.add(entityArn(partition, account, 'policy', '/', 'new-policy'));
      const out: { arn: string; first: readonly string[]; reasons: readonly string[] }[] = [];
      for (const arn of [...arns].slice(0, 8)) {
        if (taken.has(arn.toLowerCase())) continue;
        const a = await allows(x, iam('CreatePolicy'), arn);
        if (a) out.push({ arn, first, reasons: [...room.reasons, ...a.reasons] });
      }
      newPolicyCache.set(x.arn, out);
      return out;
    };

    /**
     * Whether `x` may register an OIDC provider that role `r`'s trust policy lets assume it, and so become `r` (review
     * jb, 9): CreateOpenIDConnectProvider takes the issuer's keys inline (`JwksJson`, for issuers the server cannot
     * reach), so whoever registers a provider under a URL signs that issuer's tokens, claims of its choosing included.
     * A provider already registered must be deleted first (`iam:DeleteOpenIDConnectProvider`). The trust decision is
     * AssumeRoleWithWebIdentity's (src/app/oidc.ts), with the claims the trust policy compares (`<provider>:sub`, `:aud`…;
     * `*` and `?` of a `StringLike` filled in) as the token would carry them. In an `acs` account (review rf, 2), RAM's
     * OIDC provider (`acs:ram::A:oidc-provider/<host/path>`, registered alike) and Alibaba's AssumeRoleWithOIDC: the
     * trust policy asked for `sts:AssumeRole` with RAM's keys `oidc:iss`, `oidc:aud` and `oidc:sub`, as ACK's RRSA roles
     * trust a provider; or AWS's exchange, which a RAM provider's tokens are answered by as well.
     */
    const webIdentityVia = async (x: Node, r: Node): Promise<{ exchange: 'sts:AssumeRoleWithWebIdentity' | 'sts:AssumeRoleWithOIDC'; actions: string[]; reasons: string[] } | undefined> => {
      const trust = (trustOf.get(r.name) ?? [])[0];
      if (trust === undefined) return undefined;
      const prefix = partition === 'acs' ? `acs:ram::${account}:oidc-provider/` : `arn:aws:iam::${account}:oidc-provider/`;
      // AWS's exchange asks `sts:AssumeRoleWithWebIdentity` with the `<host/path>:…` keys; in an `acs` account Alibaba's
      // AssumeRoleWithOIDC (the step's `how`) asks `sts:AssumeRole`, the action the step lists, with RAM's `oidc:` keys,
      // and AWS's exchange is answered for a RAM provider too (src/app/oidc.ts).
      const exchanges = partition === 'acs' ? (['sts:AssumeRoleWithOIDC', 'sts:AssumeRoleWithWebIdentity'] as const) : (['sts:AssumeRoleWithWebIdentity'] as const);
      for (const exchange of exchanges) {
        const ram = exchange === 'sts:AssumeRoleWithOIDC';
        const asked = ram ? 'sts:AssumeRole' : 'sts:AssumeRoleWithWebIdentity';
        const named = new Set<string>();
        for (const st of trust.statements) {
          if (st.effect !== 'Allow' || st.principal === undefined || !(st.notAction || st.actions.some((m) => m(asked.toLowerCase())))) continue;
          for (const f of st.principal.federated) if (f.startsWith(prefix) && f.length > prefix.length) named.add(f);
        }
        if (named.size === 0) continue;
        // By host/path: the store lists the account's providers in AWS's spelling whatever its partition.
        registered ??= new Set(((await deps.oidcProviders?.(account)) ?? []).map((a) => a.slice(a.indexOf(':oidc-provider/') + ':oidc-provider/'.length).toLowerCase()));
        for (const arn of named) {
          const hp = arn.slice(prefix.length);
          const claims: Record<string, string> = ram
            ? { 'oidc:iss': `https://${hp}`, 'oidc:aud': 'sts.aliyuncs.com', 'oidc:sub': `escalation-${x.name}` }
            : { [`${hp}:aud`]: 'sts.amazonaws.com', [`${hp}:sub`]: `escalation-${x.name}` };
          for (const st of trust.statements) {
            for (const c of st.conditions) {
              if (!c.key.startsWith(ram ? 'oidc:' : `${hp.toLowerCase()}:`) || (ram && c.key === 'oidc:iss') || c.negated || !c.entry.base.startsWith('String')) continue;
              const v = c.entry.values[0];
              if (v !== undefined && !v.includes('${')) claims[c.entry.key] = c.entry.base.includes('Like') ? v.replace(/[*?]/g, 'x') : v;
            }
          }
          await ask();
          const principal: Principal = { kind: 'web-identity', arn, provider: arn, partition, account: '' };
          // With the role's tags, as both exchanges decide its trust policy (src/app/oidc.ts; review rt, 1): without them
          // a trust admitting tokens by the role's tag was no way, and one denying them while it is tagged `locked` was.
          // And with the question's context and at its time, as every other step is asked (review vd, 5): without them a trust
          // admitting tokens only from the address `--context` gives was no way, and one that stops admitting them after a
          // date was a way at `aws:CurrentTime` past it. The token's claims, the provider and the role's tags are the exchange's.
          const trustContext = contextOf({ ...(context ?? {}), ...claims, 'aws:FederatedProvider': arn, 'sts:RoleSessionName': 'escalation', ...awsResourceTags(details.value.roles.find((dr) => dr.role.name === r.name)?.role.tags) });
          const d = evaluate({ principal, action: asked, resource: r.arn, context: trustContext, time: questionTime() }, { identity: [], trust });
          if (d.decision !== 'Allow') continue;
          // With RAM's key of the issuer URL, which the server gives the registration (the URL asked for) and a
          // deletion (the provider's) in either partition (src/app/oidc.ts, review qr, 6): asked without it, an Allow
          // limited to some issuers never held and a Deny of one never applied (review rt, 4).
          const issuer = { 'ram:OidcIssuerUrl': `https://${hp}` };
          const create = await allows(x, iam('CreateOpenIDConnectProvider'), arn, issuer);
          if (!create) continue;
          const exists = registered.has(hp.toLowerCase());
          const del = exists ? await allows(x, iam('DeleteOpenIDConnectProvider'), arn, issuer) : undefined;
          if (exists && !del) continue;
          const written = Object.entries(claims).map(([k, v]) => `${k}=${v}`).join(', ');
          return {
            exchange,
            actions: [...(del ? [iam('DeleteOpenIDConnectProvider')] : []), iam('CreateOpenIDConnectProvider'), asked],
            reasons: [...(del?.reasons ?? []), ...create.reasons, `${x.name} may ${exists ? 'delete and register again' : 'register'} OIDC provider ${arn} with keys of its own (JwksJson) and sign a token of it with ${written}`, line(d)],
          };
        }
      }
      return undefined;
    };
    let registered: Set<string> | undefined;

    /** The compiled trust policy of each role, read once. */
    const trustOf = new Map(details.value.roles.map((r) => [r.role.name, compiledTrust(r.role)]));
    /**
     * The principal tags (`aws:PrincipalTag/K` = a value) that the Allow statements of `policies` test with a string
     * operator (not negated), each with one value that meets it (`*` and `?` of a `StringLike` filled in). In RAM's
     * spelling too (`acs:PrincipalTag/K`, which the engine reads as the `aws:` key; review on, 4).
     */
    const principalTagsAsked = (policies: readonly CompiledPolicy[], prefix = 'aws:principaltag/'): Map<string, string> => {
      const out = new Map<string, string>();
      const ram = `acs:${prefix.slice(4)}`;
      for (const p of policies) {
        for (const st of p.statements) {
          if (st.effect !== 'Allow') continue;
          for (const c of st.conditions) {
            if (!(c.key.startsWith(prefix) || (prefix.startsWith('aws:') && c.key.startsWith(ram))) || c.negated || !['StringEquals', 'StringEqualsIgnoreCase', 'StringLike'].includes(c.entry.base)) continue;
            const v = c.entry.values[0];
            const k = c.entry.key.slice(prefix.length);
            if (v !== undefined && k !== '' && !v.includes('${') && !out.has(k)) out.set(k, c.entry.base === 'StringLike' ? v.replace(/[*?]/g, 'x') : v);
          }
        }
      }
      return out;
    };
    /**
     * The session names that the statements of `policies` compare `sts:RoleSessionName` with (string operators, Allow
     * or Deny, negated or not: a Deny unless the name is the user's own needs that name), each made one that `x` may
     * give: `${aws:username}` read as a user's name, `*` and `?` of a `StringLike` filled in; none that another
     * variable holds, or that is no session name (review eq, 5). With `key` `sts:sourceidentity`, the source identities
     * (review ii, 3), which AssumeRole takes in the same characters; with `sts:externalid` and `valid` its characters, the
     * external ids (review jb, 4).
     */
    const sessionNamesAsked = (x: Node, policies: readonly CompiledPolicy[], key = 'sts:rolesessionname', valid: RegExp = partition === 'acs' ? RAM_SESSION_NAME_RE : SESSION_NAME_RE): string[] => {
      const out = new Set<string>();
      for (const p of policies) {
        for (const st of p.statements) {
          for (const c of st.conditions) {
            if (c.key !== key || !c.entry.base.startsWith('String')) continue;
            for (const v of c.entry.values) {
              let name = x.kind === 'user' ? v.replace(/\$\{aws:username\}/gi, x.name) : v;
              if (name.includes('${')) continue;
              if (c.entry.base.includes('Like')) name = name.replace(/[*?]/g, 'x');
              if (valid.test(name)) out.add(name);
            }
          }
        }
      }
      return [...out].slice(0, 8);
    };
    /**
     * The paths other than its own that `aws:PrincipalArn` conditions of `policies` admit user `x` under, its name kept
     * (review ml, 2): each value naming a user of the account (`ArnLike`/`StringLike` wildcards in the path filled in,
     * `${aws:username}` read as its name) whose last segment is, or matches, `x`'s name. At most 8.
     */
    const pathsAdmitting = (x: Node, policies: readonly CompiledPolicy[]): string[] =>
      pathsNamed(x, policies.flatMap((p) => p.statements.filter((st) => st.effect === 'Allow').flatMap((st) => st.conditions.filter((c) => !c.negated).map((c) => c.entry))));
    /** The paths `aws:PrincipalArn` condition entries name user `x` under, its name kept (`pathsAdmitting`). At most 8. */
    const pathsNamed = (x: Node, entries: readonly ConditionEntry[]): string[] => {
      const out = new Set<string>();
      // The engine's matcher, not a regular expression of one `.*` per `*`, which a value of many `*` made backtrack for
      // good (review vo, 3).
      const globRe = (g: string): { test: (s: string) => boolean } => ({ test: resolvedGlobMatcher(g) });
      for (const entry of entries) {
        if (entry.key.toLowerCase() !== 'aws:principalarn' || !(entry.base.startsWith('Arn') || entry.base.startsWith('String'))) continue;
        const like = entry.base.includes('Like');
        for (const v of entry.values) {
          const value = v.replace(/\$\{aws:username\}/gi, x.name);
          if (value.includes('${')) continue;
          const m = /^arn:[^:]*:iam::([^:]*):user(\/.*)$/.exec(value);
          if (!m || (m[1] !== account && !(like && globRe(m[1] ?? '').test(account)))) continue;
          const rest = m[2] ?? '';
          const cut = rest.lastIndexOf('/');
          const name = rest.slice(cut + 1);
          if (!(like ? globRe(name).test(x.name) : name === x.name)) continue;
          const path = like ? rest.slice(0, cut + 1).replace(/[*?]/g, 'x') : rest.slice(0, cut + 1);
          if (path.length <= 512 && /^(\/|\/[\u0021-\u007E]+\/)$/.test(path)) out.add(path);
        }
      }
      return [...out].slice(0, 8);
    };
    /**
     * Room on `t` for `tags` (review la, 1): IAM holds a user or role to 50 tags (`QUOTAS.tagsPerEntity`) and refuses a
     * `Tag…` that adds keys past them (LimitExceeded, src/app/directory.ts `tooManyTags`), so where the keys new to `t`
     * would pass the quota, `x` must remove as many of its other tags first (`Untag…`, asked with those keys as
     * `aws:TagKeys`). Nothing first when there is room; undefined when there is none and `x` may not make it.
     */
    const tagRoom = async (x: Node, t: Node, tags: readonly Tag[]): Promise<{ first: readonly string[]; reasons: readonly string[] } | undefined> => {
      const held = (t.kind === 'user' ? details.value.users.find((u) => u.user.name === t.name)?.user.tags : details.value.roles.find((r) => r.role.name === t.name)?.role.tags) ?? [];
      const asked = new Set(tags.map((g) => g.key.toLowerCase()));
      const added = [...asked].filter((k) => !held.some((h) => h.key.toLowerCase() === k)).length;
      const excess = held.length + added - QUOTAS.tagsPerEntity;
      if (excess <= 0) return { first: [], reasons: [] };
      const untag = iam(t.kind === 'user' ? 'UntagUser' : 'UntagRole');
      // The tags `x` may remove, each asked alone: a policy letting it untag some keys (aws:TagKeys) and not others must
      // not hide the room the others make, taken first come (a false 'no path' is the answer this analysis may not give).
      const drop: string[] = [];
      for (const h of held) {
        if (drop.length === excess) break;
        if (!asked.has(h.key.toLowerCase()) && (await allows(x, untag, t.arn, tagKeysContext([h.key], held)))) drop.push(h.key);
      }
      if (drop.length < excess) return undefined;
      const a = await allows(x, untag, t.arn, tagKeysContext(drop, held));
      return a && { first: [untag], reasons: [...a.reasons, `${t.arn} carries ${held.length} tags, and IAM holds it to ${QUOTAS.tagsPerEntity}: ${untag} removes ${drop.join(', ')} first (and what its policies grant by them)`] };
    };
    /**
     * May `x` tag itself (`TagUser`, `TagRole`: a role's tags are its sessions' principal tags) with the tags the trust
     * policy of `r`, or its own policies, ask of the principal, and then assume `r`? The tagging is asked with those
     * keys and values (`aws:TagKeys`, `aws:RequestTag/K`), and AssumeRole's trust check with them as principal tags.
     */
    const retagged = async (x: Node, r: Node, me: { principal: Principal; policies: PolicySet }): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      // In an `acs` account too: a RAM trust policy may ask `acs:PrincipalTag/K`, and RAM users and roles are tagged alike
      // (review oo, 2).
      const tags = principalTagsAsked([...(trustOf.get(r.name) ?? []), ...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])]);
      if (tags.size === 0) return undefined;
      const action = iam(x.kind === 'user' ? 'TagUser' : 'TagRole');
      const as: Record<string, string | string[]> = { ...trustContext };
      for (const [k, v] of tags) as[`aws:PrincipalTag/${k}`] = v;
      const tag = await allows(x, action, x.arn, requestTagContext([...tags].map(([key, value]) => ({ key, value }))));
      const room = tag && (await tagRoom(x, x, [...tags].map(([key, value]) => ({ key, value }))));
      if (!tag || !room) return undefined;
      await ask();
      const d = await deps.assumeDecision(me.principal, me.policies, r.arn, as);
      if (d?.decision !== 'Allow') return undefined;
      const written = [...tags].map(([k, v]) => `${k}=${v}`).join(', ');
      return { actions: [...room.first, action], reasons: [...room.reasons, ...tag.reasons, `${line(d)} (once ${x.name} carries the tag${tags.size === 1 ? '' : 's'} ${written}, which ${action} sets)`] };
    };

    /**
     * The policies of group `g` (inline and attached, the default version of each), compiled as a member's are named
     * (`group/G/P`, the managed policy's ARN); one not read is left out. Read once a group.
     */
    const compiledGroups = new Map<string, CompiledPolicy[]>();
    const groupPolicySet = (g: GroupDetail): CompiledPolicy[] => {
      let c = compiledGroups.get(g.group.name);
      if (!c) {
        c = [];
        for (const p of g.inlinePolicies) {
          const r = parsePolicy(p.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
          if (r.ok) c.push(compilePolicy(r.value, `group/${g.group.name}/${p.name}`));
        }
        for (const a of g.attached) {
          const doc = attachable.find((p) => p.arn === a.arn)?.doc;
          if (doc) c.push(compilePolicy(doc, a.arn));
        }
        compiledGroups.set(g.group.name, c);
      }
      return c;
    };
    /** Whether user `x` may add itself to group `g` (`iam:AddUserToGroup`, room made first at its quota), read once a pair. */
    const selfJoins = new Map<string, { actions: readonly string[]; reasons: readonly string[] } | null>();
    const selfJoin = async (x: Node, g: GroupDetail): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const key = `${x.arn} ${g.group.name}`;
      const hit = selfJoins.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const add = await allows(x, iam('AddUserToGroup'), groupArn(g.group.name));
      const room = add && (await groupRoom(x, x));
      const joined = add && room ? { actions: [...room.first, iam('AddUserToGroup')], reasons: [...room.reasons, ...add.reasons] } : undefined;
      selfJoins.set(key, joined ?? null);
      return joined;
    };
    /**
     * May user `x` add itself to a group whose policies let it assume role `r` (review sx, 2)? A member is decided with
     * its groups' policies, so a trust policy naming the account admits `x` once it is in a group allowing
     * `sts:AssumeRole` on `r`: AssumeRole's check asked with them added to `x`'s own (a Deny of theirs counts too). Only
     * the groups with an Allow statement that may grant `sts:AssumeRole` on `r` are asked about.
     */
    const joinedToAssume = async (x: Node, r: Node, me: { principal: Principal; policies: PolicySet }): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      for (const g of details.value.groups) {
        if (x.groups.includes(g.group.name)) continue;
        const policies = groupPolicySet(g);
        if (policies.length === 0 || !mayGrantOn(identityGrants({ identity: policies }, 'sts:AssumeRole'), r.arn)) continue;
        const join = await selfJoin(x, g);
        if (!join) continue;
        await ask();
        const d = await deps.assumeDecision(me.principal, { ...me.policies, identity: [...me.policies.identity, ...policies] }, r.arn, trustContext);
        if (d?.decision === 'Allow') return { actions: join.actions, reasons: [...join.reasons, `${line(d)} (once ${x.name} is a member of group ${g.group.name}, which ${iam('AddUserToGroup')} makes it)`] };
      }
      return undefined;
    };

    /** Each managed policy `attachable` holds, compiled under its ARN as a principal's are named; read once a policy. */
    const compiledManaged = new Map<string, { readonly compiled: CompiledPolicy; readonly assume: readonly CompiledStatement[] | undefined }>();
    const managedPolicy = (p: (typeof attachable)[number]): { readonly compiled: CompiledPolicy; readonly assume: readonly CompiledStatement[] | undefined } | undefined => {
      if (p.doc === undefined) return undefined;
      let c = compiledManaged.get(p.arn);
      if (!c) {
        const compiled = compilePolicy(p.doc, p.arn);
        compiledManaged.set(p.arn, (c = { compiled, assume: identityGrants({ identity: [compiled] }, 'sts:AssumeRole') }));
      }
      return c;
    };
    /**
     * Whether `x` may attach managed policy `arn` to `to` (itself, or for a user one of its groups: review tg, 1), by
     * `to.action` (`Attach…Policy`) with `iam:PolicyARN` and `to.extra` (its current boundary), as enforcement names
     * them; room made first at `to`'s quota of ten. Read once a triple.
     */
    const selfAttaches = new Map<string, { actions: readonly string[]; reasons: readonly string[] } | null>();
    const selfAttach = async (x: Node, arn: string, to: AttachTarget): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const key = `${x.arn} ${to.resource} ${arn}`;
      const hit = selfAttaches.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const space = await attachRoom(x, to.action, to.resource, to.extra);
      const a = space && (await allows(x, to.action, to.resource, { ...to.extra, 'iam:PolicyARN': arn }));
      const attached = space && a ? { actions: [...space.first, to.action], reasons: [...space.reasons, ...a.reasons] } : undefined;
      selfAttaches.set(key, attached ?? null);
      return attached;
    };
    /** Where `x` attaches a policy that becomes its own: itself, or (a user) a group it is in; `what` names it in a reason. */
    type AttachTarget = { readonly action: string; readonly resource: string; readonly extra: Record<string, string> | undefined; readonly held: readonly string[]; readonly what: string };
    const attachTargets = (x: Node, me: { policies: PolicySet }): AttachTarget[] => {
      const out: AttachTarget[] = [];
      const own = iam(x.kind === 'user' ? 'AttachUserPolicy' : 'AttachRolePolicy');
      if (worthAsking(identityGrants(me.policies, own), x.arn)) out.push({ action: own, resource: x.arn, extra: x.boundary ? { 'iam:PermissionsBoundary': x.boundary } : undefined, held: [], what: x.name });
      if (x.kind === 'user' && x.groups.length > 0) {
        const grants = identityGrants(me.policies, iam('AttachGroupPolicy'));
        for (const g of x.groups) {
          const resource = groupArn(g);
          if (worthAsking(grants, resource)) out.push({ action: iam('AttachGroupPolicy'), resource, extra: undefined, held: attachedTo.get(resource) ?? [], what: `its group ${g}` });
        }
      }
      return out;
    };
    /**
     * May `x` attach to itself a managed policy that lets it assume role `r` (review sx, 3)? Attaching changes its own
     * policies, as joining a group does (`joinedToAssume`), so a trust policy naming the account admits it once the
     * policy is attached: AssumeRole's check asked with that policy added (within its boundary, which stays). The
     * delegation pattern, `Attach…Policy` allowed for some policies only (`iam:PolicyARN`), reads "gives: policy" as a
     * gain; the role that policy reaches was not followed. So for a user attaching it to a group it is in
     * (`AttachGroupPolicy`, review tg, 1): a member is decided with its groups' managed policies. Only policies with an
     * Allow statement that may grant `sts:AssumeRole` on `r`, and only where `x` has an Allow that may grant it the
     * attaching, are asked about.
     */
    const attachedToAssume = async (x: Node, r: Node, me: { principal: Principal; policies: PolicySet }): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const targets = attachTargets(x, me);
      if (targets.length === 0) return undefined;
      for (const p of attachable) {
        if (x.managed.includes(p.arn)) continue;
        const m = managedPolicy(p);
        if (m === undefined || m.assume?.length === 0 || !mayGrantOn(m.assume, r.arn)) continue;
        for (const to of targets) {
          if (to.held.includes(p.arn)) continue;
          const attach = await selfAttach(x, p.arn, to);
          if (!attach) continue;
          await ask();
          const d = await deps.assumeDecision(me.principal, { ...me.policies, identity: [...me.policies.identity, m.compiled] }, r.arn, trustContext);
          if (d?.decision === 'Allow') return { actions: attach.actions, reasons: [...attach.reasons, `${line(d)} (once ${to.what} has ${p.arn} attached, which ${to.action} attaches)`] };
          break;
        }
      }
      return undefined;
    };

    /**
     * The ways user or role `x` comes to hold a policy allowing PassRole on one of `roles` by a step of its own (review
     * tg, 2): a group it may join (`AddUserToGroup`, as `joinedToAssume` asks it), or a managed policy it may attach to
     * itself or to a group of its own (as `attachedToAssume`); each with the policies it would then hold besides its own.
     * Only groups and policies with an Allow statement that may grant PassRole on one of them are asked about.
     */
    const passGains = async (x: Node, roles: readonly Node[]): Promise<{ actions: readonly string[]; reasons: readonly string[]; added: Added }[]> => {
      const out: { actions: readonly string[]; reasons: readonly string[]; added: Added }[] = [];
      const reaches = (policies: readonly CompiledPolicy[]): boolean => {
        const grants = identityGrants({ identity: policies }, passAction);
        return grants?.length !== 0 && roles.some((r) => mayGrantOn(grants, r.arn));
      };
      if (x.kind === 'user') {
        for (const g of details.value.groups) {
          if (x.groups.includes(g.group.name)) continue;
          const policies = groupPolicySet(g);
          if (policies.length === 0 || !reaches(policies)) continue;
          const join = await selfJoin(x, g);
          if (join) out.push({ actions: join.actions, reasons: [...join.reasons, `once ${x.name} is a member of group ${g.group.name}, which ${iam('AddUserToGroup')} makes it`], added: { identity: policies } });
        }
      }
      const me = await asPrincipal(x);
      const targets = attachTargets(x, me);
      for (const p of targets.length === 0 ? [] : attachable) {
        if (x.managed.includes(p.arn)) continue;
        const m = managedPolicy(p);
        if (m === undefined || !reaches([m.compiled])) continue;
        for (const to of targets) {
          if (to.held.includes(p.arn)) continue;
          const attach = await selfAttach(x, p.arn, to);
          if (attach) {
            out.push({ actions: attach.actions, reasons: [...attach.reasons, `once ${to.what} has ${p.arn} attached, which ${to.action} attaches`], added: { identity: [m.compiled] } });
            break;
          }
        }
      }
      // Another version of a managed policy it holds made the default (review tk, 2), as `defaultSetToAssume` asks it:
      // decided in the default's place (the authorizer puts an added policy named as one held there, its boundary too);
      // of a policy it holds as its boundary alone, in the boundary's place alone (review tw, 3).
      for (const arn of versionSettable(x)) {
        for (const w of widerOf(arn)) {
          const v = versionPolicy(arn, w.versionId);
          if (v === undefined || !reaches([v.compiled])) continue;
          const set = await selfSet(x, arn);
          if (!set) break;
          const added = x.managed.includes(arn) ? { identity: [v.compiled] } : { identity: [], boundary: v.compiled };
          out.push({ actions: [iam('SetDefaultPolicyVersion')], reasons: [...set.reasons, `once version ${w.versionId} of ${arn} is its ${x.managed.includes(arn) ? '' : "permissions boundary's "}default, which ${iam('SetDefaultPolicyVersion')} makes it`], added });
        }
      }
      // Its boundary lifted (review tw, 4), where its own policies may grant PassRole on one of them.
      const lift = reaches(me.policies.identity) ? await boundaryLift(x) : undefined;
      if (lift) out.push(lift);
      return out;
    };

    /** A version of a managed policy, compiled under the policy's ARN, with its Allows that may grant AssumeRole; read once. */
    const compiledVersions = new Map<string, { readonly compiled: CompiledPolicy; readonly assume: readonly CompiledStatement[] | undefined } | null>();
    const versionPolicy = (arn: string, versionId: string): { readonly compiled: CompiledPolicy; readonly assume: readonly CompiledStatement[] | undefined } | undefined => {
      const key = `${arn} ${versionId}`;
      let c = compiledVersions.get(key);
      if (c === undefined) {
        const v = (versionsOf.get(arn) ?? []).find((x) => x.versionId === versionId);
        const parsed = v && parsePolicy(v.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
        const compiled = parsed?.ok ? compilePolicy(parsed.value, arn) : undefined;
        compiledVersions.set(key, (c = compiled ? { compiled, assume: identityGrants({ identity: [compiled] }, 'sts:AssumeRole') } : null));
      }
      return c ?? undefined;
    };
    /**
     * The way `x` lifts its own permissions boundary, if any (review tw, 4), as `gainsOver` lists it for the boundary
     * gains: deletes it (`Delete…PermissionsBoundary` on itself, the current one as `iam:PermissionsBoundary`, as
     * enforcement names it), puts any other (`Put…PermissionsBoundary` allowed without naming the new one), or writes a
     * version of the boundary policy allowing everything (`CreatePolicyVersion`, room made at its quota of versions).
     * Each frees its own policies in full: decided as a boundary allowing everything in the boundary's place
     * (`addedBoundary`). `by`, when given, is another principal that lifts it (review uo, 2), asked instead of `x`. Read
     * once a pair.
     */
    const liftCache = new Map<string, { actions: readonly string[]; reasons: readonly string[]; added: Added } | null>();
    const boundaryLift = async (x: Node, by: Node = x): Promise<{ actions: readonly string[]; reasons: readonly string[]; added: Added } | undefined> => {
      if (!x.boundary) return undefined;
      const key = `${by.arn} ${x.arn}`;
      const hit = liftCache.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const kind = x.kind === 'user' ? 'User' : 'Role';
      const parsed = parsePolicy(JSON.stringify({ Version: partition === 'acs' ? '1' : '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), { kind: 'identity' });
      const added: Added = { identity: [], ...(parsed.ok ? { boundary: compilePolicy(parsed.value, x.boundary) } : {}) };
      const del = iam(`Delete${kind}PermissionsBoundary`);
      const put = iam(`Put${kind}PermissionsBoundary`);
      const d = await allows(by, del, x.arn, { 'iam:PermissionsBoundary': x.boundary });
      const p = d ? undefined : await allows(by, put, x.arn);
      const write = d || p || !customerManaged(x.boundary) ? undefined : await allows(by, iam('CreatePolicyVersion'), x.boundary);
      const room = write && (await versionRoom(by, x.boundary));
      // Said of the actor where it is another principal than the one whose boundary it lifts (review uo, 2).
      const who = by === x ? '' : ` (by ${by.kind} ${by.name}, ${by.arn})`;
      const lift =
        added.boundary === undefined ? undefined
        : d ? { actions: [del], reasons: [...d.reasons, `once ${x.name} has no permissions boundary, which ${del} removes${who}`], added }
        : p ? { actions: [put], reasons: [...p.reasons, `once ${x.name}'s permissions boundary is one of ${by === x ? 'its' : `${by.name}'s`} choosing, which ${put} puts${who}`], added }
        : write && room ? { actions: [...(room.first.first ?? []), iam('CreatePolicyVersion')], reasons: [...room.reasons, ...write.reasons, `once ${x.name}'s permissions boundary ${x.boundary} has a default version allowing everything, which ${iam('CreatePolicyVersion')} writes${who}`], added }
        : undefined;
      liftCache.set(key, lift ?? null);
      return lift;
    };
    /** May `x` lift its own permissions boundary (`boundaryLift`) and then assume role `r` under its own policies in full (review tw, 4)? */
    const liftedToAssume = async (x: Node, r: Node, me: { principal: Principal; policies: PolicySet }): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      const lift = await boundaryLift(x);
      if (!lift) return undefined;
      await ask();
      const d = await deps.assumeDecision(me.principal, withAdded(me.policies, lift.added), r.arn, trustContext);
      return d?.decision === 'Allow' ? { actions: lift.actions, reasons: [...lift.reasons, line(d)] } : undefined;
    };
    /**
     * The roles that principals of `queue` (those `start` acts as, by `paths`) may assume once another of them lifts their
     * permissions boundary (review uo, 2): `Delete…PermissionsBoundary` on it, `Put…PermissionsBoundary` of any policy, or
     * `CreatePolicyVersion` on the boundary policy, asked of the lifter as `boundaryLift` asks them of a principal lifting
     * its own (review tw, 4), then AssumeRole decided with a boundary allowing everything in its place. A gain of that
     * principal only (`gives: own-policies`), it left a user that may assume a role and remove its boundary, which alone
     * held the role back from an administrator role, `anyRight: false`. Each pair (whose boundary, by whom) is asked once
     * a start (`tried`); only a role not reached yet is asked about.
     */
    const liftedByAnother = async (queue: readonly Node[], start: Node, paths: ReadonlyMap<string, EscalationStep[]>, tried: Set<string>): Promise<(Edge & { readonly by: Node })[]> => {
      const out: (Edge & { readonly by: Node })[] = [];
      for (const t of queue) {
        if (!t.boundary || (t === start && t.disabled)) continue;
        for (const by of queue) {
          const pair = `${by.arn} ${t.arn}`;
          if (by === t || (by === start && by.disabled) || tried.has(pair)) continue;
          tried.add(pair);
          const lift = await boundaryLift(t, by);
          if (!lift) continue;
          const me = await asPrincipal(t);
          const own = sieveOf(t, me);
          for (const r of roles) {
            if (r === t || paths.has(r.arn) || out.some((e) => e.to === r) || !mayAssume(t, r, own)) continue;
            await ask();
            const d = await deps.assumeDecision(me.principal, withAdded(me.policies, lift.added), r.arn, trustContext);
            if (d?.decision === 'Allow') out.push({ by, to: r, step: { from: t.arn, to: r.arn, how: 'sts:AssumeRole', actions: [...lift.actions, 'sts:AssumeRole'], reasons: [...lift.reasons, line(d)] } });
          }
        }
      }
      return out;
    };
    /**
     * The customer managed policies whose default version bears on `x`: those attached to it or its groups, and its
     * permissions boundary, which a version made the default widens as much (review tw, 3: it was left out where held
     * as the boundary alone).
     */
    const versionSettable = (x: Node): string[] => [...x.managed, ...(x.boundary && !x.managed.includes(x.boundary) ? [x.boundary] : [])].filter(customerManaged);
    /** Whether `x` may make another version of managed policy `arn` the default (`iam:SetDefaultPolicyVersion`), read once a pair. */
    const selfSets = new Map<string, AuthorizeAnswer | null>();
    const selfSet = async (x: Node, arn: string): Promise<AuthorizeAnswer | undefined> => {
      const key = `${x.arn} ${arn}`;
      const hit = selfSets.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const a = await allows(x, iam('SetDefaultPolicyVersion'), arn);
      selfSets.set(key, a ?? null);
      return a;
    };
    /**
     * May `x` make the default a version of a managed policy attached to it (or to a group of it) that lets it assume
     * role `r` (review sx, 4)? The actor picks a version, not a document (`widerVersions`), so it was a gain of "that
     * version's rights" ending there; the role the version reaches was not followed. AssumeRole's check asked with the
     * version in place of the policy's default (as its boundary too, when the policy is its boundary). Only the versions
     * that may allow more than the default and have an Allow that may grant `sts:AssumeRole` on `r` are asked about.
     */
    const defaultSetToAssume = async (x: Node, r: Node, me: { principal: Principal; policies: PolicySet }): Promise<{ actions: readonly string[]; reasons: readonly string[] } | undefined> => {
      for (const arn of versionSettable(x)) {
        const held = x.managed.includes(arn);
        for (const w of widerOf(arn)) {
          const v = versionPolicy(arn, w.versionId);
          if (v === undefined || v.assume?.length === 0 || !mayGrantOn(v.assume, r.arn)) continue;
          const set = await selfSet(x, arn);
          if (!set) break;
          await ask();
          // In the default's place (as the boundary too, where it is one); a boundary alone, in the boundary's alone.
          const d = await deps.assumeDecision(me.principal, withAdded(me.policies, held ? { identity: [v.compiled] } : { identity: [], boundary: v.compiled }), r.arn, trustContext);
          if (d?.decision === 'Allow') return { actions: [iam('SetDefaultPolicyVersion')], reasons: [...set.reasons, `${line(d)} (once version ${w.versionId} of ${arn} is its ${held ? '' : "permissions boundary's "}default, which ${iam('SetDefaultPolicyVersion')} makes it)`] };
        }
      }
      return undefined;
    };

    /**
     * Whether `x` may assume role `arn` under a trust policy naming `x` that it writes (a role it creates, or one
     * whose trust policy it may rewrite), decided as AssumeRole would decide that policy: the reason, or undefined.
     */
    const assumedUnderOwnTrust = async (x: Node, arn: string): Promise<string | undefined> => {
      // Named as a trust policy can name it: at a path holding `*` or `?`, by its ARN without the path (review ph, 4).
      const named = principalArnFor(x.arn);
      const text = JSON.stringify({ Version: partition === 'acs' ? '1' : '2012-10-17', Statement: [{ Effect: 'Allow', Principal: partition === 'acs' ? { RAM: [named] } : { AWS: named }, Action: 'sts:AssumeRole' }] });
      const parsed = parsePolicy(text, { kind: 'trust' });
      const me = await asPrincipal(x);
      await ask();
      const d = parsed.ok ? await deps.assumeDecision(me.principal, me.policies, arn, trustContext, { planned: compilePolicy(parsed.value, `trust policy naming ${named}`) }) : undefined;
      return d?.decision === 'Allow' ? `${line(d)} (under a trust policy naming ${named}, which ${x.name} writes)` : undefined;
    };

    /**
     * The sieve (`identityGrants`, `trustMayName`), on unless the deps turn it off. A question of `simulate` is skipped
     * only once one with the context was answered (the first refuses the search as before when the context is one
     * authorize refuses), and only with a context small enough that no question could be refused for its size.
     * AssumeRole is skipped only where neither the role's trust policy nor the principal's own policies test principal
     * tags, so that the tagging path (`retagged`), which asks questions of its own, is never skipped.
     */
    const sift = deps.sift !== false;
    const roomy = roomyContext(context);
    /** Whether to ask `x` (whose grants are `grants`) about `resource`. */
    const worthAsking = (grants: readonly CompiledStatement[] | undefined, resource: string): boolean => !sift || !roomy || !answeredOnce || mayGrantOn(grants, resource);
    const trustGrantsOf = new Map<string, { grants: readonly CompiledStatement[]; tags: boolean }>();
    const trustSieve = (r: Node): { grants: readonly CompiledStatement[]; tags: boolean } => {
      let t = trustGrantsOf.get(r.name);
      if (!t) {
        const trust = trustOf.get(r.name) ?? [];
        trustGrantsOf.set(r.name, (t = { grants: trustGrants(trust), tags: principalTagsAsked(trust).size > 0 }));
      }
      return t;
    };
    /** What the sieve reads of `x`'s own policies, once a principal. */
    const ownSieve = new Map<string, { account: string; tags: boolean; createKey: readonly CompiledStatement[] | undefined; rewrite: readonly CompiledStatement[] | undefined }>();
    const sieveOf = (x: Node, me: { principal: Principal; policies: PolicySet }) => {
      let o = ownSieve.get(x.arn);
      if (!o) {
        const own = [...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])];
        ownSieve.set(x.arn, (o = { account: me.principal.account, tags: principalTagsAsked(own).size > 0, createKey: identityGrants(me.policies, iam('CreateAccessKey')), rewrite: identityGrants(me.policies, iam('UpdateAssumeRolePolicy')) }));
      }
      return o;
    };
    /** Whether AssumeRole of `r` by `x` is asked: its trust policy may name `x`, or a tag test makes it a question. */
    const mayAssume = (x: Node, r: Node, own: { account: string; tags: boolean }): boolean => {
      if (!sift || own.tags) return true;
      const t = trustSieve(r);
      return t.tags || trustMayName(t.grants, own.account, x.name);
    };

    /** Access keys each user holds, read once a user. */
    const keyCounts = new Map<string, number>();
    /** Every step out of `x`, asked once per node. */
    const edgeCache = new Map<string, Edge[]>();
    const edgesOf = async (x: Node): Promise<Edge[]> => {
      const hit = edgeCache.get(x.arn);
      if (hit) return hit;
      const out: Edge[] = [];
      const me = await asPrincipal(x);
      const own = sieveOf(x, me);
      for (const r of roles) {
        if (r === x) continue;
        // Not asked when the trust policy names no one `x` could be: the answer is no Allow, and no tag test of
        // either side (`retagged`) asks its own questions. The rewrite below is asked (or sifted) as ever.
        const asked = mayAssume(x, r, own);
        let d: Decision | undefined;
        if (asked) {
          await ask();
          d = await deps.assumeDecision(me.principal, me.policies, r.arn, trustContext);
        }
        if (d?.decision === 'Allow') {
          out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole'], reasons: [line(d)] } });
          continue;
        }
        if (x.kind === 'role') {
          let named: { arn: string; d: Decision } | undefined;
          for (const arn of sessionsOfIn(x, r)) {
            await ask();
            const p = await deps.principalOf(caller, arn);
            const ds = p.ok ? await deps.assumeDecision(p.value.principal, p.value.policies, r.arn, trustContext) : undefined;
            if (ds?.decision === 'Allow') {
              named = { arn, d: ds };
              break;
            }
          }
          if (named) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole'], reasons: [`${line(named.d)} (as its session ${named.arn}, whose name whoever becomes ${x.name} chooses)`] } });
            continue;
          }
        }
        // The session's name, which X picks (review eq, 5): AssumeRole always carries it (`sts:RoleSessionName`), and a
        // trust policy or X's own policies may test it (`${aws:username}`, `ci-*`); asked with each name they name.
        if (asked && !('sts:RoleSessionName' in trustContext)) {
          let picked: { name: string; d: Decision } | undefined;
          for (const name of sessionNamesAsked(x, [...(trustOf.get(r.name) ?? []), ...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])])) {
            await ask();
            const dn = await deps.assumeDecision(me.principal, me.policies, r.arn, { ...trustContext, 'sts:RoleSessionName': name });
            if (dn?.decision === 'Allow') {
              picked = { name, d: dn };
              break;
            }
          }
          if (picked) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole'], reasons: [`${line(picked.d)} (with the session name ${picked.name}, which ${x.name} picks)`] } });
            continue;
          }
        }
        // The external id, which X gives as it gives the session's name (review jb, 4): a trust policy that asks for one
        // (`sts:ExternalId`, AWS's guard against the confused deputy) names its value, which is no secret (AWS: "the
        // external ID is not treated as a secret"), and AssumeRole takes it from any caller the policy names. Asked with
        // each value it names: a role that allowed everything to whoever passed `x-123` was no path to anyone.
        if (asked && d?.decision !== 'ExplicitDeny' && !('sts:ExternalId' in trustContext)) {
          let given: { id: string; d: Decision } | undefined;
          for (const id of sessionNamesAsked(x, [...(trustOf.get(r.name) ?? []), ...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])], 'sts:externalid', EXTERNAL_ID_RE)) {
            await ask();
            const de = await deps.assumeDecision(me.principal, me.policies, r.arn, { ...trustContext, 'sts:ExternalId': id });
            if (de?.decision === 'Allow') {
              given = { id, d: de };
              break;
            }
          }
          if (given) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole'], reasons: [`${line(given.d)} (with the external id ${given.id}, which ${x.name} gives: the trust policy names it)`] } });
            continue;
          }
        }
        // The user's own path, which X may change (review ml, 2): a trust policy naming the account and narrowing it by
        // `aws:PrincipalArn` (`ArnLike … user/admins/*`) admits whoever is under that path when the request is made, and
        // `iam:UpdateUser` (NewPath) on its own ARN and on the one it moves to (UpdateUser is decided on both) puts X there.
        if (asked && d?.decision !== 'ExplicitDeny' && x.kind === 'user' && partition === 'aws' && !('aws:PrincipalArn' in trustContext)) {
          let moved: { arn: string; path: string; d: Decision; reasons: readonly string[] } | undefined;
          for (const path of pathsAdmitting(x, trustOf.get(r.name) ?? [])) {
            const arn = entityArn(partition, account, 'user', path, x.name);
            if (arn === x.arn) continue;
            await ask();
            const dm = await deps.assumeDecision({ ...me.principal, arn }, me.policies, r.arn, trustContext);
            if (dm?.decision !== 'Allow') continue;
            const from = await allows(x, iam('UpdateUser'), x.arn);
            if (!from) break;
            const to = await allows(x, iam('UpdateUser'), arn);
            if (to) {
              moved = { arn, path, d: dm, reasons: [...from.reasons, ...to.reasons] };
              break;
            }
          }
          if (moved) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: [iam('UpdateUser'), 'sts:AssumeRole'], reasons: [...moved.reasons, `${line(moved.d)} (as ${moved.arn}, once ${x.name} moves itself to path ${moved.path} with iam:UpdateUser)`] } });
            continue;
          }
        }
        // The session tags, which X picks as it picks the session's name (review ii, 2): the tags the trust policy or X's
        // own policies compare `aws:RequestTag/K` with, passed with AssumeRole, which then asks sts:TagSession as well.
        // In an `acs` account too (review rf, 3): AssumeRole takes session tags for a RAM role as well (src/app/sts.ts).
        if (asked && d?.decision !== 'ExplicitDeny') {
          const tags = principalTagsAsked([...(trustOf.get(r.name) ?? []), ...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])], 'aws:requesttag/');
          if (tags.size > 0) {
            const tagged: Record<string, string | string[]> = { ...trustContext, 'aws:TagKeys': [...tags.keys()] };
            for (const [k, v] of tags) tagged[`aws:RequestTag/${k}`] = v;
            await ask();
            const dt = await deps.assumeDecision(me.principal, me.policies, r.arn, tagged);
            await ask();
            const pass = dt?.decision === 'Allow' ? await deps.assumeDecision(me.principal, me.policies, r.arn, tagged, { action: 'sts:TagSession' }) : undefined;
            if (dt && pass?.decision === 'Allow') {
              const written = [...tags].map(([k, v]) => `${k}=${v}`).join(', ');
              out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole', 'sts:TagSession'], reasons: [`${line(dt)} (with the session tag${tags.size === 1 ? '' : 's'} ${written}, which ${x.name} passes)`, line(pass)] } });
              continue;
            }
          }
        }
        // The source identity, which X gives as it gives the session's name (review ii, 3): one the trust policy or X's own
        // policies compare `sts:SourceIdentity` with (AWS's example: `${aws:username}`), passed with AssumeRole, which
        // then asks sts:SetSourceIdentity as well.
        // In an `acs` account too (review rf, 3): AssumeRole takes a source identity for a RAM role as well.
        if (asked && d?.decision !== 'ExplicitDeny' && !('sts:SourceIdentity' in trustContext)) {
          let given: { id: string; d: Decision; set: Decision } | undefined;
          for (const id of sessionNamesAsked(x, [...(trustOf.get(r.name) ?? []), ...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])], 'sts:sourceidentity')) {
            const withId = { ...trustContext, 'sts:SourceIdentity': id };
            await ask();
            const di = await deps.assumeDecision(me.principal, me.policies, r.arn, withId);
            if (di?.decision !== 'Allow') continue;
            await ask();
            const set = await deps.assumeDecision(me.principal, me.policies, r.arn, withId, { action: 'sts:SetSourceIdentity' });
            if (set?.decision === 'Allow') {
              given = { id, d: di, set };
              break;
            }
          }
          if (given) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'], reasons: [`${line(given.d)} (with the source identity ${given.id}, which ${x.name} gives)`, line(given.set)] } });
            continue;
          }
        }
        // Attribute-based trust (review cc, 5): the tags the role's trust policy or X's own policies ask of the
        // principal (`aws:PrincipalTag/K`), which X may set on itself.
        if (asked && d?.decision !== 'ExplicitDeny') {
          const tagged = await retagged(x, r, me);
          if (tagged) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: [...tagged.actions, 'sts:AssumeRole'], reasons: tagged.reasons } });
            continue;
          }
        }
        // The role tagged as X's own policies ask of it (review ii, 8): AssumeRole is decided with the role's tags
        // (`aws:ResourceTag/K`, review cc, 8), which X may set with iam:TagRole. In an `acs` account too (review rf, 1):
        // RAM's `acs:ResourceTag/K` reads the same tags, which `ram:TagResources` sets.
        if (asked && d?.decision !== 'ExplicitDeny') {
          const own = [...me.policies.identity, ...(me.policies.boundary ? [me.policies.boundary] : [])];
          const carried = details.value.roles.find((dr) => dr.role.name === r.name)?.role.tags ?? [];
          const wanted = new Map([...principalTagsAsked(own, 'aws:resourcetag/'), ...principalTagsAsked(own, 'iam:resourcetag/')]);
          for (const [k, v] of wanted) if (carried.some((t) => t.key.toLowerCase() === k.toLowerCase() && t.value === v)) wanted.delete(k);
          if (wanted.size > 0) {
            const tags = [...wanted].map(([key, value]) => ({ key, value }));
            const tag = await allows(x, iam('TagRole'), r.arn, requestTagContext(tags));
            const room = tag && (await tagRoom(x, r, tags));
            if (tag && room) {
              await ask();
              const dt = await deps.assumeDecision(me.principal, me.policies, r.arn, trustContext, { tags });
              if (dt?.decision === 'Allow') {
                out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: [...room.first, iam('TagRole'), 'sts:AssumeRole'], reasons: [...room.reasons, ...tag.reasons, `${line(dt)} (once ${r.name} carries the tag${tags.length === 1 ? '' : 's'} ${tags.map((t) => `${t.key}=${t.value}`).join(', ')}, which ${iam('TagRole')} sets)`] } });
                continue;
              }
            }
          }
        }
        // The first of these changes X may make to itself that then lets it assume the role: a group X may add itself
        // to, whose policies let it (review sx, 2); a managed policy X may attach to itself (review sx, 3); another
        // version of a managed policy of X made the default (review sx, 4); its permissions boundary lifted, which frees
        // its own Allow of AssumeRole on the role (review tw, 4; a Deny of the boundary's goes with it).
        const undenied = asked && d?.decision !== 'ExplicitDeny';
        let gain: { actions: readonly string[]; reasons: readonly string[] } | undefined;
        for (const change of [undenied && x.kind === 'user' && joinedToAssume, undenied && attachedToAssume, undenied && defaultSetToAssume, asked && x.boundary && liftedToAssume]) {
          gain = change ? await change(x, r, me) : undefined;
          if (gain) break;
        }
        if (gain) {
          out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'sts:AssumeRole', actions: [...gain.actions, 'sts:AssumeRole'], reasons: gain.reasons } });
          continue;
        }
        // An OIDC provider the role's trust policy names, which X may register with keys of its own (review jb, 9).
        if (deps.oidcProviders !== undefined) {
          const w = await webIdentityVia(x, r);
          if (w) {
            out.push({ to: r, step: { from: x.arn, to: r.arn, how: w.exchange, actions: w.actions, reasons: w.reasons } });
            continue;
          }
        }
        // The rewritten trust policy must then let X assume the role: X's own explicit deny of sts:AssumeRole still
        // refuses it, as for a role X creates.
        const rewrite = worthAsking(own.rewrite, r.arn) ? await allows(x, iam('UpdateAssumeRolePolicy'), r.arn) : undefined;
        const then = rewrite && (await assumedUnderOwnTrust(x, r.arn));
        if (rewrite && then) out.push({ to: r, step: { from: x.arn, to: r.arn, how: 'iam:UpdateAssumeRolePolicy', actions: [iam('UpdateAssumeRolePolicy'), 'sts:AssumeRole'], reasons: [...rewrite.reasons, then] } });
      }
      if (x.kind === 'user') {
        // Training jobs: the workspaces it belongs to and may create jobs in, then each role it may pass there. Every
        // one: a role's trust policy may let only one workspace's jobs assume it (`aws:RequestTag/gatehouse:workspace`,
        // review hp, 7), so the first such workspace does not answer for the others.
        const creating: { ws: Workspace; why: readonly string[]; join?: readonly string[] }[] = [];
        for (const ws of workspaces) {
          if (!isWorkspaceMember(ws, x.name, x.groups)) continue;
          const a = await allows(x, 'training:CreateJob', workspaceArn(partition, account, ws.name));
          if (a) creating.push({ ws, why: a.reasons });
        }
        let creates: { ws: Workspace; why: readonly string[]; join?: readonly string[] } | undefined = creating[0];
        // Else a workspace it may join (review bz, 4): one where only membership refuses the submission, that it may
        // write (PUT /v1/workspaces/W of an existing one needs training:UpdateWorkspace, review sb, 1) or one of whose
        // member groups it may add itself to. Decided with its own policies: a group's may add more.
        for (const ws of creates ? [] : workspaces) {
          if (isWorkspaceMember(ws, x.name, x.groups)) continue;
          const arn = workspaceArn(partition, account, ws.name);
          const submit = await answer(x, 'training:CreateJob', arn);
          if (!refusedOnlyAsNonMember(submit)) continue;
          const join = await joinOf(x, ws, arn);
          if (join) {
            creates = { ws, why: [...join.reasons, ...reasonsBesideMembership(submit)], join: join.actions };
            break;
          }
        }
        // Else a workspace it may create (review jb, 5), naming itself a member: where none exists it may join.
        if (!creates) creates = await newWorkspaceFor(x);
        if (creating.length === 0 && creates) creating.push(creates);
        for (const c of creating) {
          const via = { how: 'iam:PassRole to a training job' as const, actions: [...(c.join ?? []), 'training:CreateJob'], arn: workspaceArn(partition, account, c.ws.name), reasons: c.why, tags: jobSessionTags({ workspace: c.ws.name, id: '*' }) };
          for (const r of roles) if (!out.some((e) => e.to === r)) await passTo(x, r, training, via, out);
        }
        // A role left to reach whose trust accepts jobs of some workspaces only, by their `gatehouse:workspace` tag: each
        // other workspace X may join, and a new one under each name that trust spells (`ml-*` as `ml-new`), is tried too
        // (review om, 1 and 2): only the first workspace X could submit in, join or create was.
        const left = () => roles.filter((r) => r !== x && !out.some((e) => e.to === r));
        const byTag = trustTagValues(left(), JOB_TAG_WORKSPACE);
        if (byTag.length > 0) {
          const tried = new Set(creating.map((c) => c.ws.name.toLowerCase()));
          const more: { ws: Workspace; why: readonly string[]; join?: readonly string[] }[] = [];
          for (const ws of workspaces) {
            if (tried.has(ws.name.toLowerCase()) || isWorkspaceMember(ws, x.name, x.groups)) continue;
            const arn = workspaceArn(partition, account, ws.name);
            const submit = await answer(x, 'training:CreateJob', arn);
            if (!refusedOnlyAsNonMember(submit)) continue;
            const join = await joinOf(x, ws, arn);
            if (join) more.push({ ws, why: [...join.reasons, ...reasonsBesideMembership(submit)], join: join.actions });
          }
          const taken = new Set(workspaces.map((w) => w.name.toLowerCase()));
          for (const name of unusedNamesSpelt(x, 'workspace', taken, byTag, false)) {
            const fresh = await newWorkspaceFor(x, [name]);
            if (fresh) more.push(fresh);
          }
          for (const c of more) {
            if (left().length === 0) break;
            const via = { how: 'iam:PassRole to a training job' as const, actions: [...(c.join ?? []), 'training:CreateJob'], arn: workspaceArn(partition, account, c.ws.name), reasons: c.why, tags: jobSessionTags({ workspace: c.ws.name, id: '*' }) };
            for (const r of left()) await passTo(x, r, training, via, out);
          }
        }
        // A role left to reach whose PassRole X comes to hold by a step of its own (review tg, 2): a group it may join,
        // or a managed policy it may attach to itself or to a group of its own, whose policy allows PassRole on the
        // role; then a job in a workspace it submits in, PassRole and CreateJob asked with that policy added. So too in
        // the workspace it joins or creates first (review tw, 1): there the submission, asked with that policy added,
        // is refused only as X is no member yet, which the join or creation makes it (decided as for a member).
        if (creating.length > 0 && left().length > 0) {
          for (const gain of await passGains(x, left())) {
            for (const c of creating) {
              if (left().length === 0) break;
              const arn = workspaceArn(partition, account, c.ws.name);
              const submit = await answer(x, 'training:CreateJob', arn, undefined, gain.added);
              if (c.join === undefined ? submit.decision !== 'Allow' : !refusedOnlyAsNonMember(submit)) continue;
              const why = c.join === undefined ? submit.reasons : [...new Set([...c.why, ...reasonsBesideMembership(submit)])];
              const via = { how: 'iam:PassRole to a training job' as const, actions: [...gain.actions, ...(c.join ?? []), 'training:CreateJob'], arn, reasons: [...gain.reasons, ...why], tags: jobSessionTags({ workspace: c.ws.name, id: '*' }) };
              for (const r of left()) await passTo(x, r, training, via, out, gain.added);
            }
          }
        }
      }
      // Cluster nodes: the role a node of it would run as, under each compute config. A role's session starts nodes
      // as a user does (src/app/jobs.ts `startNode`: no workspace membership), chosen with no user and no groups, so
      // no mapping rule applies to it.
      for (const c of clusters) {
        const chosen = new Set<Node>();
        for (const cc of [undefined, ...Object.keys(c.computeConfigs ?? {})]) {
          const pick = nodeRole(c, x.kind === 'user' ? { user: x.name, groups: x.groups } : { groups: [] }, cc);
          // Found as node start finds it (`roleNamedBy`): an ARN names the role with its path, a bare name at its path; by
          // its name alone, a cluster whose instance role's ARN names another path was a path to the role (review hq, 5).
          const ref = pick && (pick.role.includes(':') ? parseRoleArn(pick.role) : { partition, account, name: pick.role, path: '/' });
          const r = ref && ref.account === account ? roles.find((n) => n.name.toLowerCase() === ref.name.toLowerCase() && roleNamedBy({ path: parseRoleArn(n.arn)?.path ?? '/' }, ref, partition, !pick.role.includes(':')) !== undefined) : undefined;
          if (r && r !== x && !out.some((e) => e.to === r)) chosen.add(r);
        }
        if (chosen.size === 0) continue;
        const start = await allows(x, 'training:StartClusterNode', clusterArn(partition, account, c.name));
        if (!start) continue;
        const via = { how: 'iam:PassRole to a cluster node' as const, actions: ['training:StartClusterNode'], arn: clusterArn(partition, account, c.name), reasons: start.reasons, tags: jobSessionTags({ kind: 'node', workspace: '', cluster: c.name, id: '*' }) };
        for (const r of chosen) await passTo(x, r, compute, via, out);
        // A node role X may pass only once it holds another policy (review tg, 2): a group joined or a managed policy
        // attached first, as for a job; the start and PassRole asked with that policy added.
        const still = [...chosen].filter((r) => !out.some((e) => e.to === r));
        for (const gain of still.length === 0 ? [] : await passGains(x, still)) {
          const started = await answer(x, 'training:StartClusterNode', via.arn, undefined, gain.added);
          if (started.decision !== 'Allow') continue;
          for (const r of still) if (!out.some((e) => e.to === r)) await passTo(x, r, compute, { ...via, actions: [...gain.actions, ...via.actions], reasons: [...gain.reasons, ...started.reasons] }, out, gain.added);
        }
      }
      // A cluster X may write (review jb, 6): `PUT /v1/clusters/C` (`training:UpdateCluster` of an existing cluster,
      // `training:CreateCluster` of a new one, review sb, 1) sets its instance role, and a node X starts there runs as that role (PassRole asked at the start, as
      // above). The write asks PassRole on the role too, to the compute service with the cluster's ARN as
      // `iam:AssociatedResourceArn` (src/app/jobs.ts `clusterWriteRefusal`, review jg, 1): a role X may pass to a node's
      // job only was a path the server refuses. Only the node roles of clusters as they stand were looked at.
      if (roles.some((r) => r !== x && !out.some((e) => e.to === r))) {
        // The first cluster X may write and start nodes in; then, where X's policies read `iam:AssociatedResourceArn`, each
        // other one until each role is reached: a PassRole conditioned on the cluster's ARN (`…:cluster/team-*`) lets
        // one cluster name the role and not another (review ob, 3).
        // So too while a role left to reach trusts nodes by their `gatehouse:cluster` tag: its trust refuses a node of
        // one cluster and accepts one of another, and the cluster names it spells are tried (review om, 1).
        let tried = false;
        const left = () => roles.filter((r) => r !== x && !out.some((e) => e.to === r));
        const byTag = trustTagValues(left(), JOB_TAG_CLUSTER);
        // The gains of X before PassRole (review tw, 2), read once X has a cluster it may write and start nodes in.
        let gains: Awaited<ReturnType<typeof passGains>> | undefined;
        for (const written of await clusterWritable(x, byTag)) {
          if (left().length === 0) break;
          if (tried && !(await decidesOn(x, ASSOCIATED_RESOURCE.toLowerCase())) && trustTagValues(left(), JOB_TAG_CLUSTER).length === 0) break;
          const start = await allows(x, 'training:StartClusterNode', written.arn);
          if (!start) continue;
          tried = true;
          const wrote = `${x.arn} may write cluster ${written.name} with the role as its instance role`;
          const tags = jobSessionTags({ kind: 'node', workspace: '', cluster: written.name, id: '*' });
          for (const r of roles) {
            if (r === x || out.some((e) => e.to === r)) continue;
            const named = await passesToCluster(x, r, written);
            if (!named) continue;
            const via = { how: 'iam:PassRole to a cluster node' as const, actions: [...written.actions, ...named.actions, 'training:StartClusterNode'], arn: written.arn, reasons: [...written.reasons, ...named.reasons, wrote, ...start.reasons], tags };
            await passTo(x, r, compute, via, out);
          }
          // A role X may name and pass only once it holds another policy (review tw, 2): a group joined, a managed policy
          // attached or a version made the default first, as for a cluster as it stands (review tg, 4); the write's
          // PassRole, the start and the node's PassRole asked with that policy added.
          if (left().length === 0) continue;
          gains ??= await passGains(x, left());
          for (const gain of gains) {
            const still = left();
            if (still.length === 0) break;
            const started = await answer(x, 'training:StartClusterNode', written.arn, undefined, gain.added);
            if (started.decision !== 'Allow') continue;
            for (const r of still) {
              if (out.some((e) => e.to === r)) continue;
              const named = await passesToCluster(x, r, written, gain.added);
              if (!named) continue;
              const via = { how: 'iam:PassRole to a cluster node' as const, actions: [...gain.actions, ...written.actions, 'training:StartClusterNode'], arn: written.arn, reasons: [...gain.reasons, ...written.reasons, ...named.reasons, wrote, ...started.reasons], tags };
              await passTo(x, r, compute, via, out, gain.added);
            }
          }
        }
      }
      // Pods: a namespace where X may create pods (the cluster's RBAC, through X's access entry), then each role it
      // may pass to the compute service that trusts it, named by the pod's annotation.
      for (const c of clusters) {
        if (!roles.some((r) => r !== x && !out.some((e) => e.to === r))) break;
        const arn = clusterArn(partition, account, c.name);
        // And those X's own Allow statements single out by `training:RbacNamespace`: a team's new namespace, which no RBAC
        // object names yet, is where its delegate may write a Role and a binding of it (review rm, 3).
        const namespaces = [...new Set([...((await deps.podNamespaces?.(account, c.name)) ?? []), 'default', ...(await conditionValues(x, 'training:rbacnamespace', (n) => NAMESPACE_NAME.test(n), MAX_RBAC_NAMES))])];
        let create: { ns: string; reasons: readonly string[]; as?: string; rbac?: string; actions?: readonly string[]; workload?: string } | undefined;
        for (const ns of namespaces) {
          const pods = `${arn}/namespaces/${ns}/pods`;
          const a = await allows(x, 'kubernetes:create', pods);
          if (a) {
            create = { ns, reasons: a.reasons };
            break;
          }
          // A role's session that a binding names by its username (review eq, 4): the name is the assumer's to pick.
          for (const session of x.kind === 'role' ? await sessionsOfRole(x, pods) : []) {
            const b = await allowsAs(session, x, 'kubernetes:create', pods);
            if (b) {
              create = { ns, reasons: b.reasons, as: session };
              break;
            }
          }
          if (create) break;
        }
        // RBAC it may write (review fl, 2): `training:ApplyRbacObject` on the cluster writes a Role that lets pods be
        // created and a binding of it to its own Kubernetes user (its access entry's), as Kubernetes' `bind` and
        // `escalate` would; asked with the objects' condition keys (src/app/kube-apply.ts `rbacContext`), unless IAM
        // denies it the pods outright (IAM's Deny takes part in every SubjectAccessReview).
        // A workload whose pod template names the role (review jb, 2): admission gives the template a grant on X's
        // authority (PassRole asked as for a pod), and the pods kube-controller-manager makes from it (a Job's, a
        // Deployment's ReplicaSet's), or a controller the cluster trusts (a PyTorchJob's), run as the role. RBAC that
        // lets X create Jobs but not pods was no path.
        if (!create) create = await workloadCreatable(x, c, arn, namespaces);
        if (!create) create = await rbacWritable(x, c.name, arn, namespaces);
        if (!create) continue;
        const via = {
          how: 'iam:PassRole to a pod' as const,
          actions: [...(create.actions ?? []), 'kubernetes:create'],
          arn,
          reasons: [`${create.as !== undefined ? `${x.arn}, as its session ${create.as} (a name whoever becomes ${x.name} picks),` : x.arn} may ${create.rbac ? `write ${create.rbac} and so ` : ''}${create.workload !== undefined ? `create ${create.workload} in namespace ${create.ns} of cluster ${c.name}, whose pod template, annotated gatehouse.dev/role, its controller makes pods of on ${x.name}'s grant` : `create pods in namespace ${create.ns} of cluster ${c.name}, annotated gatehouse.dev/role`}`, ...create.reasons],
          // A pod's job is a node of its cluster, and its sessions are tagged so (review qo, 3).
          tags: jobSessionTags({ kind: 'node', workspace: '', cluster: c.name, id: '*' }),
        };
        for (const r of roles) if (r !== x && !out.some((e) => e.to === r)) await passTo(x, r, compute, via, out);
        // A role X may pass only once it holds another policy (review tk, 1): a group joined or a managed policy attached
        // first, as for a job or a node (review tg, 2 and 4); PassRole asked with that policy added, and the pods' create
        // too where IAM decides it beside RBAC as X itself (an added Deny of it refuses the pod).
        const still = roles.filter((r) => r !== x && !out.some((e) => e.to === r));
        for (const gain of still.length === 0 ? [] : await passGains(x, still)) {
          let created: readonly string[] = [];
          if (create.as === undefined && create.rbac === undefined && create.workload === undefined) {
            const again = await answer(x, 'kubernetes:create', `${arn}/namespaces/${create.ns}/pods`, undefined, gain.added);
            if (again.decision !== 'Allow') continue;
            created = again.reasons;
          }
          const gained = { ...via, actions: [...gain.actions, ...via.actions], reasons: [...gain.reasons, ...(created.length > 0 ? [via.reasons[0] as string, ...created] : via.reasons)] };
          for (const r of still) if (!out.some((e) => e.to === r)) await passTo(x, r, compute, gained, out, gain.added);
        }
      }
      for (const u of users) {
        if (u === x || !worthAsking(own.createKey, u.arn)) continue;
        const key = await allows(x, iam('CreateAccessKey'), u.arn);
        if (!key) continue;
        // A user holding its quota of keys gets no new one (LimitExceeded) until one is deleted (`iam:DeleteAccessKey`
        // on it), as PMapper asks.
        let count = keyCounts.get(u.name);
        if (count === undefined) keyCounts.set(u.name, (count = (await deps.accessKeyCount?.(account, u.name)) ?? 0));
        const full = count >= QUOTAS.accessKeysPerUser;
        const del = full ? await allows(x, iam('DeleteAccessKey'), u.arn) : undefined;
        if (full && !del) continue;
        const actions = [...(del ? [iam('DeleteAccessKey')] : []), iam('CreateAccessKey')];
        const reasons = [...(del?.reasons ?? []), ...key.reasons];
        if (!u.disabled) {
          out.push({ to: u, step: { from: x.arn, to: u.arn, how: 'iam:CreateAccessKey', actions, reasons } });
          continue;
        }
        // A disabled user's new key authenticates nothing until the user is enabled again (`iam:UpdateUser` on it).
        const enable = await allows(x, iam('UpdateUser'), u.arn);
        if (enable) out.push({ to: u, step: { from: x.arn, to: u.arn, how: 'iam:CreateAccessKey', actions: [...actions, iam('UpdateUser')], reasons: [...reasons, ...enable.reasons] } });
      }
      edgeCache.set(x.arn, out);
      return out;
    };

    /** Managed policies of the account (built-in ones have no versions a customer sets). */
    const customerManaged = (arn: string): boolean => arn.includes(`:${account}:`);
    const versionsOf = new Map(details.value.policies.map((p) => [p.policy.arn, p.versions]));
    const wideCache = new Map<string, ReturnType<typeof widerVersions>>();
    const widerOf = (arn: string): ReturnType<typeof widerVersions> => {
      let w = wideCache.get(arn);
      if (!w) wideCache.set(arn, (w = widerVersions(versionsOf.get(arn) ?? [])));
      return w;
    };
    /**
     * Whether `x` may add a version to managed policy `arn` (review fl, 6): IAM keeps at most five (`QUOTAS.policyVersions`)
     * and refuses a sixth (LimitExceeded) until one is deleted, so at the quota `x` needs `iam:DeletePolicyVersion` on
     * it too (a version other than the default, which there always is at five), as PMapper asks.
     */
    const versionRoom = async (x: Node, arn: string): Promise<{ first: { first?: readonly string[] }; reasons: readonly string[] } | undefined> => {
      const count = (versionsOf.get(arn) ?? []).length;
      if (count < QUOTAS.policyVersions) return { first: {}, reasons: [] };
      const del = await allows(x, iam('DeletePolicyVersion'), arn);
      return del && { first: { first: [iam('DeletePolicyVersion')] }, reasons: [...del.reasons, `policy ${arn.slice(arn.lastIndexOf('/') + 1)} holds its quota of ${QUOTAS.policyVersions} versions: one is deleted first`] };
    };
    const versionsLine = (arn: string, picked: ReturnType<typeof widerVersions>): string => {
      const def = (versionsOf.get(arn) ?? []).find((v) => v.isDefault)?.versionId ?? 'none';
      const ids = picked.map((v) => v.versionId).join(', ');
      return `policy ${arn.slice(arn.lastIndexOf('/') + 1)}: version ${ids} ${picked.some((v) => v.any) ? 'allows every action on every resource' : 'may allow more than the default'} (default ${def})`;
    };

    /**
     * The managed policies an `Attach…Policy` may name: the account's own and the built-ins that mean something in its
     * partition (`builtinsMeaningfulIn`), which in an `acs` account include AdministratorAccess and ReadOnlyAccess, kept
     * in aws form and named by RAM as its system policies: the directory attaches them there. Those of the account's
     * partition alone left AdministratorAccess out of an `acs` account's questions, and a RAM user that may attach it to
     * itself was reported with no gain (review qr, 9).
     */
    const attachable = [
      ...details.value.policies.filter((p) => customerManaged(p.policy.arn)).map((p) => ({ arn: p.policy.arn, document: p.versions.find((v) => v.isDefault)?.document })),
      ...builtinsMeaningfulIn(partition).map((p) => ({ arn: p.arn, document: p.document })),
    ].map((p) => {
      const parsed = p.document === undefined ? undefined : parsePolicy(p.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
      const doc = parsed?.ok ? parsed.value : undefined;
      return { arn: p.arn, any: doc !== undefined && allowsEverything(doc), doc };
    });
    /** May boundary `next` allow what boundary `now` does not (their default versions; see `widerVersions`)? */
    const mayWiden = (next: (typeof attachable)[number], now: string): boolean => {
      const cur = attachable.find((p) => p.arn === now)?.doc;
      return next.doc === undefined || cur === undefined || !noWider(next.doc, cur);
    };
    /** Does a policy of `x` (identity or boundary) have a condition on `key` (lowercase)? */
    const decidesOn = async (x: Node, key: string): Promise<boolean> => {
      const { policies } = await asPrincipal(x);
      return [...policies.identity, ...(policies.boundary ? [policies.boundary] : [])].some((p) => p.statements.some((st) => st.conditions.some((c) => c.key === key)));
    };

    /** The IAM policies (bindings) `x` may write: the account's and each workspace's, as `gatehouse iam-policy` names them. */
    const bindableCache = new Map<string, { resource: string; reasons: readonly string[] }[]>();
    const bindableBy = async (x: Node): Promise<{ resource: string; reasons: readonly string[] }[]> => {
      const hit = bindableCache.get(x.arn);
      if (hit) return hit;
      const out: { resource: string; reasons: readonly string[] }[] = [];
      // And each resource of the account whose policy it writes (review jb, 11): a bucket's IAM policy (`PUT
      // /v1/iam-policies {resource: arn:aws:s3:::data}`) binds `roles/storage.objectAdmin` there as the account's does.
      // And each other ARN it holds an IAM policy on (review ke, 4): a model's, a job's, a cluster's, which neither is a
      // bucket nor holds a resource policy.
      const held = policyResources.map((r) => r.arn);
      const others = iamPolicyArns.filter((arn) => !held.includes(arn));
      for (const [resource, asked] of [[`account/${account}`, rootArn(partition, account)], ...workspaces.map((w) => [`workspace/${w.name}`, workspaceArn(partition, account, w.name)]), ...[...held, ...others].map((arn) => [arn, arn])] as const) {
        const a = await allows(x, 'gatehouse:SetIamPolicy', asked);
        if (a) out.push({ resource, reasons: a.reasons });
      }
      bindableCache.set(x.arn, out);
      return out;
    };

    /**
     * The custom roles that bindings of the account grant to `t` (by `user:`, a `group:` it is in, `serviceAccount:` for a
     * role, `allAuthenticatedUsers`, `allUsers`), each with where and as which member (review ke, 3). Conditions are not
     * read: the permission added is granted wherever and whenever the binding applies.
     */
    const roleBindings = (await deps.customRoleBindings?.(account)) ?? [];
    const iamPolicyArns = (await deps.iamPolicyResources?.(account)) ?? [];
    const customRolesOf = (t: Node): { role: string; where: { resource: string; member: string }[] }[] => {
      if (roleBindings.length === 0) return [];
      const as = new Set(['allUsers', 'allAuthenticatedUsers', ...(t.kind === 'user' ? [`user:${t.name}`, ...t.groups.map((g) => `group:${g}`)] : [`serviceAccount:${serviceAccountEmail(account, t.name)}`])]);
      const out = new Map<string, { resource: string; member: string }[]>();
      for (const b of roleBindings) {
        const member = b.members.find((m) => as.has(m));
        if (member === undefined) continue;
        const where = out.get(b.role) ?? [];
        if (!where.some((w) => w.resource === b.resource && w.member === member)) where.push({ resource: b.resource, member });
        out.set(b.role, where);
      }
      return [...out].map(([role, where]) => ({ role, where }));
    };

    /** The resource policies `x` may write: of the account's buckets (through the S3 gateway or the admin API) and of the resources it holds one on. */
    const policyResources = (await deps.policyResources?.(account)) ?? [];
    const writableCache = new Map<string, { action: string; resource: string; reasons: readonly string[] }[]>();
    const policyWritableBy = async (x: Node): Promise<{ action: string; resource: string; reasons: readonly string[] }[]> => {
      const hit = writableCache.get(x.arn);
      if (hit) return hit;
      const out: { action: string; resource: string; reasons: readonly string[] }[] = [];
      for (const r of policyResources) {
        for (const action of [...(r.bucket ? ['s3:PutBucketPolicy'] : []), 'gatehouse:PutResourcePolicy']) {
          const a = await allows(x, action, r.arn);
          if (a) {
            out.push({ action, resource: r.arn, reasons: a.reasons });
            break;
          }
        }
      }
      writableCache.set(x.arn, out);
      return out;
    };

    /** Does the policy document `text` (or parsed `doc`) hold a Deny statement? */
    const deniesIn = (doc: PolicyDocument | undefined): boolean => doc !== undefined && doc.statements.some((st) => st.effect === 'Deny');
    const parsedDoc = (text: string): PolicyDocument | undefined => {
      const r = parsePolicy(text, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
      return r.ok ? r.value : undefined;
    };
    const managedDoc = (arn: string): PolicyDocument | undefined => attachable.find((p) => p.arn === arn)?.doc;
    /**
     * Whether `x` may assume role `t` passing `tags` as session tags, which its session then carries as principal tags
     * over the role's own (reference §A.1.8; reviews ii, 1 and 6): AssumeRole asked with them (`aws:RequestTag/K`,
     * `aws:TagKeys`), and `sts:TagSession`, as STS asks both. The two decisions, or undefined.
     */
    const sessionTagged = async (x: Node, t: Node, tags: readonly (readonly [string, string])[]): Promise<{ assume: Decision; pass: Decision } | undefined> => {
      if (t.kind !== 'role' || x === t || tags.length === 0) return undefined;
      const me = await asPrincipal(x);
      const tagged: Record<string, string | string[]> = { ...trustContext, 'aws:TagKeys': tags.map(([k]) => k) };
      for (const [k, v] of tags) tagged[`aws:RequestTag/${k}`] = v;
      await ask();
      const assume = await deps.assumeDecision(me.principal, me.policies, t.arn, tagged);
      if (assume?.decision !== 'Allow') return undefined;
      await ask();
      const pass = await deps.assumeDecision(me.principal, me.policies, t.arn, tagged, { action: 'sts:TagSession' });
      return pass?.decision === 'Allow' ? { assume, pass } : undefined;
    };
    /**
     * The ways `x` may take a Deny of `t`'s own away (review eq, 3), as enforcement decides each removal (src/app/
     * directory.ts): `Delete…Policy` of an inline policy holding a Deny and `Detach…Policy` of such a managed policy
     * (`iam:PolicyARN`, the current boundary), the same on one of its groups or `RemoveUserFromGroup` from it, and
     * `Untag…` of a principal tag it carries that a Deny of its policies tests (`aws:TagKeys`), or `Tag…` with one a
     * Deny applies without (review ii, 4), or for a role that tag passed as a session tag (`sts:TagSession`, review ii,
     * 6) or a session tag overriding one it carries (review ii, 7). What follows is what its other policies grant, no
     * longer denied there.
     */
    const denyRemovals = async (x: Node, t: Node, current: Record<string, string> | undefined): Promise<EscalationGain[]> => {
      const out: EscalationGain[] = [];
      const kind = t.kind === 'user' ? 'User' : 'Role';
      const gain = (action: string, resource: string, policy: string, a: AuthorizeAnswer, why: string): EscalationGain => ({ by: x.arn, principal: t.arn, action, resource, gives: 'without-deny', policy, reasons: [...a.reasons, why] });
      const own = t.kind === 'user' ? details.value.users.find((u) => u.user.name === t.name) : details.value.roles.find((r) => r.role.name === t.name);
      for (const p of own?.inlinePolicies ?? []) {
        if (!deniesIn(parsedDoc(p.document))) continue;
        const a = await allows(x, iam(`Delete${kind}Policy`), t.arn, current);
        if (a) out.push(gain(iam(`Delete${kind}Policy`), t.arn, p.name, a, `inline policy ${p.name} of ${t.arn}, which ${x.name} may delete, holds Deny statements`));
      }
      for (const ref of own?.attached ?? []) {
        if (!deniesIn(managedDoc(ref.arn))) continue;
        const a = await allows(x, iam(`Detach${kind}Policy`), t.arn, { ...current, 'iam:PolicyARN': ref.arn });
        if (a) out.push(gain(iam(`Detach${kind}Policy`), t.arn, ref.arn, a, `managed policy ${ref.arn}, which ${x.name} may detach from ${t.arn}, holds Deny statements`));
      }
      for (const name of t.groups) {
        const g = details.value.groups.find((d) => d.group.name === name);
        if (!g) continue;
        const arn = groupArn(name);
        const inline = g.inlinePolicies.filter((p) => deniesIn(parsedDoc(p.document)));
        const managed = g.attached.filter((ref) => deniesIn(managedDoc(ref.arn)));
        if (inline.length === 0 && managed.length === 0) continue;
        const leave = await allows(x, iam('RemoveUserFromGroup'), arn);
        if (leave) {
          out.push(gain(iam('RemoveUserFromGroup'), arn, arn, leave, `group ${name}, which ${x.name} may remove ${t.name} from, holds Deny statements (its Allows go with it)`));
          continue;
        }
        for (const p of inline) {
          const a = await allows(x, iam('DeleteGroupPolicy'), arn);
          if (a) out.push(gain(iam('DeleteGroupPolicy'), arn, p.name, a, `inline policy ${p.name} of group ${name}, which ${x.name} may delete, holds Deny statements`));
        }
        for (const ref of managed) {
          const a = await allows(x, iam('DetachGroupPolicy'), arn, { 'iam:PolicyARN': ref.arn });
          if (a) out.push(gain(iam('DetachGroupPolicy'), arn, ref.arn, a, `managed policy ${ref.arn}, which ${x.name} may detach from group ${name}, holds Deny statements`));
        }
      }
      // Its path, which Deny statements of its policies test by `aws:PrincipalArn` (review ml, 3): a guardrail on
      // `…:user/contractors/*` no longer applies once `x` moves it elsewhere (`iam:UpdateUser` NewPath, decided on its
      // ARN and on the new one), nor one that spares `…:user/admins/*` once it is moved there. Asked with `/` and each
      // path the conditions name; a Deny counts as lifted when, bound to the moved user, it no longer applies.
      if (t.kind === 'user' && partition === 'aws') {
        const holders: { policy: string; what: string; docs: readonly PolicyDocument[] }[] = [];
        const held = (policy: string, what: string, doc: PolicyDocument | undefined) => {
          if (doc?.statements.some((st) => st.effect === 'Deny' && st.conditions.some((c) => c.key.toLowerCase() === 'aws:principalarn'))) holders.push({ policy, what, docs: [doc] });
        };
        for (const p of own?.inlinePolicies ?? []) held(p.name, `inline policy ${p.name}`, parsedDoc(p.document));
        for (const ref of own?.attached ?? []) held(ref.arn, `managed policy ${ref.arn}`, managedDoc(ref.arn));
        for (const name of t.groups) {
          const g = details.value.groups.find((d) => d.group.name === name);
          for (const p of g?.inlinePolicies ?? []) held(groupArn(name), `inline policy ${p.name} of group ${name}`, parsedDoc(p.document));
          for (const ref of g?.attached ?? []) held(ref.arn, `managed policy ${ref.arn} of group ${name}`, managedDoc(ref.arn));
        }
        if (holders.length > 0) {
          const me = (await asPrincipal(t)).principal;
          const applies = (doc: PolicyDocument, st: Statement, principal: Principal) => bindStatement(st, principal, doc.version === '2012-10-17') !== undefined;
          const entries = holders.flatMap((h) => h.docs.flatMap((d) => d.statements.filter((st) => st.effect === 'Deny').flatMap((st) => st.conditions)));
          const from = await allows(x, iam('UpdateUser'), t.arn);
          for (const path of from ? ['/', ...pathsNamed(t, entries)] : []) {
            const arn = entityArn(partition, account, 'user', path, t.name);
            if (arn === t.arn) continue;
            const moved = { ...me, arn };
            const lifted = holders.filter((h) => h.docs.some((d) => d.statements.some((st) => st.effect === 'Deny' && applies(d, st, me) && !applies(d, st, moved))));
            if (lifted.length === 0) continue;
            const to = await allows(x, iam('UpdateUser'), arn);
            if (!to || !from) continue;
            for (const h of lifted) out.push({ by: x.arn, principal: t.arn, action: iam('UpdateUser'), resource: t.arn, gives: 'without-deny', policy: h.policy, reasons: [...from.reasons, ...to.reasons, `${h.what} holds Deny statements that test aws:PrincipalArn and no longer apply once ${x === t ? `${t.name} moves itself` : `${x.name} moves ${t.name}`} to path ${path} (${arn})`] });
            break;
          }
        }
      }
      // Principal tags its Denies test (`aws:PrincipalTag/K`, an operator that needs the key: not negated, and `Null` only
      // as `false`, which holds while the tag is carried whatever its value; review ii, 5). In RAM's spelling too
      // (`acs:PrincipalTag/K`, which the engine reads as the `aws:` key), and in `acs` accounts, where a RAM user or role
      // is untagged and tagged alike (review oo, 1), and so are the session-tag alternatives (AssumeRole takes session
      // tags for a RAM role too, review rf, 3).
      {
        const tagged = (key: string): boolean => key.startsWith('aws:principaltag/') || key.startsWith('acs:principaltag/');
        const spelled = `${partition === 'aws' ? 'aws' : 'acs'}:PrincipalTag/`;
        const tp = await asPrincipal(t);
        const carried = Object.keys(tp.principal.tags ?? {});
        const keys = new Set<string>();
        // For each, a value that a session tag may override it with and that its Denies' `StringEquals` entries do not
        // name (none where another operator tests it: `Null … false` holds whatever the value).
        const named = new Map<string, Set<string>>();
        const fixed = new Set<string>();
        for (const p of [...tp.policies.identity, ...(tp.policies.boundary ? [tp.policies.boundary] : [])]) {
          for (const st of p.statements) {
            if (st.effect !== 'Deny') continue;
            for (const c of st.conditions) {
              if (!tagged(c.key) || c.negated) continue;
              if (c.entry.base === 'Null' && !c.entry.values.every((n) => n.toLowerCase() === 'false')) continue;
              const k = carried.find((ck) => ck.toLowerCase() === c.key.slice('aws:principaltag/'.length));
              if (k === undefined) continue;
              keys.add(k);
              if ((c.entry.base !== 'StringEquals' && c.entry.base !== 'StringEqualsIgnoreCase') || c.entry.qualifier !== undefined) fixed.add(k);
              else {
                let values = named.get(k);
                if (!values) named.set(k, (values = new Set()));
                for (const v of c.entry.values) values.add(v.toLowerCase());
              }
            }
          }
        }
        const untag = iam(`Untag${kind}`);
        for (const k of keys) {
          const a = await allows(x, untag, t.arn, tagKeysContext([k]));
          if (a) {
            out.push(gain(untag, t.arn, `${spelled}${k}`, a, `${t.arn} carries the tag ${k}, which Deny statements of its policies test and ${x.name} may remove`));
            continue;
          }
          // Or, for a role, overridden by a session tag of the session `x` opens (review ii, 7): a session tag replaces the
          // role tag of the same key (reference §A.1.8).
          const value = fixed.has(k) ? undefined : ['x', 'none', 'cleared'].find((v) => !named.get(k)?.has(v));
          const st = value === undefined ? undefined : await sessionTagged(x, t, [[k, value]]);
          if (st) out.push({ by: x.arn, principal: t.arn, action: 'sts:TagSession', resource: t.arn, gives: 'without-deny', policy: `aws:PrincipalTag/${k}`, reasons: [line(st.assume), line(st.pass), `a session of ${t.arn} that ${x.name} opens with the session tag ${k}=${value} carries it over the role's own, which Deny statements of its policies test`] });
        }
        // Or a tag a Deny asks it to lack (review ii, 4): AWS's guardrail that denies unless the principal carries a tag
        // (`StringNotEquals aws:PrincipalTag/K = v`, `Null aws:PrincipalTag/K = true`) no longer applies once it carries
        // `K=v` (any value for `Null`), which `x` may set with `Tag…`.
        const wanted = new Map<string, string>();
        const tags = tp.principal.tags ?? {};
        const carries = (k: string): string | undefined => Object.entries(tags).find(([ck]) => ck.toLowerCase() === k.toLowerCase())?.[1];
        for (const p of [...tp.policies.identity, ...(tp.policies.boundary ? [tp.policies.boundary] : [])]) {
          for (const st of p.statements) {
            if (st.effect !== 'Deny') continue;
            for (const c of st.conditions) {
              if (!tagged(c.key) || c.entry.qualifier !== undefined) continue;
              const k = c.entry.key.slice('aws:PrincipalTag/'.length);
              const v = c.entry.values[0];
              if (k === '' || v === undefined || v.includes('${')) continue;
              let value: string | undefined;
              if (c.entry.base === 'Null') value = c.entry.values.every((n) => n.toLowerCase() === 'true') && carries(k) === undefined ? 'x' : undefined;
              else if (c.negated && c.entry.base.startsWith('String')) value = c.entry.base === 'StringNotLike' ? v.replace(/[*?]/g, 'x') : v;
              if (value === undefined || carries(k) === value) continue;
              if (![...wanted.keys()].some((w) => w.toLowerCase() === k.toLowerCase())) wanted.set(k, value);
              break;
            }
          }
        }
        if (wanted.size > 0) {
          const tag = iam(`Tag${kind}`);
          const written = [...wanted].map(([k, v]) => `${k}=${v}`).join(', ');
          const named = [...wanted.keys()].map((k) => `${spelled}${k}`).join(', ');
          const a = await allows(x, tag, t.arn, requestTagContext([...wanted].map(([key, value]) => ({ key, value }))));
          const room = a && (await tagRoom(x, t, [...wanted].map(([key, value]) => ({ key, value }))));
          if (a && room) {
            const g = gain(tag, t.arn, named, a, `${t.arn} lacks the tag${wanted.size === 1 ? '' : 's'} ${written}, without which Deny statements of its policies apply, and ${x.name} may set ${wanted.size === 1 ? 'it' : 'them'}`);
            out.push(room.first.length > 0 ? { ...g, first: room.first, reasons: [...room.reasons, ...g.reasons] } : g);
          } else {
            // Or, for a role, as session tags of the session `x` opens (review ii, 6).
            const st = await sessionTagged(x, t, [...wanted]);
            if (st) out.push({ by: x.arn, principal: t.arn, action: 'sts:TagSession', resource: t.arn, gives: 'without-deny', policy: named, reasons: [line(st.assume), line(st.pass), `a session of ${t.arn} that ${x.name} opens with the session tag${wanted.size === 1 ? '' : 's'} ${written} carries ${wanted.size === 1 ? 'it' : 'them'}, without which Deny statements of its policies apply`] });
          }
        }
      }
      return out;
    };

    /**
     * The ways `x` may write the policies of group `name` (managed policies `attached`) that give a member more rights
     * (review jb, 1): `PutGroupPolicy`, `AttachGroupPolicy` (each managed policy, by `iam:PolicyARN`, where a policy of
     * `x` reads that key), a new version of a managed policy attached to it (`DeletePolicyVersion` first at the quota),
     * or a wider one of its versions made the default; each giving `gives` (any right, or within a boundary that
     * stays), or the rights of one policy. Without `principal`, which the caller fills in.
     */
    const groupWrites = async (x: Node, name: string, attached: readonly string[], gives: 'any' | 'any-within-boundary'): Promise<Omit<EscalationGain, 'principal'>[]> => {
      const out: Omit<EscalationGain, 'principal'>[] = [];
      const arn = groupArn(name);
      for (const action of [iam('PutGroupPolicy'), iam('AttachGroupPolicy')]) {
        const a = await allows(x, action, arn);
        if (a) {
          out.push({ by: x.arn, action, resource: arn, gives, reasons: a.reasons });
          return out;
        }
      }
      if (await decidesOn(x, 'iam:policyarn')) {
        for (const p of attachable) {
          if (attached.includes(p.arn)) continue;
          const b = await allows(x, iam('AttachGroupPolicy'), arn, { 'iam:PolicyARN': p.arn });
          if (!b) continue;
          out.push({ by: x.arn, action: iam('AttachGroupPolicy'), resource: arn, gives: p.any ? gives : 'policy', policy: p.arn, reasons: b.reasons });
          if (p.any) return out;
        }
      }
      for (const p of attached.filter(customerManaged)) {
        const a = await allows(x, iam('CreatePolicyVersion'), p);
        const room = a && (await versionRoom(x, p));
        if (a && room) {
          out.push({ by: x.arn, action: iam('CreatePolicyVersion'), resource: p, gives, ...room.first, reasons: [...room.reasons, ...a.reasons] });
          return out;
        }
        const wider = widerOf(p);
        const set = wider.length > 0 ? await allows(x, iam('SetDefaultPolicyVersion'), p) : undefined;
        if (!set) continue;
        const all = wider.filter((v) => v.any);
        const picked = all.length > 0 ? all : wider;
        out.push({ by: x.arn, action: iam('SetDefaultPolicyVersion'), resource: p, gives: all.length > 0 ? gives : 'policy', policy: p, versions: picked.map((v) => v.versionId), reasons: [...set.reasons, versionsLine(p, picked)] });
      }
      return out;
    };

    /**
     * Room in the account for a group `x` creates (review la, 2): IAM holds an account to 300 groups
     * (`QUOTAS.groupsPerAccount`) and refuses another (LimitExceeded, src/app/directory.ts), so in a full account `x`
     * must delete one first (`DeleteGroup`), one that may be deleted: no members, no policies, or emptied by `x` first
     * (review mb, 4). Nothing first when there is room; `first` undefined when there is none and `x` may not make it.
     */
    const groupAccountRoom = async (x: Node): Promise<{ first?: readonly string[]; reasons: readonly string[] }> => {
      if (details.value.groups.length < QUOTAS.groupsPerAccount) return { first: [], reasons: [] };
      const grants = identityGrants((await asPrincipal(x)).policies, iam('DeleteGroup'));
      const members = new Set(details.value.users.flatMap((u) => u.groups));
      for (const g of details.value.groups) {
        if (g.inlinePolicies.length > 0 || g.attached.length > 0 || members.has(g.group.name) || !worthAsking(grants, groupArn(g.group.name))) continue;
        const d = await allows(x, iam('DeleteGroup'), groupArn(g.group.name));
        if (d) return { first: [iam('DeleteGroup')], reasons: [...d.reasons, `the account holds ${details.value.groups.length} groups, its quota of ${QUOTAS.groupsPerAccount}: ${x.name} deletes ${g.group.name}, which has no members and no policies, first`] };
      }
      // Or one `x` may empty first (review mb, 4): its members removed, its inline policies deleted, its managed ones
      // detached (DeleteGroup refuses a group holding any, DeleteConflict). Never a group `x` is in: leaving it may take
      // away the very rights the path needs.
      for (const g of details.value.groups) {
        const arn = groupArn(g.group.name);
        const full = members.has(g.group.name);
        if ((g.inlinePolicies.length === 0 && g.attached.length === 0 && !full) || x.groups.includes(g.group.name) || !worthAsking(grants, arn)) continue;
        const d = await allows(x, iam('DeleteGroup'), arn);
        if (!d) continue;
        const first: string[] = [];
        const reasons: string[] = [];
        const steps: [string, Record<string, string> | undefined][] = [
          ...(full ? [[iam('RemoveUserFromGroup'), undefined] as [string, undefined]] : []),
          ...(g.inlinePolicies.length > 0 ? [[iam('DeleteGroupPolicy'), undefined] as [string, undefined]] : []),
          ...g.attached.map((p): [string, Record<string, string>] => [iam('DetachGroupPolicy'), { 'iam:PolicyARN': p.arn }]),
        ];
        let emptied = true;
        for (const [action, extra] of steps) {
          const a = await allows(x, action, arn, extra);
          if (!a) {
            emptied = false;
            break;
          }
          if (!first.includes(action)) first.push(action);
          reasons.push(...a.reasons);
        }
        if (emptied) return { first: [...first, iam('DeleteGroup')], reasons: [...reasons, ...d.reasons, `the account holds ${details.value.groups.length} groups, its quota of ${QUOTAS.groupsPerAccount}: ${x.name} empties ${g.group.name} (${first.join(', ')}) and deletes it first`] };
      }
      return { reasons: [] };
    };
    /**
     * A group `x` may create, add a user to and write a policy to (review jb, 10): `iam:CreateGroup`, `AddUserToGroup`,
     * then `PutGroupPolicy` (or `AttachGroupPolicy` of a policy allowing everything), under a name each of its Allow
     * statements on groups of the account spells (`group/eve-*` read as `eve-new`, a path kept) or `new-group`; none taken.
     * A gain without `principal`, which the caller fills in; asked once an actor and `gives`.
     */
    const newGroupCache = new Map<string, Omit<EscalationGain, 'principal'> | null>();
    const newGroupBy = async (x: Node, gives: 'any' | 'any-within-boundary'): Promise<Omit<EscalationGain, 'principal'> | undefined> => {
      const cacheKey = `${x.arn} ${gives}`;
      const hit = newGroupCache.get(cacheKey);
      if (hit !== undefined) return hit ?? undefined;
      const taken = new Set(details.value.groups.map((g) => g.group.name.toLowerCase()));
      const arns = new Set<string>();
      const re = partition === 'acs' ? /^acs:ram::(\d+|\*)?:group\/(.+)$/i : /^arn:aws:iam::(\d+|\*)?:group\/(.+)$/;
      for (const d of documentsOf(x)) {
        for (const st of d.statements) {
          if (st.effect !== 'Allow') continue;
          for (const r of st.resource ?? []) {
            const m = re.exec(r);
            if (!m || r.includes('${') || (m[1] !== undefined && m[1] !== '*' && m[1] !== account)) continue;
            const rest = (m[2] ?? '').replace(/\*/g, 'new').replace(/\?/g, 'x');
            const slash = rest.lastIndexOf('/');
            const name = rest.slice(slash + 1);
            const path = partition === 'acs' || slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}`;
            if (/^[\w+=,.@-]{1,128}$/.test(name) && !taken.has(name.toLowerCase())) arns.add(entityArn(partition, account, 'group', path, name));
          }
        }
      }
      if (!taken.has('new-group')) arns.add(entityArn(partition, account, 'group', '/', 'new-group'));
      let found: Omit<EscalationGain, 'principal'> | undefined;
      let room: { first?: readonly string[]; reasons: readonly string[] } | undefined;
      for (const arn of [...arns].slice(0, 8)) {
        const create = await allows(x, iam('CreateGroup'), arn);
        const add = create && (await allows(x, iam('AddUserToGroup'), arn));
        if (!create || !add) continue;
        room ??= await groupAccountRoom(x);
        const before = room.first;
        if (!before) break;
        let write: { action: string; reasons: readonly string[] } | undefined;
        for (const [action, extra] of [[iam('PutGroupPolicy'), undefined], [iam('AttachGroupPolicy'), undefined], ...attachable.filter((p) => p.any).map((p) => [iam('AttachGroupPolicy'), { 'iam:PolicyARN': p.arn }] as const)] as const) {
          const w = await allows(x, action, arn, extra);
          if (w) {
            write = { action, reasons: w.reasons };
            break;
          }
        }
        if (!write) continue;
        found = { by: x.arn, action: write.action, resource: arn, gives, first: [...before, iam('CreateGroup'), iam('AddUserToGroup')], reasons: [...room.reasons, ...create.reasons, ...add.reasons, ...write.reasons, `${x.arn} may create group ${arn.slice(arn.lastIndexOf('/') + 1)}, add a user to it and write what it allows`] };
        break;
      }
      newGroupCache.set(cacheKey, found ?? null);
      return found;
    };

    /** The managed policies attached to each user, role and group of the account, by its ARN. */
    const attachedTo = new Map<string, readonly string[]>([
      ...details.value.users.map((u) => [entityArn(partition, account, 'user', u.user.path, u.user.name), u.attached.map((a) => a.arn)] as const),
      ...details.value.roles.map((r) => [entityArn(partition, account, 'role', r.role.path, r.role.name), r.attached.map((a) => a.arn)] as const),
      ...details.value.groups.map((g) => [groupArn(g.group.name), g.attached.map((a) => a.arn)] as const),
    ]);
    /**
     * Room for one more managed policy on `resource` (a user, role or group), for `attach` (its `Attach…Policy`) by `x`
     * (review jb, 12): IAM holds an entity to ten (`QUOTAS.managedPoliciesPerEntity`, LimitExceeded past it), so at the
     * quota `x` must detach one first (`Detach…Policy`, asked with that policy's ARN and `extra`, the boundary). The
     * actions taken first and why; undefined when there is no room to be made.
     */
    const attachRoom = async (x: Node, attach: string, resource: string, extra: Record<string, string> | undefined): Promise<{ first: readonly string[]; reasons: readonly string[] } | undefined> => {
      const held = attachedTo.get(resource) ?? [];
      if (held.length < QUOTAS.managedPoliciesPerEntity) return { first: [], reasons: [] };
      const detach = attach.replace(':Attach', ':Detach');
      for (const p of held) {
        const d = await allows(x, detach, resource, { ...extra, 'iam:PolicyARN': p });
        if (d) return { first: [detach], reasons: [...d.reasons, `${resource.slice(resource.lastIndexOf(':') + 1)} holds its quota of ${QUOTAS.managedPoliciesPerEntity} managed policies: ${p.slice(p.lastIndexOf('/') + 1)} is detached first`] };
      }
      return undefined;
    };

    /**
     * Room for user `t` in one more group, made by `x` (review jb, 13): IAM holds a user to ten groups
     * (`QUOTAS.groupsPerUser`, LimitExceeded past it), so at the quota `x` must remove it from one first
     * (`iam:RemoveUserFromGroup`, its rights going with it). The actions taken first and why; undefined when no room.
     */
    const groupRoom = async (x: Node, t: Node): Promise<{ first: readonly string[]; reasons: readonly string[] } | undefined> => {
      if (t.groups.length < QUOTAS.groupsPerUser) return { first: [], reasons: [] };
      for (const g of t.groups) {
        const r = await allows(x, iam('RemoveUserFromGroup'), groupArn(g));
        if (r) return { first: [iam('RemoveUserFromGroup')], reasons: [...r.reasons, `${t.name} is in ${QUOTAS.groupsPerUser} groups, its quota: it leaves ${g} first (and that group's rights)`] };
      }
      return undefined;
    };

    /** What `x` can do to the rights of `t` (a principal `x`'s start can act as). */
    const gainCache = new Map<string, EscalationGain[]>();
    const gainsOver = async (x: Node, t: Node): Promise<EscalationGain[]> => {
      const key = `${x.arn} ${t.arn}`;
      const hit = gainCache.get(key);
      if (hit) return hit;
      const out: EscalationGain[] = [];
      const kind = t.kind === 'user' ? 'User' : 'Role';
      let boundaryStays = t.boundary !== null;
      // Enforcement names the principal's current boundary (`iam:PermissionsBoundary`) on Put/Attach…Policy and
      // Delete…PermissionsBoundary, and the new one on Put…PermissionsBoundary (review T, T4).
      const current = t.boundary ? { 'iam:PermissionsBoundary': t.boundary } : undefined;
      if (t.boundary) {
        const del = iam(`Delete${kind}PermissionsBoundary`);
        const d = await allows(x, del, t.arn, current);
        if (d) {
          out.push({ by: x.arn, principal: t.arn, action: del, resource: t.arn, gives: 'own-policies', reasons: d.reasons });
          boundaryStays = false;
        }
        const put = iam(`Put${kind}PermissionsBoundary`);
        const p = await allows(x, put, t.arn);
        if (p) {
          out.push({ by: x.arn, principal: t.arn, action: put, resource: t.arn, gives: 'own-policies', reasons: p.reasons });
          boundaryStays = false;
        } else if (await decidesOn(x, 'iam:permissionsboundary')) {
          // Allowed only for some boundaries: asked for each policy that may be wider than the current one.
          for (const b of attachable) {
            if (b.arn === t.boundary || !mayWiden(b, t.boundary)) continue;
            const a = await allows(x, put, t.arn, { 'iam:PermissionsBoundary': b.arn });
            if (!a) continue;
            out.push({ by: x.arn, principal: t.arn, action: put, resource: t.arn, gives: 'own-policies', policy: b.arn, reasons: a.reasons });
            if (b.any) boundaryStays = false;
          }
        }
        // The boundary policy itself: a version of the actor's writing, or a wider one made the default.
        if (customerManaged(t.boundary)) {
          const a = await allows(x, iam('CreatePolicyVersion'), t.boundary);
          const room = a && (await versionRoom(x, t.boundary));
          if (a && room) {
            out.push({ by: x.arn, principal: t.arn, action: iam('CreatePolicyVersion'), resource: t.boundary, gives: 'own-policies', ...room.first, reasons: [...room.reasons, ...a.reasons] });
            boundaryStays = false;
          }
          const wider = widerOf(t.boundary);
          const set = wider.length > 0 ? await allows(x, iam('SetDefaultPolicyVersion'), t.boundary) : undefined;
          if (set) {
            const all = wider.filter((v) => v.any);
            const picked = all.length > 0 ? all : wider;
            out.push({ by: x.arn, principal: t.arn, action: iam('SetDefaultPolicyVersion'), resource: t.boundary, gives: all.length > 0 ? 'own-policies' : 'policy', policy: t.boundary, versions: picked.map((v) => v.versionId), reasons: [...set.reasons, versionsLine(t.boundary, picked)] });
            if (all.length > 0) boundaryStays = false;
          }
        }
      }
      const gives = boundaryStays ? 'any-within-boundary' : 'any';
      // The boundary that stays, as it reads now (review mb, 1): a group or a policy that may grant nothing within it
      // gives `t` nothing. None when `x` may lift, replace or widen it (those gains are listed above).
      const fence = boundaryStays && t.boundary && !out.some((g) => g.resource === t.arn || g.resource === t.boundary) ? attachable.find((p) => p.arn === t.boundary)?.doc : undefined;
      // A Deny of its own that stays (review mb, 2): one `x` may take away is listed below (`without-deny`), so with any
      // such gain none is counted; the boundary's only while it stays.
      const removals = await denyRemovals(x, t, current);
      const denies = removals.length > 0 ? [] : [...documentsOf(t), ...(fence ? [fence] : [])].flatMap((d) => d.statements.filter((st) => st.effect === 'Deny').map((st) => ({ st, version: d.version })));
      const within = (docs: readonly (PolicyDocument | undefined)[]): boolean => (fence === undefined || grantsWithin(docs, fence)) && !deniedWhole(docs, denies);
      const writes: [string, string, (Record<string, string> | undefined)?][] = [
        [iam(`Put${kind}Policy`), t.arn, current],
        [iam(`Attach${kind}Policy`), t.arn, current],
        ...t.groups.flatMap((g): [string, string][] => [[iam('PutGroupPolicy'), groupArn(g)], [iam('AttachGroupPolicy'), groupArn(g)]]),
        ...t.managed.filter(customerManaged).map((arn): [string, string] => [iam('CreatePolicyVersion'), arn]),
      ];
      for (const [action, resource, extra] of writes) {
        // A principal or group holding its quota of managed policies takes another only after one is detached (review
        // jb, 12): none at all without that.
        const space = action.includes(':Attach') ? await attachRoom(x, action, resource, extra) : { first: [], reasons: [] };
        if (space === undefined) continue;
        const pre = (more: readonly string[] = []): { first?: readonly string[] } => (space.first.length + more.length > 0 ? { first: [...more, ...space.first] } : {});
        const a = await allows(x, action, resource, extra);
        // A policy at its quota of versions takes a new one only after one is deleted (review fl, 6).
        const room = a && action === iam('CreatePolicyVersion') ? await versionRoom(x, resource) : { first: pre(), reasons: space.reasons };
        if (a && room) out.push({ by: x.arn, principal: t.arn, action, resource, gives, ...room.first, reasons: [...room.reasons, ...a.reasons] });
        else if (action.endsWith('Policy') && action.includes(':Attach') && (await decidesOn(x, 'iam:policyarn'))) {
          // Enforcement names the policy attached (`iam:PolicyARN`): asked for each policy that could be, when a
          // policy of the actor reads that key and the question without it was refused.
          for (const p of attachable) {
            if (t.managed.includes(p.arn) || !within([p.doc])) continue;
            const b = await allows(x, action, resource, { ...extra, 'iam:PolicyARN': p.arn });
            if (b) out.push({ by: x.arn, principal: t.arn, action, resource, gives: p.any ? gives : 'policy', policy: p.arn, ...pre(), reasons: [...space.reasons, ...b.reasons] });
          }
          // Or a policy it creates (review jb, 8): `iam:PolicyARN` allowing only `policy/team-*`, none of which exists
          // yet, was no gain, though `x` may create `team-new` allowing everything and attach it.
          if (!out.some((g) => g.action === action && g.resource === resource && g.gives === gives)) {
            for (const p of await newPoliciesBy(x)) {
              const b = await allows(x, action, resource, { ...extra, 'iam:PolicyARN': p.arn });
              if (!b) continue;
              out.push({ by: x.arn, principal: t.arn, action, resource, gives, policy: p.arn, ...pre([...p.first, iam('CreatePolicy')]), reasons: [...p.reasons, ...space.reasons, ...b.reasons, `${x.arn} may create ${p.arn}, allowing what it chooses, and attach it`] });
              break;
            }
          }
        }
      }
      // Another version of a managed policy attached to it made the default: asked only where one allows more.
      for (const arn of t.managed.filter(customerManaged)) {
        const wider = widerOf(arn);
        if (wider.length === 0) continue;
        const a = await allows(x, iam('SetDefaultPolicyVersion'), arn);
        if (!a) continue;
        const all = wider.filter((v) => v.any);
        const picked = all.length > 0 ? all : wider;
        out.push({ by: x.arn, principal: t.arn, action: iam('SetDefaultPolicyVersion'), resource: arn, gives: all.length > 0 ? gives : 'policy', policy: arn, versions: picked.map((v) => v.versionId), reasons: [...a.reasons, versionsLine(arn, picked)] });
      }
      // A Deny of its own taken away (review eq, 3): the inline policy deleted, the managed policy detached, the group
      // left, or the principal tag a Deny tests removed. Asked only where that policy, group or tag carries a Deny.
      for (const g of removals) out.push(g);
      // Its tags set to those its own policies grant by (review cc, 7); in an `acs` account too, where a RAM user or role
      // is tagged alike (TagUser, TagRole) and its policies grant by `acs:PrincipalTag/K` (review on, 4).
      {
        const tp = await asPrincipal(t);
        const carried = tp.principal.tags ?? {};
        const wanted = [...principalTagsAsked(tp.policies.identity)].filter(([k, v]) => !Object.entries(carried).some(([ck, cv]) => ck.toLowerCase() === k.toLowerCase() && cv === v));
        if (wanted.length > 0) {
          const action = iam(t.kind === 'user' ? 'TagUser' : 'TagRole');
          const a = await allows(x, action, t.arn, requestTagContext(wanted.map(([key, value]) => ({ key, value }))));
          const room = a && (await tagRoom(x, t, wanted.map(([key, value]) => ({ key, value }))));
          if (a && room) out.push({ by: x.arn, principal: t.arn, action, resource: t.arn, gives: 'tags', ...(room.first.length > 0 ? { first: room.first } : {}), reasons: [...room.reasons, ...a.reasons, `${t.arn} then carries ${wanted.map(([k, v]) => `${k}=${v}`).join(', ')}, which its policies grant by (aws:PrincipalTag)`] });
          // Or the session tags `x` passes when it assumes the role (review ii, 1): they are the session's principal
          // tags, over the role's own (reference §A.1.8), where the trust policy lets `x` pass them (`sts:TagSession`,
          // which AssumeRole asks as well of a request passing tags). A RAM role's too (review rf, 3).
          else {
            const st = await sessionTagged(x, t, wanted);
            if (st) out.push({ by: x.arn, principal: t.arn, action: 'sts:TagSession', resource: t.arn, gives: 'tags', reasons: [line(st.assume), line(st.pass), `a session of ${t.arn} that ${x.name} opens with the session tags ${wanted.map(([k, v]) => `${k}=${v}`).join(', ')} carries them, and its policies grant by them (aws:PrincipalTag)`] });
          }
        }
      }
      // A resource policy written, naming it (review cc, 6).
      for (const w of await policyWritableBy(x)) out.push({ by: x.arn, principal: t.arn, action: w.action, resource: w.resource, gives: 'resource', reasons: [...w.reasons, `${x.arn} may write the policy of ${w.resource}, granting ${t.arn} any action on it`] });
      // The account's or a workspace's IAM policy written: any binding naming it there (review cc, 4).
      for (const w of await bindableBy(x)) out.push({ by: x.arn, principal: t.arn, action: 'gatehouse:SetIamPolicy', resource: w.resource, gives: 'bindings', reasons: [...w.reasons, `${x.arn} may bind any role (roles/owner…) to ${t.arn} on ${w.resource} and every resource under it`] });
      // A custom role bound to it rewritten (review ke, 3): any permission added to the role is granted by every binding of it.
      const customRoles = customRolesOf(t);
      // Apply decides it on the role's ARN (review ku, 1), so a statement scoped to one role grants that role only.
      for (const c of customRoles) {
        const id = /^accounts\/(\d{12})\/roles\/(.+)$/.exec(c.role);
        const a = id === null ? undefined : await allows(x, 'gatehouse:UpdateIamRole', customRoleArn(partition, id[1] as string, id[2] as string));
        if (a) out.push({ by: x.arn, principal: t.arn, action: 'gatehouse:UpdateIamRole', resource: c.role, gives: 'bindings', reasons: [...a.reasons, `${x.arn} may add any permission to custom role ${c.role}, which ${c.where.map((w) => `a binding on ${w.resource} grants to ${w.member}`).join(', ')}: ${t.arn} then holds it there and on every resource under it`] });
      }
      // A user in its quota of groups (ten, LimitExceeded past it) joins another only after leaving one (review jb, 13).
      const leave = t.kind === 'user' ? await groupRoom(x, t) : undefined;
      if (t.kind === 'user' && leave !== undefined) {
        const then = (more: readonly string[]): { first?: readonly string[] } => (leave.first.length + more.length > 0 ? { first: [...leave.first, ...more] } : {});
        for (const g of details.value.groups) {
          if (t.groups.includes(g.group.name)) continue;
          const arn = groupArn(g.group.name);
          const a = await allows(x, iam('AddUserToGroup'), arn);
          if (!a) continue;
          if (groupGrants(g) && within(groupDocuments(g))) out.push({ by: x.arn, principal: t.arn, action: iam('AddUserToGroup'), resource: arn, gives: 'group', ...then([]), reasons: [...leave.reasons, ...a.reasons] });
          // The group's policies written too (review jb, 1): a group `x` may add `t` to and whose policy it may write gives
          // any right, not just the group's (an empty group's: none). It was asked only of the groups `t` was in already.
          for (const w of await groupWrites(x, g.group.name, g.attached.map((p) => p.arn), gives)) out.push({ ...w, principal: t.arn, ...then([iam('AddUserToGroup'), ...(w.first ?? [])]), reasons: [...leave.reasons, ...a.reasons, ...w.reasons] });
        }
        // Or a group it creates (review jb, 10): `iam:CreateGroup`, `iam:AddUserToGroup` and a policy written to it.
        if (!out.some((g) => g.gives === gives && g.first?.includes(iam('AddUserToGroup')))) {
          const made = await newGroupBy(x, gives);
          if (made) out.push({ ...made, principal: t.arn, ...then(made.first ?? []), reasons: [...leave.reasons, ...made.reasons] });
        }
      }
      gainCache.set(key, out);
      return out;
    };

    /**
     * Whether joining group `g` may grant anything (review lk, 2): a policy of it (inline, or attached) with an Allow
     * statement. A group with no policy, or with Deny statements only, gives its members no right, so adding a user to
     * it is no gain. An attached policy whose document is not read counts as granting (never a path hidden).
     */
    const groupGrants = (g: GroupDetail): boolean => groupDocuments(g).some((d) => d === undefined || d.statements.some((st) => st.effect === 'Allow'));
    /** The policy documents of group `g`, inline and attached; `undefined` for one not read. */
    const groupDocuments = (g: GroupDetail): (PolicyDocument | undefined)[] => [
      ...g.inlinePolicies.map((p) => {
        const r = parsePolicy(p.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
        return r.ok ? r.value : undefined;
      }),
      ...g.attached.map((a) => attachable.find((p) => p.arn === a.arn)?.doc),
    ];
    /** The identity policy documents of `x` (inline, attached, and its groups'), as written. */
    const documentsOf = (x: Node): PolicyDocument[] => {
      const inline = x.kind === 'user'
        ? [...(details.value.users.find((u) => u.user.name === x.name)?.inlinePolicies ?? []), ...details.value.groups.filter((g) => x.groups.includes(g.group.name)).flatMap((g) => g.inlinePolicies)]
        : (details.value.roles.find((r) => r.role.name === x.name)?.inlinePolicies ?? []);
      const docs: PolicyDocument[] = [];
      for (const p of inline) {
        const r = parsePolicy(p.document, { kind: 'identity', maxChars: Number.MAX_SAFE_INTEGER });
        if (r.ok) docs.push(r.value);
      }
      for (const arn of x.managed) {
        const d = attachable.find((p) => p.arn === arn)?.doc;
        if (d) docs.push(d);
      }
      return docs;
    };
    /**
     * Whether `gain` frees its principal's own policies (`own-policies`: its boundary removed, or replaced by one allowing
     * everything, a policy or a version that does) and those allow everything: an unconditional Allow of every action on
     * every resource and no Deny among them (review uo, 3). Such a principal reaches any right, though the gain is not
     * `any` (its kind says how); `anyRight` was false for a user with AdministratorAccess held back only by a boundary it
     * may delete, and the account's table left it out of those reaching any right.
     */
    const freesEveryRight = (gain: EscalationGain): boolean => {
      if (gain.gives !== 'own-policies') return false;
      if (gain.policy !== undefined && gain.versions === undefined && attachable.find((p) => p.arn === gain.policy)?.any !== true) return false;
      const t = nodes.find((n) => n.arn === gain.principal);
      if (t === undefined) return false;
      const docs = documentsOf(t);
      return docs.some(allowsEverything) && !docs.some((d) => d.statements.some((st) => st.effect === 'Deny'));
    };
    /**
     * Names `x` may give a new user or role (`kind`), as ARNs: one for each of its Allow statements' resources naming
     * such a principal of the account (wildcards filled in, policy variables left out), and a plain one; none taken.
     */
    const newNames = (x: Node, kind: 'user' | 'role'): string[] => {
      const taken = new Set(nodes.map((n) => `${n.kind}/${n.name.toLowerCase()}`));
      const out = new Set<string>();
      const re = partition === 'acs' ? /^acs:ram::(\d+|\*)?:(user|role)\/(.+)$/i : /^arn:aws:iam::(\d+|\*)?:(user|role)\/(.*)$/;
      for (const d of documentsOf(x)) {
        for (const st of d.statements) {
          if (st.effect !== 'Allow') continue;
          for (const r of st.resource ?? []) {
            const m = re.exec(r);
            if (!m || m[2]?.toLowerCase() !== kind || r.includes('${') || (m[1] !== undefined && m[1] !== '*' && m[1] !== account)) continue;
            let rest = (m[3] ?? '').replace(/\*/g, 'new').replace(/\?/g, 'x');
            if (rest === '' || rest.endsWith('/')) rest += `new-${kind}`;
            const slash = rest.lastIndexOf('/');
            const name = rest.slice(slash + 1);
            const path = partition === 'acs' || slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}`;
            if (/^[\w+=,.@-]{1,64}$/.test(name) && !taken.has(`${kind}/${name.toLowerCase()}`)) out.add(entityArn(partition, account, kind, path, name));
          }
        }
      }
      for (let i = 0; ; i++) {
        const name = `new-${kind}${i === 0 ? '' : `-${i}`}`;
        if (taken.has(`${kind}/${name}`)) continue;
        out.add(entityArn(partition, account, kind, '/', name));
        break;
      }
      return [...out].slice(0, 8);
    };
    /**
     * Room in the account for a user or role `x` creates (review lk, 1): IAM holds an account to 5,000 users and 1,000
     * roles (`QUOTAS.usersPerAccount`, `QUOTAS.rolesPerAccount`) and refuses another (LimitExceeded, src/app/directory.ts),
     * so in a full account `x` must delete one first (`DeleteUser` / `DeleteRole`), one that may go as it is (the store
     * refuses DeleteConflict otherwise): no policies; a user in no group and holding no access key; a role no cluster
     * runs its nodes as; or one `x` may empty first (review ml, 1). Never `x` itself. Nothing first when there is room;
     * `first` undefined when there is none and `x` may not make it.
     */
    const principalAccountRoom = async (x: Node, kind: 'user' | 'role'): Promise<{ first?: readonly string[]; reasons: readonly string[] }> => {
      const held = kind === 'user' ? details.value.users.length : details.value.roles.length;
      const quota = kind === 'user' ? QUOTAS.usersPerAccount : QUOTAS.rolesPerAccount;
      if (held < quota) return { first: [], reasons: [] };
      const del = iam(kind === 'user' ? 'DeleteUser' : 'DeleteRole');
      const grants = identityGrants((await asPrincipal(x)).policies, del);
      const lastName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1).toLowerCase();
      const nodeRoles = new Set(clusters.flatMap((c) => [c.instanceRole, ...Object.values(c.computeConfigs ?? {}).map((v) => v.instanceRole), ...(c.mappings ?? []).map((m) => m.role)]).filter((r): r is string => r !== undefined).map(lastName));
      const candidates =
        kind === 'user'
          ? details.value.users.filter((u) => u.inlinePolicies.length === 0 && u.attached.length === 0 && u.groups.length === 0).map((u) => ({ name: u.user.name, arn: entityArn(partition, account, 'user', u.user.path, u.user.name) }))
          : details.value.roles.filter((r) => r.inlinePolicies.length === 0 && r.attached.length === 0 && !nodeRoles.has(r.role.name.toLowerCase())).map((r) => ({ name: r.role.name, arn: entityArn(partition, account, 'role', r.role.path, r.role.name) }));
      for (const e of candidates) {
        if (e.arn === x.arn || !worthAsking(grants, e.arn)) continue;
        if (kind === 'user' && ((await deps.accessKeyCount?.(account, e.name)) ?? 0) > 0) continue;
        const d = await allows(x, del, e.arn);
        if (d) return { first: [del], reasons: [...d.reasons, `the account holds ${held} ${kind}s, its quota of ${quota}: ${x.name} deletes ${kind} ${e.name}, which has no policies${kind === 'user' ? ', no groups and no access keys' : ''}, first`] };
      }
      // Or one `x` may empty first, as for groups (review mb, 4; review ml, 1): its inline policies deleted, its managed
      // ones detached, and for a user its groups left and its access keys deleted (DeleteUser and DeleteRole refuse an
      // entity holding any, DeleteConflict). Never `x` itself, nor a role a cluster runs its nodes as.
      const Kind = kind === 'user' ? 'User' : 'Role';
      const full =
        kind === 'user'
          ? details.value.users.map((u) => ({ name: u.user.name, arn: entityArn(partition, account, 'user', u.user.path, u.user.name), inline: u.inlinePolicies.length > 0, attached: u.attached.map((p) => p.arn), groups: u.groups }))
          : details.value.roles.filter((r) => !nodeRoles.has(r.role.name.toLowerCase())).map((r) => ({ name: r.role.name, arn: entityArn(partition, account, 'role', r.role.path, r.role.name), inline: r.inlinePolicies.length > 0, attached: r.attached.map((p) => p.arn), groups: [] as readonly string[] }));
      for (const e of full) {
        if (e.arn === x.arn || !worthAsking(grants, e.arn)) continue;
        const keys = kind === 'user' ? ((await deps.accessKeyCount?.(account, e.name)) ?? 0) : 0;
        if (!e.inline && e.attached.length === 0 && e.groups.length === 0 && keys === 0) continue;
        const d = await allows(x, del, e.arn);
        if (!d) continue;
        const steps: [string, string, Record<string, string> | undefined][] = [
          ...(keys > 0 ? [[iam('DeleteAccessKey'), e.arn, undefined] as [string, string, undefined]] : []),
          ...e.groups.map((g): [string, string, undefined] => [iam('RemoveUserFromGroup'), groupArn(g), undefined]),
          ...(e.inline ? [[iam(`Delete${Kind}Policy`), e.arn, undefined] as [string, string, undefined]] : []),
          ...e.attached.map((p): [string, string, Record<string, string>] => [iam(`Detach${Kind}Policy`), e.arn, { 'iam:PolicyARN': p }]),
        ];
        const first: string[] = [];
        const reasons: string[] = [];
        let emptied = true;
        for (const [action, resource, extra] of steps) {
          const a = await allows(x, action, resource, extra);
          if (!a) {
            emptied = false;
            break;
          }
          if (!first.includes(action)) first.push(action);
          reasons.push(...a.reasons);
        }
        if (emptied) return { first: [...first, del], reasons: [...reasons, ...d.reasons, `the account holds ${held} ${kind}s, its quota of ${quota}: ${x.name} empties ${kind} ${e.name} (${first.join(', ')}) and deletes it first`] };
      }
      return { reasons: [] };
    };
    /** A principal `x` may create and act as: the step to it and what `x` may give it (review cc, 2). */
    type Created = { readonly arn: string; readonly kind: 'user' | 'role'; readonly step: EscalationStep; readonly gains: readonly EscalationGain[] };
    const createdCache = new Map<string, Created[]>();
    const createdBy = async (x: Node): Promise<Created[]> => {
      const hit = createdCache.get(x.arn);
      if (hit) return hit;
      const out: Created[] = [];
      for (const kind of ['user', 'role'] as const) {
        const Kind = kind === 'user' ? 'User' : 'Role';
        const create = iam(`Create${Kind}`);
        // In an account holding its quota of users (roles), one is deleted first or the creation is refused (review lk, 1).
        const room = await principalAccountRoom(x, kind);
        if (!room.first) continue;
        for (const arn of newNames(x, kind)) {
          // The creation, with the boundary it must set when enforcement asks for one (`iam:PermissionsBoundary`).
          let made = await allows(x, create, arn);
          let boundary: (typeof attachable)[number] | undefined;
          if (!made && (await decidesOn(x, 'iam:permissionsboundary'))) {
            for (const b of attachable) {
              const a = await allows(x, create, arn, { 'iam:PermissionsBoundary': b.arn });
              if (a && (!made || (b.any && !boundary?.any))) {
                made = a;
                boundary = b;
              }
            }
          }
          if (!made) continue;
          // Acting as it: a key of the new user, or the new role assumed under a trust policy naming `x`.
          let step: EscalationStep | undefined;
          if (kind === 'user') {
            const key = await allows(x, iam('CreateAccessKey'), arn);
            if (key) step = { from: x.arn, to: arn, how: 'iam:CreateUser', actions: [...room.first, create, iam('CreateAccessKey')], reasons: [...room.reasons, ...made.reasons, ...key.reasons] };
          } else {
            const then = await assumedUnderOwnTrust(x, arn);
            if (then) step = { from: x.arn, to: arn, how: 'iam:CreateRole', actions: [...room.first, create, 'sts:AssumeRole'], reasons: [...room.reasons, ...made.reasons, then] };
          }
          if (!step) continue;
          const current = boundary ? { 'iam:PermissionsBoundary': boundary.arn } : undefined;
          const cut = boundary && !boundary.any ? { gives: 'any-within-boundary' as const, policy: boundary.arn } : { gives: 'any' as const };
          // What may grant nothing within the boundary its creation sets gives it nothing (review mb, 1).
          const fence = boundary && !boundary.any ? boundary.doc : undefined;
          const within = (docs: readonly (PolicyDocument | undefined)[]): boolean => fence === undefined || grantsWithin(docs, fence);
          const gains: EscalationGain[] = [];
          for (const action of [iam(`Put${Kind}Policy`), iam(`Attach${Kind}Policy`)]) {
            const a = await allows(x, action, arn, current);
            if (a) gains.push({ by: x.arn, principal: arn, action, resource: arn, ...cut, reasons: a.reasons });
            else if (action.includes(':Attach') && (await decidesOn(x, 'iam:policyarn'))) {
              for (const p of attachable) {
                if (!within([p.doc])) continue;
                const b = await allows(x, action, arn, { ...current, 'iam:PolicyARN': p.arn });
                if (b) gains.push({ by: x.arn, principal: arn, action, resource: arn, ...(p.any ? cut : { gives: 'policy' as const, policy: p.arn }), reasons: b.reasons });
              }
            }
          }
          if (kind === 'user') {
            for (const g of details.value.groups) {
              if (!groupGrants(g) || !within(groupDocuments(g))) continue;
              const ga = groupArn(g.group.name);
              const a = await allows(x, iam('AddUserToGroup'), ga);
              if (a) gains.push({ by: x.arn, principal: arn, action: iam('AddUserToGroup'), resource: ga, gives: 'group', reasons: a.reasons });
            }
          }
          if (gains.length === 0) continue;
          out.push({ arn, kind, step, gains });
          break;
        }
      }
      createdCache.set(x.arn, out);
      return out;
    };

    /**
     * The federated users a resource policy of the account names (`deps.federatedUsersNamed`) that a user of `queue`
     * (in order: the closest first) may open a session of, by `sts:GetFederationToken` on its ARN as STS decides it (a
     * user's own access key alone may call it; AWS accounts only). Each from the first that may.
     */
    const federatedNamed = partition === 'aws' ? ((await deps.federatedUsersNamed?.(account)) ?? []) : [];
    const federatedReach = async (queue: readonly Node[], start: Node, paths: ReadonlyMap<string, EscalationStep[]>): Promise<{ principal: string; kind: 'federated-user'; path: EscalationStep[] }[]> => {
      const out: { principal: string; kind: 'federated-user'; path: EscalationStep[] }[] = [];
      for (const f of federatedNamed) {
        for (const x of queue) {
          if (x.kind !== 'user' || (x === start && x.disabled)) continue;
          const a = await allows(x, 'sts:GetFederationToken', f);
          if (!a) continue;
          out.push({ principal: f, kind: 'federated-user', path: [...(paths.get(x.arn) ?? []), { from: x.arn, to: f, how: 'sts:GetFederationToken', actions: ['sts:GetFederationToken'], reasons: [...a.reasons, `a resource policy of account ${account} names \`${f}\`, granting that session without identity or session policy`] }] });
          break;
        }
      }
      return out;
    };

    /** Whether every principal of `xs` may be asked about, and a question as the first with the context is answered. */
    const answerable = async (xs: readonly Node[]): Promise<boolean> => {
      const first = xs[0];
      const other = first && (users.find((u) => u !== first) ?? roles.find((r) => r !== first));
      if (!first || !other) return false;
      try {
        for (const x of xs) await asPrincipal(x);
        await answer(first, iam(other.kind === 'user' ? 'CreateAccessKey' : 'UpdateAssumeRolePolicy'), other.arn);
        return true;
      } catch (e) {
        if (e instanceof Refused) return false;
        throw e;
      } finally {
        questions = 0;
      }
    };
    // Bound to run past the budget (review dx, 1): the steps out of each principal that starts a search ask at least
    // one question per other role (its trust decision) and one per other user (`CreateAccessKey`), so an account of
    // N principals needs at least about N² questions; past the budget, the answer would be refused only after every
    // question up to it (seconds for who-can's `through` on an account of 2,500). Refused at once instead, with the
    // same refusal, once what would have refused it sooner is ruled out: each such principal is one the caller may ask
    // about, and a question with the context given is answered.
    // The bound counts every pair, those the sieve would skip too (review ee, 1): counting only those it lets through,
    // bench/who-can.ts's large account (2,502 principals) passed it (about 150,000 questions), and then who-can's
    // answer listed 417,500 `through` entries, 465 MB of JSON in 4.1 s, and the whole account's escalation paths were
    // refused only after 10.8 s of questions instead of at once. Until `through` is bounded, the refusal stays.
    const counted = starts.filter((s) => !s.disabled);
    const least = counted.reduce((n, s) => n + roles.length + users.length - 1, 0);
    if (least > max && (await answerable(counted))) return failWith('LIMIT_EXCEEDED', overBudget());

    const reports: EscalationReport[] = [];
    try {
      for (const start of starts) {
        // Breadth first: the shortest path to each principal.
        const paths = new Map<string, EscalationStep[]>([[start.arn, []]]);
        const queue: Node[] = [start];
        const lifts = new Set<string>();
        for (let i = 0; ; ) {
          for (; i < queue.length; i++) {
            const x = queue[i] as Node;
            // A disabled user asked about acts in no path (one reached on a path was enabled on the way).
            if (x === start && x.disabled) continue;
            for (const e of await edgesOf(x)) {
              if (paths.has(e.to.arn)) continue;
              paths.set(e.to.arn, [...(paths.get(x.arn) ?? []), e.step]);
              queue.push(e.to);
            }
          }
          // Then a boundary lifted by another principal reached (review uo, 2), as far as the roles it lets assume.
          const more = await liftedByAnother(queue, start, paths, lifts);
          if (more.length === 0) break;
          for (const e of more) {
            if (paths.has(e.to.arn)) continue;
            // The lifter's path first (it acts), then the lifted one's (which then assumes the role), each step once.
            const lifter = paths.get(e.by.arn) ?? [];
            const lifted = (paths.get(e.step.from) ?? []).filter((st) => !lifter.some((l) => l.from === st.from && l.to === st.to));
            paths.set(e.to.arn, [...lifter, ...lifted, e.step]);
            queue.push(e.to);
          }
        }
        if (input.becomeOnly === true) {
          reports.push({ principal: start.arn, kind: start.kind, canBecome: queue.slice(1).map((n) => ({ principal: n.arn, kind: n.kind, path: paths.get(n.arn) ?? [] })), canGain: [], anyRight: false });
          continue;
        }
        // Every principal reached can act on every one reached (itself included). For each principal whose rights
        // would grow, each kind of gain comes from the closest actor that has it (until one gives any right), so
        // the answer grows with the principals reached, not their square, and a farther actor's larger gain is kept.
        const canGain: { path: EscalationStep[]; gain: EscalationGain }[] = [];
        for (const t of queue) {
          const kinds = new Set<EscalationGain['gives']>();
          for (const x of queue) {
            if (x === start && x.disabled) continue;
            const fresh = (await gainsOver(x, t)).filter((g) => !kinds.has(g.gives));
            for (const gain of fresh) canGain.push({ path: paths.get(x.arn) ?? [], gain });
            for (const gain of fresh) kinds.add(gain.gives);
            if (kinds.has('any')) break;
          }
        }
        // Principals it may create and act as: each kind from the closest actor that may.
        const canBecome: { principal: string; kind: 'user' | 'role' | 'federated-user'; path: EscalationStep[] }[] = queue.slice(1).map((n) => ({ principal: n.arn, kind: n.kind, path: paths.get(n.arn) ?? [] }));
        // Federated users a resource policy names, from the closest user that may open their session (review gd, 2).
        for (const f of await federatedReach(queue, start, paths)) canBecome.push(f);
        const createdKinds = new Set<'user' | 'role'>();
        for (const x of queue) {
          if (x === start && x.disabled) continue;
          for (const c of await createdBy(x)) {
            if (createdKinds.has(c.kind)) continue;
            createdKinds.add(c.kind);
            const to = paths.get(x.arn) ?? [];
            canBecome.push({ principal: c.arn, kind: c.kind, path: [...to, c.step] });
            for (const gain of c.gains) canGain.push({ path: to, gain });
          }
          if (createdKinds.size === 2) break;
        }
        canGain.sort((a, b) => a.path.length - b.path.length);
        reports.push({
          principal: start.arn,
          kind: start.kind,
          canBecome,
          canGain,
          anyRight: canGain.some((g) => g.gain.gives === 'any' || freesEveryRight(g.gain)),
        });
      }
    } catch (e) {
      // A question the engine refuses (the caller may not ask about a principal, a bad context) refuses the whole
      // answer: a partial list of paths would read as complete.
      if (e instanceof Refused) return failWith(e.code, e.message, e.path);
      throw e;
    }
    return ok({
      reports,
      questions,
      note: `users and roles of account ${account}, roles as a session with no session policy; conditions evaluated against the context given${context ? '' : ' (none)'}; principals of other accounts are not followed`,
    });
  };
}

export type Escalation = ReturnType<typeof createEscalation>;
