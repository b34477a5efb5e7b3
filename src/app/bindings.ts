/**
 * GCP-style IAM policies in the product (issue "One authorize API"): `kind: IamPolicy` (`{resource, bindings,
 * etag}`) attached to `account/<id>`, `workspace/<name>` or an ARN, and custom roles (`kind: IamRole`,
 * `accounts/<id>/roles/<name>`). Both live in the store's key/value table; every instance holds each policy
 * compiled once (src/core/bindings `compileBindings`) and reloads when the change log shows that a policy, a
 * custom role, a workspace or a group membership changed — the way `ResourcePolicies` is kept.
 *
 * **The chain of a resource** (root first; the effective policy is the union of the chain's policies):
 * 1. `account/<A>`, where A is the account that owns the resource: the account in its ARN; else the owner the
 *    resource policies know (`resourceAccount` of the request); else the account of the IAM policy attached
 *    nearest to it; else the account whose workspaces claim it (when workspaces of several accounts claim it,
 *    the principal's own account if it is one of them). An ARN that nothing places in an account (a bucket no
 *    policy or workspace names) has no account level: only policies on the ARN itself govern it.
 * 2. `workspace/<W>` of every workspace W of account A that claims the resource, by name. A workspace claims
 *    its own ARN (`arn:aws:training::A:workspace/W`, `acs:pai::A:workspace/W`) and its `defaultBucket` with
 *    everything under it (`arn:aws:s3:::ws-data` claims `arn:aws:s3:::ws-data/train/x.csv`). Nothing else:
 *    jobs, models and clusters sit directly under the account.
 * 3. The resource's own policy and, as for bucket policies, the policies of the ARNs it lies under
 *    (`arn:…:bucket` before `arn:…:bucket/key`), broadest first; an IAM user's, group's or role's ARN lies under
 *    none (`…:role/team` is the role `team`, not a folder of `…:role/team/trainer`).
 * Only policies owned by A take part: another account cannot graft bindings onto A's resources.
 *
 * **Members.** `user:<name>` and `group:<name>` name users and groups of the account that owns the policy: a
 * user of another account matches neither (it is still one of `allAuthenticatedUsers`). A role session is
 * `serviceAccount:<role>@<account>.iam.gatehouse.dev` in every account. An anonymous request is `allUsers`
 * only. Group membership is read for the groups that bindings name, at reload. A `principal://…` member names a
 * federated identity (GCP's workforce and workload pool subjects): here the subject of an OIDC provider, as a
 * session from `AssumeRoleWithWebIdentity` carries it (`federatedPrincipalUri`), matched when that session itself
 * asks or acts; a session named by its ARN does not say which subject assumed it, so only its role's
 * `serviceAccount:` matches then.
 *
 * **Writes.** `setPolicy` reads the stored policy inside the write transaction and refuses a stale etag
 * (`ETAG_MISMATCH`, 409 `ConcurrentModification`): a write is never merged. No etag overwrites, as GCP's
 * setIamPolicy. Every write moves the policy's `revision` on, and the etag hashes the resource (its kv key), the
 * revision and the bindings (src/core/bindings/etag.ts): equal bindings on two resources have different etags,
 * and A→B→A gives a new one. A removed policy leaves its revision under `iampolicy-gone/`, so that writing it
 * again does not bring back an etag of before; a policy stored before revisions existed reads as revision 0.
 * Who may write: `gatehouse:SetIamPolicy` on the resource (an ARN as is, `account/<id>` as the account's root
 * ARN, `workspace/<name>` as the workspace's ARN) by the caller's IAM policies, or a binding granting the resource
 * type's `*.setIamPolicy` permission (`ml.models.setIamPolicy`…) that the caller's permissions boundary and session
 * policies let through, unless the caller's own IAM policies deny explicitly (in any account). Reading is the
 * same with `GetIamPolicy` / `*.getIamPolicy`, and listing shows only what the caller may read. A user, role, group
 * or (through `removeWorkspaceIamPolicies`) workspace deleted takes the policy attached to it along. `gatehouse apply` writes through the `IamPolicy`/`IamRole` kinds
 * below: a document without `etag` is declarative (it overwrites, as `kubectl apply`; applied again it is
 * `unchanged`); a document with `spec.etag` applies only while that is the policy's current etag, else the whole
 * apply (and its plan) is refused with ETAG_MISMATCH on `spec.etag`.
 *
 * **Passing a role.** `actAs` answers whether bindings grant `iam.serviceAccounts.actAs` on a role ARN
 * (`roles/iam.serviceAccountUser` on the role, or on the account): job submission and node start accept it
 * wherever `iam:PassRole` is asked, unless IAM explicitly denies the PassRole (src/app/jobs.ts). They pass only
 * roles of the caller's own account, so bindings grant `actAs` on a role of another account to no one (no opinion,
 * in the authorize API too), whatever `allAuthenticatedUsers` or a `serviceAccount:` member would match. No
 * binding answers `sts:AssumeRole`: STS decides it by trust and identity policies only (src/core/bindings/actions.ts).
 */
import { failWith, ok, type ErrorCode, type Result } from '../core/errors.ts';
import { accountOf, contextOf, namedEntity, principalFromArn, type Principal } from '../core/iam/index.ts';
import {
  canonicalPolicy,
  checkEtag,
  sameEtag,
  checkRoles,
  checkVersion,
  conditionDialectErrors,
  compileBindings,
  computeEtag,
  customRoleArn,
  customRoleName,
  decide,
  decidedByIamAlone,
  parseAttachedPolicy,
  parseCustomRole,
  parseResourceName,
  publicMembersOnAccount,
  PUBLIC_MEMBERS,
  permissionForAction,
  resourceAttributes,
  resourceNameEqualities,
  serviceAccountOfArn,
  federatedPrincipalProviders,
  federatedPrincipalPrefix,
  federatedPrincipalUri,
  isKubernetesObjectRequest,
  SERVICE_ACCOUNT_DOMAIN,
  KNOWN_PERMISSIONS,
  type AttachedPolicy,
  type BindingsDecision,
  type BindingsResource,
  type BindingsPrincipal,
  type CompiledBindings,
  type CustomRole,
  type IamBinding,
  type IamPolicy,
} from '../core/bindings/index.ts';
import { entityArn, keyPath, rootArn, shortName, shownKey, type Partition } from '../core/directory/rules.ts';
import { clusterArn, clusterKey, workspaceArn, workspaceKey, type Cluster, type Workspace } from '../core/jobs/jobs.ts';
import type { DocumentChange, KindHandler } from './apply.ts';
import type { AuthorizeEngine, MatchedRule, ResolvedRequest } from './authorize.ts';
import type { AppDeps } from './deps.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import { accessDenied, accessDeniedMessage, actorOf, decideAdmin, limitsCutWords, principalLimitsCut, requestContext, type Caller } from './principals.ts';
import { isOss, ownerIn, ownerWordsTo, resourcePolicyClaim } from './resource-policies.ts';
import { canonicalArn, chainArns, governedScope, IAM_POLICY_PREFIX, iamPolicyClaim, iamPolicyKey, readIamPolicyRecord, storedIamPolicyAt, UNREADABLE_IAM_POLICY_OWNER, unreadableIamPolicy } from './resource-tree.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable, type ChangeRecord, type ReadTx, type WriteTx } from './ports/store.ts';
import type { GoneGroup, GonePrincipal } from './forget-principal.ts';
import { serialReload } from './serial-reload.ts';
import { readChanges } from './change-log.ts';
import { PROVIDER_PREFIX, providerKey } from './oidc-provider-keys.ts';

export { IAM_POLICY_PREFIX, iamPolicyKey };

/**
 * Why account `account` may not set an IAM policy with bindings on the ARN `resource`, read in `tx`; undefined when it
 * may. An ARN that names no account is the account's whose policy is attached to it or nearest above it (see "The
 * chain of a resource"): a policy of another account above would make that account's tree, from `resource` down, this
 * one's, its bindings granting there and the owner's no longer applying (review co, 2); one below would be cut out of
 * this policy's reach the same way. Both kinds of policy count (review cl, 1): another account's resource policy on
 * the ARN, above it or under it, as another account's IAM policy above or under it (src/app/resource-tree.ts).
 */
async function claimedByAnother(tx: ReadTx, resource: string, account: string): Promise<string | undefined> {
  return (await iamPolicyClaim(tx, resource, account, false)) ?? (await resourcePolicyClaim(tx, resource, account));
}

/** `iampolicy-gone/<key after IAM_POLICY_PREFIX>` → the revision of a removed policy (decimal text). */
const IAM_POLICY_GONE_PREFIX = 'iampolicy-gone/';
export const IAM_ROLE_PREFIX = 'iamrole/';
const WORKSPACE_PREFIX = 'ws/';

/** An IAM policy as stored (one kv entry per resource). */
export interface StoredIamPolicy {
  readonly resource: string;
  /** The account that owns the policy (and whose users, groups and custom roles its bindings name). */
  readonly account: string;
  readonly bindings: readonly IamBinding[];
  readonly version?: number;
  /** Moved on by every write of the policy (1 for the first); absent in policies stored before it existed (0). */
  readonly revision?: number;
  /** `metadata.name` of the `IamPolicy` document that wrote it (apply prunes by it). */
  readonly name?: string;
  readonly updated: string;
}

/** A custom role as stored: `iamrole/<account>/<name>`. */
export interface StoredIamRole extends CustomRole {
  readonly account: string;
  readonly updated: string;
}

/** A policy as `GET /v1/iam-policies` and `gatehouse iam-policy get` show it. */
export interface IamPolicyView {
  readonly resource: string;
  readonly account: string;
  readonly version: number;
  readonly bindings: readonly IamBinding[];
  readonly etag: string;
}

/** `GET /v1/iam-policies` pages: `limit` policies (default 100, at most 1,000), as `GET /v1/jobs` and `/v1/audit`. */
export const IAM_POLICIES_PAGE_DEFAULT = 100;
export const IAM_POLICIES_PAGE_MAX = 1000;

/** What the listing asks: a page of `limit` policies after the policy of resource `after` (a previous page's `next`). */
export interface IamPoliciesQuery {
  readonly limit?: number;
  readonly after?: string;
}

/** A page of the listing; `next` (the last policy's resource, for `after`) when more follow. */
export interface IamPoliciesPage {
  readonly iamPolicies: IamPolicyView[];
  readonly next?: string;
}

/** The policy stored at `key` now, its revision (that of the removed policy, or 0, when there is none) and etag. */
interface CurrentPolicy {
  readonly stored: StoredIamPolicy | undefined;
  readonly revision: number;
  readonly etag: string;
}

/** The etag of the policy at kv `key`: see the module comment, "Writes". */
function etagAt(key: string, bindings: readonly IamBinding[], revision: number): string {
  return computeEtag({ bindings }, { resource: key.slice(IAM_POLICY_PREFIX.length), revision });
}

function currentOf(key: string, stored: StoredIamPolicy | undefined, goneRevision: number): CurrentPolicy {
  const revision = stored === undefined ? goneRevision : (stored.revision ?? 0);
  return { stored, revision, etag: etagAt(key, stored?.bindings ?? [], revision) };
}

/** The owner of a stored IAM policy, in words: its stand-in's (`unreadableIamPolicy`) is no account. */
const whose = (account: string, asker: string): string => (account === UNREADABLE_IAM_POLICY_OWNER ? 'no account: its stored record cannot be read (replace or remove the record)' : ownerWordsTo(account, asker));

const goneKey = (key: string): string => `${IAM_POLICY_GONE_PREFIX}${key.slice(IAM_POLICY_PREFIX.length)}`;

async function readPolicy(tx: ReadTx, key: string): Promise<CurrentPolicy> {
  const text = await tx.kv.get(key);
  if (text !== undefined) return currentOf(key, storedIamPolicyAt<StoredIamPolicy>(key, text), 0);
  const gone = await tx.kv.get(goneKey(key));
  return currentOf(key, undefined, gone === undefined ? 0 : Number(gone) || 0);
}

/** What `missingResource` looks for in an apply's own documents. */
type HeldKind = 'Account' | 'Workspace' | 'Cluster' | 'User' | 'Group' | 'Role';

const WORKSPACE_ARN_OF = /^(?:arn:aws[a-z-]*:training|acs:pai)::(\d{12,16}):workspace\/([^/]+)$/;
/** A training cluster's ARN, or one under it (its Kubernetes objects): the cluster's account and name. */
const CLUSTER_ARN_OF = /^(?:arn:aws[a-z-]*:training|acs:pai)::(\d{12,16}):cluster\/([^/]+)(?:\/|$)/;
const ENTITY_ARN_OF = /^(arn:aws[a-z-]*:iam|acs:ram)::(\d{12,16}):(user|group|role)(\/(?:.*\/)?)([^/]+)$/;
/**
 * An S3 bucket's or object's ARN naming a region or an account (`arn:aws:s3:us-east-1:A:data`): the head, and the bucket
 * (and key). S3's bucket ARNs have neither, and the S3 gateway names every request `arn:aws:s3:::<bucket>/<key>`; access
 * points and S3's other regional resources are not buckets (review ly, 4).
 */
const SPELLED_S3_ARN_OF = /^(arn:aws[a-z-]*:s3:)(?:[^:]+:[^:]*|[^:]*:[^:]+):(?!(?:accesspoint|job|storage-lens|storage-lens-group|access-grants|async-request)\/)([^/:*?]+(?:\/.*)?)$/s;

/**
 * A workspace's or cluster's ARN (or one under a cluster), or an IAM user's, group's or role's, written with a region
 * (`acs:pai:cn-hangzhou:A:workspace/W`, as RAM spells PAI's ARNs; `arn:aws:iam:us-east-1:A:user/u`): the head before the
 * region, the region, and the rest. Those ARNs are regionless, and jobs, PassRole and the clusters API decide on them alone.
 */
const REGIONAL_HELD_ARN = /^((?:arn:aws[a-z-]*:iam|acs:ram):)([^:]+)(:\d{12,16}:(?:user|group|role)\/.*)$|^((?:arn:aws[a-z-]*:training|acs:pai):)([^:]+)(:\d{12,16}:(?:workspace|cluster)\/.*)$/s;

/**
 * Why a policy with bindings cannot attach to `resource` (written as account `account`): it names an account, a
 * workspace (`workspace/<name>` or its ARN), or an IAM user, group or role that does not exist, or an IAM entity by
 * another ARN than its own (`role/trainer` for the role of path `/team/`, which no request names). Such a policy grants
 * nothing now — a typo goes unnoticed, as a mistyped member would — and, on a name, grants whatever takes that name
 * later: exactly what deleting a workspace or a principal takes its policies away to prevent (`removeWorkspaceIamPolicies`,
 * `forgetMember`). GCP's setIamPolicy answers NOT_FOUND for a resource that does not exist. A training cluster's ARN, and
 * one under it (its Kubernetes objects), likewise needs the cluster, which deleting takes its policies along
 * (`removeClusterIamPolicies`): a policy set on `…:cluster/gpu` before it existed was taken, and came with the cluster
 * made later under the name (review is, 3). `planned(kind, name)` says whether the apply being planned creates it in
 * `account`. Other ARNs (buckets, objects, models, jobs) may name what Gatehouse does not hold, and are not checked.
 * Undefined when the policy may attach.
 */
async function missingResource(tx: ReadTx, account: string, resource: string, planned: (kind: HeldKind, name: string) => boolean = () => false, partition?: Partition): Promise<string | undefined> {
  // The dialect what the apply creates in `account` is named in: the account's partition as the apply has it (an account
  // the same apply creates is not in the store yet, and the ARN's own dialect said nothing of it; review qi, 1).
  const plannedDialect = async (): Promise<Partition> => partition ?? (await dialectOf(tx, account, resource));
  const shown = resource.length > 80 ? `${resource.slice(0, 80)}…` : resource;
  const s3 = SPELLED_S3_ARN_OF.exec(resource);
  if (s3 !== null) {
    const own = `${s3[1] as string}::${s3[2] as string}`;
    const ownShown = own.length > 80 ? `${own.slice(0, 80)}…` : own;
    return `\`${shown}\` names a region or an account, but an S3 bucket's ARN has neither (\`arn:aws:s3:::<bucket>\`, as every S3 request names the bucket and its objects), so a policy there governs no request: attach it to \`${ownShown}\``;
  }
  const regional = REGIONAL_HELD_ARN.exec(resource);
  if (regional !== null) {
    // Regionless ARNs, whatever region a policy's resource names: a policy on `…:us-east-1:…:workspace/W` governed no
    // request, and slipped past the checks below, which read the regionless spellings only (review ly, 2).
    const [head, region, rest] = regional[1] !== undefined ? [regional[1], regional[2], regional[3]] : [regional[4], regional[5], regional[6]];
    const regionless = `${head as string}${rest as string}`;
    const missing = await missingResource(tx, account, regionless, planned, partition);
    if (missing !== undefined) return missing;
    const r = (region as string).length > 40 ? `${(region as string).slice(0, 40)}…` : (region as string);
    const own = regionless.length > 80 ? `${regionless.slice(0, 80)}…` : regionless;
    return `\`${shown}\` names region \`${r}\`, but users, groups, roles, workspaces and clusters have ARNs without a region (IAM and RAM are global; jobs, PassRole and the clusters API name them so), so a policy there governs no request: attach it to \`${own}\``;
  }
  if (resource.startsWith('account/')) {
    const id = resource.slice('account/'.length);
    return planned('Account', id) || (await tx.accounts.get(id)) !== undefined ? undefined : `account ${id} does not exist: an IAM policy attaches to an account that exists (check the id)`;
  }
  const ws = resource.startsWith('workspace/') ? [account, resource.slice('workspace/'.length)] : WORKSPACE_ARN_OF.exec(resource)?.slice(1);
  if (ws !== undefined) {
    const [of, name] = ws as [string, string];
    const text = await tx.kv.get(workspaceKey(of, name));
    const stored = text === undefined ? undefined : recordName(text);
    if (text !== undefined && stored === undefined && !(of === account && planned('Workspace', name))) return unreadableHeld('workspace', name, of, workspaceKey(of, name));
    if (stored === undefined) {
      if (of === account && planned('Workspace', name)) {
        const own = workspaceArn(await plannedDialect(), of, name);
        return resource.startsWith('workspace/') || resource === own ? undefined : otherDialect(own, 'workspace', name);
      }
      return `workspace \`${name}\` of account ${of} does not exist: create it first (a policy set before would grant nothing now, and grant to whatever workspace later takes the name)`;
    }
    // The store finds a workspace whatever the case of its name, but requests, jobs and its claims name it by its own
    // ARN, which a policy on another spelling never governs (and which deleting the workspace leaves behind): as for an
    // IAM entity below (review fv, 1). `workspace/<name>` is kept and looked up without case, so any case names it.
    // In its account's dialect too: a job is submitted on `arn:aws:training::A:workspace/W` in an `aws` account, so a
    // policy on `acs:pai::A:workspace/W` governed no submission while the authorize API, asked on that spelling,
    // answered Allow (review is, 4).
    if (!resource.startsWith('workspace/')) {
      const own = workspaceArn(await dialectOf(tx, of, resource), of, stored);
      if (own !== resource) return `\`${shown}\` is not the ARN of workspace \`${stored}\`, which is \`${own}\`: a policy governs requests naming its resource's ARN, so attach it to \`${own}\` (or to \`workspace/${stored}\`)`;
    }
    return undefined;
  }
  const c = CLUSTER_ARN_OF.exec(resource);
  if (c !== null) {
    const [, of, name] = c as unknown as [string, string, string];
    const text = await tx.kv.get(clusterKey(of, name));
    const stored = text === undefined ? undefined : recordName(text);
    if (text !== undefined && stored === undefined && !(of === account && planned('Cluster', name))) return unreadableHeld('cluster', name, of, clusterKey(of, name));
    if (stored === undefined) {
      if (of === account && planned('Cluster', name)) {
        const base = clusterArn(await plannedDialect(), of, name);
        return resource === base || resource.startsWith(`${base}/`) ? undefined : otherDialect(base, 'cluster', name);
      }
      return `cluster \`${name}\` of account ${of} does not exist: create it first (a policy set before would grant nothing now, and grant to whatever cluster later takes the name)`;
    }
    // Found whatever the case of its name, but decided and deleted on its own ARN, in its account's dialect: as a
    // workspace's (reviews fv, 1; is, 4).
    const base = clusterArn(await dialectOf(tx, of, resource), of, stored);
    if (resource !== base && !resource.startsWith(`${base}/`)) {
      const rest = resource.slice(resource.indexOf(':cluster/') + ':cluster/'.length + name.length);
      const own = `${base}${rest}`;
      const ownShown = own.length > 80 ? `${own.slice(0, 80)}…` : own;
      return `\`${shown}\` is not the ARN of cluster \`${stored}\`${rest === '' ? '' : ' or of what lies under it'}, which is \`${ownShown}\`: a policy governs requests naming its resource's ARN, so attach it to \`${ownShown}\``;
    }
    return undefined;
  }
  const e = ENTITY_ARN_OF.exec(resource);
  if (e === null) return undefined;
  const [, head, of, kind, , name] = e as unknown as [string, string, string, 'user' | 'group' | 'role', string, string];
  const Kind = kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'Role';
  const found = kind === 'user' ? await tx.users.get(of, name) : kind === 'group' ? await tx.groups.get(of, name) : await tx.roles.get(of, name);
  // What the store holds (found whatever the case, as IAM keeps names unique) stays what it is: a document naming it in
  // another case is that entity, which apply does not rename (nor give a path), so its ARN is still checked below
  // (review fa, 2). Only an entity the store does not hold counts as the apply's.
  if (found === undefined) {
    if (of === account && planned(Kind, name)) {
      // Created by this apply at path `/` in its account's dialect (apply gives no path): a policy on another spelling
      // (`role/team/trainer`, `arn:aws:iam::` in an `acs` account) was stored, governed no request, and stayed `unchanged`
      // at every later apply, where the API refuses it once the entity exists (review qi, 1).
      const own = entityArn(await plannedDialect(), of, kind, '/', name);
      return own === resource ? undefined : `\`${shown}\` is not the ARN of ${kind} \`${name}\` as this apply creates it, which is \`${own}\`: a policy governs requests naming its resource's ARN, so attach it to \`${own}\``;
    }
    return `${kind} \`${name}\` of account ${of} does not exist: create it first (a policy set before would grant nothing now, and grant to whatever ${kind} later takes the name)`;
  }
  const own = entityArn((await tx.accounts.get(of))?.partition ?? (head.startsWith('acs:') ? 'acs' : 'aws'), of, kind, found.path, found.name);
  if (own !== resource) {
    return `\`${shown}\` is not the ARN of ${kind} \`${found.name}\`, which is \`${own}\`: a policy governs requests naming its resource's ARN, so attach it to \`${own}\``;
  }
  return undefined;
}

/**
 * The name a workspace's or cluster's record holds, or undefined when it is not the JSON the server writes (a database
 * restored or edited by hand, a truncated write). Parsed unguarded, such a record answered 500 to setting, reading or
 * applying an IAM policy naming it (review pv, 3), where the rest of the server reads it as none (review pi8).
 */
function recordName(text: string): string | undefined {
  const v = parsedRecord(text);
  return isRecord(v) && typeof v['name'] === 'string' ? v['name'] : undefined;
}

/** The refusal of attaching a policy to a workspace or cluster whose record cannot be read (`recordName`), naming it. */
const unreadableHeld = (noun: 'workspace' | 'cluster', name: string, account: string, key: string): string =>
  `${noun} \`${name}\` of account ${account} cannot be read: its stored record \`${key}\` is not the JSON the server writes, so it is no ${noun} until it is replaced (PUT it, or apply it) or removed; a policy set on it now would grant to whatever ${noun} later takes the name`;

/**
 * The ARN requests name the user, group, role, workspace or cluster that `arn` means, and what that is, when it exists and
 * its own ARN is another (the role's path, the stored case of a workspace's or cluster's name); undefined otherwise. As
 * `missingResource` finds an entity for a policy's resource, for the ARNs conditions compare `resource.name` with; and
 * for `workspace/<name>`, a workspace of `account` (the policy's) by its own name (`noun` then `name`).
 */
async function ownArnOf(tx: ReadTx, arn: string, account: string): Promise<{ readonly own: string; readonly what: string; readonly noun?: 'name' } | undefined> {
  if (arn.startsWith('workspace/')) {
    // `workspace/<name>` of the policy's account, as the policy of a workspace is read and set: by the workspace's own
    // name, whatever case the request gives (`workspaceSpelling`), so another case is no request's (review nt, 3).
    const text = await tx.kv.get(workspaceKey(account, arn.slice('workspace/'.length)));
    const stored = text === undefined ? undefined : recordName(text);
    if (stored === undefined) return undefined;
    const own = `workspace/${stored}`;
    return own === arn ? undefined : { own, what: `workspace \`${stored}\``, noun: 'name' };
  }
  const ws = WORKSPACE_ARN_OF.exec(arn);
  if (ws !== null) {
    const [, of, name] = ws as unknown as [string, string, string];
    const text = await tx.kv.get(workspaceKey(of, name));
    const stored = text === undefined ? undefined : recordName(text);
    if (stored === undefined) return undefined;
    const own = workspaceArn(await dialectOf(tx, of, arn), of, stored);
    return own === arn ? undefined : { own, what: `workspace \`${stored}\`` };
  }
  const c = CLUSTER_ARN_OF.exec(arn);
  if (c !== null) {
    const [, of, name] = c as unknown as [string, string, string];
    const text = await tx.kv.get(clusterKey(of, name));
    const stored = text === undefined ? undefined : recordName(text);
    if (stored === undefined) return undefined;
    const base = clusterArn(await dialectOf(tx, of, arn), of, stored);
    const own = `${base}${arn.slice(arn.indexOf(':cluster/') + ':cluster/'.length + name.length)}`;
    return own === arn ? undefined : { own, what: `cluster \`${stored}\`` };
  }
  const e = ENTITY_ARN_OF.exec(arn);
  if (e === null) return undefined;
  const [, head, of, kind, , name] = e as unknown as [string, string, string, 'user' | 'group' | 'role', string, string];
  const found = kind === 'user' ? await tx.users.get(of, name) : kind === 'group' ? await tx.groups.get(of, name) : await tx.roles.get(of, name);
  if (found === undefined) return undefined;
  const own = entityArn((await tx.accounts.get(of))?.partition ?? (head.startsWith('acs:') ? 'acs' : 'aws'), of, kind, found.path, found.name);
  return own === arn ? undefined : { own, what: `${kind} \`${found.name}\`` };
}

/**
 * The errors of the conditions of `policy` (of `account`) that compare `resource.name` by `==` or `!=` with the ARN of a
 * user, group, role, workspace or cluster that exists, spelt otherwise than its own (without the role's path, the
 * workspace's name in another case), or with `workspace/<name>` of a workspace of `account` in another case: requests
 * name it by its own, so the comparison is the same for every request, and `!= "…role/admin"` for the role of path
 * `/ops/` let admin be passed (review jl, 2), `!= "workspace/Secret"` the policy of `secret` be set (review nt, 3). Each at
 * `<path>bindings[i].condition.expression`, with the literal's line and column. An ARN of what does not exist is taken.
 */
async function conditionArnErrors(tx: ReadTx, policy: IamPolicy, path: string, account: string): Promise<{ code: ErrorCode; path: string; message: string; line: number; column: number }[]> {
  const out: { code: ErrorCode; path: string; message: string; line: number; column: number }[] = [];
  for (const [i, b] of policy.bindings.entries()) {
    if (b.condition === undefined) continue;
    for (const eq of resourceNameEqualities(b.condition.expression)) {
      const mine = await ownArnOf(tx, eq.literal, account);
      if (mine === undefined) continue;
      const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
      const where = b.condition.expression.includes('\n') ? `line ${eq.line}, column ${eq.column}` : `column ${eq.column}`;
      out.push({
        code: 'BINDINGS_INVALID_CONDITION',
        path: `${path}bindings[${i}].condition.expression`,
        line: eq.line,
        column: eq.column,
        message: `\`resource.name\` is \`${shown(eq.literal)}\` for no request: that is not the ${mine.noun ?? 'ARN'} of ${mine.what}, which is \`${shown(mine.own)}\`, and requests name it by its own ${mine.noun ?? 'ARN'}, so this comparison is ${eq.op === '==' ? 'false' : 'true'} for every request: write \`${shown(mine.own)}\` (at ${where})`,
      });
    }
  }
  return out;
}

/** Why a policy may not attach to a workspace or cluster the apply creates, named in the dialect its account does not use. */
function otherDialect(own: string, kind: 'workspace' | 'cluster', name: string): string {
  return `${kind} \`${name}\` is named \`${own}\` in its account's dialect: a policy governs requests naming its resource's ARN, so attach it to \`${own}\``;
}

/** The dialect account `of`'s ARNs are written in: its partition, or, for an account not held, the ARN's own. */
async function dialectOf(tx: ReadTx, of: string, resource: string): Promise<'aws' | 'acs'> {
  return (await tx.accounts.get(of))?.partition ?? (resource.startsWith('acs:') ? 'acs' : 'aws');
}

/** The workspace, user, group, role or cluster an IAM policy's resource names (`workspace/<name>` or an ARN, a cluster's or one under it); undefined for others. */
function attachedTo(resource: string, account: string): { readonly kind: HeldKind | 'Cluster'; readonly account: string; readonly name: string } | undefined {
  if (resource.startsWith('workspace/')) return { kind: 'Workspace', account, name: resource.slice('workspace/'.length) };
  const ws = WORKSPACE_ARN_OF.exec(resource);
  if (ws !== null) return { kind: 'Workspace', account: ws[1] as string, name: ws[2] as string };
  const c = CLUSTER_ARN_OF.exec(resource);
  if (c !== null) return { kind: 'Cluster', account: c[1] as string, name: c[2] as string };
  const e = ENTITY_ARN_OF.exec(resource);
  if (e === null) return undefined;
  return { kind: e[3] === 'user' ? 'User' : e[3] === 'group' ? 'Group' : 'Role', account: e[2] as string, name: e[5] as string };
}

/**
 * `workspace/<name>` spelt as the stored workspace of `account` names itself (`workspace/team-secret` for
 * `workspace/Team-Secret`); any other resource as given. The policy of `workspace/<name>` is kept and looked up without
 * case, so it is that workspace's whatever the spelling, but who may manage it was decided on the workspace ARN of the
 * name as given: IAM matches ARNs with case, so a user allowed `gatehouse:SetIamPolicy` on `workspace/Team-*` set the
 * IAM policy of the workspace `team-secret` (review fv, 7). Decided, stored and answered as the workspace's own name.
 */
async function workspaceSpelling(tx: ReadTx, account: string, resource: string): Promise<string> {
  if (!resource.startsWith('workspace/')) return resource;
  const text = await tx.kv.get(workspaceKey(account, resource.slice('workspace/'.length)));
  const stored = text === undefined ? undefined : recordName(text);
  return stored === undefined ? resource : `workspace/${stored}`;
}

export function iamRoleKey(account: string, name: string): string {
  return `${IAM_ROLE_PREFIX}${account}/${name}`;
}

/** What IAM policies authorize a policy write against: ARNs for the two hierarchy levels, so that `Resource` patterns scope them. */
export function iamPolicyAuthzResource(partition: Partition, account: string, resource: string): string {
  if (resource.startsWith('account/')) return rootArn(partition, resource.slice('account/'.length));
  if (resource.startsWith('workspace/')) return workspaceArn(partition, account, resource.slice('workspace/'.length));
  return resource;
}

const PERMISSION_SHAPE = /^[a-z][a-z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*){2,}$/;

/** The permission a request needs: the action when it already is one (`storage.objects.get`), else its mapping. */
export function permissionOf(action: string): string | undefined {
  return PERMISSION_SHAPE.test(action) ? action : permissionForAction(action);
}

/** `ml.models.setIamPolicy` for a model…: the permission that lets a binding manage the policy of `resource`. */
function iamPolicyPermission(resource: string, verb: 'getIamPolicy' | 'setIamPolicy'): string | undefined {
  const type = resourceAttributes(resource).type;
  if (type === undefined) return undefined;
  const slash = type.indexOf('/');
  const service = type.slice(0, type.indexOf('.'));
  const kind = type.slice(slash + 1);
  const p = `${service}.${kind.charAt(0).toLowerCase()}${kind.slice(1)}s.${verb}`;
  return KNOWN_PERMISSIONS.has(p) ? p : undefined;
}

/**
 * `gatehouse:SetIamPolicy` / `gatehouse:GetIamPolicy` on `resource` (the account's root ARN for `account/<id>`, as
 * `iamPolicyAuthzResource` names it) as the bindings of the policy's resource decide it (`mayManage`): the type's
 * `*.setIamPolicy` / `*.getIamPolicy` on that resource. The authorize union said no binding could grant them, so a user
 * whose custom role holds `resourcemanager.accounts.setIamPolicy` on the account, which lets it bind `roles/owner` to
 * itself there, was answered ImplicitDeny, and escalation paths, which ask so, listed nothing (review ob, 2).
 */
function policyManagement(action: string, resource: string): { readonly permission: string; readonly resource: string } | undefined {
  const a = action.toLowerCase();
  const verb = a === 'gatehouse:setiampolicy' ? 'setIamPolicy' : a === 'gatehouse:getiampolicy' ? 'getIamPolicy' : undefined;
  if (verb === undefined) return undefined;
  const root = /^(?:arn:aws[a-z-]*:iam|acs:ram)::(\d{12}):root$/.exec(resource);
  const target = root !== null ? `account/${root[1] as string}` : resource;
  const permission = iamPolicyPermission(target, verb);
  return permission === undefined ? undefined : { permission, resource: target };
}

const WORKSPACE_ARN_RE = /^(?:arn:aws[a-z-]*:training|acs:pai)::(\d{12}):workspace\/([^/]+)$/;

/**
 * A workspace's resource as a condition reads it, with its other names (`BindingsResource.aliases`; review qs, 3): a request
 * names a workspace as `workspace/<name>` (its IAM policy's management) or by its ARN (jobs, reads, the authorize API), and
 * a condition saw only the name the request gave, so `resource.name != "workspace/secret"` let the policy of
 * `arn:aws:training::A:workspace/secret` be set, and an exclusion written with the ARN let `workspace/secret`'s be. `account`
 * is the account `workspace/<name>` is of (the chain's); any other resource is returned as it is.
 */
function withWorkspaceNames(r: BindingsResource, account: string | undefined): BindingsResource {
  let name: string | undefined;
  let of = account;
  if (r.name.startsWith('workspace/')) name = r.name.slice('workspace/'.length);
  else {
    const m = WORKSPACE_ARN_RE.exec(r.name);
    if (m === null) return r;
    of = m[1] as string;
    name = m[2] as string;
  }
  if (of === undefined || name === '') return r;
  return { ...r, aliases: [`workspace/${name}`, workspaceArn('aws', of, name), workspaceArn('acs', of, name)].filter((n) => n !== r.name) };
}

const JOB_ARN_RE = /^(?:arn:aws[a-z-]*:training|acs:pai)::\d{12}:job\/([^/]+)$/;

/**
 * A job's resource as a condition reads it, with the names it has under what it lies in (`container`: its workspace's
 * ARN, a node's cluster's): `<name>/job/<id>` for each name of the container (a workspace's three, `withWorkspaceNames`).
 * GCP names a resource under its parent (`projects/_/buckets/b/objects/o`), so a condition excluding the parent by
 * `!resource.name.startsWith(…)` excludes what lies in it; a job's ARN (`…:job/<id>`) names no workspace, and an
 * account's binding of `roles/ml.admin` under `!resource.name.startsWith("arn:aws:training::A:workspace/prod")` let its
 * member read and stop every job of prod, decided on the job's ARN (review uh, 2). Any other resource is returned as it is.
 */
function withContainerNames(r: BindingsResource, container: string | undefined): BindingsResource {
  const job = container === undefined ? null : JOB_ARN_RE.exec(r.name);
  if (job === null || container === undefined) return r;
  const c = withWorkspaceNames(resourceAttributes(container), undefined);
  const under = [c.name, ...(c.aliases ?? [])].map((n) => `${n}/job/${job[1] as string}`);
  return { ...r, aliases: [...(r.aliases ?? []), ...under] };
}

/**
 * Why bindings did not grant, as a refusal says it: the engine's reason and its diagnostics (a binding whose condition is
 * false now or failed to evaluate, a role that does not exist), as the authorize API answers them. The reason alone, "no
 * binding grants …", was all an enforcement point said, also where a binding does grant it under a condition that has
 * expired, which the authorize API names (review ox, 2).
 */
function refusalOf(d: BindingsDecision): string {
  const reason = d.reasons[0] ?? '';
  return d.diagnostics.length === 0 ? reason : `${reason} (${d.diagnostics.join('; ')})`;
}

/**
 * The permissions whose request is about the principal's own account whatever resource it names: creating a bucket (it
 * will be the caller's) and listing buckets (the caller's). The S3 gateway asks `s3:CreateBucket` and `s3:ListAllMyBuckets`
 * with the caller's account as the resource's (src/app/s3.ts), and the bindings engine decides them so where a question
 * names no account (review ox, 3).
 */
const OWN_ACCOUNT_PERMISSIONS: ReadonlySet<string> = new Set(['storage.buckets.create', 'storage.buckets.list']);

/** The permission to pass a role (`iam:PassRole`, `ram:PassRole`): see "Passing a role" in the module comment. */
const ACT_AS = 'iam.serviceAccounts.actAs';

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const NO_DIAGNOSTICS: readonly string[] = Object.freeze([]);
/** The engine's answer where no IAM policy governs the resource: nothing to say (most decisions of most deployments). */
const NO_OPINION = Object.freeze({ verdict: 'no-opinion' as const, reasons: NO_DIAGNOSTICS, errors: NO_DIAGNOSTICS });
/** The answer when no policy governs the resource (the common case): one frozen object, nothing allocated. */
const NOTHING_GOVERNS = Object.freeze({ verdict: 'no-opinion' as const, reasons: Object.freeze(['no IAM policy (bindings) governs the resource']), diagnostics: NO_DIAGNOSTICS, matched: Object.freeze([]), chain: Object.freeze([]) });

interface Held {
  readonly stored: StoredIamPolicy;
  readonly compiled: CompiledBindings;
  /**
   * Whether `allUsers`/`allAuthenticatedUsers` of `stored` grant nothing: on an account, where a policy stored before
   * review ra, 1 may still list them (they are compiled out; `load`).
   */
  readonly publicInert: boolean;
  /**
   * Of a policy on a job's ARN, what the job lies in (`JobContainerOf`), read at load: its policy is managed as lying
   * there (`mayManage`; review up, 1). A job's workspace never changes.
   */
  readonly container?: string;
}

/**
 * What job `id` of `account` lies in (its workspace's ARN, a node's cluster's: `jobContainerArn`), or undefined when the
 * account holds no such job. Given by the composition (src/app/index.ts), which reads jobs; bindings do not.
 */
export type JobContainerOf = (tx: ReadTx, account: string, id: string) => Promise<string | undefined>;

/** What a reload builds; swapped in whole, so a decision never sees half of one. */
interface Snapshot {
  /** kv key (`iamPolicyKey`) → the policy. */
  readonly policies: ReadonlyMap<string, Held>;
  /** The same policies by level, looked up without building keys: ARN → policy. */
  readonly byArn: ReadonlyMap<string, Held>;
  /** Account id → the policy of `account/<id>`. */
  readonly byAccount: ReadonlyMap<string, Held>;
  /** `<account>/<workspace, lower case>` → the policy of `workspace/<name>`. */
  readonly byWorkspace: ReadonlyMap<string, Held>;
  /** Accounts with an account- or workspace-level policy: for the others, a chain has only ARN levels. */
  readonly hierarchy: ReadonlySet<string>;
  /** ARN → the workspaces that claim it (a workspace ARN, a default bucket). */
  readonly claims: ReadonlyMap<string, readonly { readonly account: string; readonly name: string }[]>;
  /** `<account>/<user, lower case>` → the groups that bindings name and the user is a member of. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly roles: ReadonlyMap<string, readonly StoredIamRole[]>;
}

const EMPTY: Snapshot = { policies: new Map(), byArn: new Map(), byAccount: new Map(), byWorkspace: new Map(), hierarchy: new Set(), claims: new Map(), groups: new Map(), roles: new Map() };

/**
 * Does a change-log row touch what the snapshot holds? Of users it holds only who is in the groups bindings name, by
 * name: a user's change touches that only when a name goes (a rename logs the old name's delete; a user is deleted only
 * once out of every group, whose removals are logged). Any put of a user (created, tagged, disabled) reloaded the whole
 * snapshot on every instance (review jj, 6).
 */
function relevant(c: ChangeRecord): boolean {
  if (c.kind === 'kv') return c.key.startsWith(IAM_POLICY_PREFIX) || c.key.startsWith(IAM_ROLE_PREFIX) || c.key.startsWith(WORKSPACE_PREFIX);
  if (c.kind === 'user') return c.op === 'delete';
  return c.kind === 'group-member' || c.kind === 'group' || c.kind === 'account';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `text` parsed, or undefined when it is not JSON. */
function parsedRecord(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A custom role record (`iamrole/…`) as the server wrote it, or undefined when it is not one (`load`). */
function readIamRoleRecord(text: string): StoredIamRole | undefined {
  const v = parsedRecord(text);
  if (!isRecord(v) || typeof v['name'] !== 'string' || typeof v['account'] !== 'string' || !Array.isArray(v['permissions']) || !(v['permissions'] as unknown[]).every((p) => typeof p === 'string')) return undefined;
  return v as unknown as StoredIamRole;
}

/** A workspace record (`ws/…`) with what the bindings read of it, or undefined when it is not one (`load`). */
function readWorkspaceRecord(text: string): Workspace | undefined {
  const v = parsedRecord(text);
  if (!isRecord(v) || typeof v['name'] !== 'string' || typeof v['account'] !== 'string' || (v['defaultBucket'] !== undefined && typeof v['defaultBucket'] !== 'string')) return undefined;
  return v as unknown as Workspace;
}

/** What `load` is told of a stored record it cannot read: `what` names it; `effect` says how it fails closed. */
export type UnreadableRecordNote = (what: string, text: string, effect: string) => void;

/** What `load` is told of a stored policy it reads but keeps only in part (`line` says it; `text` is the record). */
export type InertMembersNote = (line: string, text: string) => void;

/**
 * Reads every policy, custom role, workspace claim and the memberships of the groups bindings name. A record that is
 * not what the server wrote (a database restored or edited by hand, a truncated write) was parsed unguarded, and one
 * stopped every start (`cannot load the directory from the database … Unterminated string in JSON`, naming no record)
 * and every later reload (review pi, 1). Now each is told to `note` and fails closed, as bindings can only grant: an IAM
 * policy stands in as one of no binding (`unreadableIamPolicy`: its ARN stays no other account's), a custom role is
 * left out (a binding to it is one to a missing role, which grants nothing), a workspace claims nothing.
 */
async function load(tx: ReadTx, note: UnreadableRecordNote = () => {}, inert: InertMembersNote = () => {}, jobContainer?: JobContainerOf): Promise<Snapshot> {
  const roles = new Map<string, StoredIamRole[]>();
  for (const { key, value } of await tx.kv.list(IAM_ROLE_PREFIX)) {
    const r = readIamRoleRecord(value);
    if (r === undefined) {
      note(`custom role record \`${key}\``, value, 'no binding grants its permissions until it is replaced or removed (fails closed)');
      continue;
    }
    const list = roles.get(r.account) ?? [];
    list.push(r);
    roles.set(r.account, list);
  }
  const policies = new Map<string, Held>();
  const byArn = new Map<string, Held>();
  const byAccount = new Map<string, Held>();
  const byWorkspace = new Map<string, Held>();
  const hierarchy = new Set<string>();
  const named = new Set<string>();
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    let stored = readIamPolicyRecord<StoredIamPolicy>(value);
    if (stored === undefined) {
      stored = unreadableIamPolicy(key);
      note(`IAM policy record \`${key}\``, value, `it grants nothing until it is replaced or removed (fails closed)${stored.account === UNREADABLE_IAM_POLICY_OWNER ? `, and ${stored.resource} is no account's until then` : ''}`);
    }
    // `allUsers`/`allAuthenticatedUsers` on an account, as written before review ra, 1 refused them: the policy's other
    // bindings hold, those members grant nothing (fails closed: one opened the whole account to every tenant), said once.
    // Each binding stays at its index (a decision names it so); GET shows the policy as stored, so it can be fixed.
    const open = publicMembersOnAccount(stored.resource, stored.bindings);
    const bindings = open.length === 0 ? stored.bindings : stored.bindings.map((b) => ({ ...b, members: b.members.filter((m) => !PUBLIC_MEMBERS.has(m)) }));
    if (open.length > 0) {
      inert(`bindings: the stored IAM policy of ${stored.resource} binds ${open.map((o) => `\`${o.member}\` at bindings[${o.binding}].members[${o.index}]`).join(', ')}, which a policy on an account may not (review ra, 1; GCP refuses them in a project's policy): they grant nothing there (fails closed) while the policy's other bindings hold; write the policy again without them, binding them on the one resource that is to be public`, value);
    }
    const policy: IamPolicy = { bindings };
    const compiled = compileBindings([{ resource: stored.resource, policy }], { customRoles: roles.get(stored.account) ?? [], account: stored.account });
    const job = jobContainer === undefined ? null : JOB_ARN_RE.exec(stored.resource);
    const container = job === null || jobContainer === undefined ? undefined : await jobContainer(tx, stored.account, job[1] as string);
    const held: Held = { stored, compiled, publicInert: open.length > 0, ...(container !== undefined ? { container } : {}) };
    policies.set(key, held);
    if (stored.resource.startsWith('account/')) {
      byAccount.set(stored.resource.slice('account/'.length), held);
      hierarchy.add(stored.account);
    } else if (stored.resource.startsWith('workspace/')) {
      byWorkspace.set(`${stored.account}/${stored.resource.slice('workspace/'.length).toLowerCase()}`, held);
      hierarchy.add(stored.account);
    } else {
      // Under the form the chain looks ARNs up by (an OSS ARN's region and account say nothing: review fa, 3). A policy
      // stored before under another spelling of an OSS ARN governs until the bucket's policy is written or removed
      // (`removeOtherSpellings`).
      const arn = canonicalArn(stored.resource);
      if (key === iamPolicyKey('', arn) || !byArn.has(arn)) byArn.set(arn, held);
    }
    for (const b of stored.bindings) for (const m of b.members) if (m.startsWith('group:')) named.add(`${stored.account}/${m.slice('group:'.length)}`);
  }
  const groups = new Map<string, string[]>();
  for (const ref of named) {
    const slash = ref.indexOf('/');
    const account = ref.slice(0, slash);
    const group = ref.slice(slash + 1);
    // Member names match exactly, as `user:` names do (reference: principal names are case-sensitive); the store
    // finds a group whatever the case, so a binding to `group:ML-Engineers` names no group `ml-engineers`.
    if ((await tx.groups.get(account, group))?.name !== group) continue;
    for (const u of await tx.groups.listMembers(account, group)) {
      const k = `${account}/${u.name.toLowerCase()}`;
      const list = groups.get(k) ?? [];
      if (!list.includes(group)) list.push(group);
      groups.set(k, list);
    }
  }
  const claims = new Map<string, { account: string; name: string }[]>();
  const claim = (arn: string, account: string, name: string): void => {
    const list = claims.get(arn) ?? [];
    if (!list.some((c) => c.account === account && c.name === name)) list.push({ account, name });
    claims.set(arn, list);
  };
  for (const { key, value } of await tx.kv.list(WORKSPACE_PREFIX)) {
    const ws = readWorkspaceRecord(value);
    if (ws === undefined) {
      note(`workspace record \`${key}\``, value, 'the policies of workspaces govern nothing it claimed until it is replaced or removed (fails closed)');
      continue;
    }
    claim(workspaceArn('aws', ws.account, ws.name), ws.account, ws.name);
    claim(workspaceArn('acs', ws.account, ws.name), ws.account, ws.name);
    if (ws.defaultBucket !== undefined) claim(canonicalArn(ws.defaultBucket.replace(/\/\*?$/, '')), ws.account, ws.name);
  }
  for (const list of claims.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { policies, byArn, byAccount, byWorkspace, hierarchy, claims, groups, roles };
}

export interface BindingsOptions {
  /** The owner of a resource ARN as the resource policies know it (bucket ownership). */
  readonly ownerOf?: (resource: string) => string | undefined;
  /** Where a stored record that cannot be read is said (`load`), once for each text of it. */
  readonly log?: (line: string) => void;
  /** What a job lies in, for the policy of a job's ARN (`mayManage`); without it, the job's ARN alone. */
  readonly jobContainer?: JobContainerOf;
}

/** A binding granting a permission to principals beyond the account's own users and roles (`grantedBeyond`). */
export interface BeyondGrant {
  /** `allUsers`, `allAuthenticatedUsers`, `serviceAccount:` of another account, or `principal://…`. */
  readonly member: string;
  /** The resource the policy holding the binding is attached to. */
  readonly policy: string;
  /** The binding's index in that policy. */
  readonly index: number;
  readonly role: string;
  /**
   * As who-can's principals allowed say it (review kj, 2): whether the binding grants only under its condition (one
   * that holds at the question's time, or it would not be listed), and that condition's CEL expression; else none.
   */
  readonly conditional: boolean;
  readonly conditions: readonly string[];
}

/** The answer of the bindings engine to one question. */
export interface BindingsAnswer extends BindingsDecision {
  /** The policies of the chain that were consulted, root first. */
  readonly chain: readonly string[];
}

export function createBindings(deps: AppDeps, options: BindingsOptions = {}) {
  let snap: Snapshot = EMPTY;
  let head = -1;
  /** The next reload reads everything (`forget`); taken by the reload that begins after it, not one already running. */
  let forgotten = false;
  let generation = 0;
  // Each unreadable record is said once (the snapshot is loaded again at every relevant change), again if its text changes.
  const said = new Set<string>();
  const note: UnreadableRecordNote = (what, text, effect) => {
    const seen = `${what}\u0000${text}`;
    if (options.log === undefined || said.has(seen)) return;
    if (said.size >= 10_000) said.clear();
    said.add(seen);
    options.log(`bindings: CANNOT READ the stored ${what} (not the JSON record the server writes): ${effect}`);
  };
  const inert: InertMembersNote = (line, text) => {
    const seen = `${line}\u0000${text}`;
    if (options.log === undefined || said.has(seen)) return;
    if (said.size >= 10_000) said.clear();
    said.add(seen);
    options.log(line);
  };

  async function reload(): Promise<void> {
    const whole = forgotten;
    forgotten = false;
    await deps.store.read(async (tx) => {
      const now = await tx.changes.head();
      if (now === head && !whole) return;
      // Most writes (job events, keys, scoped sessions, other kinds) do not concern bindings: no reload for them.
      if (head >= 0 && now > head && !whole && (await readChanges(tx, head, now, (c) => (relevant(c) ? 'stop' : undefined))) === 'done') {
        head = now;
        return;
      }
      snap = await load(tx, note, inert, options.jobContainer);
      head = now;
      generation++;
    });
  }

  /** Picks up changes (cheap when the change head has not moved); concurrent calls share one queued reload. */
  const refresh = serialReload(reload);

  // ----------------------------------------------------------------------------------------------------
  // Deciding

  /**
   * The account that owns `resource`, and the chain of policies that govern it (root first). The hot path of
   * every decision: map lookups only, and none for the hierarchy of an account that has no policy there.
   */
  function chainOf(resource: string, resourceAccount: string | undefined, fallbackAccount: string): { account: string | undefined; held: Held[] } {
    const s = snap;
    const held: Held[] = [];
    const accountLevel = (account: string): void => {
      const h = s.byAccount.get(account);
      if (h !== undefined) held.push(h);
    };
    if (resource.startsWith('account/')) {
      const account = resource.slice('account/'.length);
      accountLevel(account);
      return { account, held };
    }
    if (resource.startsWith('workspace/')) {
      const account = resourceAccount ?? fallbackAccount;
      accountLevel(account);
      const h = s.byWorkspace.get(`${account}/${resource.slice('workspace/'.length).toLowerCase()}`);
      if (h !== undefined) held.push(h);
      return { account, held };
    }
    const known = resourceAccount ?? accountOf(resource);
    if (s.byArn.size === 0 && (known === undefined ? s.hierarchy.size === 0 : !s.hierarchy.has(known))) return { account: known, held };
    // Looked up as policies are kept: any spelling of an OSS object is its bucket's (review fa, 3).
    const arns = chainArns(canonicalArn(resource));
    // ARN levels, nearest first for now (reversed below).
    const own: Held[] = [];
    if (s.byArn.size > 0) {
      for (const arn of arns) {
        const h = s.byArn.get(arn);
        if (h !== undefined) own.push(h);
      }
    }
    // An OSS ARN's account says nothing of whose the bucket is (`acs:oss:*:<B>:b/x` is the object `acs:oss:*:*:b/x`): the
    // account of the IAM policy held on it or above it is its owner, as writes take it (another account's write is
    // refused there). Taken from the ARN, `account/<B>`'s bindings governed account A's bucket (review gk, 2).
    let account = (own.length > 0 && isOss(resource) ? own[0]?.stored.account : undefined) ?? known ?? own[0]?.stored.account;
    if (account === undefined && s.hierarchy.size > 0) account = options.ownerOf?.(resource);
    if ((account === undefined && s.hierarchy.size > 0) || (account !== undefined && s.hierarchy.has(account))) {
      const claimants: { account: string; name: string }[] = [];
      for (const arn of arns) for (const c of s.claims.get(arn) ?? []) claimants.push(c);
      if (account === undefined && claimants.length > 0) {
        // An ARN nobody owns (a bucket without a policy naming its owner) claimed by workspaces of several
        // accounts: the principal's own account if it is one of them, as IAM places unowned resources there.
        const owners = new Set(claimants.map((c) => c.account));
        account = owners.has(fallbackAccount) ? fallbackAccount : owners.size === 1 ? claimants[0]?.account : undefined;
      }
      if (account !== undefined) {
        accountLevel(account);
        const seen = new Set<string>();
        for (const c of claimants.filter((x) => x.account === account).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
          const key = `${account}/${c.name.toLowerCase()}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const h = s.byWorkspace.get(key);
          if (h !== undefined) held.push(h);
        }
      }
    }
    for (let i = own.length - 1; i >= 0; i--) {
      const h = own[i] as Held;
      if (account === undefined || h.stored.account === account) held.push(h);
    }
    return { account, held };
  }

  /**
   * The account whose IAM policy sits on `resource` or nearest above it, for an ARN that names no account (a bucket of
   * an outside store): the owner `chainOf` takes, and the one the IAM engine must take too, or a request on it by another
   * account's principal was decided as one in that principal's own account (review hs, 1). Undefined when no IAM policy
   * governs it.
   */
  function ownerByPolicy(resource: string): string | undefined {
    const s = snap;
    if (s.byArn.size === 0 || !(resource.startsWith('arn:') || resource.startsWith('acs:'))) return undefined;
    for (const arn of chainArns(canonicalArn(resource))) {
      const h = s.byArn.get(arn);
      if (h !== undefined) return h.stored.account;
    }
    return undefined;
  }

  /** The principal as the bindings of `account`'s policies see it (see the module comment, "Members"). */
  function membersOf(p: Principal, account: string | undefined): BindingsPrincipal {
    if (p.kind === 'anonymous') return { authenticated: false, groups: [] };
    if (p.kind === 'role-session') {
      const sa = serviceAccountOfArn(p.roleArn ?? p.arn);
      // A web identity's session is also its federated subject: `principal://…` members name it.
      const fed = p.session?.federated;
      const uri = fed !== undefined ? federatedPrincipalUri(fed.provider, fed.sub) : undefined;
      return { authenticated: true, ...(sa !== undefined ? { serviceAccount: sa } : {}), ...(uri !== undefined ? { principalUri: uri } : {}), groups: [] };
    }
    if (p.kind === 'user') {
      const name = p.arn.slice(p.arn.lastIndexOf('/') + 1);
      if (account !== undefined && p.account === account) return { authenticated: true, user: name, groups: snap.groups.get(`${account}/${name.toLowerCase()}`) ?? [] };
      // An ARN is never a valid `user:` name: such a user matches no `user:`/`group:` member, but is authenticated.
      return { authenticated: true, user: p.arn, groups: [] };
    }
    if (p.kind === 'root') return { authenticated: true, user: p.arn, groups: [] };
    return { authenticated: true, groups: [] };
  }

  /** Decides `permission` on `resource` for `principal` with the bindings of the resource's chain. */
  function decideBindings(principal: Principal, permission: string, resource: string, resourceAccount: string | undefined, time: number, unconditional = false, container?: string): BindingsAnswer {
    const { account, held } = chainOf(resource, resourceAccount, principal.account);
    if (held.length === 0) return NOTHING_GOVERNS;
    const chain = held.map((h) => h.stored.resource);
    const owner = permission === ACT_AS ? (accountOf(resource) ?? account) : undefined;
    if (permission === ACT_AS && (owner === undefined || owner !== principal.account)) {
      // Job submission and node start pass only roles of the caller's own account (src/app/jobs.ts: "a role of
      // another account cannot be passed"; reference §A.1.3), whatever a binding says: answer as they do.
      const whose = owner === undefined ? 'no known account' : `account ${owner}`;
      const reason = `\`${ACT_AS}\` on \`${resource}\` (of ${whose}) is not granted to a principal of ${principal.account === '' ? 'no account' : `account ${principal.account}`} by any binding: a role of another account cannot be passed`;
      return { verdict: 'no-opinion', reasons: [reason], diagnostics: NO_DIAGNOSTICS, matched: [], chain };
    }
    const d = decide(
      held.map((h) => h.compiled),
      // A condition reads the resource in the one form its policies are kept and looked up in (`canonicalArn`): any
      // spelling of an OSS object is that object, and `!resource.name.startsWith("acs:oss:*:*:b/secret/")` let
      // `acs:oss:cn-hangzhou:*:b/secret/x` in (review gk, 1).
      { principal: membersOf(principal, account), permission, resource: withContainerNames(withWorkspaceNames(resourceAttributes(canonicalArn(resource)), account), container), time },
      unconditional ? { explain: true, unconditional: true } : { explain: true },
    );
    return { ...d, chain };
  }

  /** The engine of the authorize union: `allow` or `no-opinion` (allow policies cannot deny). */
  const engine: AuthorizeEngine = {
    name: 'bindings',
    // A binding names users, service accounts (roles) and everyone, never one session: what it grants a session is
    // still cut by the session policy, and by the permissions boundary, as a resource policy naming the role.
    limitedByPrincipalPolicies: true,
    decide(r: ResolvedRequest) {
      // Managing an IAM policy is decided by bindings as `PUT /v1/iam-policies` decides it (`mayManage`, review ob, 2).
      const managed = policyManagement(r.action, r.resource);
      const permission = managed?.permission ?? permissionOf(r.action);
      const resource = managed?.resource ?? r.resource;
      if (permission === undefined) {
        // Said only where bindings govern the resource: elsewhere they have nothing to do with the answer.
        if (chainOf(resource, r.request.resourceAccount, r.principal.account).held.length === 0) return NO_OPINION;
        const why = decidedByIamAlone(r.action)
          ? `Gatehouse decides \`${r.action}\` by IAM policies alone (no binding lets a principal do it), so no binding can grant it`
          : `action \`${r.action}\` has no bindings permission, so no binding can grant it`;
        return { verdict: 'no-opinion', reasons: [why], errors: [] };
      }
      if (isKubernetesObjectRequest(permission, resource)) {
        // RBAC decides a cluster's Kubernetes objects, as the SubjectAccessReview webhook does: a binding of
        // `roles/container.developer` grants no pod there (docs/semantics.md; review ej, 3).
        if (chainOf(resource, r.request.resourceAccount, r.principal.account).held.length === 0) return NO_OPINION;
        return { verdict: 'no-opinion', reasons: [`\`${permission}\` on a cluster's Kubernetes objects is decided by the cluster's RBAC, never by bindings (ask \`kubernetes:<verb>\`, as the SubjectAccessReview webhook decides it)`], errors: [] };
      }
      // Creating a bucket and listing one's buckets are decided on the principal's own account, where the question names
      // none: the S3 gateway asks them so (the bucket will be the caller's, the list holds the caller's), as GCP checks
      // `storage.buckets.create` and `.list` on the project; asked on `arn:aws:s3:::*` or a bucket not made yet, which lie
      // in no account, no account-level binding took part, and the authorize API refused what the gateway did (review ox, 3).
      const own = r.request.resourceAccount ?? (OWN_ACCOUNT_PERMISSIONS.has(permission) && r.principal.account !== '' ? r.principal.account : undefined);
      const d = decideBindings(r.principal, permission, resource, own, r.request.time ?? deps.now(), r.unconditional === true, r.request.container);
      if (d === NOTHING_GOVERNS) return NO_OPINION;
      const matched: MatchedRule[] = d.matched.map((m) => (m.condition !== undefined ? { engine: 'bindings', policy: m.resource, type: 'binding', statement: m.index, effect: 'Allow', conditions: [m.condition] } : { engine: 'bindings', policy: m.resource, type: 'binding', statement: m.index, effect: 'Allow' }));
      const reasons = d.verdict === 'allow' ? d.reasons.map((x) => `${x} (permission ${permission})`) : d.reasons;
      return { verdict: d.verdict, reasons, errors: [], diagnostics: d.diagnostics, matched };
    },
  };

  /**
   * Whether bindings grant `caller` the permission of IAM-style `action` on `resource` (`training:CreateJob` →
   * `ml.jobs.create`), and why: for enforcement points that decide by IAM policies and must answer as the authorize
   * union does (review B7). Not cut by the boundary or session policy here: the caller applies that cut
   * (`principalLimitsCut`), and honours an IAM explicit deny first, as for `actAs`.
   */
  function permits(caller: Caller, action: string, resource: string, resourceAccount?: string, container?: string): { allowed: boolean; reason: string } {
    const permission = permissionOf(action);
    if (permission === undefined) return { allowed: false, reason: `action \`${action}\` has no bindings permission` };
    return grants(caller, permission, resource, resourceAccount ?? accountOf(resource), container);
  }

  /** Whether bindings let `caller` act as the role `roleArn` (`iam.serviceAccounts.actAs`), and why. */
  function actAs(caller: Pick<Caller, 'principal'>, roleArn: string): { allowed: boolean; reason: string } {
    return grants(caller, 'iam.serviceAccounts.actAs', roleArn, accountOf(roleArn));
  }

  /** Whether bindings grant `caller` `permission` on `resource` (owned by `account`), and why. */
  function grants(caller: Pick<Caller, 'principal'>, permission: string, resource: string, account: string | undefined, container?: string): { allowed: boolean; reason: string } {
    const d = decideBindings(caller.principal, permission, resource, account, deps.now(), false, container);
    return { allowed: d.verdict === 'allow', reason: d.verdict === 'allow' ? (d.reasons[0] ?? '') : refusalOf(d) };
  }

  /**
   * The bindings of `resource`'s chain that grant `action`'s permission now to principals that who-can does not
   * enumerate (src/app/who-can.ts asks about every user and role of the asker's account): `allUsers` (anyone,
   * unauthenticated too), `allAuthenticatedUsers` (every authenticated principal of every account),
   * `serviceAccount:` roles of other accounts, and `principal://` federated subjects (a session asked about by its
   * role's ARN does not carry its subject). Without them an auditor read a list of the account's principals as the
   * whole answer for a model bound to `allUsers` (review ai, 8). Only where the asker's account owns the resource
   * (or the asker is of the root account): another account's bindings are its own to read (review I3). Each such
   * principal's own explicit denies, boundary and session policies may still refuse it.
   */
  function grantedBeyond(asker: string, action: string, asked: string, time: number, container?: string): BeyondGrant[] {
    return beyondGrants(asker, action, asked, time, true, container);
  }

  /**
   * The bindings `grantedBeyond` would list but for their condition, false at `time` (review vm, 3): who-can lists the
   * account's principals such a binding keeps out (`conditionallyExcluded`, review vg, 4), and left the principals beyond
   * the account it names (another account's service account, a federated subject; a stored `allUsers` under a
   * condition) out of both lists, as if no binding named them. A condition that cannot be evaluated grants nothing and
   * is not listed (it would not hold at another time either). Each is `conditional`, with its expression.
   */
  function beyondNotMet(asker: string, action: string, asked: string, time: number, container?: string): BeyondGrant[] {
    return beyondGrants(asker, action, asked, time, false, container);
  }

  /**
   * What the resource the engine decides `action` on lies in, where it is a job (`container`, as `decideBindings` reads
   * it; review uh, 2): its conditions read a job with its names under its workspace. Read as `conditionsNotMet` reads it;
   * while the database cannot be reached, none. What `grantedBeyond` and `beyondNotMet` are given by who-can (review
   * vm, 4: decided on the job's ARN alone, a binding "not prod" was listed as granting a job of prod beyond the account).
   */
  async function jobContainerFor(action: string, asked: string): Promise<string | undefined> {
    const on = policyManagement(action, asked)?.resource ?? asked;
    const jobAccount = JOB_ARN_RE.test(on) ? accountOf(on) : undefined;
    if (jobAccount === undefined) return undefined;
    return deps.store.read((tx) => jobContainerIn(tx, jobAccount, on)).catch((e: unknown) => (isStoreUnavailable(e) ? undefined : Promise.reject(e)));
  }

  function beyondGrants(asker: string, action: string, asked: string, time: number, holding: boolean, container: string | undefined): BeyondGrant[] {
    // Managing an IAM policy as the engine decides it (`policyManagement`, review ob, 4).
    const managed = policyManagement(action, asked);
    const permission = managed?.permission ?? permissionOf(action);
    const resource = managed?.resource ?? asked;
    // A cluster's Kubernetes objects are decided by its RBAC, never by bindings (as the engine answers, above): a binding
    // on the cluster lets no one beyond the account in there (review ke, 1).
    if (permission === undefined || isKubernetesObjectRequest(permission, resource)) return [];
    const { account, held } = chainOf(resource, undefined, asker);
    if (held.length === 0 || (account !== asker && asker !== ROOT_ACCOUNT)) return [];
    const env = { time, resource: withContainerNames(withWorkspaceNames(resourceAttributes(canonicalArn(resource)), account), container) };
    const out: BeyondGrant[] = [];
    for (const h of held) {
      h.stored.bindings.forEach((b, index) => {
        const c = h.compiled.bindings[index];
        if (c === undefined || c.permissions?.has(permission) !== true || c.conditionProblem !== undefined) return;
        if (holding ? c.condition !== undefined && c.condition.evaluate(env) !== true : c.condition === undefined || c.condition.evaluate(env) !== false) return;
        for (const member of new Set(b.members)) {
          if (h.publicInert && PUBLIC_MEMBERS.has(member)) continue;
          const sa = member.startsWith('serviceAccount:') ? SERVICE_ACCOUNT_RE.exec(member.slice('serviceAccount:'.length)) : null;
          // Passing a role is for principals of its own account (see "Passing a role"): only a federated subject of it, one
          // of a provider of that account (another's subjects are sessions of that account's roles; review ke, 5).
          const beyond = permission === ACT_AS
            ? member.startsWith('principal://') && federatedPrincipalProviders(member)?.account === (accountOf(resource) ?? account)
            : member === 'allUsers' || member === 'allAuthenticatedUsers' || member.startsWith('principal://') || (sa !== null && sa[2] !== account);
          if (beyond) out.push({ member, policy: h.stored.resource, index, role: b.role, conditional: b.condition !== undefined, conditions: b.condition !== undefined ? [b.condition.expression] : [] });
        }
      });
    }
    return out;
  }

  /**
   * For the question of `action` on `resource` at `time`, asked by account `asker`: the conditional bindings that would
   * grant a principal (an ARN, as who-can asks about it: a user, a role as a session of it, a session) the permission
   * had their conditions held, as the engine reads them, each its rule with its expression (review vg, 4). Who-can lists
   * such a principal, when not allowed, among those a condition keeps out, as it lists those of an IAM Allow's
   * condition. None when bindings grant it, do not decide it, or are another account's than the asker's to read (review
   * I3). What is the question's alone (the permission, where a job lies) is read once.
   */
  async function conditionsNotMet(asker: string, action: string, resource: string, time: number): Promise<(principalArn: string) => MatchedRule[]> {
    // As the engine decides it (`engine.decide`): the permission, where bindings decide it, on the owner the authorizer gives.
    const managed = policyManagement(action, resource);
    const permission = managed?.permission ?? permissionOf(action);
    const on = managed?.resource ?? resource;
    if (permission === undefined || isKubernetesObjectRequest(permission, on)) return () => [];
    // Where a job lies, read as `getPolicy` reads it; while the database cannot be reached (who-can answers from memory
    // then), without it.
    const container = await jobContainerFor(action, resource);
    const owner = options.ownerOf?.(on);
    return (principalArn) => {
      const p = principalFromArn(principalArn);
      if (!p.ok) return [];
      const own = owner ?? (OWN_ACCOUNT_PERMISSIONS.has(permission) && p.value.account !== '' ? p.value.account : undefined);
      const { account, held } = chainOf(on, own, p.value.account);
      if (held.length === 0 || (account !== asker && asker !== ROOT_ACCOUNT)) return [];
      const d = decideBindings(p.value, permission, on, own, time, false, container);
      if (d.verdict === 'allow' || d.notMet === undefined) return [];
      return d.notMet.map((m) => ({ engine: 'bindings', policy: m.resource, type: 'binding', statement: m.index, effect: 'Allow', conditions: m.condition !== undefined ? [m.condition] : [] }));
    };
  }

  /**
   * The bindings of `account`'s IAM policies whose role is one of its custom roles: the role, where, and to whom
   * (escalation-paths: rewriting such a role grants what is added to every member of them; review ke, 3).
   */
  async function customRoleBindings(account: string): Promise<{ role: string; resource: string; members: readonly string[] }[]> {
    await refresh();
    const prefix = `accounts/${account}/roles/`;
    const out: { role: string; resource: string; members: readonly string[] }[] = [];
    for (const h of snap.policies.values()) {
      if (h.stored.account !== account) continue;
      for (const b of h.stored.bindings) if (b.role.startsWith(prefix)) out.push({ role: b.role, resource: h.stored.resource, members: h.publicInert ? b.members.filter((m) => !PUBLIC_MEMBERS.has(m)) : b.members });
    }
    return out;
  }

  /** The ARNs `account` holds an IAM policy on, as written (escalation-paths asks who may set each; review ke, 4). */
  async function iamPolicyResources(account: string): Promise<string[]> {
    await refresh();
    const out = new Set<string>();
    for (const h of snap.policies.values()) {
      const r = h.stored.resource;
      if (h.stored.account === account && !r.startsWith('account/') && !r.startsWith('workspace/')) out.add(r);
    }
    return [...out].sort();
  }

  // ----------------------------------------------------------------------------------------------------
  // Reading and writing policies

  /** The account that owns a policy on `resource` written by `caller` (see `iamPolicyKey`). */
  function ownerFor(caller: Caller, resource: string): string {
    if (resource.startsWith('account/')) return resource.slice('account/'.length);
    if (resource.startsWith('workspace/')) return caller.account;
    const named = accountOf(resource) ?? options.ownerOf?.(resource);
    if (named !== undefined) return named;
    // The policy on the ARN itself first (it stays its writer's to read and remove), then the nearest one above it
    // (`claimedByAnother` keeps another account from setting one under it).
    for (const arn of chainArns(canonicalArn(resource))) {
      const held = snap.byArn.get(arn);
      if (held !== undefined) return held.stored.account;
    }
    return caller.account;
  }

  /**
   * May `caller` get or set the policy of `resource` (owned by `account`)? By IAM (`gatehouse:GetIamPolicy` /
   * `gatehouse:SetIamPolicy`; principals of the root account in any account), or by a binding, unless IAM denies.
   * `container`: what the job whose ARN `resource` is lies in (`jobContainerIn`), under which bindings' conditions read
   * its ARN, as where its actions are decided (review uh, 2): asked on the bare ARN, an account's `roles/ml.admin` under
   * `!resource.name.startsWith(<prod's ARN>)` let its member bind itself on a job of prod, and stop it (review up, 1).
   */
  function mayManage(caller: Caller, verb: 'getIamPolicy' | 'setIamPolicy', resource: string, account: string, container?: string): Result<unknown> {
    const action = verb === 'getIamPolicy' ? 'gatehouse:GetIamPolicy' : 'gatehouse:SetIamPolicy';
    const target = iamPolicyAuthzResource(caller.partition, account, resource);
    const now = deps.now();
    const question = { principal: caller.principal, action, resource: target, ...(account !== caller.account ? { resourceAccount: caller.account } : {}), context: contextOf(requestContext(caller)), time: now };
    // As the IAM API decides: a Deny naming the workspace, cluster or account in the other dialect applies too (review jh, 1).
    const iam = decideAdmin(question, caller.policies);
    // As apply's `authorizeAcross`: in another account only principals of the root account act by IAM.
    const byIam = account === caller.account || caller.account === ROOT_ACCOUNT ? iam : undefined;
    if (byIam?.decision === 'Allow') return ok(byIam);
    const permission = iamPolicyPermission(resource, verb);
    // An explicit deny in the caller's own policies wins in any account; a binding's grant names the principal, not
    // its session, so it is still cut by the permissions boundary and session policies (as the authorize union and
    // PassRole through a binding cut it: `principalLimitsCut`).
    let cut: 'boundary' | 'session' | undefined;
    let bindingsAsked: BindingsAnswer | undefined;
    if (iam.decision !== 'ExplicitDeny' && permission !== undefined) {
      const d = decideBindings(caller.principal, permission, resource, account, now, false, container);
      bindingsAsked = d;
      if (d.verdict === 'allow') {
        cut = principalLimitsCut(question, caller.policies);
        if (cut === undefined) return ok(d);
      }
    }
    if (cut !== undefined) {
      const which = limitsCutWords(cut, question, caller.policies, action);
      return accessDenied(`${caller.principal.arn} is not allowed to perform ${action} on ${target}: a binding grants ${permission ?? ''} on ${resource}, but ${which} (a binding names the principal, not its session)`, action, target, 'ImplicitDeny');
    }
    if (byIam === undefined && iam.decision === 'ExplicitDeny') {
      return accessDenied(accessDeniedMessage(caller.principal.arn, action, target, iam), action, target, 'ExplicitDeny');
    }
    // Refusals that remember what they refused: the edge records a refused read with its action and resource.
    // What the bindings found that did not apply (a condition false now, a role that does not exist), as the authorize
    // API's diagnostics say it (review ox, 2); only to a caller of the policy's account (or the root account), as the
    // authorize API shows another account's bindings to no one else (review I3).
    const why = bindingsAsked !== undefined && bindingsAsked.diagnostics.length > 0 ? ` (${bindingsAsked.diagnostics.join('; ')})` : '';
    if (byIam !== undefined) {
      return accessDenied(`${accessDeniedMessage(caller.principal.arn, action, target, byIam)}${byIam.decision === 'ExplicitDeny' || permission === undefined ? '' : `; no binding grants ${permission} on ${resource} either${why}`}`, action, target, byIam.decision === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny');
    }
    return accessDenied(`${caller.principal.arn} is not allowed to perform ${action} on ${target}: it belongs to ${whose(account, caller.account)}, and no binding grants ${permission ?? 'a permission to manage its policy'}`, action, target, 'ImplicitDeny');
  }

  function view(resource: string, account: string, current: CurrentPolicy): IamPolicyView {
    const bindings = current.stored?.bindings ?? [];
    // The version the bindings need, as GCP answers it: 3 with a conditional binding, else 1 (review dl, 2), not the
    // version the policy was written with (0, 1 or 3 say nothing more of it).
    const conditional = bindings.some((b) => b.condition !== undefined);
    return { resource, account, version: conditional ? 3 : 1, bindings, etag: current.etag };
  }

  function parsedResource(raw: unknown): Result<string> {
    const r = parseResourceName(raw, { path: 'resource' });
    return r.ok ? ok(r.value.name) : r;
  }

  /** What the job whose ARN `resource` is lies in, when `account` holds it (`BindingsOptions.jobContainer`); else undefined. */
  async function jobContainerIn(tx: ReadTx, account: string, resource: string): Promise<string | undefined> {
    const job = options.jobContainer === undefined ? null : JOB_ARN_RE.exec(resource);
    return job === null || options.jobContainer === undefined ? undefined : options.jobContainer(tx, account, job[1] as string);
  }

  /** `GET /v1/iam-policies?resource=…`: the policy (empty when none) with its etag, read from the store; NoSuchEntity for a resource not there. */
  async function getPolicy(caller: Caller, rawResource: unknown): Promise<Result<IamPolicyView>> {
    const asked = parsedResource(rawResource);
    if (!asked.ok) return asked;
    const account = ownerFor(caller, asked.value);
    const [resource, container] = await deps.store.read(async (tx) => [await workspaceSpelling(tx, account, asked.value), await jobContainerIn(tx, account, asked.value)] as const);
    const may = mayManage(caller, 'getIamPolicy', resource, account, container);
    if (!may.ok) return may;
    const key = iamPolicyKey(account, resource);
    // A resource that does not exist, and holds no policy, is NoSuchEntity, as `setPolicy` answers it (review jg, 2):
    // an empty policy read as "no bindings here" of a workspace, account or entity that is not there (a typo), which
    // setting then refused. One that still holds a policy (one written before `set` asked that its resource exist) is
    // shown, so that it can be emptied.
    const read = await deps.store.read(async (tx) => {
      const current = await readPolicy(tx, key);
      return { current, missing: current.stored === undefined ? await missingResource(tx, account, resource) : undefined };
    });
    const { current } = read;
    if (current.stored !== undefined && current.stored.account !== account) return failWith('ACCESS_DENIED', `the IAM policy of ${resource} belongs to ${whose(current.stored.account, caller.account)}`);
    if (read.missing !== undefined) return failWith('NO_SUCH_ENTITY', read.missing, 'resource');
    return ok(view(resource, account, current));
  }

  /**
   * The policies of the caller's account, from memory: those it may read (`getIamPolicy`, as `getPolicy` asks), so
   * that listing shows no policy that reading it one by one would refuse.
   */
  function listPolicies(caller: Caller): IamPolicyView[] {
    return [...snap.policies].filter(([, h]) => h.stored.account === caller.account && mayManage(caller, 'getIamPolicy', h.stored.resource, h.stored.account, h.container).ok).map(([key, h]) => view(h.stored.resource, h.stored.account, currentOf(key, h.stored, 0)));
  }

  /**
   * `GET /v1/iam-policies` without `resource`: a page of `listPolicies`, at most `limit` (default 100, 1–1,000) after
   * the policy of resource `after`, with `next` (the last one's resource, for `after`) while more follow (it answered
   * every policy of the account at once). The order is the policies' store keys (`iamPolicyKey`): the account's own
   * policy, then ARNs, then workspaces (names without case), each by name. A write or removal between pages moves
   * no other policy, so following `next` lists each policy that stays once; `after` need not name a policy that
   * still exists. The cursor is a resource name, not a sealed token: it tells nothing the page did not show.
   */
  function listPolicyPage(caller: Caller, q: IamPoliciesQuery = {}): Result<IamPoliciesPage> {
    const limit = q.limit ?? IAM_POLICIES_PAGE_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > IAM_POLICIES_PAGE_MAX) {
      return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to ${IAM_POLICIES_PAGE_MAX}, got \`${shortName(String(q.limit))}\``, 'limit');
    }
    let from: string | undefined;
    if (q.after !== undefined) {
      const r = parseResourceName(q.after, { path: 'after' });
      if (!r.ok) {
        return failWith('VALIDATION_ERROR', `\`after\` must be the resource of a listed policy, as the \`next\` of the previous page is: ${r.errors[0]?.message ?? 'it is no resource name'}; send that \`next\`, or no \`after\` to start from the first policy`, 'after');
      }
      from = iamPolicyKey(caller.account, r.value.name);
    }
    // The key each policy is found by, from its account and resource, as the cursor is mapped: a policy's place in
    // the order is where `after` naming it points.
    const own: { at: string; key: string; held: StoredIamPolicy; container: string | undefined }[] = [];
    for (const [key, h] of snap.policies) {
      if (h.stored.account !== caller.account) continue;
      const at = iamPolicyKey(h.stored.account, h.stored.resource);
      if (from === undefined || at > from) own.push({ at, key, held: h.stored, container: h.container });
    }
    own.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const page: IamPolicyView[] = [];
    let more = false;
    for (const p of own) {
      if (!mayManage(caller, 'getIamPolicy', p.held.resource, p.held.account, p.container).ok) continue;
      // One more readable policy than asked: whether more follow, without a `next` that leads to an empty page.
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(view(p.held.resource, p.held.account, currentOf(p.key, p.held, 0)));
    }
    const last = page.at(-1);
    return ok(more && last !== undefined ? { iamPolicies: page, next: last.resource } : { iamPolicies: page });
  }

  async function customRolesOf(tx: ReadTx, account: string): Promise<CustomRole[]> {
    return (await tx.kv.list(`${IAM_ROLE_PREFIX}${account}/`)).flatMap((e) => readIamRoleRecord(e.value) ?? []);
  }

  /**
   * `PUT /v1/iam-policies`: replaces the policy of `resource` (an empty `bindings` removes it). With an `etag`,
   * only if it is the current one (checked inside the write transaction).
   */
  async function setPolicy(caller: Caller, body: Readonly<Record<string, unknown>>): Promise<Result<IamPolicyView>> {
    for (const k of Object.keys(body)) {
      if (!['resource', 'account', 'bindings', 'etag', 'version'].includes(k)) return failWith('BINDINGS_UNKNOWN_FIELD', `unknown field \`${shownKey(k)}\` (allowed: resource, account, bindings, etag, version)`, keyPath(k));
    }
    // `account` is what GET answers alongside the policy: a client sending back what it read (edited) may keep it
    // (review ai, 5). It says whose the policy is, so it must be that account; it chooses nothing.
    const { account: named, ...rest } = body;
    if (Object.hasOwn(body, 'account') && typeof named !== 'string') return failWith('BINDINGS_INVALID_TYPE', `\`account\` must be a string (the 12-digit id GET answers), got ${named === null ? 'null' : typeof named}; or leave it out`, 'account');
    const parsed = parseAttachedPolicy(rest);
    if (!parsed.ok) return parsed;
    const { policy } = parsed.value;
    const account = ownerFor(caller, parsed.value.resource);
    const [resource, container] = await deps.store.read(async (tx) => [await workspaceSpelling(tx, account, parsed.value.resource), await jobContainerIn(tx, account, parsed.value.resource)] as const);
    const may = mayManage(caller, 'setIamPolicy', resource, account, container);
    if (!may.ok) return recorded(caller, account, resource, may, undefined);
    if (named !== undefined && named !== account) {
      const shown = String(named).length > 40 ? `${String(named).slice(0, 40)}…` : String(named);
      return failWith('VALIDATION_ERROR', `the IAM policy of ${resource} belongs to account ${account}, not \`${shown}\`: leave out \`account\`, or give ${account}`, 'account');
    }
    // Under the fail-closed audit policy, nothing changes while the audit log cannot record it.
    const closed = deps.audit?.gate('the IAM policy is not changed');
    if (closed) return closed;
    const key = iamPolicyKey(account, resource);
    // What the attempt that may have committed found, for the record of a change whose COMMIT answer was lost.
    let found: StoredIamPolicy | undefined;
    // Recorded as it commits, before the reloads that follow (reads of the database, which may hang): a process killed in
    // between left the grants in force and no record of them, not even in the journal (review iw, 6).
    let recordedEarly = false;
    const committed = (done: Result<{ view: IamPolicyView; before: StoredIamPolicy | undefined }>): void => {
      if (!done.ok || recordedEarly) return;
      recordedEarly = true;
      recorded(caller, account, resource, ok(done.value.view), done.value.before);
    };
    const write = deps.store.write<Result<{ view: IamPolicyView; before: StoredIamPolicy | undefined }>>(async (tx, abort) => {
      const now = await readPolicy(tx, key);
      const current = now.stored;
      found = current;
      if (current !== undefined && current.account !== account) return abort(failWith('ACCESS_DENIED', `the IAM policy of ${resource} belongs to ${whose(current.account, caller.account)}`, 'resource'));
      const claimed = policy.bindings.length > 0 ? await claimedByAnother(tx, resource, account) : undefined;
      if (claimed !== undefined) return abort(failWith('ACCESS_DENIED', claimed, 'resource'));
      const etag = checkEtag(now.etag, policy.etag);
      if (!etag.ok) return abort(etag);
      const version = checkVersion(current?.bindings ?? [], policy);
      if (!version.ok) return abort(version);
      const missing = policy.bindings.length > 0 ? await missingResource(tx, account, resource) : undefined;
      if (missing !== undefined) return abort(failWith('NO_SUCH_ENTITY', missing, 'resource'));
      const roles = checkRoles(policy, { account, customRoles: await customRolesOf(tx, account), path: '', resource });
      if (!roles.ok) return abort(roles);
      const members = await checkMembers(tx, account, policy, '');
      if (!members.ok) return abort(members);
      const partition = (await tx.accounts.get(account))?.partition;
      const dialect = conditionDialectErrors(policy, partition, '', governedScope(resource, account));
      if (dialect.length > 0) return abort({ ok: false, errors: dialect });
      const named = await conditionArnErrors(tx, policy, '', account);
      if (named.length > 0) return abort({ ok: false, errors: named });
      const written = await putPolicy(tx, { resource, account, policy, ...(current?.name !== undefined ? { name: current.name } : {}) });
      return ok({ view: view(resource, account, written), before: current });
    }, { committed });
    let r: Awaited<typeof write>;
    try {
      r = await write;
    } catch (e) {
      // The connection was lost as it committed: the grants may be in force, and a change made must be in the log, as
      // the directory's are (review aa11). It went past `recorded` unrecorded (review fw, 4).
      if (deps.audit && isStoreOutcomeUnknown(e)) {
        deps.audit.record({
          kind: 'change',
          account,
          ...actorOf(caller),
          action: 'gatehouse:SetIamPolicy',
          resource,
          decision: 'OUTCOME_UNKNOWN',
          detail: { request: { bindings: policy.bindings }, error: e.message, ...(found !== undefined ? { before: { bindings: found.bindings } } : {}) },
        });
      }
      throw e;
    }
    if (r.ok) await refresh();
    if (recordedEarly) return r.ok ? ok(r.value.view) : r;
    return recorded(caller, account, resource, r.ok ? ok(r.value.view) : r, r.ok ? r.value.before : undefined);
  }

  function recorded<T>(caller: Caller, account: string, resource: string, r: Result<T>, before: StoredIamPolicy | undefined): Result<T> {
    const error = r.ok ? undefined : r.errors[0];
    if (deps.audit && (r.ok || error?.code === 'ACCESS_DENIED' || error?.code === 'ETAG_MISMATCH')) {
      deps.audit.record({
        kind: 'change',
        account,
        ...actorOf(caller),
        action: 'gatehouse:SetIamPolicy',
        resource,
        decision: error ? error.code : 'ok',
        detail: { ...(r.ok ? { after: r.value } : { error: error?.message }), ...(before !== undefined ? { before: { bindings: before.bindings } } : {}) },
      });
    }
    return r;
  }

  return {
    refresh,
    /**
     * Makes the next refresh read everything again: the directory found the change log rewritten under it (a database
     * restored from a backup, and changed since past the old head), so the changes past `head` are not all that
     * changed (review qp, 2).
     */
    forget: (): void => {
      forgotten = true;
    },
    /** Moves whenever the held policies were reloaded. */
    get version(): number {
      return generation;
    },
    engine,
    decide: decideBindings,
    ownerByPolicy,
    actAs,
    permits,
    getPolicy,
    setPolicy,
    listPolicies,
    listPolicyPage,
    grantedBeyond,
    beyondNotMet,
    jobContainerFor,
    conditionsNotMet,
    customRoleBindings,
    iamPolicyResources,
    /** The stored policy of a resource as held in memory (for tests and the console). */
    held: (account: string, resource: string): StoredIamPolicy | undefined => snap.policies.get(iamPolicyKey(account, resource))?.stored,
  };
}

export type Bindings = ReturnType<typeof createBindings>;

/**
 * Writes (or, for no bindings, removes) a policy inside `tx`, one revision on from the one stored (or removed):
 * every write gives a new etag. Answers the policy as written (`stored` undefined when removed).
 */
async function putPolicy(tx: WriteTx, input: { resource: string; account: string; policy: IamPolicy; name?: string; updated?: string }): Promise<CurrentPolicy> {
  const key = iamPolicyKey(input.account, input.resource);
  const revision = (await readPolicy(tx, key)).revision + 1;
  await removeOtherSpellings(tx, key);
  if (input.policy.bindings.length === 0) {
    await removePolicy(tx, key, revision);
    return currentOf(key, undefined, revision);
  }
  const stored: StoredIamPolicy = {
    resource: input.resource,
    account: input.account,
    bindings: input.policy.bindings,
    ...(input.policy.version !== undefined ? { version: input.policy.version } : {}),
    revision,
    ...(input.name !== undefined ? { name: input.name } : {}),
    updated: input.updated ?? isoSeconds(Date.now()),
  };
  await tx.kv.put(key, JSON.stringify(stored));
  await tx.kv.delete(goneKey(key));
  return currentOf(key, stored, 0);
}

/**
 * Removes the policies kept, before review fa, 3, under another spelling of the OSS ARN whose key is `key`
 * (`acs:oss:cn-hangzhou:*:b` where `acs:oss:*:*:b` is the key now): they went on governing the bucket beside the one
 * written, out of reach of the API (every spelling reads and writes the canonical key), and came back when that one was
 * removed. A write or removal of the bucket's policy, by any spelling, is the whole policy of it from then on.
 */
async function removeOtherSpellings(tx: WriteTx, key: string): Promise<void> {
  const prefix = `${IAM_POLICY_PREFIX}arn/acs:oss:`;
  if (!key.startsWith(prefix)) return;
  for (const e of await tx.kv.list(prefix)) {
    if (e.key === key) continue;
    const stored = storedIamPolicyAt<StoredIamPolicy>(e.key, e.value);
    if (iamPolicyKey(stored.account, stored.resource) === key) await tx.kv.delete(e.key);
  }
}

/** Removes the policy at `key`, keeping `revision` (that of the removal) for the next write of it. */
async function removePolicy(tx: WriteTx, key: string, revision: number): Promise<void> {
  await tx.kv.delete(key);
  await tx.kv.put(goneKey(key), String(revision));
}

/**
 * Removes, inside `tx`, the IAM policies of the ARN `resource` and of every resource under it (`resource/…`) that
 * account `keep` does not own (every one without `keep`), each leaving its revision: when a bucket is created
 * (another account's claim on the name grants nothing and would lock the owner out of its own bucket's policy)
 * and when it is deleted (a bucket of that name created later starts without them). The number removed.
 */
export async function removeIamPoliciesUnder(tx: WriteTx, resource: string, keep?: string): Promise<number> {
  const key = iamPolicyKey('', resource);
  let removed = 0;
  for (const e of await tx.kv.list(key)) {
    if (e.key !== key && !e.key.startsWith(`${key}/`)) continue;
    if (keep !== undefined && storedIamPolicyAt<StoredIamPolicy>(e.key, e.value).account === keep) continue;
    await removePolicy(tx, e.key, (await readPolicy(tx, e.key)).revision + 1);
    removed++;
  }
  return removed;
}

/**
 * Removes, inside `tx`, the IAM policies of workspace `name` of `account` — `workspace/<name>` and its ARN in either
 * dialect, in any case — each leaving its revision: for the transaction that deletes the workspace, so that a workspace
 * created later under the name starts without them (as a bucket's go at DeleteBucket, and a project's allow policy with
 * the project in GCP). The store finds a workspace whatever the case of its name, so `name` may be spelt otherwise than
 * the workspace (`DELETE /v1/workspaces/ML` deletes `ml`), and a policy may sit on an ARN of another case (written before
 * review fv, 1, or left by a `PUT` that changed the name's case): each ARN spelling of the name goes (review fv, 2). The
 * resources of the policies removed.
 */
export async function removeWorkspaceIamPolicies(tx: WriteTx, account: string, name: string): Promise<string[]> {
  return removeAll(tx, await workspacePolicies(tx, account, name));
}

/** The kv keys and policies `removeWorkspaceIamPolicies` removes, read in `tx`. */
async function workspacePolicies(tx: ReadTx, account: string, name: string): Promise<{ key: string; stored: StoredIamPolicy }[]> {
  const keys = new Set([iamPolicyKey(account, `workspace/${name}`)]);
  for (const partition of ['aws', 'acs'] as const) {
    const base = iamPolicyKey(account, workspaceArn(partition, account, ''));
    for (const e of await tx.kv.list(base)) {
      const rest = e.key.slice(base.length);
      if (rest.toLowerCase() === name.toLowerCase()) keys.add(e.key);
    }
  }
  const out: { key: string; stored: StoredIamPolicy }[] = [];
  for (const key of keys) {
    const text = await tx.kv.get(key);
    if (text === undefined) continue;
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, text);
    if (stored.account === account) out.push({ key, stored });
  }
  return out;
}

/** Removes each policy of `policies` in `tx`, leaving its revision; their resources. */
async function removeAll(tx: WriteTx, policies: readonly { key: string; stored: StoredIamPolicy }[]): Promise<string[]> {
  for (const { key } of policies) await removePolicy(tx, key, (await readPolicy(tx, key)).revision + 1);
  return policies.map((p) => p.stored.resource);
}

/**
 * Removes, inside `tx`, the IAM policies of cluster `name` of `account` — on its ARN in either dialect, in any case, and
 * on every ARN under it — each leaving its revision: for the transaction that deletes the cluster (apply --prune), which
 * takes everything applied to it along (its RBAC objects, access entries and webhook token: review ak, 2), so that a
 * cluster created again under the name starts without the old one's bindings, as a workspace's (review B6) and a
 * bucket's go (review fv, 3). The resources of the policies removed.
 */
export async function removeClusterIamPolicies(tx: WriteTx, account: string, name: string): Promise<string[]> {
  return removeAll(tx, await clusterPolicies(tx, account, name));
}

/** The kv keys and policies `removeClusterIamPolicies` removes, read in `tx`. */
async function clusterPolicies(tx: ReadTx, account: string, name: string): Promise<{ key: string; stored: StoredIamPolicy }[]> {
  const out: { key: string; stored: StoredIamPolicy }[] = [];
  for (const partition of ['aws', 'acs'] as const) {
    const base = iamPolicyKey(account, clusterArn(partition, account, ''));
    for (const e of await tx.kv.list(base)) {
      const rest = e.key.slice(base.length);
      const slash = rest.indexOf('/');
      if ((slash < 0 ? rest : rest.slice(0, slash)).toLowerCase() === name.toLowerCase()) out.push({ key: e.key, stored: storedIamPolicyAt<StoredIamPolicy>(e.key, e.value) });
    }
  }
  return out;
}

/**
 * The IAM policies that go with workspace or cluster `name` of `account` when `apply --prune` deletes it, as its plan
 * lists them (`- delete IamPolicy/<document name, else resource>`): the deletion removed them unsaid (review fv, 5), as
 * a pruned principal's were before review eo, 1.
 */
export async function iamPoliciesGoingWith(tx: ReadTx, kind: 'Workspace' | 'Cluster', account: string, name: string): Promise<{ readonly kind: 'IamPolicy'; readonly account: string; readonly name: string; readonly field: string; readonly delete: true }[]> {
  const policies = kind === 'Workspace' ? await workspacePolicies(tx, account, name) : await clusterPolicies(tx, account, name);
  return policies.map(({ stored }) => ({ kind: 'IamPolicy', account: stored.account, name: stored.name ?? stored.resource, field: 'bindings', delete: true }));
}

/**
 * Rewrites, inside `tx` (for `forgetPrincipal` and `forgetGroup`), every member that names `gone` as GCP does for a
 * deleted principal (policy-semantics.md §A.4, Members): `user:NAME` and `group:NAME` in the policies of its account,
 * `serviceAccount:ROLE@ACCOUNT.iam.gatehouse.dev` in every account's, become `deleted:<member>?uid=<id>`, which match
 * nothing, so that a user, group or role created later under that name does not inherit the grant. Each policy
 * changed moves to its next revision (a new etag), through the store's kv writes, so the change log tells every
 * instance; `updated` is the time of the deletion. Answers the resources of the policies changed.
 */
export async function forgetMember(tx: WriteTx, gone: GonePrincipal | (GoneGroup & { readonly type: 'group' }), updated: string): Promise<string[]> {
  const member = goneMember(gone);
  // `user:` and `group:` name one of the policy's own account; a service account names its account in the email.
  const changed = await rewriteMember(tx, member, `deleted:${member}?uid=${gone.id}`, gone.type === 'role' ? undefined : gone.account, updated);
  // The policy attached to the entity itself goes with it, as a bucket's goes at DeleteBucket and as GCP deletes a
  // service account's allow policy with it: else a role created again under the name would keep who may act as it
  // (`roles/iam.serviceAccountUser` on the old role's ARN lets its members pass the new one), and a user or group
  // who may manage it.
  for (const { key, value } of await tx.kv.list(`${IAM_POLICY_PREFIX}arn/`)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    if (!isArnOf(stored.resource, gone)) continue;
    await removePolicy(tx, key, (await readPolicy(tx, key)).revision + 1);
    if (!changed.includes(stored.resource)) changed.push(stored.resource);
  }
  return changed;
}

/** The binding member that names `gone`, as `forgetMember` matches it. */
function goneMember(gone: { readonly type: 'user' | 'role' | 'group'; readonly account: string; readonly name: string }): string {
  return gone.type === 'role' ? `serviceAccount:${gone.name}@${gone.account}.${SERVICE_ACCOUNT_DOMAIN}` : `${gone.type}:${gone.name}`;
}

/**
 * The IAM policies `forgetMember` would rewrite (`removed` false) or remove (the policy of the entity's own ARN), read
 * without writing: what a plan that deletes `gone` (`apply --prune`) has to list besides it.
 */
export async function policiesForgetting(
  tx: ReadTx,
  gone: { readonly type: 'user' | 'role' | 'group'; readonly account: string; readonly name: string; readonly id?: string },
): Promise<{ readonly resource: string; readonly account: string; readonly name?: string; readonly removed: boolean; readonly diff?: readonly DocumentChange[] }[]> {
  const member = goneMember(gone);
  const out: { resource: string; account: string; name?: string; removed: boolean; diff?: DocumentChange[] }[] = [];
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    const removed = key.startsWith(`${IAM_POLICY_PREFIX}arn/`) && isArnOf(stored.resource, gone);
    const rewritten = (gone.type === 'role' || stored.account === gone.account) && stored.bindings.some((b) => b.members.includes(member));
    // The member each binding loses and the `deleted:` one it gains, as `rewriteMember` writes them (review no, 1).
    const to = `deleted:${member}?uid=${gone.id ?? ''}`;
    const after = stored.bindings.map((b) => (b.members.includes(member) ? { ...b, members: [...new Set(b.members.map((m) => (m === member ? to : m)))] } : b));
    const diff = rewritten && !removed && gone.id !== undefined ? { diff: bindingChanges(stored.bindings, after) } : {};
    if (removed || rewritten) out.push({ resource: stored.resource, account: stored.account, ...(stored.name !== undefined ? { name: stored.name } : {}), removed, ...diff });
  }
  return out;
}

const GROUP_ARN = /^(?:arn:aws[a-z-]*:iam|acs:ram)::(\d{12}):group\/(?:.*\/)?([\w+=,.@-]{1,128})$/;

/**
 * Whether `resource` is an ARN of the user, role or group `gone` (any path, either dialect; names compared without
 * case, as IAM keeps them unique), so that its policy is removed with it.
 */
function isArnOf(resource: string, gone: { readonly type: 'user' | 'role' | 'group'; readonly account: string; readonly name: string }): boolean {
  if (gone.type === 'group') {
    const g = GROUP_ARN.exec(resource);
    return g !== null && g[1] === gone.account && (g[2] as string).toLowerCase() === gone.name.toLowerCase();
  }
  const e = namedEntity(resource);
  return e !== undefined && e.kind === gone.type && e.account === gone.account && e.name.toLowerCase() === gone.name.toLowerCase();
}

/**
 * Moves, inside `tx`, the IAM policies on the ARN of user or group `entity` (any path, either dialect, as `isArnOf`
 * finds the one its deletion removes) to the ARN `arnAfter` gives, for the transaction of its rename (src/app/forget-
 * principal.ts `followRename`): the grants stay with the renamed entity, as its members' do (review K2), and a user or
 * group created later under the old name starts without them, as after a deletion. Left on the old ARN, the policy
 * went to whoever next took the name (review po, 4). A policy already on the new ARN keeps its bindings, the moved ones
 * after them. Each policy written or removed moves to its next revision; `updated` is the time of the rename. Answers
 * the resources of the policies changed (the old ARN and the new).
 */
export async function moveEntityIamPolicies(
  tx: WriteTx,
  entity: { readonly type: 'user' | 'group'; readonly account: string; readonly name: string },
  arnAfter: (resource: string) => string,
  updated: string,
): Promise<string[]> {
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(`${IAM_POLICY_PREFIX}arn/`)) {
    // One that cannot be read is no one's (it grants nothing, review pi1): left where it is (review pv, 4).
    const stored = readIamPolicyRecord<StoredIamPolicy>(value);
    if (stored === undefined || !isArnOf(stored.resource, entity)) continue;
    const to = arnAfter(stored.resource);
    if (to === stored.resource) continue;
    const there = await tx.kv.get(iamPolicyKey(stored.account, to));
    const before = there === undefined ? [] : (readIamPolicyRecord<StoredIamPolicy>(there)?.bindings ?? []);
    await removePolicy(tx, key, (await readPolicy(tx, key)).revision + 1);
    await putPolicy(tx, {
      resource: to,
      account: stored.account,
      policy: { bindings: [...before, ...stored.bindings], ...(stored.version !== undefined ? { version: stored.version } : {}) },
      ...(stored.name !== undefined ? { name: stored.name } : {}),
      updated,
    });
    changed.push(stored.resource, to);
  }
  return changed;
}

/**
 * Rewrites, inside `tx`, every binding member `from` (exactly, as the engine matches members) to `to`, in the
 * policies of `account` (every account's when undefined): for a deleted principal (`forgetMember`) and for a user
 * or group renamed (src/app/forget-principal.ts), whose grants follow it. A member `to` already in the binding is
 * not listed twice. Each policy changed moves to its next revision (a new etag) through the store's kv writes;
 * `updated` is the time of the change. Answers the resources of the policies changed.
 */
export async function rewriteMember(tx: WriteTx, from: string, to: string, account: string | undefined, updated: string): Promise<string[]> {
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    if (account !== undefined && stored.account !== account) continue;
    if (!stored.bindings.some((b) => b.members.includes(from))) continue;
    const bindings = stored.bindings.map((b) => (b.members.includes(from) ? { ...b, members: [...new Set(b.members.map((m) => (m === from ? to : m)))] } : b));
    await putPolicy(tx, {
      resource: stored.resource,
      account: stored.account,
      policy: { bindings, ...(stored.version !== undefined ? { version: stored.version } : {}) },
      ...(stored.name !== undefined ? { name: stored.name } : {}),
      updated,
    });
    changed.push(stored.resource);
  }
  return changed;
}

/**
 * Removes, inside `tx`, every `principal://` member naming a subject of the OIDC provider `hostPath` of `account`, from
 * every account's policies, for the transaction that deletes the provider (after its record is deleted). GCP keeps a
 * deleted pool's principals in allow policies but grants them nothing ("credentials issued for a deleted pool do not
 * grant access to resources") and restores them at undelete; Gatehouse has no undelete, a session from the provider
 * lives on after it is deleted (as AWS's), and a provider registered again under the URL is a new trust: so the
 * members go, as a deleted custom role's bindings go, the provider's sessions lose what the bindings gave them at once,
 * and a policy read back can be written again (a member naming no provider is refused). A binding left without members
 * goes; a policy left without bindings is removed. A member names the provider before its first `/subject/` (review vg,
 * 2). Each policy changed moves to its next revision; `updated` is the time of the deletion.
 * Answers the resources of the policies changed.
 */
export async function forgetProvider(tx: WriteTx, account: string, hostPath: string, updated: string): Promise<string[]> {
  const prefix = federatedPrincipalPrefix(account, hostPath);
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    const gone = new Set<string>();
    for (const b of stored.bindings) for (const m of b.members) if (m.startsWith(prefix) && !gone.has(m) && (await missingProvider(tx, m)) !== undefined) gone.add(m);
    if (gone.size === 0) continue;
    const bindings = stored.bindings.map((b) => ({ ...b, members: b.members.filter((m) => !gone.has(m)) })).filter((b) => b.members.length > 0);
    await putPolicy(tx, {
      resource: stored.resource,
      account: stored.account,
      policy: { bindings, ...(stored.version !== undefined ? { version: stored.version } : {}) },
      ...(stored.name !== undefined ? { name: stored.name } : {}),
      updated,
    });
    changed.push(stored.resource);
  }
  return changed;
}

/**
 * Removes, inside `tx`, every binding of custom role `role` (`accounts/<account>/roles/<name>`) from the policies of
 * `account`, for the transaction that deletes the role: GCP removes the bindings of a deleted custom role before its
 * id can be used again (iam.roles.delete: "if an IAM policy contains a binding to the custom role, the binding is
 * permanently removed"; the id is held meanwhile), so a role created later under the id never inherits them. Gatehouse
 * has no undelete, so they go at once (review ai, 3). Each policy changed moves to its next revision; one left without
 * bindings is removed. Answers the resources of the policies changed.
 */
export async function forgetCustomRole(tx: WriteTx, account: string, role: string, updated: string): Promise<string[]> {
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    if (stored.account !== account || !stored.bindings.some((b) => b.role === role)) continue;
    await putPolicy(tx, {
      resource: stored.resource,
      account: stored.account,
      policy: { bindings: stored.bindings.filter((b) => b.role !== role), ...(stored.version !== undefined ? { version: stored.version } : {}) },
      ...(stored.name !== undefined ? { name: stored.name } : {}),
      updated,
    });
    changed.push(stored.resource);
  }
  return changed;
}

/**
 * The IAM policies `forgetCustomRole` would change, read in `tx`: each as `apply` lists it (its document's name, else
 * its resource), `removed` when no binding would be left, so that a pruned custom role's plan names them (review gf, 1).
 */
async function customRoleForgetting(tx: ReadTx, account: string, role: string): Promise<{ readonly kind: 'IamPolicy'; readonly account: string; readonly name: string; readonly field: 'bindings'; readonly delete?: true; readonly diff?: readonly DocumentChange[] }[]> {
  const out: { kind: 'IamPolicy'; account: string; name: string; field: 'bindings'; delete?: true; diff?: readonly DocumentChange[] }[] = [];
  for (const { key, value } of await tx.kv.list(IAM_POLICY_PREFIX)) {
    const stored = storedIamPolicyAt<StoredIamPolicy>(key, value);
    if (stored.account !== account || !stored.bindings.some((b) => b.role === role)) continue;
    const removed = stored.bindings.every((b) => b.role === role);
    // Each member of the role's bindings, lost, under the policy's update (review no, 1).
    out.push({ kind: 'IamPolicy', account: stored.account, name: stored.name ?? stored.resource, field: 'bindings', ...(removed ? { delete: true as const } : { diff: bindingChanges(stored.bindings, stored.bindings.filter((b) => b.role !== role)) }) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// `gatehouse apply`: kinds IamPolicy and IamRole (registered in apply.ts's KINDS; only types come from there)

type Env = Parameters<KindHandler<unknown>['plan']>[0];
type PlanResult = Awaited<ReturnType<KindHandler<unknown>['plan']>>;
type DeleteResult = Awaited<ReturnType<NonNullable<KindHandler<unknown>['planDelete']>>>;
type Step = Extract<DeleteResult, { ok: true }>['value'][number];
type Check = Parameters<KindHandler<unknown>['validate']>[1];
type PlanErrorCode = Extract<PlanResult, { ok: false }>['errors'][number]['code'];

/** apply.ts `PHASE.link` and `PHASE.deletePolicy`. */
const PHASE_LINK = 6;
const PHASE_DELETE = 9;

const planOk = (value: Extract<PlanResult, { ok: true }>['value']): PlanResult => ({ ok: true, value });
const planFail = (code: PlanErrorCode, path: string, message: string): PlanResult => ({ ok: false, errors: [{ code, path, message }] });

/** `name@<account>.iam.gatehouse.dev`: a service account, the role `name` of that account. */
const SERVICE_ACCOUNT_RE = new RegExp(`^([\\w+=,.@-]{1,64})@(\\d{12})\\.${SERVICE_ACCOUNT_DOMAIN.replace(/\./g, '\\.')}$`);

/**
 * Refuses a binding to a member of the policy's account that does not exist (`user:ghost`), as GCP refuses an
 * unknown principal: a user or group created later under that name would otherwise inherit the grant. Names match
 * exactly, as the engine matches them. `planned` says whether this apply creates it (in the policy's account).
 * Service accounts of other accounts are checked too, and so is the OIDC provider a `principal://` member names (of
 * whichever account it names, as a service account: GCP refuses a principal of a workload identity pool that does not
 * exist); no apply kind creates a provider, so it must be registered already. `allUsers`/`allAuthenticatedUsers` are
 * not checked.
 */
async function checkMembers(tx: ReadTx, account: string, policy: IamPolicy, path: string, planned: (kind: 'User' | 'Group' | 'Role', name: string) => boolean = () => false): Promise<Result<void>> {
  const errors: { code: ErrorCode; path: string; message: string }[] = [];
  for (const [i, b] of policy.bindings.entries()) {
    for (const [j, m] of b.members.entries()) {
      const colon = m.indexOf(':');
      const prefix = m.slice(0, colon);
      let name = m.slice(colon + 1);
      let where = account;
      let kind: 'User' | 'Group' | 'Role';
      let found: { name: string } | undefined;
      if (prefix === 'user') {
        kind = 'User';
        found = await tx.users.get(account, name);
      } else if (prefix === 'group') {
        kind = 'Group';
        found = await tx.groups.get(account, name);
      } else if (prefix === 'serviceAccount' && SERVICE_ACCOUNT_RE.test(name)) {
        // A role of this account, or of another (which AWS and GCP check as well, refusing an unknown principal).
        const [, role, of] = SERVICE_ACCOUNT_RE.exec(name) as unknown as [string, string, string];
        kind = 'Role';
        name = role;
        where = of;
        found = await tx.roles.get(of, role);
      } else if (prefix === 'principal') {
        const problem = await missingProvider(tx, m);
        if (problem !== undefined) errors.push({ code: 'VALIDATION_ERROR', path: `${path}bindings[${i}].members[${j}]`, message: problem });
        continue;
      } else continue;
      // A document naming a stored principal in another case is that principal, not renamed by apply (review fa, 2).
      if (found?.name === name || (found === undefined && where === account && planned(kind, name))) continue;
      const what = kind === 'Role' ? 'role (service account)' : kind.toLowerCase();
      errors.push({ code: 'VALIDATION_ERROR', path: `${path}bindings[${i}].members[${j}]`, message: `member \`${m}\`: account ${where} has no ${what} named \`${name}\`${found !== undefined ? ` (names match exactly: it has \`${found.name}\`)` : ''}` });
    }
  }
  return errors.length === 0 ? ok(undefined) : { ok: false, errors };
}

/**
 * Why `principal://` member `m` names no registered OIDC provider, or undefined when it names one. The provider is
 * found by its name as its ARN ends (`HOST/PATH`, the host in lower case as registered), exactly, as a session carries
 * it (`federatedPrincipalUri`); a provider whose name differs only in case is offered.
 */
async function missingProvider(tx: ReadTx, m: string): Promise<string | undefined> {
  const named = federatedPrincipalProviders(m);
  if (named === undefined) return undefined;
  if ((await tx.kv.get(providerKey(named.account, named.hostPath))) !== undefined) return undefined;
  const shown = m.length > 160 ? `${m.slice(0, 160)}…` : m;
  const cut = (x: string): string => (x.length > 80 ? `${x.slice(0, 80)}…` : x);
  const provider = named.hostPath;
  // Meant for a provider whose name holds `/subject/` (review vg, 2): the member reads as another provider's subject.
  for (const longer of named.longer) {
    if ((await tx.kv.get(providerKey(named.account, longer))) === undefined) continue;
    return `member \`${shown}\`: account ${named.account}'s OIDC provider \`${cut(longer)}\` holds \`/subject/\` in its name, where a \`principal://\` member's subject begins (this one reads as provider \`${cut(provider)}\`'s subject \`${cut(m.slice(federatedPrincipalPrefix(named.account, provider).length))}\`), so no member names its subjects: bind the role its sessions assume (\`serviceAccount:ROLE@${named.account}.iam.gatehouse.dev\`) instead`;
  }
  const prefix = `${PROVIDER_PREFIX}${named.account}/`;
  const near = (await tx.kv.list(prefix)).map((e) => e.key.slice(prefix.length)).find((h) => h.toLowerCase() === provider.toLowerCase());
  return `member \`${shown}\`: account ${named.account} has no OIDC provider \`${cut(provider)}\`${near !== undefined ? ` (names match exactly: it has \`${near}\`)` : ''}: register it first (CreateOpenIDConnectProvider), or correct the account id or the provider (its ARN without \`arn:aws:iam::ACCOUNT:oidc-provider/\`)`;
}

/** The objects of this apply, with their specs (apply hands its validated objects to `env.documents`). */
function documentsOf<S>(env: Env, kind: string): { account: string; name: string; spec: S }[] {
  return (env.documents as readonly { kind: string; account: string; name: string; spec?: unknown }[]).filter((d) => d.kind === kind && d.spec !== undefined) as { account: string; name: string; spec: S }[];
}

/** With the line and column an error carries in the text at its path (a condition's expression), for the CLI (review rj, 2). */
function reportErrors(errors: readonly { code: ErrorCode; message: string; path: string; line?: number; column?: number }[], c: Check): void {
  for (const e of errors) c.error(e.code, e.path, e.message, e.line !== undefined ? { line: e.line, ...(e.column !== undefined ? { column: e.column } : {}) } : undefined);
}

/** The allowed fields of a spec (apply reports the others itself). */
export function only(spec: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const f of fields) if (Object.hasOwn(spec, f)) out[f] = spec[f];
  return out;
}

/** `accounts/<id>/roles/<name>`: the account and the id of a custom role. */
const CUSTOM_ROLE_OF = /^accounts\/(\d{12})\/roles\/([A-Za-z0-9_.]{3,64})$/;

/** Custom role ids, as GCP's: 3 to 64 letters, digits, `_` and `.`. */
const ROLE_ID = /^[A-Za-z0-9_.]{3,64}$/;

interface IamRoleSpec {
  readonly permissions: readonly string[];
  readonly title?: string;
  readonly description?: string;
}

const roleCanon = (r: IamRoleSpec): string => JSON.stringify({ permissions: [...new Set(r.permissions)].sort(), title: r.title ?? '', description: r.description ?? '' });

/** How many custom roles account `account` holds, for apply's quota (`MAX_CUSTOM_ROLES_PER_ACCOUNT`; review jl, 6). */
export async function customRoleCount(tx: ReadTx, account: string): Promise<number> {
  return (await tx.kv.list(`${IAM_ROLE_PREFIX}${account}/`)).length;
}

export const iamRoleKind: KindHandler<IamRoleSpec> = {
  kind: 'IamRole',
  scope: 'account',
  entity: 'policy',
  // A custom role's id compares exactly, as it is stored (`iamRoleKey`) and bound (`accounts/<id>/roles/<name>`):
  // `Reader` and `reader` are two roles, so `--prune` keeps only the one a document names with that very spelling.
  caseSensitiveNames: true,
  specFields: ['permissions', 'title', 'description'],
  validate(spec, c) {
    // The name is checked when planning (validation sees the spec only); a placeholder stands in for it here.
    // Unknown fields were reported by apply already.
    const r = parseCustomRole({ ...only(spec, this.specFields), name: customRoleName('000000000000', 'placeholder') }, { path: 'spec' });
    if (!r.ok) {
      reportErrors(r.errors, c);
      return undefined;
    }
    return { permissions: r.value.permissions, ...(r.value.title !== undefined ? { title: r.value.title } : {}), ...(r.value.description !== undefined ? { description: r.value.description } : {}) };
  },
  async plan(env, o) {
    if (!ROLE_ID.test(o.name)) return planFail('BINDINGS_INVALID_ROLE', 'metadata.name', `custom role id \`${o.name}\` must be 3 to 64 letters, digits, \`_\` and \`.\` (it becomes \`accounts/${o.account}/roles/${o.name}\`)`);
    const key = iamRoleKey(o.account, o.name);
    const text = env.newAccounts.has(o.account) ? undefined : await env.tx.kv.get(key);
    // One that cannot be read is replaced as if absent (review pi, 1).
    const existing = text === undefined ? undefined : readIamRoleRecord(text);
    const name = customRoleName(o.account, o.name);
    if (existing && roleCanon(existing) === roleCanon(o.spec)) return planOk({ action: 'unchanged', fields: [], steps: [] });
    const fields = existing ? (['permissions', 'title', 'description'] as const).filter((f) => JSON.stringify(f === 'permissions' ? [...existing.permissions].sort() : existing[f] ?? '') !== JSON.stringify(f === 'permissions' ? [...o.spec.permissions].sort() : o.spec[f] ?? '')) : [];
    const stored: StoredIamRole = { name, account: o.account, ...o.spec, updated: env.now };
    const step: Step = {
      phase: PHASE_LINK,
      action: existing ? 'gatehouse:UpdateIamRole' : 'gatehouse:CreateIamRole',
      // Its ARN, which a statement's `Resource` can name (review ku, 1): `accounts/<id>/roles/<name>` matched only `*`.
      resource: customRoleArn(env.partitionOf(o.account), o.account, o.name),
      account: o.account,
      run: async (tx) => {
        await tx.kv.put(key, JSON.stringify(stored));
        return ok(undefined);
      },
    };
    if (!existing) return planOk({ action: 'create', fields: [], steps: [step] });
    // What changes in the role, as an IamPolicy's update lists its members (review jl, 7): its permissions are what every
    // binding of it grants.
    const had = new Set(existing.permissions);
    const has = new Set(o.spec.permissions);
    const diff: DocumentChange[] = [
      ...[...had].filter((p) => !has.has(p)).map((p): DocumentChange => ({ op: '-', path: 'permissions', before: p })),
      ...[...has].filter((p) => !had.has(p)).map((p): DocumentChange => ({ op: '+', path: 'permissions', after: p })),
    ];
    for (const f of ['title', 'description'] as const) {
      const before = existing[f];
      const after = o.spec[f];
      if ((before ?? '') === (after ?? '')) continue;
      diff.push(before === undefined ? { op: '+', path: f, after } : after === undefined ? { op: '-', path: f, before } : { op: '~', path: f, before, after });
    }
    return planOk({ action: 'update', fields: [...fields], steps: [step], ...(diff.length > 0 ? { diff } : {}) });
  },
  async listNames(tx, account) {
    return (await tx.kv.list(`${IAM_ROLE_PREFIX}${account}/`)).map((e) => e.key.slice(`${IAM_ROLE_PREFIX}${account}/`.length));
  },
  async planDelete(env, ref) {
    const key = iamRoleKey(ref.account, ref.name);
    if ((await env.tx.kv.get(key)) === undefined) return { ok: true, value: [] };
    const name = customRoleName(ref.account, ref.name);
    const run = async (tx: WriteTx): Promise<Result<boolean>> => {
      const deleted = await tx.kv.delete(key);
      await forgetCustomRole(tx, ref.account, name, env.now);
      return ok(deleted);
    };
    // The policies that lose its bindings in the same transaction are listed with it, as a pruned principal's are (review
    // eo, 1): the plan said `- delete IamRole/<id>` only, and the apply changed or removed IAM policies unsaid.
    const also = await customRoleForgetting(env.tx, ref.account, name);
    const step: Step = { phase: PHASE_DELETE, action: 'gatehouse:DeleteIamRole', resource: customRoleArn(env.partitionOf(ref.account), ref.account, ref.name), account: ref.account, run, ...(also.length > 0 ? { alsoChanges: also } : {}) };
    return { ok: true, value: [step] };
  },
};

/**
 * The members an IAM policy's bindings lose (`-`) and gain (`+`) from `before` to `after`, each under
 * `bindings[<role>]` (with ` if <condition title or expression>` for a conditional one), in the order of the bindings.
 */
function bindingChanges(before: readonly IamBinding[], after: readonly IamBinding[]): DocumentChange[] {
  const keyOf = (b: IamBinding): string => `${b.role}\u0000${b.condition ? JSON.stringify([b.condition.expression, b.condition.title ?? '']) : ''}`;
  const pathOf = (b: IamBinding): string => `bindings[${b.role}${b.condition ? ` if ${b.condition.title ?? b.condition.expression}` : ''}]`;
  const membersBy = (bs: readonly IamBinding[], alias: ReadonlyMap<string, string> = new Map()): Map<string, { binding: IamBinding; members: Set<string> }> => {
    const m = new Map<string, { binding: IamBinding; members: Set<string> }>();
    for (const b of bs) {
      const k = alias.get(keyOf(b)) ?? keyOf(b);
      const at = m.get(k) ?? { binding: b, members: new Set<string>() };
      for (const x of b.members) at.members.add(x);
      m.set(k, at);
    }
    return m;
  };
  // A conditional binding of one role and title on each side is one binding whose expression changed: keyed by its
  // expression, its members were listed as lost and gained under one shown path, and the change itself not (review jl, 3).
  const keysByPath = (bs: readonly IamBinding[]): Map<string, Map<string, IamBinding>> => {
    const m = new Map<string, Map<string, IamBinding>>();
    for (const b of bs) {
      if (b.condition === undefined) continue;
      const at = m.get(pathOf(b)) ?? new Map<string, IamBinding>();
      if (!at.has(keyOf(b))) at.set(keyOf(b), b);
      m.set(pathOf(b), at);
    }
    return m;
  };
  const wasByPath = keysByPath(before);
  const alias = new Map<string, string>();
  const out: DocumentChange[] = [];
  for (const [path, keys] of keysByPath(after)) {
    const had = wasByPath.get(path);
    if (keys.size !== 1 || had?.size !== 1) continue;
    const [[k2, b2]] = [...keys] as [[string, IamBinding]];
    const [[k1, b1]] = [...had] as [[string, IamBinding]];
    if (k1 === k2) continue;
    alias.set(k2, k1);
    out.push({ op: '~', path: `${path}.condition.expression`, before: b1.condition?.expression, after: b2.condition?.expression });
  }
  const was = membersBy(before);
  const now = membersBy(after, alias);
  for (const [k, { binding, members }] of was) for (const x of members) if (!now.get(k)?.members.has(x)) out.push({ op: '-', path: pathOf(binding), before: x });
  for (const [k, { binding, members }] of now) for (const x of members) if (!was.get(k)?.members.has(x)) out.push({ op: '+', path: pathOf(binding), after: x });
  // A condition's description is no part of its key: changed alone, the update listed nothing (review gf, 7).
  for (const [k, { binding }] of now) {
    const before = was.get(k)?.binding.condition?.description;
    const after = binding.condition?.description;
    if (!was.has(k) || before === after) continue;
    const path = `${pathOf(binding)}.condition.description`;
    out.push(before === undefined ? { op: '+', path, after } : after === undefined ? { op: '-', path, before } : { op: '~', path, before, after });
  }
  return out;
}

/** The IAM policies of `account` that apply stored under the document name `name`, with their keys. */
async function iamPoliciesNamed(tx: ReadTx, account: string, name: string): Promise<{ key: string; p: StoredIamPolicy }[]> {
  return (await tx.kv.list(IAM_POLICY_PREFIX)).map((e) => ({ key: e.key, p: storedIamPolicyAt<StoredIamPolicy>(e.key, e.value) })).filter((x) => x.p.account === account && x.p.name?.toLowerCase() === name.toLowerCase());
}

/** Whether an IamPolicy document of `account` sets the policy stored under `key`. */
function iamPolicyClaimed(documents: readonly { readonly kind: string; readonly account: string; readonly spec?: unknown }[], account: string, key: string): boolean {
  return documents.some((d) => d.kind === 'IamPolicy' && d.account === account && iamPolicyKey(account, (d.spec as AttachedPolicy).resource) === key);
}

export const iamPolicyKind: KindHandler<AttachedPolicy> = {
  kind: 'IamPolicy',
  scope: 'account',
  entity: 'policy',
  specFields: ['resource', 'bindings', 'etag', 'version'],
  validate(spec, c) {
    const r = parseAttachedPolicy(only(spec, this.specFields), { path: 'spec' });
    if (!r.ok) {
      reportErrors(r.errors, c);
      return undefined;
    }
    return r.value;
  },
  async plan(env, o) {
    // Decided and written as the workspace's own name (review fv, 7).
    const resource = env.newAccounts.has(o.account) ? o.spec.resource : await workspaceSpelling(env.tx, o.account, o.spec.resource);
    const partition = env.partitionOf(o.account);
    // Whose the resource is: the ARN's account, a bucket's owner, or the account of a resource policy on it.
    const owner = resource.startsWith('account/') ? resource.slice('account/'.length) : await ownerIn(env.tx, resource);
    if (owner !== undefined && owner !== o.account) return planFail('ACCESS_DENIED', 'spec.resource', `resource ${resource} belongs to ${ownerWordsTo(owner, env.caller.account)}, not ${o.account}; set its IAM policy as that account (metadata.account)`);
    const claimed = o.spec.policy.bindings.length > 0 && !env.newAccounts.has(o.account) ? await claimedByAnother(env.tx, resource, o.account) : undefined;
    if (claimed !== undefined) return planFail('ACCESS_DENIED', 'spec.resource', claimed);
    const key = iamPolicyKey(o.account, resource);
    const twin = documentsOf<AttachedPolicy>(env, 'IamPolicy').find((d) => d.name !== o.name && iamPolicyKey(d.account, d.spec.resource) === key);
    if (twin) return planFail('VALIDATION_ERROR', 'spec.resource', `IamPolicy \`${twin.name}\` also sets the policy of ${resource}; one document per resource`);
    const current = env.newAccounts.has(o.account) ? currentOf(key, undefined, 0) : await readPolicy(env.tx, key);
    const existing = current.stored;
    if (existing && existing.account !== o.account) return planFail('ACCESS_DENIED', 'spec.resource', `resource ${resource} has an IAM policy of ${whose(existing.account, env.caller.account)}`);
    // A document that carries the etag it was read with applies only while the policy is still as read (checked
    // inside apply's write transaction, as `setPolicy` checks it). Without one, the document is the truth.
    const given = o.spec.policy.etag;
    if (given !== undefined && !sameEtag(given, current.etag)) {
      const shown = given.length > 40 ? `${given.slice(0, 40)}…` : given;
      return planFail(
        'ETAG_MISMATCH',
        'spec.etag',
        `etag \`${shown}\` is stale: the IAM policy of ${resource} changed since it was read (its etag is now \`${current.etag}\`); read it again (\`gatehouse iam-policy get ${resource} --json\`), reapply your change and retry, or leave out \`etag\` to overwrite it`,
      );
    }
    // A version 0 or 1 document with an etag would drop the stored policy's conditions (review ai, 2).
    const version = checkVersion(existing?.bindings ?? [], o.spec.policy, 'spec');
    if (!version.ok) return { ok: false, errors: version.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })) };
    // What this apply prunes cannot be bound here: the deletion would take the binding away again (a custom role's
    // bindings go with it, a principal's member becomes `deleted:`), so the document could never be what is stored
    // (review ai, 10), as a pruned group or policy may not be named by another document.
    const gone: { code: PlanErrorCode; path: string; message: string }[] = [];
    o.spec.policy.bindings.forEach((b, i) => {
      const role = CUSTOM_ROLE_OF.exec(b.role);
      if (role !== null && role[1] === o.account && env.pruned('IamRole', o.account, role[2] as string)) {
        gone.push({ code: 'INVALID_INPUT', path: `spec.bindings[${i}].role`, message: `custom role \`${b.role}\` is deleted by --prune (no IamRole document names it) but bound here` });
      }
      b.members.forEach((m, j) => {
        const sa = m.startsWith('serviceAccount:') ? SERVICE_ACCOUNT_RE.exec(m.slice('serviceAccount:'.length)) : null;
        const named = m.startsWith('user:') ? (['User', m.slice(5)] as const) : m.startsWith('group:') ? (['Group', m.slice(6)] as const) : sa !== null && sa[2] === o.account ? (['Role', sa[1] as string] as const) : undefined;
        if (named !== undefined && env.pruned(named[0], o.account, named[1])) {
          gone.push({ code: 'INVALID_INPUT', path: `spec.bindings[${i}].members[${j}]`, message: `member \`${m}\`: the ${named[0].toLowerCase()} \`${named[1]}\` is deleted by --prune (no ${named[0]} document names it) but bound here` });
        }
      });
    });
    // What it attaches to must outlive the apply: a workspace the same prune deletes takes its IAM policies with it
    // (removeWorkspaceIamPolicies), a user, group or role the policy on its own ARN (forgetPrincipal), so the document
    // was planned as an update and then deleted, and the next plan refused the files (review fr, 2).
    const target = attachedTo(resource, o.account);
    if (target !== undefined && env.pruned(target.kind, target.account, target.name)) {
      gone.push({ code: 'INVALID_INPUT', path: 'spec.resource', message: `${target.kind.toLowerCase()} \`${target.name}\` of account ${target.account} is deleted by --prune (no ${target.kind} document names it), with the IAM policy on it; add its ${target.kind} document, or leave this out` });
    }
    // Idempotent: what counts is what the policy means, not how the document spells it.
    const same = existing !== undefined && JSON.stringify(canonicalPolicy({ bindings: existing.bindings })) === JSON.stringify(canonicalPolicy(o.spec.policy)) && existing.name === o.name;
    if (same || (existing === undefined && o.spec.policy.bindings.length === 0)) {
      // Not written, so not checked as a write (review jw, 2): a stored policy that a check added since it was written
      // refuses (a condition naming a role made afterwards under another path) failed every apply of the whole file,
      // though the file did not change it. What this apply does around it (a prune above) is still checked.
      return gone.length > 0 ? { ok: false, errors: gone } : planOk({ action: 'unchanged', fields: [], steps: [] });
    }
    // Every error of the document at once, as the other kinds report theirs: what it attaches to, its roles, its members.
    const errors = [...gone];
    // What it attaches to: an account, workspace or IAM entity that exists, or that this apply creates.
    if (o.spec.policy.bindings.length > 0) {
      const creates = (kind: HeldKind, name: string): boolean =>
        kind === 'Account'
          ? env.newAccounts.has(name)
          : env.documents.some((d) => d.kind === kind && d.account === o.account && (kind === 'Workspace' || kind === 'Cluster' ? d.name.toLowerCase() === name.toLowerCase() : d.name === name)) || (kind === 'User' && name === 'admin' && env.newAccounts.has(o.account));
      const missing = await missingResource(env.tx, o.account, resource, creates, partition);
      if (missing !== undefined) errors.push({ code: 'NO_SUCH_ENTITY', path: 'spec.resource', message: missing });
    }
    // Custom roles: the account's, as they will be after this apply.
    const fileRoles = documentsOf<IamRoleSpec>(env, 'IamRole').filter((d) => d.account === o.account).map((d) => ({ name: customRoleName(o.account, d.name), permissions: d.spec.permissions }));
    const storedRoles = env.newAccounts.has(o.account) ? [] : (await env.tx.kv.list(`${IAM_ROLE_PREFIX}${o.account}/`)).flatMap((e) => readIamRoleRecord(e.value) ?? []);
    const roles = checkRoles(o.spec.policy, { account: o.account, customRoles: [...fileRoles, ...storedRoles], path: 'spec', resource });
    if (!roles.ok) errors.push(...roles.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })));
    // Members: the account's users, groups and roles, as they will be after this apply.
    const inFiles = (kind: string, name: string): boolean => env.documents.some((d) => d.kind === kind && d.account === o.account && d.name === name) || (kind === 'User' && name === 'admin' && env.newAccounts.has(o.account));
    const members = await checkMembers(env.tx, o.account, o.spec.policy, 'spec.', inFiles);
    if (!members.ok) errors.push(...members.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })));
    // Conditions on a role's, user's, group's, workspace's or job's ARN as its account does not spell it (reviews ie, 2 to 4).
    const dialect = conditionDialectErrors(o.spec.policy, partition, 'spec.', governedScope(resource, o.account));
    errors.push(...dialect.map((e) => ({ code: e.code, path: e.path, message: e.message })));
    // An ARN spelt otherwise than the entity's own (review jl, 2); once, where the dialect was refused already.
    if (dialect.length === 0 && !env.newAccounts.has(o.account)) errors.push(...(await conditionArnErrors(env.tx, o.spec.policy, 'spec.', o.account)).map((e) => ({ code: e.code, path: e.path, message: e.message, line: e.line, column: e.column })));
    if (errors.length > 0) return { ok: false, errors };
    const step: Step = {
      phase: PHASE_LINK,
      action: 'gatehouse:SetIamPolicy',
      resource: iamPolicyAuthzResource(partition, o.account, resource),
      account: o.account,
      run: async (tx) => ok((await putPolicy(tx, { resource, account: o.account, policy: o.spec.policy, name: o.name, updated: env.now })).stored),
    };
    if (!existing) return planOk({ action: 'create', fields: [], steps: [step] });
    // What the update takes away and gives, and which document set the policy before (review fp, 2): a document of
    // another name replaces the whole policy of its resource, the bindings another document gave included (one policy
    // per resource; a rename is the same write), and the plan said only `update IamPolicy/<name> (bindings)`.
    const renamed = existing.name !== undefined && existing.name !== o.name;
    const diff: DocumentChange[] = [...(renamed ? [{ op: '~' as const, path: 'metadata.name', before: existing.name, after: o.name }] : []), ...bindingChanges(existing.bindings, o.spec.policy.bindings)];
    return planOk({ action: 'update', fields: renamed ? ['bindings', 'name'] : ['bindings'], steps: [step], ...(diff.length > 0 ? { diff } : {}) });
  },
  async listNames(tx, account) {
    return (await tx.kv.list(IAM_POLICY_PREFIX)).map((e) => storedIamPolicyAt<StoredIamPolicy>(e.key, e.value)).filter((p) => p.account === account && p.name !== undefined).map((p) => p.name as string);
  },
  // A policy is its resource's: one a document names under another name is renamed by it, not deleted by the prune of
  // its old name (review ak, 9: the prune's step removed the policy the document had just renamed).
  async claimed(tx, documents, account, name) {
    const stored = await iamPoliciesNamed(tx, account, name);
    return stored.length > 0 && stored.every((x) => iamPolicyClaimed(documents, account, x.key));
  },
  // Every policy of the name that no document names by its resource: the one a document moved away from (review ms, 1).
  async planDelete(env, ref) {
    const hits = (await iamPoliciesNamed(env.tx, ref.account, ref.name)).filter((x) => !iamPolicyClaimed(env.documents, ref.account, x.key));
    const steps = hits.map((hit): Step => {
      const remove = async (tx: WriteTx): Promise<Result<boolean>> => {
        await removePolicy(tx, hit.key, (await readPolicy(tx, hit.key)).revision + 1);
        return ok(true);
      };
      return { phase: PHASE_DELETE, action: 'gatehouse:SetIamPolicy', resource: iamPolicyAuthzResource(env.partitionOf(ref.account), ref.account, hit.p.resource), account: ref.account, run: remove };
    });
    return { ok: true, value: steps };
  },
};
