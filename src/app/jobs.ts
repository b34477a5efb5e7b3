/**
 * Workspaces, training jobs and the delivery of their credentials (issue "Training jobs").
 *
 * Submit checks run in the order the platform documents give, with their exact messages: the role (it must
 * exist and the submitter must be allowed `iam:PassRole`/`ram:PassRole` on it, passed to the training
 * service — or, unless IAM denies that explicitly, hold `iam.serviceAccounts.actAs` on it through a binding such
 * as `roles/iam.serviceAccountUser` on the role's ARN), then the submitter (workspace member,
 * `training:CreateJob`), then the role's trust in the training service. A failed submit writes nothing.
 *
 * Credentials of a job come from one cache: one issuance per job per refresh, whatever the number of ranks
 * and polls; refreshed at half-life with jitter; never served too close to expiry; revoked when the job ends.
 * Workspaces and jobs live in the store's key/value table as JSON documents.
 */
import { createHash } from 'node:crypto';
import { fail, failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../core/errors.ts';
import { compilePolicy, contextOf, deniedByIssueTime, evaluate, isoSeconds, parsePolicy, renderDecision, type CompiledPolicy, type Decision, type PolicySet, type Principal } from '../core/iam/index.ts';
import { bindJsonStatement, boundView, principalLookup } from '../core/iam/bind-principal.ts';
import { checkName, ID_PREFIX, shortName, uniqueId } from '../core/directory/rules.ts';
import { roleArnOf, parseRoleArn, roleNamedBy, sessionPrincipal, type SessionClaims } from '../core/sts/session.ts';
import {
  isJobSubmitter,
  ASSUME_FAILED,
  canTransition,
  defaultBucketName,
  defaultBucketStatement,
  defaultRoleName,
  defaultRoleScope,
  isWorkspaceMember,
  jobArn,
  JOB_STATES,
  JOB_SESSION_AT_LEAST_SECONDS,
  JOB_TAG_JOB,
  JOB_TAG_WORKSPACE,
  jobSessionName,
  refreshAt,
  ROLE_CHECK_FAILED,
  servableUntil,
  sourceIdentityOf,
  SUB_USER_CHECK_FAILED,
  TERMINAL,
  trainingServices,
  trustDenied,
  trustFix,
  workspaceArn,
  workspaceKey,
  clusterArn,
  clusterKey,
  jobContainerArn,
  jobContainerName,
  serviceTrustContext,
  jobSessionTags,
  computeServices,
  hasComputeConfig,
  nodeRole,
  clusterRoleRefs,
  givenJobId,
  otherAccountJobWords,
  type Cluster,
  type Job,
  type JobEvent,
  type JobState,
  type Partition,
  type Workspace,
} from '../core/jobs/jobs.ts';
import { removeWorkspaceIamPolicies } from './bindings.ts';
import { canonicalJson } from './document-diff.ts';
import type { AppDeps } from './deps.ts';
import { CLOCK_SKEW_MS, putRevocation, roleKey, signInRevocationId, userKey, type LiveState, type UserEntry } from './live.ts';
import { aboutRole, accessDenied, actorOf, ASSOCIATED_RESOURCE, bindingsRefusal, cachedTrust, decideAdmin, decideForService, decideOnRole, PolicyCache, passedToContext, trustedServiceName, partitionOf, requestContext, userArn, type Caller, type RequestFacts } from './principals.ts';
import type { IssuedCredentials, Sts } from './sts.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable, StoreUnavailableError, type PrincipalRef, type ReadTx, type RoleRecord, type SealedSecret, type Store, type UserRecord, type WriteTx } from './ports/store.ts';
import { ROOT_ACCOUNT } from './accounts.ts';

const WS = 'ws/';
const JOB = 'job/';
const JOBCAP = 'jobcap/';
const JOBBEAT = 'jobbeat/';
const JOBEVENT = 'jobevent/';
/**
 * The session a job's credential endpoints serve, shared by every instance and worker (review oz, 1): `jobsession/<id>`,
 * `{"ak", "token", "refreshAt"}` of the last session issued for the job. The token holds the session's secret sealed under
 * the key ring (itself sealed under the master key), so the store holds no usable credential; an instance opens it
 * (`sessions.open`) to serve it. Written by the issuer, deleted with the job's end.
 */
const JOBSESSION = 'jobsession/';
const jobSessionKey = (id: string): string => `${JOBSESSION}${id}`;
/** What `jobSessionKey` holds. */
interface SharedJobSession {
  readonly ak: string;
  readonly token: string;
  readonly refreshAt: number;
}
/**
 * The index of live jobs: `joblive/<id>` while job `id` is not ended, written with the job and deleted in the
 * transaction that ends it. The sweep reads the jobs it names instead of every job ever stored (review ag, 7).
 */
const LIVE = 'joblive/';
export const jobLiveKey = (id: string): string => `${LIVE}${id}`;
/**
 * The index of an account's live jobs: `jobliveacct/<account>/<id>`, written and deleted exactly where `jobLiveKey` is
 * (`putLiveJob`, the end of a job, the sweep's repairs), so a new job is counted against its account's quota
 * (`maxLiveJobs`) by reading at most the quota's worth of keys (review av, 1). Live jobs stored before it (or by a writer
 * that does not write it) are indexed by the sweep's full pass (`repairLiveAccountIndex`).
 */
const LIVE_BY_ACCOUNT = 'jobliveacct/';
const liveAccountPrefix = (account: string): string => `${LIVE_BY_ACCOUNT}${account}/`;
export const jobLiveAccountKey = (account: string, id: string): string => `${liveAccountPrefix(account)}${id}`;
/**
 * Live jobs (jobs, cluster nodes, pods admitted with a role, not yet ended) one account may keep at once, unless the
 * server says otherwise (`--max-live-jobs`, `GATEHOUSE_MAX_LIVE_JOBS`). Each is read by the sweep every 5 s on every
 * instance, and a member can keep many alive through the job-status API with each job's capability: without a bound one
 * account could make every instance's sweep as slow as it likes (review av, 1).
 */
export const MAX_LIVE_JOBS = 1000;

/**
 * How many times a node's start checks the cluster and writes the node when the cluster's role for it changed between
 * the two (review pg, 2); after that, 409 ConcurrentModification: the cluster is being changed faster than nodes start.
 */
const NODE_START_ATTEMPTS = 3;

/** The refusal of a job past its account's quota of live jobs. */
export function liveJobsRefusal(account: string, max: number): string {
  return `account ${account} has ${max.toLocaleString('en-US')} live jobs, the most it may have: stop or end one first (\`gatehouse jobs stop ID\`; a pod's job ends when the pod is deleted), or have the operator raise --max-live-jobs (GATEHOUSE_MAX_LIVE_JOBS)`;
}

/**
 * Marks a new job live (`jobLiveKey`, `jobLiveAccountKey`) in the transaction that stores it, unless its account already
 * has `max` live jobs: then LimitExceeded, and nothing written. The count reads at most `max` keys of the account's live
 * index. Checked and written in one write transaction, which takes the store's one write lock first (`change_head` on
 * PostgreSQL, `BEGIN IMMEDIATE` on SQLite): two instances cannot both find `max - 1` and both insert.
 */
export async function putLiveJob(tx: WriteTx, job: Pick<Job, 'account' | 'id'>, max: number): Promise<Result<void>> {
  const held = await tx.kv.list(liveAccountPrefix(job.account), { limit: max });
  if (held.length >= max) return failWith('LIMIT_EXCEEDED', liveJobsRefusal(job.account, max));
  await tx.kv.put(jobLiveKey(job.id), job.id);
  await tx.kv.put(jobLiveAccountKey(job.account, job.id), job.id);
  return ok(undefined);
}

/**
 * The index of an account's provisional pod jobs (`Job.pod.provisional`): `jobprovacct/<account>/<id>`. A pod's job is
 * made at its CREATE admission, and kube-apiserver runs the admission steps after the webhooks (ResourceQuota,
 * PodSecurity, other validating webhooks) and writes the pod (AlreadyExists) only then: a pod refused there left a live
 * job counted against its account's `maxLiveJobs` until someone stopped it, and a controller retrying a refused pod
 * (a ReplicaSet over its namespace's ResourceQuota) filled the quota, refusing every job, node and pod of the account
 * (review vw, 1). A provisional job is in the sweep's index (`jobLiveKey`) and this one instead of the account's live
 * index; the pod's first credential request moves it there (`confirmPodJob`), and the sweep ends one still unconfirmed
 * `POD_CONFIRM_MS` after its admission. At most `max` an account, so the sweep reads at most twice the quota's worth.
 */
const PROVISIONAL_BY_ACCOUNT = 'jobprovacct/';
const provisionalAccountPrefix = (account: string): string => `${PROVISIONAL_BY_ACCOUNT}${account}/`;
export const jobProvisionalKey = (account: string, id: string): string => `${provisionalAccountPrefix(account)}${id}`;

/**
 * How long a pod's job stays provisional, unconfirmed by any credential request of the pod, before the sweep ends it
 * (Kubernetes' side-effect rule for admission webhooks: the object admitted may never be persisted, and a webhook's
 * out-of-band state must be reconciled). A day: a pod may wait long for its node (a GPU queue, the cluster
 * autoscaler), or reach AWS late; kube-apiserver decides a pod within its request timeout (60 s by default).
 */
export const POD_CONFIRM_MS = 24 * 3600_000;

/** Whether `job` is a provisional pod job (`PROVISIONAL_BY_ACCOUNT`). */
export const isProvisional = (job: Pick<Job, 'pod'>): boolean => job.pod?.provisional === true;

/**
 * Stores a new pod job as provisional (`PROVISIONAL_BY_ACCOUNT`, `jobLiveKey`) in the transaction that stores it,
 * unless its account already has `max` live jobs (it could not be confirmed) or `max` provisional ones: then
 * LimitExceeded, and nothing written.
 */
export async function putProvisionalPodJob(tx: WriteTx, job: Pick<Job, 'account' | 'id'>, max: number): Promise<Result<void>> {
  const held = await tx.kv.list(liveAccountPrefix(job.account), { limit: max });
  if (held.length >= max) return failWith('LIMIT_EXCEEDED', liveJobsRefusal(job.account, max));
  const waiting = await tx.kv.list(provisionalAccountPrefix(job.account), { limit: max });
  if (waiting.length >= max) {
    return failWith(
      'LIMIT_EXCEEDED',
      `account ${job.account} has ${max.toLocaleString('en-US')} pods admitted with a role that have not asked for credentials yet, the most it may have: kube-apiserver may have refused them after the webhook (ResourceQuota, PodSecurity, another webhook, AlreadyExists); their jobs end ${POD_CONFIRM_MS / 3600_000} h after admission unless the pod asks for credentials, or stop those of pods that do not exist (\`gatehouse jobs list\`, \`gatehouse jobs stop ID\`)`,
    );
  }
  await tx.kv.put(jobLiveKey(job.id), job.id);
  await tx.kv.put(jobProvisionalKey(job.account, job.id), job.id);
  return ok(undefined);
}

/** The ids in `account`'s live index and its provisional one: every job of it not ended. */
async function accountLiveIds(tx: ReadTx, account: string): Promise<string[]> {
  const of = async (prefix: string): Promise<string[]> => (await tx.kv.list(prefix)).map((e) => e.key.slice(prefix.length));
  return [...new Set([...(await of(liveAccountPrefix(account))), ...(await of(provisionalAccountPrefix(account)))])];
}

/** The ids of `account`'s live jobs that `holds` says are held by what is being deleted, read from its live and provisional indexes. */
async function liveJobsHeld(tx: ReadTx, account: string, holds: (job: StoredJob) => boolean): Promise<string[]> {
  const ids = await accountLiveIds(tx, account);
  if (ids.length === 0) return [];
  const docs = await tx.kv.getMany(ids.map((id) => `${JOB}${id}`));
  const live: string[] = [];
  for (const id of ids) {
    const text = docs.get(`${JOB}${id}`);
    // One that cannot be read is no live job's (review pv, 2): none of its sessions is issued (`readJobDoc`).
    const job = text === undefined ? undefined : jobDocOf(text);
    // The document decides (a state changed by a writer that does not index it).
    if (job !== undefined && !TERMINAL.has(job.state) && holds(job)) live.push(job.id);
  }
  return live;
}

/**
 * The live jobs of `account` that `holds` picks, read from its live and provisional indexes (at most twice its quota of keys, their documents a
 * thousand at a time); each job's document decides, as `liveJobsHeld`'s. For the SubjectAccessReview webhook, which
 * knows a pod only by its namespace and name (src/app/kube.ts `podRunningAs`).
 */
export async function liveJobsWhere(tx: ReadTx, account: string, holds: (job: StoredJob) => boolean): Promise<StoredJob[]> {
  const ids = await accountLiveIds(tx, account);
  const live: StoredJob[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000);
    const docs = await tx.kv.getMany(part.map((id) => `${JOB}${id}`));
    for (const id of part) {
      const text = docs.get(`${JOB}${id}`);
      const job = text === undefined ? undefined : jobDocOf(text);
      if (job !== undefined && !TERMINAL.has(job.state) && holds(job)) live.push(job);
    }
  }
  return live;
}

const someIds = (ids: readonly string[]): string => ids.slice(0, 10).join(', ') + (ids.length > 10 ? ` and ${ids.length - 10} more` : '');

/**
 * The refusal of deleting workspace `name` of `account` while jobs of it are live (DeleteConflict, as IAM refuses
 * deleting a role still in use), naming up to 10 of them; undefined when none is. Deleted from under them, they ran on,
 * their sessions issued (a default-role job's session policy names the workspace's bucket), listed under a workspace
 * that no longer existed, and one created again under the name found them as its own (review hb, 1). Read in the
 * deleting transaction from the account's live index (at most its quota of keys), each job's document deciding.
 */
export async function workspaceDeleteRefusal(tx: ReadTx, account: string, name: string): Promise<Result<never> | undefined> {
  const live = await liveJobsHeld(tx, account, (job) => job.workspace !== '' && job.workspace.toLowerCase() === name.toLowerCase());
  if (live.length === 0) return undefined;
  return failWith('DELETE_CONFLICT', `Cannot delete entity, must stop the workspace's live jobs first: workspace \`${name}\` has ${live.length} live job${live.length === 1 ? '' : 's'} (${someIds(live)}); stop them with \`gatehouse jobs stop ID\` (\`POST /v1/jobs/{id}/stop\`), or let them end`);
}

/**
 * The refusal of deleting cluster `name` while nodes or pods of it are live (DeleteConflict; EKS refuses DeleteCluster
 * while node groups are attached): pruned from under them, they went on being issued sessions of its instance role
 * (or their pods' roles), tagged with a cluster that no longer existed, and a pod whose cluster's webhook is gone never
 * ends (review hb, 2).
 */
export async function clusterDeleteRefusal(tx: ReadTx, account: string, name: string): Promise<Result<never> | undefined> {
  const live = await liveJobsHeld(tx, account, (job) => job.cluster !== undefined && job.cluster.toLowerCase() === name.toLowerCase());
  if (live.length === 0) return undefined;
  return failWith('DELETE_CONFLICT', `Cannot delete entity, must end the cluster's live nodes and pods first: cluster \`${name}\` has ${live.length} live node${live.length === 1 ? ' or pod' : 's or pods'} (${someIds(live)}); stop a node with \`gatehouse jobs stop ID\` (\`POST /v1/jobs/{id}/stop\`), delete a pod in the cluster, or let them end`);
}

/**
 * The index of an account's jobs, in the order they were created: `jobacct/<account>/<created>/<id>`, holding the job's
 * workspace and state (`{"w":…,"s":…}`, kept with the job's state by every change of it). `jobs list` reads a range of
 * it, a page at a time, never every job stored (review ar, 3). Written with the job; a job stored by a writer that does
 * not index it is indexed by the full sweep (`FULL_SWEEP_MS`), and by an instance's first listing.
 */
const BY_ACCOUNT = 'jobacct/';
const accountIndexPrefix = (account: string): string => `${BY_ACCOUNT}${account}/`;
export const jobIndexKey = (job: Pick<Job, 'account' | 'created' | 'id'>): string => `${accountIndexPrefix(job.account)}${job.created}/${job.id}`;
export const jobIndexValue = (job: Pick<Job, 'workspace' | 'state'>): string => JSON.stringify({ w: job.workspace, s: job.state });
/** What a page of `jobs list` holds when the request does not say (`limit`), and at most. */
export const JOBS_PAGE_DEFAULT = 100;
export const JOBS_PAGE_MAX = 1000;
/** Index entries one request of `jobs list` reads at most: a page the caller may see little of ends early, with `next`. */
const JOBS_SCAN_MAX = 5000;

/**
 * How often the sweep still reads every job: a job stored by a writer that does not index it (an instance of an earlier
 * version; a pod's job, src/app/kube.ts, until it writes `jobLiveKey`) is swept within this, and indexed then.
 */
const FULL_SWEEP_MS = 60_000;
/** What a job id may be: every id made (`newJob`) is; anything else names no job, and is said to be malformed. */
export const JOB_ID = /^[\w.-]{1,128}$/;
/** A launcher that has not been heard from for this long has lost its process: the job is Failed. */
export const HEARTBEAT_TIMEOUT_MS = 30_000;
/** How long a job's reads are answered a refused issuance's refusal before one is asked for again (review da, 2). */
export const ISSUANCE_REFUSAL_HOLD_MS = 5_000;

export interface SubmitInput {
  readonly workspace: string;
  readonly name?: string;
  /** `default`, `none`, or a role ARN. */
  readonly role: string;
  readonly replicas?: number;
  /** The uid `jobs run` runs as (`process.getuid()`): the only one its metadata endpoint serves (agent/peer-uid.ts). */
  readonly launcherUid?: number;
}

/** What `jobs list` asks (`GET /v1/jobs`): a page of `limit` jobs after `next`, of one workspace or state. */
export interface ListJobsQuery {
  readonly limit?: number;
  /** The `next` of the previous page of the same listing (the same filters), as it was handed out. */
  readonly next?: string;
  readonly workspace?: string;
  readonly state?: string;
}

/**
 * What `GET /v1/jobs/{id}/events` asks: `limit` events (1–1,000, default 1,000) after event number `after` (0: from
 * the first), oldest first; or the `tail` newest (1–1,000), oldest of them first.
 */
export interface JobEventsQuery {
  readonly limit?: number;
  readonly after?: number;
  readonly tail?: number;
}
export const JOB_EVENTS_PAGE_MAX = 1000;

/** A page of a job's events, oldest first; `next` (the last event's number, for `after`) when more follow. */
export interface JobEventsPage {
  readonly events: JobEvent[];
  readonly next?: string;
}

/** A page of jobs, oldest first; `next` when the listing goes on. */
export interface JobsPage {
  readonly jobs: JobAnswer[];
  readonly next?: string;
}

export interface Submitted {
  /** The job as every reader of it is answered (`JobAnswer`): its capabilities' hashes are no part of an answer (review pq, 3). */
  readonly job: JobAnswer;
  /**
   * Shown once: the launcher's bearer capability: it reads the job's credential endpoints, and it alone heartbeats and
   * ends the job (`/v1/launcher/*`).
   */
  readonly capability: string;
  /**
   * Shown once: the capability of the job's processes (`AWS_CONTAINER_AUTHORIZATION_TOKEN`, the credentials URI's
   * path): it reads the job's credentials and is no launcher, so a rank neither keeps alive nor ends a job (review nn, 1).
   */
  readonly rankCapability: string;
}

export interface JobCredentials {
  readonly credentials: IssuedCredentials;
  readonly roleArn: string;
  readonly roleName: string;
  readonly account: string;
  readonly issuedAt: number;
  readonly claims: SessionClaims;
}

/**
 * A job as its stored document holds it: what every reader of a job sees, plus the session policy of a default-role
 * job and the unique id of the user who submitted it (`submitterId`, absent for a job not submitted by a user, or
 * stored before it was recorded).
 */
type StoredJob = Job & { readonly sessionPolicy?: string; readonly submitterId?: string; readonly rankCapabilityHash?: string };

/** A job as its readers are answered it: without its capabilities' hashes or its session policy (`readerView`). */
export type JobAnswer = Omit<StoredJob, 'capabilityHash' | 'rankCapabilityHash' | 'sessionPolicy'>;

/**
 * Whom a default-role job's session policy is made for: the submitting user (`user`, none for a role's session), its
 * ARN, and whether a permissions boundary or session policies limit it (`limited`: no table Allow is then copied).
 */
interface Submitter {
  readonly partition: Partition;
  readonly arn: string;
  readonly user: UserRecord | undefined;
  readonly limited: boolean;
}

function submitterOf(caller: Caller): Submitter {
  return { partition: caller.partition, arn: caller.principal.arn, user: caller.user, limited: caller.policies.boundary !== undefined || (caller.policies.session?.length ?? 0) > 0 };
}

/**
 * The session policy of a job's session as STS compiles it (src/app/sts.ts `inlineSessionPolicy`): one that no
 * longer parses allows nothing, never everything.
 */
export function compileSessionPolicy(text: string): CompiledPolicy {
  const doc = parsePolicy(text, { kind: 'identity' });
  return doc.ok ? compilePolicy(doc.value, 'session-policy') : compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, 'session-policy');
}

/** The services whose actions count as table access (ODPS/MaxCompute-style projects), lower-cased, without the colon. */
const TABLE_SERVICE_NAMES = ['odps', 'tables'];

/**
 * Deny-only views of compiled policies bound to a submitter, by policy and then by the submitter's facts
 * (`ownerFactsKey`): made once per document and submitter, a few submitters per shared document.
 */
const denyViews = new WeakMap<CompiledPolicy, Map<string, CompiledPolicy | null>>();
const VIEWS_PER_POLICY = 64;

/** The facts a binding reads (ARN, unique id, tags), as one string. */
function ownerFactsKey(owner: Principal): string {
  return JSON.stringify([owner.arn, owner.userId, Object.entries(owner.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/**
 * The submitter as the engine sees a user: its ARN (with its path), unique id and tags. A default-role job's copy of
 * the submitter's Denies is bound to these facts (src/core/iam/bind-principal.ts), so that a Deny conditioned on who
 * the principal is (`aws:PrincipalTag/K`, `aws:PrincipalArn`, `aws:username`…) or naming `${aws:username}` denies
 * the job what it denies the submitter, not what it would deny the job's session (review X, X2).
 */
export function ownerPrincipal(partition: Partition, user: UserRecord, tags: Readonly<Record<string, string>>): Principal {
  return { kind: 'user', arn: userArn(partition, user), partition, account: user.account, userId: user.id, tags };
}

/**
 * The Denies of `policy` that may concern tables (as `ownerTableStatements` copies them at submit: a statement
 * indexed under any service (`*`, `NotAction`, a wildcard service) or under a table service), each bound to `owner`
 * (`boundView`): one that does not apply to the owner is left out. Undefined when none is left.
 */
function tableDenyView(policy: CompiledPolicy, owner: Principal): CompiledPolicy | undefined {
  const key = ownerFactsKey(owner);
  let views = denyViews.get(policy);
  const known = views?.get(key);
  if (known !== undefined) return known ?? undefined;
  const keep = new Set<CompiledPolicy['statements'][number]>();
  for (const st of [...policy.anyService, ...TABLE_SERVICE_NAMES.flatMap((svc) => policy.byService.get(svc) ?? [])]) if (st.effect === 'Deny') keep.add(st);
  const view = keep.size === 0 ? undefined : boundView(policy, (st) => keep.has(st), principalLookup(owner));
  if (views === undefined) denyViews.set(policy, (views = new Map()));
  if (views.size >= VIEWS_PER_POLICY) views.clear();
  views.set(key, view ?? null);
  return view;
}

/**
 * What a default-role job's sessions take from its submitter's policies now, at every decision: the Denies that may
 * concern tables of the submitter's identity policies and permissions boundary, bound to the submitter
 * (`tableDenyView`), as Deny-only policies. Added to the session's policies, they deny what they deny the submitter
 * and allow nothing (src/app/sts.ts `sessionCaller`, src/app/authorize.ts `readJobSession`).
 */
export function ownerTableDenies(owner: UserEntry): CompiledPolicy[] {
  const who = ownerPrincipal(owner.partition, owner.user, owner.tags);
  const out: CompiledPolicy[] = [];
  for (const p of [...owner.policies.identity, ...(owner.policies.boundary ? [owner.policies.boundary] : [])]) {
    const v = tableDenyView(p, who);
    if (v) out.push(v);
  }
  return out;
}

/** Services whose actions count as table access (ODPS/MaxCompute-style projects). */
const TABLE_SERVICES = ['odps:', 'tables:'];

/** Could the action pattern (with `*`/`?`) match an action of a table service? `*`, `*:Read`, `od*`, `odps:Get*` can. */
function mayConcernTables(pattern: string): boolean {
  return TABLE_SERVICES.some((svc) => mayConcernService(pattern, svc));
}

/** Could the action pattern match an action of the service `svc` (`odps:`)? */
function mayConcernService(pattern: string, svc: string): boolean {
  const p = pattern.toLowerCase();
  const wild = p.search(/[*?]/);
  const head = wild === -1 ? p : p.slice(0, wild);
  return wild === -1 ? p.startsWith(svc) : svc.startsWith(head) || head.startsWith(svc);
}

/**
 * The statements of the submitter's identity policies (own inline and attached, and their groups') that concern
 * tables: every Deny that could (any `NotAction`, `Action: "*"`, a wildcard that can match a table service, a table
 * service's action), copied whole; and the Allows of table actions, narrowed to those actions. When the submitter
 * has a permissions boundary or session policies, no Allow is copied: the job gets no table rights, never more
 * than the owner (review S, S3). Each statement is bound to the owner (src/core/iam/bind-principal.ts
 * `bindJsonStatement`): what describes the principal is decided with the owner's facts, since the copy is evaluated
 * for the job's session, another principal (review X, X2); a statement that does not apply to the owner is left out.
 * `version`: the session policy's. `awsDialect`: some statement copied comes from a policy in AWS's dialect (any `Version`
 * but RAM's `"1"`), which a RAM session policy cannot carry (`defaultSessionPolicy`).
 */
async function ownerTableStatements(tx: ReadTx, owner: Submitter, version: string): Promise<{ denies: unknown[]; allows: unknown[]; awsDialect: boolean }> {
  const user = owner.user;
  if (!user) return { denies: [], allows: [], awsDialect: false };
  const docs: string[] = [];
  const refs: PrincipalRef[] = [{ type: 'user', account: user.account, name: user.name }];
  for (const g of await tx.groups.listForUser(user.account, user.name)) refs.push({ type: 'group' as const, account: g.account, name: g.name });
  for (const ref of refs) {
    for (const arn of await tx.attachments.listForPrincipal(ref)) {
      const v = await tx.policies.getDefaultVersion(arn);
      if (v) docs.push(v.document);
    }
    for (const p of await tx.inlinePolicies.list(ref)) docs.push(p.document);
  }
  const limited = user.permissionsBoundary != null || owner.limited;
  const bound = principalLookup(ownerPrincipal(owner.partition, user, Object.fromEntries(user.tags.map((t) => [t.key, t.value]))));
  const denies: unknown[] = [];
  const allows: unknown[] = [];
  let awsDialect = false;
  for (const text of docs) {
    let doc: { Statement?: unknown; Version?: unknown };
    try {
      doc = JSON.parse(text) as { Statement?: unknown; Version?: unknown };
    } catch {
      continue;
    }
    const list = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    for (const st of list as Record<string, unknown>[]) {
      if (st === null || typeof st !== 'object') continue;
      const { Sid: _sid, ...rest } = st;
      void _sid;
      const actions = ([] as unknown[]).concat(st['Action'] ?? []).filter((a): a is string => typeof a === 'string');
      if (st['Effect'] === 'Deny') {
        if (st['NotAction'] === undefined && !actions.some(mayConcernTables)) continue;
        const deny = bindJsonStatement(rest, doc.Version, version, bound);
        if (deny !== undefined) {
          denies.push(deny);
          if (doc.Version !== '1') awsDialect = true;
        }
        continue;
      }
      if (limited || st['Effect'] !== 'Allow') continue;
      // `*` allows the table services' actions too (an administrator's policy, AdministratorAccess): copied as those
      // services' `*`, never as itself, which would open every service the default role reaches (review gn, 4).
      // Action patterns name one service each (`service:Name`, or `*` alone: POLICY_INVALID_ACTION otherwise).
      // An Allow with `NotAction` (PowerUserAccess's `NotAction: iam:*`, "all but IAM") allows every table service its
      // NotAction leaves whole: copied as that service's `*`. One it excludes in part is not copied (never more than the
      // owner); the NotAction itself never is, which would allow every other service the default role reaches. Only
      // `Action` lists were read, and such an owner's default-role job got no table rights (review hp, 5).
      const notActions = ([] as unknown[]).concat(st['NotAction'] ?? []).filter((a): a is string => typeof a === 'string');
      const table =
        st['NotAction'] !== undefined
          ? TABLE_SERVICES.filter((svc) => !notActions.some((a) => mayConcernService(a, svc))).map((svc) => `${svc}*`)
          : [...new Set(actions.flatMap((a) => (a === '*' ? TABLE_SERVICES.map((p) => `${p}*`) : TABLE_SERVICES.some((p) => a.toLowerCase().startsWith(p)) ? [a] : [])))];
      if (table.length === 0) continue;
      const { NotAction: _notAction, ...asAllow } = rest;
      void _notAction;
      const allow = bindJsonStatement(st['NotAction'] !== undefined ? { ...asAllow, Action: table } : rest, doc.Version, version, bound);
      if (allow !== undefined) {
        allows.push({ ...allow, Action: table });
        if (doc.Version !== '1') awsDialect = true;
      }
    }
  }
  return { denies, allows, awsDialect };
}

/** Whether a statement of a default-role job's session policy is one of its owner's table Allows (`ownerTableStatements` writes their `Action` as a list of table actions). */
function isCopiedTableAllow(st: unknown): boolean {
  if (typeof st !== 'object' || st === null) return false;
  const rec = st as Record<string, unknown>;
  const actions = rec['Action'];
  return rec['Effect'] === 'Allow' && Array.isArray(actions) && actions.length > 0 && actions.every((a) => typeof a === 'string' && TABLE_SERVICES.some((svc) => a.toLowerCase().startsWith(svc)));
}

/** Whether a statement of a default-role job's session policy is its workspace's default bucket's (`defaultBucketStatement`): the bucket's ARN, or undefined. */
function bucketOfStatement(st: unknown): string | undefined {
  if (typeof st !== 'object' || st === null) return undefined;
  const rec = st as Record<string, unknown>;
  const resources = rec['Resource'];
  if (rec['Effect'] !== 'Allow' || (rec['Action'] !== 's3:*' && rec['Action'] !== 'oss:*') || !Array.isArray(resources) || typeof resources[0] !== 'string') return undefined;
  return canonicalJson(st) === canonicalJson(defaultBucketStatement(resources[0])) ? resources[0] : undefined;
}

/**
 * The session policy a default-role job's session is issued (or decided) with now: the one stored at its submission
 * (`sessionPolicy`), less what the job's owner (`owner`, the user as it is now) no longer holds:
 * - each table Allow copied from the owner then that the owner no longer holds, read again as the submission read it
 *   (`ownerTableStatements`, bound to the owner's current facts; review pe, 1): copied once, a right taken from the owner
 *   stayed with every session of its running jobs, refreshes and `sts revoke-sessions --job` included;
 * - the workspace's default bucket, once it is no longer the workspace's default bucket or the owner no longer a member
 *   of the workspace (review pe, 2): a bucket moved elsewhere, or a member removed, left every running default-role job
 *   of it with `s3:*` on the bucket for its life.
 * So a job's rights are never more than at submission, nor than its owner's now, as seed 1's "rights only on the
 * workspace's default bucket, plus table rights equal to the job owner's own" asks. Nothing the owner or workspace gained
 * since is added. The copied Denies stay as stored (the owner's current Denies bind every decision besides:
 * `ownerTableDenies`). A policy left with no statement denies everything, as `defaultSessionPolicy` writes one.
 */
export async function sessionPolicyHeld(tx: ReadTx, job: Pick<Job, 'partition' | 'account' | 'workspace'>, sessionPolicy: string, owner: UserRecord): Promise<{ readonly policy: string; readonly dropped: readonly string[] }> {
  const asStored = { policy: sessionPolicy, dropped: [] };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(sessionPolicy) as Record<string, unknown>;
  } catch {
    return asStored;
  }
  const statements = Array.isArray(doc['Statement']) ? (doc['Statement'] as unknown[]) : undefined;
  if (statements === undefined) return asStored;
  const copied = statements.some(isCopiedTableAllow);
  const bucketStatement = statements.some((st) => bucketOfStatement(st) !== undefined);
  if (!copied && !bucketStatement) return asStored;
  const { partition } = job;
  // Not `limited` by how it called then: a permissions boundary it has now copies no Allow, and every copied one goes.
  // Copied again in the version they were stored in (`defaultSessionPolicy` writes an `acs` account's in AWS's when the
  // owner's statements are AWS's), as that version escapes their text (src/core/iam/bind-principal.ts `bindJsonStatement`).
  const version = doc['Version'] === '1' || doc['Version'] === '2012-10-17' ? doc['Version'] : partition === 'acs' ? '1' : '2012-10-17';
  const held = copied ? new Set((await ownerTableStatements(tx, { partition, arn: userArn(partition, owner), user: owner, limited: false }, version)).allows.map(canonicalJson)) : undefined;
  let bucketNow: string | undefined;
  let bucketGone = '';
  if (bucketStatement) {
    const text = await tx.kv.get(workspaceKey(job.account, job.workspace));
    const ws = text === undefined ? undefined : (JSON.parse(text) as Workspace);
    const member = ws !== undefined && (isWorkspaceMember(ws, owner.name, []) || isWorkspaceMember(ws, owner.name, (await tx.groups.listForUser(owner.account, owner.name)).map((g) => g.name)));
    bucketNow = member ? ws.defaultBucket : undefined;
    bucketGone = ws === undefined ? `workspace ${job.workspace} no longer exists` : member ? `it is no longer the default bucket of workspace ${ws.name}` : `user ${owner.name} is no longer a member of workspace ${ws.name}`;
  }
  const dropped: string[] = [];
  let tables = 0;
  const kept = statements.filter((st) => {
    if (held !== undefined && isCopiedTableAllow(st)) return held.has(canonicalJson(st)) || (tables++, false);
    const bucket = bucketOfStatement(st);
    if (bucket === undefined || bucket === bucketNow) return true;
    dropped.push(`the workspace's bucket ${bucket} (${bucketGone})`);
    return false;
  });
  if (tables > 0) dropped.push(`${tables} table Allow statement(s) copied from user ${owner.name} at submission that it no longer holds`);
  if (kept.length === statements.length) return asStored;
  return { policy: JSON.stringify({ ...doc, Statement: kept.length > 0 ? kept : [{ Effect: 'Deny', Action: '*', Resource: '*' }] }), dropped };
}

/**
 * Why a job's endpoints serve no credentials: `status` 409 is a refusal of its session that is no outage (its role's
 * trust policy, its limits), `code` the refusal's, which the endpoints answer as `Code` (review km, 2).
 */
export type DeliveryError = {
  readonly status: 403 | 404 | 409 | 410 | 503;
  readonly message: string;
  readonly code?: ErrorCode;
  /**
   * The key id of the job's session this instance held and found revoked (or of a role made again since), when it
   * refuses for want of another: the endpoints name it (`REVOKED_SESSION_HEADER`), so that a node agent holding that
   * session drops it rather than serve it on as if the server were only refusing a new one (review ri, 1).
   */
  readonly revokedSession?: string;
};

/** Refusals of a job's session that are an outage, not a decision: answered 503, which clients retry. */
const OUTAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SERVICE_UNAVAILABLE', 'INTERNAL_ERROR', 'IDP_COMMUNICATION_ERROR', 'OPENID_IDP_COMMUNICATION_ERROR']);
/** A job's current credentials, or why its endpoints refuse them. */
export type Delivery = { ok: true; value: JobCredentials; job: Job } | { ok: false; error: DeliveryError };

/**
 * Job `id`'s document, or undefined when there is none or it is not a job's document as the server writes it (told to
 * `unreadable`). Parsed unguarded, one that could not be read (a database restored or edited by hand, a truncated
 * write) answered 500 to every call naming the job (`jobs get`, `stop`, `events`, its heartbeat and metadata endpoint)
 * after review pi6 left it out of the listings and sweeps (review pv, 2). Read as none, it is refused everywhere (fails
 * closed: its endpoint serves no credentials, its session named by ARN is a job's that no longer works).
 */
async function readJobDoc(tx: ReadTx, id: string, unreadable?: UnreadableDoc): Promise<StoredJob | undefined> {
  const key = `${JOB}${id}`;
  const text = await tx.kv.get(key);
  if (text === undefined) return undefined;
  const v = jobDocOf(text);
  if (v === undefined) unreadable?.(key, text);
  return v;
}

/** `text` as a job's document, when it is one (what every reader relies on: its id, account, state and role). */
export function jobDocOf(text: string): StoredJob | undefined {
  const v = parsedDoc(text) as Partial<StoredJob> | undefined;
  if (v === undefined || typeof v.id !== 'string' || typeof v.account !== 'string' || typeof v.state !== 'string' || typeof v.role !== 'object' || v.role === null) return undefined;
  return v as StoredJob;
}

/**
 * Appends an event to job `id`'s events, numbered after the last one: the greatest key of the job's events, read from
 * the key's index (its number is zero-padded, so key order is number order), whatever the job holds. It was numbered
 * by reading every event the job had, so the n-th cost n reads (review ar, 2). Gapless and never two alike across
 * instances: every write transaction takes the store's one write lock first (the change-head row on PostgreSQL,
 * `BEGIN IMMEDIATE` on SQLite), so the last number read is the last committed, and no other write comes between.
 */
export async function appendJobEvent(tx: WriteTx, id: string, e: Omit<JobEvent, 'seq'>): Promise<number> {
  const prefix = `${JOBEVENT}${id}/`;
  const [last] = await tx.kv.list(prefix, { descending: true, limit: 1 });
  const seq = last === undefined ? 1 : lastSeq(last, prefix) + 1;
  await tx.kv.put(`${prefix}${String(seq).padStart(8, '0')}`, JSON.stringify({ seq, ...e }));
  return seq;
}

/** The number of a job's event: its key's, else the one its document holds. */
function lastSeq(entry: { key: string; value: string }, prefix: string): number {
  const n = Number(entry.key.slice(prefix.length));
  if (Number.isSafeInteger(n) && n > 0) return n;
  const doc = JSON.parse(entry.value) as Partial<JobEvent>;
  return typeof doc.seq === 'number' && Number.isSafeInteger(doc.seq) ? doc.seq : 0;
}

/** `text` parsed, when it is a JSON object (every document of this module is one); else undefined. */
function parsedDoc(text: string): object | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** What a reader is told of a document it cannot read and leaves out: its key and text. */
type UnreadableDoc = (key: string, text: string) => void;

/**
 * Every JSON document whose key starts with `prefix`. One that is not (a database restored or edited by hand, a
 * truncated write) is left out and told to `unreadable`: parsed unguarded, one job's document, live or long ended,
 * stopped every start (`cannot reopen the metadata endpoints of live jobs: Unterminated string in JSON`, naming no
 * job), every sweep (so no live job whose launcher died was ever failed, nor its sessions ended), and every listing of
 * workspaces or clusters (review pi, 6).
 */
async function listDocs<T>(tx: ReadTx, prefix: string, unreadable?: UnreadableDoc): Promise<T[]> {
  const out: T[] = [];
  for (const e of await tx.kv.list(prefix)) {
    const v = parsedDoc(e.value);
    if (v === undefined) unreadable?.(e.key, e.value);
    else out.push(v as T);
  }
  return out;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The hashes of the capabilities of `job`: its launcher's and, when it has one, its processes' (review nn, 1). */
const capabilityHashesOf = (job: StoredJob): string[] => (job.rankCapabilityHash !== undefined ? [job.capabilityHash, job.rankCapabilityHash] : [job.capabilityHash]);

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A workspace's members as a set: names compare case-insensitively, in any order (what "the members change" means). */
export function workspaceMembersKey(ws: Workspace): string {
  return ws.members
    .map((m) => (m.user !== undefined ? `user:${m.user.toLowerCase()}` : `group:${(m.group ?? '').toLowerCase()}`))
    .sort()
    .join(',');
}

/** How a door says where a member's user or group could have come from, and what to do. */
export interface MissingMemberWording {
  /** After "does not exist in account A" (apply: ` and no User document names it`). */
  readonly where: (kind: 'User' | 'Group') => string;
  /** Before "a user created later …" (`create it first: `). */
  readonly advice: string;
}

/**
 * The members of `ws` naming a user or group that does not exist (review ak, 5), as every door that writes a workspace
 * refuses them (`gatehouse apply`, `PUT /v1/workspaces/{name}`): membership alone gives a user's jobs the workspace's
 * default role, so a name kept for whoever is created under it later would make that user a member, which the rewrite
 * at a principal's deletion prevents (review K1). Asked when the workspace is new or its members change, so a
 * workspace stored before the rule can still be rewritten as it is. `exists` answers as the door sees the account once
 * the write is done (apply: the files' users and groups count); `prefix` is put before `members[i].user`.
 */
export async function missingWorkspaceMembers(
  ws: Workspace,
  existing: Workspace | undefined,
  prefix: string,
  exists: (type: 'user' | 'group', name: string) => Promise<boolean>,
  wording: MissingMemberWording,
): Promise<GatehouseError[]> {
  if (existing !== undefined && workspaceMembersKey(existing) === workspaceMembersKey(ws)) return [];
  const errors: GatehouseError[] = [];
  for (const [i, m] of ws.members.entries()) {
    const type = m.user !== undefined ? 'user' : 'group';
    const name = m.user ?? m.group ?? '';
    if (await exists(type, name)) continue;
    errors.push({
      code: 'NO_SUCH_ENTITY',
      path: `${prefix}members[${i}].${type}`,
      message: `${type} \`${shortName(name)}\` does not exist in account ${ws.account}${wording.where(type === 'user' ? 'User' : 'Group')}; ${wording.advice}a ${type} created later under the name would get what it is given here`,
    });
  }
  return errors;
}

/** `missingWorkspaceMembers` for a workspace written as it is given (`PUT /v1/workspaces/{name}`), in the write's transaction. */
export async function missingStoredMembers(tx: ReadTx, ws: Workspace, existing: Workspace | undefined): Promise<GatehouseError[]> {
  return missingWorkspaceMembers(ws, existing, '', async (type, name) => (type === 'user' ? await tx.users.get(ws.account, name) : await tx.groups.get(ws.account, name)) !== undefined, { where: () => '', advice: 'create it first: ' });
}

export interface JobsOptions {
  /**
   * Lifetime of job sessions in seconds (default 43,200, capped by the role's maximum or 3 h, whichever is longer);
   * short values exercise refresh.
   */
  readonly sessionSeconds?: number;
  /** How long a launcher may stay silent before its job is marked Failed (default HEARTBEAT_TIMEOUT_MS); tests shorten it. */
  readonly heartbeatTimeoutMs?: number;
  /**
   * The other way to pass a role: bindings granting `iam.serviceAccounts.actAs` on it (`roles/iam.serviceAccountUser`
   * on the role's ARN or its account; src/app/bindings.ts). Asked only when IAM does not allow the PassRole, never
   * over an explicit deny.
   */
  readonly actAs?: (caller: Caller, roleArn: string) => { readonly allowed: boolean; readonly reason: string };
  /**
   * Bindings granting the permission of a `training:` action on a workspace (`ml.jobs.create` for training:CreateJob,
   * `roles/ml.developer`; src/app/bindings.ts `permits`): job submission, reads and stops accept them as the authorize
   * union does (review B7), never over an explicit deny, cut by the caller's boundary and session policies.
   */
  readonly permits?: (caller: Caller, action: string, resource: string, container?: string) => { readonly allowed: boolean; readonly reason: string };
  /** Live jobs one account may keep at once (default `MAX_LIVE_JOBS`; tests lower it). */
  readonly maxLiveJobs?: number;
  /** How long a pod's job stays provisional before the sweep ends it unconfirmed (default `POD_CONFIRM_MS`). */
  readonly podConfirmMs?: number;
  /** Where a stored document that cannot be read is said (`listDocs`), once for each text of it. */
  readonly log?: (line: string) => void;
  /**
   * Where heartbeats are written (`jobbeat/<id>`, bookkeeping that changes nothing any cache holds): the raw store
   * (src/app/index.ts), whose writes reload no cache after them. Without it, `deps.store`.
   */
  readonly notes?: Store;
}

/**
 * Beats written a transaction (`writeBeats`): one statement each, so 1,000 held PostgreSQL's one write lock ~150 ms
 * (loopback); 200 hold it a fifth of that, and other writers go between (as `repairIndex` does).
 */
const BEATS_PER_WRITE = 200;

/** What `issueIfLive` answers for a job the store says has ended. */
const ENDED: unique symbol = Symbol('ended');

export function createJobs(deps: AppDeps, live: LiveState, sts: Sts, cache: PolicyCache, options: JobsOptions = {}) {
  const now = (): number => deps.now();
  // Each document that cannot be read is said once (sweeps read every job again and again), again if its text changes.
  const said = new Set<string>();
  const unreadable: UnreadableDoc = (key, text) => {
    const seen = `${key}\u0000${text}`;
    if (options.log === undefined || said.has(seen)) return;
    if (said.size >= 10_000) said.clear();
    said.add(seen);
    options.log(`jobs: CANNOT READ the stored document \`${key}\` (not the JSON the server writes): it is left out of listings, sweeps and the metadata endpoints reopened at start, and a workspace or cluster is read as none, until it is replaced or removed`);
  };
  const heartbeats = new Map<string, number>();
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
  /**
   * Heartbeats heard here and not yet written for the other instances (job id → when). Every instance sweeps, from
   * what it heard and what the others wrote (`jobbeat/<id>`): a launcher talks to one instance (its keep-alive
   * connection, or the balancer's choice), and each of the others, hearing nothing, marked its job Failed after the
   * timeout (review bf, on PostgreSQL). Written every sixth of the timeout, as notes that move no change head (no
   * instance refreshes for them), so an instance's view of a beat heard elsewhere lags by at most that and a sweep
   * interval: well within the timeout. The value written is a time on the writer's clock; no other instance reads it
   * as a time (`beatsSeen`).
   */
  const beatsToWrite = new Map<string, number>();
  /**
   * Of each live job, the stored beat (`jobbeat/<id>`) as this instance's sweep last read it, and when on this
   * instance's clock it first read that value. A stored beat is a time on the clock of the instance that heard it;
   * compared with this instance's clock, a writer 30 s behind made every beat it wrote look 30 s old, and the job was
   * failed while its launcher beat on (a writer ahead kept a dead job that much longer). So a stored beat counts only
   * as changed or not: a value that changed since the last read is a beat heard now, on this clock. It is seen at most
   * a write interval and a sweep interval after it was heard (a dead job lives that much past the timeout on an
   * instance its launcher did not talk to). A job's first read here counts as heard now, as the first sweep's grace
   * does. Entries go with the job (`forget`) and when a sweep no longer finds it live: as many as live jobs.
   */
  const beatsSeen = new Map<string, { readonly value: number; readonly at: number }>();
  const beatWriteMs = Math.max(50, Math.floor(heartbeatTimeoutMs / 6));
  /**
   * Through the raw store where the app gives it: a write through `deps.store` reloads this instance's caches after it
   * (the key cache, every resource policy), which a beat, every sixth of the timeout, did for nothing (review bi).
   */
  const beatStore = options.notes ?? deps.store;
  let beatTimer: ReturnType<typeof setTimeout> | undefined;
  /** A write of beats under way: the next waits for it (a slow store piled them up, each holding a connection). */
  let beatsWriting = false;
  const armBeats = (): void => {
    if (beatTimer !== undefined || beatsWriting) return;
    beatTimer = setTimeout(() => void writeBeats(), beatWriteMs);
    beatTimer.unref?.();
  };
  const heard = (id: string, t: number): void => {
    heartbeats.set(id, Math.max(heartbeats.get(id) ?? 0, t));
    beatsToWrite.set(id, Math.max(beatsToWrite.get(id) ?? 0, t));
    armBeats();
  };
  async function writeBeats(): Promise<void> {
    beatTimer = undefined;
    if (beatsToWrite.size === 0) return;
    const batch = [...beatsToWrite];
    beatsToWrite.clear();
    beatsWriting = true;
    try {
      // `BEATS_PER_WRITE` a transaction, each holding the store's one write lock a short while (a statement a beat).
      for (let i = 0; i < batch.length; i += BEATS_PER_WRITE) {
        const part = batch.slice(i, i + BEATS_PER_WRITE);
        try {
          await beatStore.write(async (tx) => {
            const stored = await tx.kv.getMany(part.flatMap(([id]) => [`${JOBBEAT}${id}`, jobLiveKey(id)]));
            for (const [id, t] of part) {
              // Only a live job's: its end deletes the beat in the transaction that ends it (holding the same lock), and
              // one heard before the end and written after it stayed for ever (review bi).
              if (!stored.has(jobLiveKey(id))) continue;
              // Whenever it differs from the one stored: a sweep reads a stored beat only as changed or not (`beatsSeen`).
              // Written only forward, a time on this clock compared with one another instance wrote on its own: heard
              // here after an instance 30 s ahead heard it last, no beat was written for 30 s, and the sweeper, seeing no
              // change, failed the job while its launcher beat on (review bu, 1).
              if (stored.get(`${JOBBEAT}${id}`) !== String(t)) await tx.kv.note(`${JOBBEAT}${id}`, String(t));
            }
          });
        } catch {
          // The store does not answer: kept for the next write (the sweep cannot read the jobs either meanwhile).
          for (const [id, t] of batch.slice(i)) beatsToWrite.set(id, Math.max(beatsToWrite.get(id) ?? 0, t));
          break;
        }
      }
    } finally {
      beatsWriting = false;
      if (beatsToWrite.size > 0) armBeats();
    }
  }
  /** The beats other instances wrote for `ids`. */
  async function storedBeats(ids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ids.length === 0) return out;
    await deps.store.read(async (tx) => {
      for (let i = 0; i < ids.length; i += 1000) {
        const got = await tx.kv.getMany(ids.slice(i, i + 1000).map((id) => `${JOBBEAT}${id}`));
        for (const [key, v] of got) if (Number.isFinite(Number(v))) out.set(key.slice(JOBBEAT.length), Number(v));
      }
    });
    return out;
  }
  /**
   * Who hears of jobs' ends (`onJobEnded`), and what each holds of jobs outside this module (`holding`: the agent's
   * metadata ports), so that `forgetEnded` tells it of the end of a job it holds, made through another instance.
   */
  const listeners = new Set<{ readonly ended: (job: Job) => void; readonly holding?: (() => Iterable<string>) | undefined }>();
  /** One cache entry per job: the current credentials, and the issuance under way, if any. */
  /**
   * `refused`: the last issuance's refusal, answered to the job's reads until `until` without asking again; `denied`:
   * the refusal last recorded in the job's events since a session was issued (`issueFor` records each once).
   */
  /** What `deniedForIssueTime` found of a session (its claims), and for which compiled policy set of its role. */
  const issueTimeChecks = new WeakMap<SessionClaims, { readonly policies: PolicySet; readonly denied: boolean }>();
  const deliveries = new Map<string, { creds?: JobCredentials; refreshAt: number; servableUntil: number; pending?: Promise<Result<JobCredentials> | typeof ENDED> | undefined; refused?: { readonly message: string; readonly until: number; readonly code?: ErrorCode | undefined } | undefined; denied?: string | undefined }>();
  let issuances = 0;
  const maxLiveJobs = options.maxLiveJobs ?? MAX_LIVE_JOBS;
  const podConfirmMs = options.podConfirmMs ?? POD_CONFIRM_MS;

  const wsKey = workspaceKey;

  // ------------------------------------------------------------------------------------------------
  // Workspaces

  /**
   * Writes workspace `ws`, answering it as stored. A workspace named in another case than the one stored is that
   * workspace (names are unique without case), and keeps its name, as `apply` keeps it: renamed, its ARN changed, and the
   * IAM policies and IAM statements on `…:workspace/<old name>` silently stopped governing it (review fv, 6).
   */
  /**
   * A workspace's or cluster's record, or undefined when there is none or it cannot be read (said once): read unguarded,
   * one that could not be read answered 500 to the writes that replace it (PUT, `apply`), so nothing but a database
   * edit could bring it back, and to every job submitted to it (review pi, 8). Read as absent, a write replaces it, and
   * nothing is submitted or started on it meanwhile (it is no workspace, no cluster: fails closed).
   */
  async function readRecord<T>(tx: ReadTx, key: string): Promise<T | undefined> {
    const text = await tx.kv.get(key);
    if (text === undefined) return undefined;
    const v = parsedDoc(text);
    if (v === undefined || typeof (v as { name?: unknown }).name !== 'string') {
      unreadable(key, text);
      return undefined;
    }
    return v as T;
  }

  async function putWorkspace(tx: WriteTx, ws: Workspace): Promise<Workspace> {
    const stored = await readRecord<Workspace>(tx, wsKey(ws.account, ws.name));
    const written = stored !== undefined && stored.name !== ws.name ? { ...ws, name: stored.name } : ws;
    await tx.kv.put(wsKey(written.account, written.name), JSON.stringify(written));
    return written;
  }

  async function getWorkspace(tx: ReadTx, account: string, name: string): Promise<Workspace | undefined> {
    return readRecord<Workspace>(tx, wsKey(account, name));
  }

  async function listWorkspaces(account: string): Promise<Workspace[]> {
    return deps.store.read((tx) => listDocs<Workspace>(tx, `${WS}${account}/`, unreadable));
  }

  /**
   * The session policies a job of the workspace default role that user `userName` submitted in `ws` now would carry:
   * its session policy as `submit` writes it, and the user's current Denies that may concern tables, as
   * src/app/authorize.ts `readJobSession` adds them. Undefined when no such user exists, or the submit would be refused
   * (a session policy past its cap). For who-can (review eq, 2): such a job reaches the workspace's default bucket.
   */
  async function defaultJobSession(ws: Workspace, userName: string): Promise<CompiledPolicy[] | undefined> {
    // A default bucket that is not one bucket's ARN runs no default-role job (`submitChecked`).
    if (ws.defaultBucket !== undefined && defaultBucketName(ws.defaultBucket) === undefined) return undefined;
    return deps.store.read(async (tx) => {
      const user = await tx.users.get(ws.account, userName);
      const owner = user && (await sts.ownerEntry(tx, ws.account, { name: user.name, id: user.id }));
      if (!user || !owner) return undefined;
      const doc = await defaultSessionPolicy(tx, owner.partition, ws, { partition: owner.partition, arn: userArn(owner.partition, user), user, limited: false });
      return doc.ok ? [compileSessionPolicy(doc.value), ...ownerTableDenies(owner)] : undefined;
    });
  }

  /** The workspace, and the IAM policies attached to it (a workspace created again under its name starts without them, review B6). */
  async function deleteWorkspace(tx: WriteTx, account: string, name: string): Promise<Result<boolean>> {
    // Not while jobs of it run (review hb, 1): the same case-blind match the stored workspace is found by.
    const busy = await workspaceDeleteRefusal(tx, account, (await getWorkspace(tx, account, name))?.name ?? name);
    if (busy !== undefined) return busy;
    const gone = await tx.kv.delete(wsKey(account, name));
    if (gone) await removeWorkspaceIamPolicies(tx, account, name);
    return ok(gone);
  }

  /**
   * Reading workspaces (review S, S9): `training:GetWorkspace` on a workspace's ARN, allowed by IAM or granted by a
   * binding as the authorize API's union answers it (`unionRefusal`; review I, M1: a `resourcemanager.workspaces.get`
   * binding was answered Allow there and refused here), or being one of its members (a member may read their own
   * workspace). Listing them all needs `training:ListWorkspaces` on `workspace/*`; without it the list holds the ones
   * the caller may read.
   */
  async function mayReadWorkspace(tx: ReadTx, caller: Caller, ws: Workspace): Promise<boolean> {
    const refused = unionRefusal(caller, 'training:GetWorkspace', workspaceArn(caller.partition, caller.account, ws.name));
    // An explicit deny holds against members too.
    return refused === undefined || (refused.d.decision !== 'ExplicitDeny' && (await isMember(tx, caller, ws)));
  }

  async function readableWorkspaces(caller: Caller): Promise<Workspace[]> {
    const all = await listWorkspaces(caller.account);
    // The whole list, less any one the caller is explicitly denied listing or reading by its own ARN (review rw, 1).
    if (unionRefusal(caller, 'training:ListWorkspaces', workspaceArn(caller.partition, caller.account, '*')) === undefined) return all.filter((ws) => !deniedByName(caller, ['training:ListWorkspaces', 'training:GetWorkspace'], workspaceArn(caller.partition, caller.account, ws.name)));
    return deps.store.read(async (tx) => {
      const out: Workspace[] = [];
      // Unless the List action is denied on it: the fallback is for a caller not granted it (review rw, 2).
      for (const ws of all) if (!deniedByName(caller, ['training:ListWorkspaces'], workspaceArn(caller.partition, caller.account, ws.name)) && (await mayReadWorkspace(tx, caller, ws))) out.push(ws);
      return out;
    });
  }

  /** A workspace the caller may read; the same refusal whether it exists or not. */
  async function readWorkspace(caller: Caller, name: string): Promise<Result<Workspace>> {
    const arn = workspaceArn(caller.partition, caller.account, name);
    const d = decide(caller, 'training:GetWorkspace', arn);
    const found = await deps.store.read(async (tx) => {
      const ws = await getWorkspace(tx, caller.account, name);
      // Found whatever the case of the name asked: its own ARN is what is decided (`mayReadWorkspace`), and a Deny
      // of the name as asked holds too.
      return { ws, readable: ws !== undefined && d.decision !== 'ExplicitDeny' && (await mayReadWorkspace(tx, caller, ws)) };
    });
    if (found.ws && found.readable) return ok(found.ws);
    if (!found.ws && unionRefusal(caller, 'training:GetWorkspace', arn) === undefined) return failWith('NO_SUCH_ENTITY', `workspace ${name} does not exist`);
    return accessDenied(`${caller.principal.arn} is not allowed to perform training:GetWorkspace on ${arn}, and is not a member of it: ${d.summary}`, 'training:GetWorkspace', arn, d.decision === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny');
  }

  // ------------------------------------------------------------------------------------------------
  // Jobs

  async function readJob(tx: ReadTx, id: string): Promise<StoredJob | undefined> {
    return readJobDoc(tx, id, unreadable);
  }

  async function appendEvent(tx: WriteTx, id: string, type: JobEvent['type'], message: string): Promise<void> {
    await appendJobEvent(tx, id, { at: isoSeconds(now()), type, message });
  }

  async function event(id: string, type: JobEvent['type'], message: string): Promise<void> {
    await deps.store.write(async (tx) => appendEvent(tx, id, type, message));
  }

  function decide(caller: Caller, action: string, resource: string, context: Record<string, string | string[]> = {}): Decision {
    // With the request's aws:SourceIp and aws:SecureTransport when the caller came over HTTP (`requestContext`).
    // A Deny spelling the workspace, job or cluster (or an IAM action) in the other dialect applies too (review is, 6).
    return decideAdmin({ principal: caller.principal, action, resource, context: contextOf(requestContext(caller, context)), time: now() }, caller.policies);
  }

  /**
   * What bindings add to an IAM decision `d` that did not allow (`bindingsRefusal`, as pod admission asks it): the
   * request decided against the caller's boundary and session policies with its request facts, as the authorize API's
   * union cuts a binding's grant (`limited` in src/app/authorize.ts; a binding names the principal, never its session:
   * review S, S4).
   */
  function bindingRefusal(caller: Caller, d: Decision, grant: () => { readonly allowed: boolean; readonly reason: string } | undefined, q: { action: string; resource: string; context: Record<string, string> | readonly Record<string, string>[] }): string | undefined {
    // A PassRole's contexts: one a name of the service (`bindingsRefusal`, review hq, 3).
    const contexts = Array.isArray(q.context) ? q.context : [q.context as Record<string, string>];
    return bindingsRefusal(d, grant, contexts.map((context) => ({ principal: caller.principal, action: q.action, resource: q.resource, context: contextOf(requestContext(caller, context)), time: now() })), caller.policies);
  }

  /**
   * `action` on `resource` as the authorize API answers it: IAM allows, or else a binding grants its permission
   * (`bindingRefusal`; review B7: `gatehouse authorize` answered Allow for training:CreateJob through roles/ml.developer
   * while `jobs run` was refused). Undefined when allowed; else the IAM decision and what bindings add ('' for nothing).
   */
  function unionRefusal(caller: Caller, action: string, resource: string, container?: string): { readonly d: Decision; readonly bindings: string } | undefined {
    const d = decide(caller, action, resource);
    if (d.decision === 'Allow') return undefined;
    // `container`: what a job's ARN lies in (its workspace's, a node's cluster's), which bindings' conditions read it
    // under (review uh, 2).
    const bindings = bindingRefusal(caller, d, () => options.permits?.(caller, action, resource, container), { action, resource, context: {} });
    return bindings === undefined ? undefined : { d, bindings };
  }

  /**
   * Whether an explicit Deny refuses `caller` one of `actions` on `arn`. A listing allowed on `…/*` answers each item
   * whole (a cluster's roles and mapping rules, a workspace's members), so a Deny naming one of them by its ARN, which
   * the List action decided on the literal `…/*` never meets, left it in the list while reading it alone was refused
   * (review rw, 1). An explicit Deny overrides any Allow, a binding's grant included.
   */
  function deniedByName(caller: Caller, actions: readonly string[], arn: string): boolean {
    return actions.some((action) => decide(caller, action, arn).decision === 'ExplicitDeny');
  }

  /** A refusal's reason: the IAM decision's, and what bindings add. */
  const refusalWords = (r: { readonly d: Decision; readonly bindings: string }): string => (r.bindings === '' ? r.d.summary : `${r.d.summary}; ${r.bindings}`);

  /**
   * Passing `roleArn` to `service`: `iam:PassRole`/`ram:PassRole` (the caller's partition) allowed by IAM, or else
   * a binding granting `iam.serviceAccounts.actAs` on the role (`bindingRefusal`). Undefined when allowed; else the
   * role check's refusal, with why.
   */
  function passRoleRefusal(caller: Caller, roleArn: string, services: readonly string[], associated: string): Result<never> | undefined {
    const passAction = caller.partition === 'acs' ? 'ram:PassRole' : 'iam:PassRole';
    const service = services[0] as string;
    // `associated`: the job's ARN, the resource the role goes with (`iam:AssociatedResourceArn`, review gb, 5).
    const with_ = <C extends Record<string, string | string[]>>(ctx: C): C & { [ASSOCIATED_RESOURCE]: string } => ({ ...ctx, [ASSOCIATED_RESOURCE]: associated });
    // On the role's canonical ARN; a Deny spelling the role or the action in the other dialect applies as well (review
    // U, U1): `ram:PassRole` and `iam:PassRole`, `acs:ram::A:role/x` and `arn:aws:iam::A:role/x` name one thing. So does
    // a Deny naming the service by another of its names (`decideForService`, review gb, 3).
    const parsed = parseRoleArn(roleArn);
    const onService = (a: string, r: string): Decision => decideForService(services, (ctx) => decide(caller, a, r, with_(ctx)));
    const d = parsed ? decideOnRole({ ...parsed, partition: caller.partition }, passAction, onService) : onService(passAction, roleArn);
    if (d.decision === 'Allow') return undefined;
    // The binding's grant, cut by the caller's limits under each name of the service as IAM's Allow is decided (review hq, 3).
    const bindings = bindingRefusal(caller, d, () => options.actAs?.(caller, roleArn), { action: passAction, resource: roleArn, context: services.map((svc) => with_(passedToContext(svc))) });
    if (bindings === undefined) return undefined;
    return failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: ${caller.principal.arn} is not allowed to perform ${passAction} on ${roleArn} (passed to ${service}): ${refusalWords({ d, bindings })}`);
  }

  /**
   * The first of `services` that the role's trust policy lets assume it (as `roleArn`) for the job `jobId`, or
   * undefined: decided with the `aws:SourceAccount` and `aws:SourceArn` (the job's ARN) its sessions are issued with
   * (`issueFor`), so that a trust conditioned on them, as AWS's confused-deputy guidance has it, is trusted here too.
   */
  function trustingService(role: RoleRecord, partition: Partition, roleArn: string, services: readonly string[], jobId: string, tags: Readonly<Record<string, string>>): { readonly allowed?: string; readonly denied?: string } {
    const trust = cachedTrust(cache, role);
    if (!trust) return {};
    // With the session tags the job's sessions carry, as issuance decides it (review hp, 7).
    const context = contextOf(serviceTrustContext(role.account, jobArn(partition, role.account, jobId), tags));
    // Refused when it denies the service by any of its names, as issuance refuses it (`trustedServiceName`, review gj, 4).
    return trustedServiceName(services, (service) => evaluate({ principal: { kind: 'service', arn: service, partition, account: '' }, action: 'sts:AssumeRole', resource: roleArn, context, time: now() }, { identity: [], trust }).decision);
  }

  /**
   * The refusal of a role whose trust policy does not let `services` assume it for the job (`trust`, `trustingService`'s
   * answer), or undefined when it does: a Deny that applies said as one, not as an Allow missing (review qo, 4).
   */
  function untrusted(trust: { readonly allowed?: string; readonly denied?: string } | undefined, partition: Partition, roleArn: string, service?: string): Result<never> | undefined {
    if (trust?.allowed !== undefined) return undefined;
    return failWith('ACCESS_DENIED', `${ASSUME_FAILED}: ${trust?.denied !== undefined ? trustDenied(roleArn, trust.denied) : trustFix(partition, roleArn, service)}`);
  }

  /** Does the role trust one of the training service names, for the job `jobId`? The name it trusts, or the one it denies. */
  async function trustedTrainingService(tx: ReadTx, partition: Partition, account: string, roleName: string, jobId: string, workspace: string): Promise<{ readonly allowed?: string; readonly denied?: string } | undefined> {
    const role = await tx.roles.get(account, roleName);
    return role && trustingService(role, partition, roleArnOf(partition, account, role.path, role.name), trainingServices(partition), jobId, jobSessionTags({ workspace, id: jobId }));
  }

  /**
   * Creates the account's default training role in `tx` when it is not there: it trusts the training service, and each
   * job's session narrows it. What it wrote (for the audit record), or undefined when the role was there. Called in the
   * transaction that stores the job it is for (`storeNewJob`), so a submission refused there (the account's quota of
   * live jobs) creates no role (review gb, 2).
   */
  async function createDefaultRole(tx: WriteTx, partition: Partition, account: string, gate?: () => Result<never> | undefined): Promise<Record<string, unknown> | Result<never> | undefined> {
    const name = defaultRoleName(partition);
    if (await tx.roles.get(account, name)) return undefined;
    // The role is not there: making it changes the directory, which the closed audit gate may refuse.
    const closed = gate?.();
    if (closed !== undefined) return closed;
    const trust = partition === 'acs'
      ? { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: trainingServices('acs') } }] }
      : { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: trainingServices('aws') } }] };
    const record = {
      account,
      name,
      path: '/',
      id: uniqueId(ID_PREFIX.role, deps.randomBytes(32)),
      created: isoSeconds(now()),
      trustPolicy: JSON.stringify(trust),
      description: 'Default role of training jobs: each job session reaches only its workspace default bucket and the submitter’s tables',
      maxSessionDuration: 43200,
      tags: [],
      permissionsBoundary: null,
    };
    const created = await tx.roles.create(record);
    if (!created.ok) {
      if (created.error.code === 'ENTITY_ALREADY_EXISTS') return undefined;
      throw new Error(created.error.message);
    }
    const scope = defaultRoleScope(partition);
    await tx.inlinePolicies.put({ type: 'role', account, name }, 'training-default-scope', JSON.stringify(scope));
    return { roleName: name, roleId: record.id, path: record.path, arn: roleArnOf(partition, account, record.path, name), trustPolicy: trust, description: record.description, maxSessionDuration: record.maxSessionDuration, inlinePolicies: { 'training-default-scope': scope } };
  }

  /**
   * The creation of the account's default role by `caller`'s submission, in the audit log as any CreateRole is (kind
   * `change`, by its caller, about the role): it was made and never recorded (review gb, 2). `decision`: `ok`, or
   * OUTCOME_UNKNOWN when the COMMIT answer of the transaction that made it was lost.
   */
  function recordDefaultRole(caller: Caller, after: Record<string, unknown>, job: string, decision: string, error?: string): void {
    if (!deps.audit) return;
    const arn = String(after['arn']);
    const who = actorOf(caller);
    deps.audit.record({
      kind: 'change',
      account: caller.account,
      ...who,
      action: `${caller.partition === 'acs' ? 'ram' : 'iam'}:CreateRole`,
      resource: arn,
      decision,
      ...aboutRole(who.role, arn),
      detail: { via: 'training:CreateJob', forJob: job, before: null, after, ...(error !== undefined ? { error } : {}) },
    });
  }

  /** The cap on a session policy's length, in characters. */
  const SESSION_POLICY_CAP = 2048;

  /**
   * The per-job session policy of the default role: the workspace default bucket, plus the table statements of the
   * submitter's own policies (`ownerTableStatements`), so the job's table rights are never more than the owner's.
   * Session policies are capped at 2,048 characters: the owner's table Allows are dropped first (last first); every
   * Deny is kept, and when the Denies alone do not fit the submit is refused.
   */
  async function defaultSessionPolicy(tx: ReadTx, partition: Partition, ws: Workspace, owner: Submitter): Promise<Result<string>> {
    const head: unknown[] = [];
    if (ws.defaultBucket) head.push(defaultBucketStatement(ws.defaultBucket));
    let version = partition === 'acs' ? '1' : '2012-10-17';
    let { denies, allows, awsDialect } = await ownerTableStatements(tx, owner, version);
    // An `acs` owner's statements in AWS's dialect (taken in any account, DESIGN.md) are carried in AWS's, which holds
    // RAM's too: written into RAM's `Version: "1"`, a Deny with an operator RAM's language lacks (`…IfExists`, `Null`,
    // `Arn*`) left the session policy unreadable, and the job was denied everything, its own bucket and the tables its
    // owner reads included; and their policy variables would have been literal text there (review vp, 2).
    if (version === '1' && awsDialect) {
      version = '2012-10-17';
      ({ denies, allows } = await ownerTableStatements(tx, owner, version));
    }
    const render = (): string => {
      const statements = [...head, ...denies, ...allows];
      // A session policy with no statement would be invalid; one that allows nothing says what it means.
      if (statements.length === 0) statements.push({ Effect: 'Deny', Action: '*', Resource: '*' });
      return JSON.stringify({ Version: version, Statement: statements });
    };
    let doc = render();
    while (doc.length > SESSION_POLICY_CAP && allows.length > 0) {
      allows.pop();
      doc = render();
    }
    if (doc.length > SESSION_POLICY_CAP) {
      return failWith('VALIDATION_ERROR', `the default role's session policy for this job would be ${doc.length} characters, over the ${SESSION_POLICY_CAP}-character cap of session policies, with only the workspace bucket and the ${denies.length} Deny statement(s) of ${owner.arn}'s policies that may concern tables (which a default-role job must carry): shorten those Deny statements, or submit with a role of your own (--role <arn>)`);
    }
    return ok(doc);
  }

  /**
   * Records a job's start (a submit, a node) or its refusal, with the platform's message, in the audit log; never
   * its capability. A malformed or unknown request (any other error) is not recorded.
   */
  function recordStart(caller: Caller, r: Result<Submitted>, what: { action: string; resource: string; role: string | undefined; detail: Record<string, unknown> }): void {
    // Refusals of who may start it, and of its account's quota of live jobs (review av, 1), are recorded; bad input is not.
    // And a refusal of the closed audit gate (review gm, 1), queued and journaled as the directory's are.
    const code = r.ok ? undefined : r.errors[0]?.code;
    const denied = r.ok ? undefined : code === 'ACCESS_DENIED' || code === 'LIMIT_EXCEEDED' || code === 'SERVICE_UNAVAILABLE' ? r.errors[0] : undefined;
    if (!deps.audit || !(r.ok || denied)) return;
    // The submitter: who, in which session, from which address (`actorOf`); the job's role, and the submitter's when another.
    const who = actorOf(caller);
    deps.audit.record({
      kind: 'job',
      account: caller.account,
      ...who,
      action: what.action,
      resource: what.resource,
      decision: r.ok ? 'Allow' : 'Deny',
      ...(what.role !== undefined ? aboutRole(who.role, what.role) : {}),
      ...(r.ok ? { job: r.value.job.id } : {}),
      detail: { ...what.detail, ...(denied ? { error: denied.message } : {}) },
    });
  }

  /**
   * A job's start whose COMMIT answer was lost (StoreOutcomeUnknownError): the job may exist, and a change made must be
   * in the log (as the directory records its own, review aa11). Recorded with decision OUTCOME_UNKNOWN, the job it would
   * have stored as `after` (never its capability: only its hash is stored, and that is left out too), and the error.
   */
  function recordUnknownStart(caller: Caller, job: StoredJob | undefined, e: Error, what: { action: string; resource: string; role: string | undefined; detail: Record<string, unknown> }): void {
    if (!deps.audit) return;
    const role = job?.role.arn ?? what.role;
    const who = actorOf(caller);
    deps.audit.record({
      kind: 'job',
      account: caller.account,
      ...who,
      action: what.action,
      resource: what.resource,
      decision: 'OUTCOME_UNKNOWN',
      ...(role !== undefined ? aboutRole(who.role, role) : {}),
      ...(job !== undefined ? { job: job.id } : {}),
      detail: { ...what.detail, before: null, ...(job !== undefined ? { after: jobView(job) } : {}), error: e.message },
    });
  }

  /** A job as a record shows it: without its capability's hash or its (stored) session policy. */
  const jobView = (job: StoredJob): JobAnswer => {
    const { capabilityHash: _c, rankCapabilityHash: _r, sessionPolicy: _p, ...view } = job;
    return view;
  };

  /** Submits, and records the submission or its refusal in the audit log. */
  async function submit(caller: Caller, input: SubmitInput): Promise<Result<Submitted>> {
    // The workspace and role as stored once found (names are found whatever their case): recorded as asked, a job of
    // workspace `vision` submitted as `VISION` was recorded on `workspace/VISION`, and a refusal for role `role/TRAINER`
    // was not found by `audit query --role` with the role's ARN (review gb, 6).
    const what = (r: Result<Submitted> | undefined) => {
      const workspace = r?.ok ? r.value.job.workspace : seen.workspace ?? input.workspace;
      return {
        action: 'training:CreateJob',
        resource: workspaceArn(caller.partition, caller.account, workspace),
        role: r?.ok ? r.value.job.role.arn : seen.roleArn ?? (input.role.includes(':') ? input.role : undefined),
        detail: { workspace, role: input.role, ...(input.name !== undefined ? { name: input.name } : {}), replicas: input.replicas ?? 1 },
      };
    };
    const seen: SubmitSeen = {};
    return recordedStart(caller, seen, what, () => submitChecked(caller, input, seen));
  }

  /**
   * Runs a start (`run`), then records it or its refusal (`recordStart`); one whose COMMIT answer was lost, as of
   * unknown outcome with the job it stored (`seen.job`, review ab2), and thrown on.
   */
  async function recordedStart<R extends Result<Submitted>>(caller: Caller, seen: { readonly job?: StoredJob; committed?: (r: R) => void }, what: (r: R | undefined) => Parameters<typeof recordStart>[2], run: () => Promise<R>): Promise<R> {
    // A start is recorded as its job's transaction commits (`seen.committed`, called by the start with what it will
    // answer), before the store's reload that follows: a process killed during that read keeps the record (review ji, 2).
    let recorded = false;
    seen.committed = (r) => {
      recorded = true;
      recordStart(caller, r, what(r));
    };
    let r: R;
    try {
      r = await run();
    } catch (e) {
      if (isStoreOutcomeUnknown(e) && !recorded) recordUnknownStart(caller, seen.job, e, what(undefined));
      throw e;
    }
    if (!recorded) recordStart(caller, r, what(r));
    return r;
  }

  /** What a submission's checks found, for its record: the job stored, and the workspace's and role's own names. */
  interface SubmitSeen {
    job?: StoredJob;
    /** Told as the job's transaction commits, with the answer the submission will give (`recordedStart`). */
    committed?: (r: Result<Submitted>) => void;
    workspace?: string;
    roleArn?: string;
  }

  /**
   * What to say of a job's `role` that is not `default`, `none` or an ARN: the form an ARN takes and, for a role name
   * (`trainer`, `role/team/trainer`), the ARN of the account's role of that name when the caller may pass it to a job
   * and submit one in the workspace (`wsArn`): what a submission naming the role by its ARN would let it learn.
   */
  async function notAnArn(tx: ReadTx, caller: Caller, given: string, jobId: string, wsArn: string): Promise<string> {
    const { partition, account } = caller;
    const form = partition === 'acs' ? 'acs:ram::<account>:role/<name>' : 'arn:aws:iam::<account>:role/<name>';
    const said = `\`role\` takes \`default\`, \`none\` or a role ARN (${form}), got \`${shortName(given)}\``;
    const name = given.slice(given.lastIndexOf('/') + 1);
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) return said;
    const role = await tx.roles.get(account, name);
    const arn = role && roleArnOf(partition, account, role.path, role.name);
    const told = arn !== undefined && passRoleRefusal(caller, arn, trainingServices(partition), jobArn(partition, account, jobId)) === undefined && unionRefusal(caller, 'training:CreateJob', wsArn) === undefined;
    if (role && told) return `${said}; the role named \`${role.name}\` is ${arn}`;
    return `${said}; for a role named \`${name}\`, give ${roleArnOf(partition, account, '/', name)} (with the role's path, if it has one)`;
  }

  /** What to say of a job's `role` that starts `arn:`/`acs:` but is no role ARN (review km, 1): the form wanted. */
  function notARoleArn(partition: Caller['partition'], given: string): string {
    const form = partition === 'acs' ? 'acs:ram::<account>:role/<name>' : 'arn:aws:iam::<account>:role/<name>';
    return `\`role\` takes \`default\`, \`none\` or a role ARN (${form}), got \`${shortName(given)}\`, which is not a role ARN (the resource part must be \`role/\`, a path if any, and a name of 1-64 letters, digits or \`+=,.@_-\`)`;
  }

  async function submitChecked(caller: Caller, input: SubmitInput, seen: SubmitSeen): Promise<Result<Submitted>> {
    const partition = caller.partition;
    const account = caller.account;
    const replicas = input.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 1024) return failWith('VALIDATION_ERROR', `replicas must be an integer from 1 to 1024, got \`${String(input.replicas)}\``, 'replicas');
    if (input.name !== undefined && !/^[A-Za-z0-9][\w.-]{0,127}$/.test(input.name)) return failWith('VALIDATION_ERROR', `job name \`${shortName(input.name)}\` must be 1–128 letters, digits, \`_.-\`, starting with a letter or digit`, 'name');

    type Checked = { ws: Workspace; roleArn: string | undefined; mode: Job['role']['mode'] };
    // The job's id is drawn first: the role's trust is decided for the job's ARN (`aws:SourceArn`).
    const id = newJobId();
    return deps.store.read(async (tx): Promise<Result<Checked>> => {
      const ws = await getWorkspace(tx, account, input.workspace);
      if (ws) seen.workspace = ws.name;
      // 1. The role.
      let roleArn: string | undefined;
      let mode: Job['role']['mode'];
      const named = input.role === 'none' || input.role === 'default' ? undefined : parseRoleArn(input.role);
      if (input.role === 'none') mode = 'none';
      // The default role by its ARN, in any spelling, is `default`: the role holds s3:*, odps:* and tables:* on *, and
      // only the per-job session policy of a default-role job makes it safe to run as (review S, S5).
      else if (input.role === 'default' || (named && named.account === account && named.name.toLowerCase() === defaultRoleName(partition).toLowerCase())) mode = 'default';
      else {
        mode = 'custom';
        const parsed = parseRoleArn(input.role);
        // Not an ARN (`trainer`, `role/team/trainer`): the field wants one. It was answered 403 "role trainer does not
        // exist", with the role right there (review kk, 1). The ARN of the role of that name is told only to a caller
        // allowed to pass it, so one allowed to pass no role still learns nothing of the account's roles (review ag).
        if (!parsed && !/^(arn|acs):/i.test(input.role)) return failWith<Checked>('VALIDATION_ERROR', await notAnArn(tx, caller, input.role, id, workspaceArn(partition, account, ws?.name ?? input.workspace)), 'role');
        // An ARN that is not a role's (a user's, a policy's, garbage after `arn:`, a name outside the rule) wants a role
        // ARN too: it was answered 403 "role … does not exist", blaming a permission (review km, 1). Nothing is read, so
        // every caller is told the same.
        if (!parsed) return failWith<Checked>('VALIDATION_ERROR', notARoleArn(partition, input.role), 'role');
        // Another account's role is never read: nothing is said of that account.
        if (parsed.account !== account) {
          return failWith<Checked>('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: role ${input.role} does not exist in account ${account} (a role of another account cannot be passed)`);
        }
        // The ARN must name the role exactly, path included, as AssumeRole finds it (sts.ts): one whose path is not the
        // role's names no role. Found by its name alone, `role/sandbox/finance-admin` ran the job as `role/finance-admin`,
        // and PassRole decided on the role's own ARN told a caller allowed only under `/sandbox/` which names and paths
        // the account's roles have (review hp, 1).
        const role = roleNamedBy(await tx.roles.get(account, parsed.name), parsed, partition);
        // PassRole is decided before the caller is told whether the role exists, on its ARN as stored or, for a role
        // not there, as given (as AWS decides iam:PassRole on the ARN it is handed): a submitter without it on a role
        // is refused alike whether the role exists or not. It was told `does not exist` for a name that was not a
        // role's, so any user of the account, allowed to pass no role, could list the account's role names (review ag).
        const arn = role ? roleArnOf(partition, account, role.path, role.name) : roleArnOf(partition, account, parsed.path, parsed.name);
        if (role) seen.roleArn = arn;
        const refused = passRoleRefusal(caller, arn, trainingServices(partition), jobArn(partition, account, id));
        if (refused) return refused;
        if (!role) return failWith<Checked>('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: role ${input.role} does not exist in account ${account}`);
        roleArn = arn;
      }
      // 2. The submitter: training:CreateJob on the workspace (its ARN as stored, or as named when there is none) before
      // whether it exists, for the same reason (review ag); then membership.
      const wsArn = workspaceArn(partition, account, ws?.name ?? input.workspace);
      const create = unionRefusal(caller, 'training:CreateJob', wsArn);
      if (create !== undefined) return failWith<Checked>('ACCESS_DENIED', `${SUB_USER_CHECK_FAILED}: ${caller.principal.arn} is not allowed to perform training:CreateJob on ${wsArn}: ${refusalWords(create)}`);
      // Said to a caller allowed to submit there, as the absence it is (`NO_SUCH_ENTITY`, exit 6, as run-node's cluster):
      // as ACCESS_DENIED (exit 9) a typo in the name read as a missing permission (review hz, 2). The wording stays.
      if (!ws) return failWith<Checked>('NO_SUCH_ENTITY', `${SUB_USER_CHECK_FAILED}: workspace ${input.workspace} does not exist in account ${account}`);
      const member = await isMember(tx, caller, ws);
      if (!member) return failWith<Checked>('ACCESS_DENIED', `${SUB_USER_CHECK_FAILED}: ${caller.principal.arn} is not a member of workspace ${ws.name}`);
      // A default bucket stored before it had to name one bucket (review S, S1) would open a default-role job to
      // every bucket it matches: such a workspace runs no default-role job until it is set again.
      const badBucket = mode === 'default' ? unusableDefaultBucket(ws) : undefined;
      if (badBucket !== undefined) return badBucket;
      // 3. The role trusts the training service.
      if (mode === 'custom' && roleArn !== undefined) {
        const parsed = parseRoleArn(roleArn);
        const refused = untrusted(parsed && (await trustedTrainingService(tx, partition, account, parsed.name, id, ws.name)), partition, roleArn);
        if (refused) return refused;
      }
      // The account's default role too, once it exists (`ensureDefaultRole` makes it trusting the service): an admin may
      // have changed its trust policy, and a job submitted then got no credentials, its processes refused at every read.
      if (mode === 'default') {
        const role = await tx.roles.get(account, defaultRoleName(partition));
        const arn = role && roleArnOf(partition, account, role.path, role.name);
        const refused = role && arn ? untrusted(trustingService(role, partition, arn, trainingServices(partition), id, jobSessionTags({ workspace: ws.name, id })), partition, arn) : undefined;
        if (refused) return refused;
        // Its ARN with the path it has (an admin may have made it under one): sessions are issued to the role the ARN
        // names, path included (review kb, 2).
        if (arn) roleArn = arn;
      }
      return ok({ ws, roleArn, mode });
    }).then(async (checked): Promise<Result<Submitted>> => {
      if (!checked.ok) return checked;
      let { roleArn } = checked.value;
      const { mode, ws } = checked.value;
      // What only the stored document carries: a default-role job's session policy, built in the job's own write
      // (`prepare`) from the workspace as stored then (review nb, 3).
      const extra: { sessionPolicy?: string } = {};
      if (mode === 'default') {
        const name = defaultRoleName(partition);
        // As it is stored, or as it is made with the job (at `/`).
        roleArn ??= partition === 'acs' ? `acs:ram::${account}:role/${name}` : `arn:aws:iam::${account}:role/${name}`;
      }
      const { job, capability, rankCapability } = newJob(caller, input.launcherUid, (id) => ({ workspace: ws.name, name: input.name ?? `job-${id}`, role: roleArn !== undefined ? { mode, arn: roleArn } : { mode }, replicas }), id);
      seen.job = job;
      // The default role, when the account has none yet, is made with the job, in its transaction (review gb, 2).
      const made: { role?: Record<string, unknown> | undefined } = {};
      // Making the role is a directory change: refused, with nothing stored, while the closed audit gate is shut, as
      // CreateRole is (review gm, 1: the role was made, its record only queued, with the audit log unwritable).
      const prepare = async (tx: WriteTx): Promise<Result<void>> => {
        // The workspace and the membership asked again in the job's own write: read only in the checks' transaction, a
        // workspace deleted in between (finding no live job yet, review hb, 1) or a member removed in between still got
        // the job, stored live in a workspace that no longer existed (review nb, 1).
        const still = await getWorkspace(tx, account, ws.name);
        if (!still) return failWith('NO_SUCH_ENTITY', `${SUB_USER_CHECK_FAILED}: workspace ${input.workspace} does not exist in account ${account}`);
        if (!(await isMember(tx, caller, still))) return failWith('ACCESS_DENIED', `${SUB_USER_CHECK_FAILED}: ${caller.principal.arn} is not a member of workspace ${still.name}`);
        if (mode !== 'default') return ok(undefined);
        // The session policy from the workspace as stored now: built in a read before this write, a default bucket moved
        // in between left the job reaching the old bucket for its whole life, and not the new one (review nb, 3).
        const badBucket = unusableDefaultBucket(still);
        if (badBucket !== undefined) return badBucket;
        const policy = await defaultSessionPolicy(tx, partition, still, submitterOf(caller));
        if (!policy.ok) return policy;
        extra.sessionPolicy = policy.value;
        const r = await createDefaultRole(tx, partition, account, () => deps.audit?.gate('the directory is not changed'));
        if (r !== undefined && r['ok'] === false) return r as Result<never>;
        made.role = r as Record<string, unknown> | undefined;
        return ok(undefined);
      };
      let stored: Result<void>;
      // Recorded as the transaction commits, before the reload (review ji, 2): the default role made with it, then the start.
      const atCommit = (): void => {
        if (made.role !== undefined) recordDefaultRole(caller, made.role, job.id, 'ok');
        seen.committed?.(ok({ job: jobView(job), capability, rankCapability }));
      };
      try {
        stored = await storeNewJob(job, extra, `submitted by ${job.submitter.arn} with role ${mode === 'none' ? 'none' : `${roleArn} (${mode})`}, ${replicas} replica(s)`, prepare, atCommit);
      } catch (e) {
        if (made.role !== undefined && isStoreOutcomeUnknown(e)) recordDefaultRole(caller, made.role, job.id, 'OUTCOME_UNKNOWN', e.message);
        throw e;
      }
      if (!stored.ok) return stored;
      return ok({ job: jobView(job), capability, rankCapability });
    });
  }

  /** The refusal of a default-role job in `ws` when its default bucket is not one bucket's ARN, or undefined. */
  function unusableDefaultBucket(ws: Workspace): Result<never> | undefined {
    if (ws.defaultBucket === undefined || defaultBucketName(ws.defaultBucket) !== undefined) return undefined;
    return failWith('VALIDATION_ERROR', `the default bucket \`${ws.defaultBucket}\` of workspace ${ws.name} is not the ARN of one bucket (no wildcards or object path), so no default-role job may run in it; set it again with \`gatehouse workspaces put ${ws.name} --default-bucket arn:aws:s3:::BUCKET\``);
  }

  /** A new job's id. */
  function newJobId(): string {
    return uniqueId('', deps.randomBytes(16), 12).toLowerCase();
  }

  /**
   * A new job of `caller`, Queued, with what `of` sets for its id (a node job names its cluster), and its capability:
   * shown once, only its hash is kept. The job's keys keep one order, the one stored and shown.
   */
  function newJob(
    caller: Caller,
    launcherUid: number | undefined,
    of: (id: string) => { workspace: string; name: string; role: Job['role']; replicas: number; node?: { cluster: string } },
    id: string = newJobId(),
  ): { job: StoredJob; capability: string; rankCapability: string } {
    const capability = toBase64Url(deps.randomBytes(32));
    // The ranks' own: with the launcher's in their environment, any rank heartbeat (a job whose launcher was killed kept
    // Running, its sessions alive, for as long as one rank beat) or ended its job for all (review nn, 1).
    const rankCapability = toBase64Url(deps.randomBytes(32));
    const f = of(id);
    const job: StoredJob = {
      id,
      account: caller.account,
      partition: caller.partition,
      workspace: f.workspace,
      name: f.name,
      // A role session (a node's starter) hands on its own SourceIdentity, which persists and cannot be changed, or
      // else its session ARN: never the free-form RoleSessionName its assumer chose (review S, S6). The job's sessions
      // carry this as their SourceIdentity (`sessionFacts`).
      submitter: { arn: caller.principal.arn, name: caller.user?.name ?? caller.principal.session?.sourceIdentity ?? caller.principal.arn },
      // The user's unique id: a user deleted and created again under the same name has another (`submitterRefusal`).
      ...(caller.user ? { submitterId: caller.user.id } : {}),
      role: f.role,
      replicas: f.replicas,
      state: 'Queued',
      created: isoSeconds(now()),
      capabilityHash: hash(capability),
      rankCapabilityHash: hash(rankCapability),
      ...(f.node ? { kind: 'node' as const, cluster: f.node.cluster } : {}),
      ...(launcherUid !== undefined ? { launcherUid } : {}),
    };
    return { job, capability, rankCapability };
  }

  /**
   * Stores a new job (with `extra`, what only its stored document carries) and its capability's hash, with its
   * `submitted` event; its launcher's silence is timed from now. LimitExceeded, and nothing stored, when its account
   * already has `maxLiveJobs` live jobs (`putLiveJob`, in the same transaction).
   */
  async function storeNewJob(job: StoredJob, extra: { sessionPolicy?: string }, message: string, prepare?: (tx: WriteTx) => Promise<Result<void>>, committed?: () => void): Promise<Result<void>> {
    const r = await deps.store.write<Result<void>>(async (tx, abort) => {
      const live = await putLiveJob(tx, job, maxLiveJobs);
      if (!live.ok) return abort(live);
      // What the job needs written with it (the account's default role, on its first default-role job); refused, nothing
      // is stored.
      const prepared = await prepare?.(tx);
      if (prepared !== undefined && !prepared.ok) return abort(prepared);
      await tx.kv.put(`${JOB}${job.id}`, JSON.stringify({ ...job, ...extra }));
      await tx.kv.put(`${JOBCAP}${job.capabilityHash}`, job.id);
      if (job.rankCapabilityHash !== undefined) await tx.kv.put(`${JOBCAP}${job.rankCapabilityHash}`, job.id);
      await tx.kv.put(jobIndexKey(job), jobIndexValue(job));
      await appendEvent(tx, job.id, 'submitted', message);
      return ok(undefined);
    }, { committed: (done) => {
      // `committed`: the job is stored (told before the store's reload, review ji, 2); not on a refusal (rolled back).
      if (done.ok) committed?.();
    } });
    if (r.ok) heartbeats.set(job.id, now());
    return r;
  }

  async function isMember(tx: ReadTx, caller: Caller, ws: Workspace): Promise<boolean> {
    const user = caller.user?.name;
    if (!user) return false;
    if (isWorkspaceMember(ws, user, [])) return true;
    return isWorkspaceMember(ws, user, (await tx.groups.listForUser(caller.account, user)).map((g) => g.name));
  }

  /** `extra.by`: who made the change (a stop), recorded as its principal; without it the job's submitter (its own end). */
  /**
   * `extra.report`: the launcher's report of the job's end. A job the store says has ended already (stopped or failed
   * through another instance within the second this one holds a job's copy) is answered as it is, as an end reported
   * after the end this instance knew of is: the report changes nothing. It was refused 400 ("job is Stopped; it cannot
   * become Succeeded"), and `gatehouse jobs run` said the end report failed.
   */
  async function setState(id: string, to: JobState, extra: { exitCode?: number; reason?: string; by?: Caller; report?: boolean; asIsWhenEnded?: boolean; onlyProvisional?: boolean } = {}): Promise<Result<Job>> {
    let from: JobState | undefined;
    // What the transaction read and would write, for the record of a change whose COMMIT answer was lost.
    let attempt: { readonly before: StoredJob; readonly after: Job } | undefined;
    /**
     * The audit record of the change from `from` to `to` (decision `to`), or of an attempt whose COMMIT answer was lost
     * (`OUTCOME_UNKNOWN`, with what it would have written: review ab2, as the directory records its own, aa11). Who
     * made it, so that `audit query --principal` finds a stop under them (review V, P5): not the job of their own
     * session, if any, since the record is the changed job's.
     */
    const record = (job: Job, from: JobState, decision: string, more: Record<string, unknown> = {}): void => {
      if (!deps.audit) return;
      const { job: _ownJob, ...by } = extra.by !== undefined ? actorOf(extra.by) : { principal: job.submitter.arn };
      deps.audit.record({
        kind: 'job',
        account: job.account,
        ...by,
        action: 'training:JobStateChange',
        resource: `job/${job.id}`,
        decision,
        ...(job.role.arn !== undefined ? aboutRole(by.role, job.role.arn) : {}),
        job: job.id,
        detail: {
          from,
          to,
          ...(extra.exitCode !== undefined ? { exitCode: extra.exitCode } : {}),
          ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
          ...(by.principal !== job.submitter.arn ? { submitter: job.submitter.arn } : {}),
          ...more,
        },
      });
    };
    // Recorded as the change commits, before the store reloads what it changed (a read of the database, which may hang):
    // a process killed in between left the job ended (or started) and its record nowhere, not even in the journal
    // (review iw, 5; as the directory's changes, iw 3).
    let recorded = false;
    const committed = (done: Result<Job>): void => {
      if (!done.ok || from === undefined || recorded) return;
      recorded = true;
      record(done.value, from, to);
    };
    const write = deps.store.write<Result<Job>>(async (tx, abort) => {
      const job = await readJob(tx, id);
      if (!job) return abort(failWith<Job>('NO_SUCH_ENTITY', `job ${id} does not exist`));
      if (job.state === to) return ok(job);
      if ((extra.report === true || extra.asIsWhenEnded === true) && TERMINAL.has(job.state)) return ok(job);
      // The sweep's end of an unconfirmed pod job: not of one its pod's credential request confirmed meanwhile.
      if (extra.onlyProvisional === true && !isProvisional(job)) return ok(job);
      if (!canTransition(job.state, to)) return abort(failWith<Job>('VALIDATION_ERROR', `job ${id} is ${job.state}; it cannot become ${to}`));
      const t = isoSeconds(now());
      const next: Job = {
        ...job,
        state: to,
        ...(to === 'Running' ? { started: t } : {}),
        ...(TERMINAL.has(to) ? { ended: t } : {}),
        ...(extra.exitCode !== undefined ? { exitCode: extra.exitCode } : {}),
        ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      };
      await tx.kv.put(`${JOB}${id}`, JSON.stringify({ ...(JSON.parse((await tx.kv.get(`${JOB}${id}`)) ?? '{}') as object), ...next }));
      if (TERMINAL.has(to)) {
        await tx.kv.delete(jobLiveKey(id));
        await tx.kv.delete(jobLiveAccountKey(job.account, id));
        await tx.kv.delete(jobProvisionalKey(job.account, id));
        await tx.kv.delete(`${JOBBEAT}${id}`);
        await tx.kv.delete(jobSessionKey(id));
        // The job's sessions end with it, in this transaction: written after it, an instance killed (or a database lost)
        // between the two left a job Stopped everywhere whose sessions worked on until they expired (review fh, 3). The
        // instant as `live.revoke` below writes it (the allowed skew ahead, review bq).
        await putRevocation(tx, 'job', id, now() + CLOCK_SKEW_MS);
      }
      await tx.kv.put(jobIndexKey(next), jobIndexValue(next));
      await appendEvent(tx, id, TERMINAL.has(to) ? 'ended' : 'started', TERMINAL.has(to) ? `${to}${extra.exitCode !== undefined ? ` (exit ${extra.exitCode})` : ''}${extra.reason ? `: ${extra.reason}` : ''}` : 'running');
      from = job.state;
      attempt = { before: job, after: next };
      return ok(next);
    }, { committed });
    let r: Result<Job>;
    try {
      r = await write;
    } catch (e) {
      // The connection was lost as the state change committed: it may have been made (a stop, an end), and a change
      // made must be in the log (as the directory records its own, review aa11). Recorded as of unknown outcome.
      if (isStoreOutcomeUnknown(e) && attempt !== undefined) {
        record(attempt.before, attempt.before.state, 'OUTCOME_UNKNOWN', { before: jobView(attempt.before), after: jobView(attempt.after as StoredJob), error: e.message });
      }
      // An end (a stop) that may have been made takes the job's credentials away as one made does: else `jobs get` may
      // show it Stopped while the sessions it was given keep working until they expire (review ab6). Should it not have
      // committed, the job still runs and is given new sessions at its next fetch (its cached ones are dropped).
      if (isStoreOutcomeUnknown(e) && attempt !== undefined && TERMINAL.has(to)) {
        deliveries.delete(id);
        await live.revoke('job', id, now()).catch(() => {});
      }
      throw e;
    }
    if (r.ok && from !== undefined && !recorded) record(r.value, from, to);
    if (r.ok && TERMINAL.has(r.value.state)) {
      // The job's sessions stop working everywhere (revocation list), and its cache entry goes. Every session of the job,
      // issued before its end by whichever instance: an entry refuses the sessions stamped at or before its instant, and
      // an instance whose clock runs ahead of this one stamped its sessions of the job after this instant (30 s ahead: a
      // session issued within 30 s before the end kept working until it expired; review bq). An ended job is given no
      // session again (`issueIfLive`), so the allowed skew ahead refuses only the job's own. Not so for an end whose
      // outcome is unknown (above): the job may still run, and its next sessions must work.
      await live.revoke('job', id, now() + CLOCK_SKEW_MS);
      forget(r.value.id, capabilityHashesOf(r.value));
      for (const l of listeners) l.ended(r.value);
    }
    return r;
  }

  /**
   * Why the user who submitted `job` may no longer have it run as them (disabled, or deleted), or undefined. A job
   * started by a role session (a node) has no user to ask. The directory is mirrored in memory (`live.principals`);
   * the store is read only for a user the mirror does not hold.
   *
   * A user deleted and created again under the same name is another principal, with another unique id (as AWS gives
   * it): the jobs of the user deleted do not run on as the new one. A job stored without its submitter's id (before it
   * was recorded: a job's before 98d7d16, a pod's before the user passing its role was recorded) keeps the check by name.
   * A user renamed since keeps its jobs (found by its id): renaming is not deleting.
   */
  async function submitterRefusal(job: StoredJob): Promise<string | undefined> {
    if (!/^(?:arn:[a-z-]+:iam|acs:ram)::\d+:user\//.test(job.submitter.arn)) return undefined;
    const name = job.submitter.name;
    const hit = live.principals.get(userKey(job.account, name));
    const user = hit && 'user' in hit ? hit.user : await deps.store.read((tx) => tx.users.get(job.account, name));
    if (job.submitterId !== undefined && user?.id !== job.submitterId) {
      // Renamed since (UpdateUser NewUserName keeps the unique id, as in AWS): the same user, whose jobs run on; found
      // as a default-role job's sessions find their owner (`sts.ownerEntry`).
      const renamed = (await sts.ownerEntry(undefined, job.account, { name, id: job.submitterId }))?.user;
      if (renamed) return renamed.disabled ? `its submitter, user ${renamed.name} (${name} when it submitted the job), was disabled` : undefined;
      return user ? `its submitter, user ${name}, was deleted (${job.submitterId}); the user ${name} now is another user (${user.id})` : `its submitter, user ${name}, was deleted`;
    }
    if (!user) return `its submitter, user ${name}, was deleted`;
    return user.disabled ? `its submitter, user ${name}, was disabled` : undefined;
  }

  /**
   * Ends a live job whose submitter was disabled or deleted (review S, S8): as AWS has no disabled user, Gatehouse
   * says what one means, and a disabled user's jobs stop running as them. The job is Stopped with the reason, so its
   * sessions are revoked everywhere and its endpoints and launcher answer as for any ended job. Why, when it ended.
   */
  async function endedForSubmitter(job: StoredJob): Promise<string | undefined> {
    const why = await submitterRefusal(job);
    if (why === undefined) return undefined;
    const r = await setState(job.id, 'Stopped', { reason: why });
    if (r.ok) return r.value.reason ?? why;
    return TERMINAL.has(job.state) ? why : undefined;
  }

  /** The launcher reports: started, heartbeat, ended. Returns whether a stop was requested. */
  async function heartbeat(id: string): Promise<Result<{ stop: boolean; state: JobState; reason?: string }>> {
    const job = await deps.store.read((tx) => readJob(tx, id));
    if (!job) return failWith('NO_SUCH_ENTITY', `job ${id} does not exist`);
    // The heartbeat that ends it says why, as every later one does: the launcher said only "was stopped" (review hp, 8).
    const ended = TERMINAL.has(job.state) ? undefined : await endedForSubmitter(job);
    if (ended !== undefined) return ok({ stop: true, state: 'Stopped', reason: ended });
    if (!TERMINAL.has(job.state)) heard(id, now());
    // The move to Running reads the job again in its own transaction: a job stopped (or failed) since the read above is
    // not moved, and is answered as that write found it, ended, not as Running with `stop: false` (review pq, 4: the
    // launcher ran the job's processes on until its next beat).
    let state: { readonly state: JobState; readonly reason?: string | undefined } = job;
    if (job.state === 'Queued') {
      const started = await setState(id, 'Running');
      const current = started.ok ? started.value : await deps.store.read((tx) => readJob(tx, id));
      if (!current) return failWith('NO_SUCH_ENTITY', `job ${id} does not exist`);
      state = current;
    }
    // Any end stops the processes, not only a stop: a job the sweep marked Failed while its launcher was unheard (a
    // network cut, a suspended host) has its sessions revoked and its endpoints answer 410, and its ranks ran on without
    // credentials, the job Failed on the server and running on the node (review ag, 9).
    const over = TERMINAL.has(state.state);
    return ok({ stop: over, state: state.state, ...(state.reason !== undefined && over ? { reason: state.reason } : {}) });
  }

  /** When the sweep last read every job (`FULL_SWEEP_MS`); undefined before the first sweep. */
  let fullSweepAt: number | undefined;

  /**
   * The jobs a sweep looks at: those the live index names (`LIVE`); or, at the first sweep and then every
   * `FULL_SWEEP_MS`, every job stored, indexing the live ones it did not name. Every job ever stored was read and parsed
   * at every sweep, every 5 s on every instance: 20,000 ended jobs took the event loop 110 ms each time on SQLite, whose
   * reads are synchronous, and held every request meanwhile (review ag, 7).
   */
  async function sweptJobs(t: number): Promise<StoredJob[]> {
    // Jobs whose document cannot be read: left out, and kept in the index as they are (whether they live is unknown).
    const unread = new Set<string>();
    const leftOut: UnreadableDoc = (key, text) => {
      unread.add(key.slice(JOB.length));
      unreadable(key, text);
    };
    const read = fullSweepAt !== undefined && t - fullSweepAt < FULL_SWEEP_MS
      ? await deps.store.read(async (tx) => {
          const ids = (await tx.kv.list(LIVE)).map((e) => e.key.slice(LIVE.length));
          const docs = await tx.kv.getMany(ids.map((id) => `${JOB}${id}`));
          const all: StoredJob[] = [];
          for (const [key, text] of docs) {
            const v = parsedDoc(text);
            if (v === undefined) leftOut(key, text);
            else all.push(v as StoredJob);
          }
          return { all, indexed: new Set(ids), full: false };
        })
      : await deps.store.read(async (tx) => ({ all: await listDocs<StoredJob>(tx, JOB, leftOut), indexed: new Set((await tx.kv.list(LIVE)).map((e) => e.key.slice(LIVE.length))), full: true }));
    // Live jobs the index does not name (stored by a writer that does not index), and ended ones it still names (ended by
    // such a writer, or deleted): put right in one write, each as the job stands in it.
    const unindexed = read.all.filter((j) => !TERMINAL.has(j.state) && !read.indexed.has(j.id)).map((j) => j.id);
    const found = new Set([...read.all.map((j) => j.id), ...unread]);
    const stale = [...read.all.filter((j) => TERMINAL.has(j.state) && read.indexed.has(j.id)).map((j) => j.id), ...[...read.indexed].filter((id) => !found.has(id))];
    if (unindexed.length + stale.length > 0) {
      await deps.store.write(async (tx) => {
        for (const id of [...unindexed, ...stale]) {
          const v = await readJob(tx, id);
          const account = typeof v?.account === 'string' ? v.account : undefined;
          if (v !== undefined && !TERMINAL.has(v.state)) {
            await tx.kv.put(jobLiveKey(id), id);
            if (account !== undefined) await tx.kv.put(isProvisional(v) ? jobProvisionalKey(account, id) : jobLiveAccountKey(account, id), id);
          } else {
            await tx.kv.delete(jobLiveKey(id));
            if (account !== undefined) await tx.kv.delete(jobLiveAccountKey(account, id));
            if (account !== undefined) await tx.kv.delete(jobProvisionalKey(account, id));
          }
        }
      });
    }
    if (read.full) {
      fullSweepAt = t;
      await repairLiveAccountIndex(read.all);
      await repairProvisionalIndex(read.all);
      const repaired = repairJobIndex(read.all);
      jobIndexChecked ??= repaired.catch(() => (jobIndexChecked = undefined));
      await repaired;
    }
    return read.all;
  }

  /**
   * Puts the index under `prefix` right against `all`, every job stored: the entry `entryOf` gives each job (key and
   * value), and none for a job it gives none or not there. Each job is read again in the write that indexes it, so a
   * job changed, ended or submitted meanwhile is not put back wrong; 200 jobs a transaction, so a first indexing of
   * many never holds the store's write lock long.
   */
  async function repairIndex(prefix: string, all: readonly StoredJob[], entryOf: (job: StoredJob) => readonly [key: string, value: string] | undefined): Promise<void> {
    const indexed = await deps.store.read(async (tx) => new Map((await tx.kv.list(prefix)).map((e) => [e.key, e.value])));
    // The jobs whose entry is missing or says otherwise, and the entries of jobs not there (or not there so).
    const todo = new Map<string, string[]>();
    const wanted = new Set<string>();
    for (const j of all) {
      const entry = entryOf(j);
      if (entry === undefined) continue;
      wanted.add(entry[0]);
      if (indexed.get(entry[0]) !== entry[1]) todo.set(j.id, []);
    }
    for (const k of indexed.keys()) {
      if (wanted.has(k)) continue;
      const id = k.slice(k.lastIndexOf('/') + 1);
      todo.set(id, [...(todo.get(id) ?? []), k]);
    }
    const ids = [...todo.keys()];
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200);
      await deps.store.write(async (tx) => {
        const docs = await tx.kv.getMany(part.map((id) => `${JOB}${id}`));
        for (const id of part) {
          const text = docs.get(`${JOB}${id}`);
          const doc = text === undefined ? undefined : parsedDoc(text);
          // A document that cannot be read (left out of `all`): its entries stay as they are, whether it lives is unknown.
          if (text !== undefined && doc === undefined) continue;
          const entry = doc === undefined ? undefined : entryOf(doc as StoredJob);
          if (entry !== undefined) await tx.kv.put(entry[0], entry[1]);
          for (const stale of todo.get(id) ?? []) if (stale !== entry?.[0]) await tx.kv.delete(stale);
        }
      });
    }
  }

  /**
   * Puts the index of each account's live jobs (`LIVE_BY_ACCOUNT`) right against `all`: an entry for each live job,
   * none for a job ended or not there. Live jobs stored before the index (or by a writer that does not write it) are
   * so counted against their account's quota from the first full sweep on.
   */
  function repairLiveAccountIndex(all: readonly StoredJob[]): Promise<void> {
    return repairIndex(LIVE_BY_ACCOUNT, all, (j) => (!TERMINAL.has(j.state) && !isProvisional(j) && typeof j.account === 'string' ? [jobLiveAccountKey(j.account, j.id), j.id] : undefined));
  }

  /** Puts the index of each account's provisional pod jobs (`PROVISIONAL_BY_ACCOUNT`) right against `all`, as `repairLiveAccountIndex` its live one. */
  function repairProvisionalIndex(all: readonly StoredJob[]): Promise<void> {
    return repairIndex(PROVISIONAL_BY_ACCOUNT, all, (j) => (!TERMINAL.has(j.state) && isProvisional(j) && typeof j.account === 'string' ? [jobProvisionalKey(j.account, j.id), j.id] : undefined));
  }

  /** Whether this instance has checked the account index of jobs against the jobs stored (`repairJobIndex`), or is checking. */
  let jobIndexChecked: Promise<void> | undefined;

  /**
   * Puts the account index of jobs (`BY_ACCOUNT`) right against `all`: an entry for each job, with its workspace and
   * state (20,000 jobs stored before the index: 0.4 s on SQLite, 11 s on PostgreSQL, once).
   */
  function repairJobIndex(all: readonly StoredJob[]): Promise<void> {
    return repairIndex(BY_ACCOUNT, all, (j) => (typeof j.created === 'string' && typeof j.account === 'string' ? [jobIndexKey(j), jobIndexValue(j)] : undefined));
  }

  /** Indexes, once an instance, the jobs stored before the account index was written (or by a writer that does not write it). */
  function jobIndexReady(): Promise<void> {
    jobIndexChecked ??= deps.store.read((tx) => listDocs<StoredJob>(tx, JOB, unreadable)).then(repairJobIndex).catch((e: unknown) => {
      jobIndexChecked = undefined;
      throw e;
    });
    return jobIndexChecked;
  }

  /**
   * Set when a sweep could not read the store. A launcher's heartbeat reads the store too, so none was heard meanwhile
   * (nor written): the next sweep that can gives every live job one timeout, as after a restart. Else an outage longer
   * than the timeout failed every job at its end (review bi).
   */
  let sweepFailed = false;

  /**
   * Marks Failed every live job whose launcher has gone silent (process gone, or server restarted and no one came back).
   * One pass at a time: a call while one runs gets that one's answer. The server starts a pass every sweep interval, and
   * on a slow store (answering, not down) passes piled up, each holding a connection and reading every live job (review
   * bu).
   */
  const sweep = (): Promise<number> => (sweepRun ??= sweepOnce().finally(() => (sweepRun = undefined)));
  let sweepRun: Promise<number> | undefined;

  async function sweepOnce(): Promise<number> {
    const t = now();
    let failed = 0;
    let all: StoredJob[];
    let elsewhere: Map<string, number>;
    let swept: Set<string>;
    try {
      all = await sweptJobs(t);
      swept = new Set(all.filter((j) => !TERMINAL.has(j.state) && !j.pod).map((j) => j.id));
      elsewhere = await storedBeats([...swept]);
      // Before the entries below go: a job held here only by its heartbeat (or its metadata port) is told ended too. The
      // live jobs were just read: only the documents of those held and not among them are read again.
      await forgetEndedOnce(new Set(all.filter((j) => !TERMINAL.has(j.state)).map((j) => j.id)));
    } catch (e) {
      sweepFailed = true;
      throw e;
    }
    const afterOutage = sweepFailed;
    sweepFailed = false;
    // The sweep's entries of jobs it did not read live (ended ones `forgetEnded` dropped whole above, with all else held
    // of them). A job submitted or heard since the read loses its entry and is given one timeout at the next sweep.
    for (const id of beatsSeen.keys()) if (!swept.has(id)) beatsSeen.delete(id);
    for (const id of heartbeats.keys()) if (!swept.has(id)) heartbeats.delete(id);
    for (const job of all) {
      if (TERMINAL.has(job.state)) continue;
      // A job whose submitter was disabled or deleted ends now, whether or not anything asks for its credentials.
      if ((await endedForSubmitter(job)) !== undefined) continue;
      // A pod has no launcher: its job ends when the API server deletes the pod (admission webhook); one its pod never
      // confirmed (no credential request), when that has not come within `podConfirmMs` of its admission (review vw, 1).
      if (job.pod) {
        const admitted = Date.parse(job.created);
        // Not one whose pod asked and was refused while the account was full (`pod.asked`): the pod exists (review wc, 2).
        if (isProvisional(job) && job.pod.asked === undefined && Number.isFinite(admitted) && t - admitted > podConfirmMs) {
          const ns = job.pod.namespace;
          const name = job.pod.name !== '' ? job.pod.name : `${job.pod.generateName ?? ''}*`;
          const hours = Math.round((podConfirmMs / 3600_000) * 100) / 100;
          await setState(job.id, 'Stopped', { onlyProvisional: true, reason: `pod ${ns}/${name} did not ask for credentials within ${hours} h of its admission: kube-apiserver may have refused it after the webhook (ResourceQuota, PodSecurity, another webhook, AlreadyExists), or it has not started; if it exists, delete it and create it again` });
        }
        continue;
      }
      const here = heartbeats.get(job.id);
      const there = elsewhere.get(job.id);
      const seen = beatsSeen.get(job.id);
      if (there !== undefined && seen?.value !== there) beatsSeen.set(job.id, { value: there, at: t });
      if (here === undefined || afterOutage) {
        // First sweep after a restart (or after an outage): give the launcher one timeout to come back. Not a beat stored
        // before it: older than the timeout after a longer stop, it failed the job at once (review bi).
        heartbeats.set(job.id, Math.max(here ?? 0, t));
        continue;
      }
      // The later of the last beat heard here and the last change seen in the store, both on this instance's clock.
      const last = Math.max(here, beatsSeen.get(job.id)?.at ?? here);
      if (t - last > heartbeatTimeoutMs) {
        await setState(job.id, 'Failed', { reason: 'the job’s process is gone (no heartbeat from its launcher)' });
        failed++;
      }
    }
    return failed;
  }

  /**
   * Whether `caller` is the principal who submitted `job`: its ARN, and, when the job records it, the unique id of the
   * user (a user deleted and created again under the same name has the ARN, not the id: another principal, as in AWS).
   */
  function isSubmitter(caller: Caller, job: StoredJob): boolean {
    return isJobSubmitter(job, { arn: caller.principal.arn, userId: caller.user?.id });
  }

  /**
   * A job's actions (`training:GetJob`, its events included, `training:StopJob`, and `training:ListJobs` for each job
   * listed) on `job`: its submitter, or the union (IAM, then bindings) on the job's ARN (`jobArn`,
   * `arn:aws:training::A:job/<id>`, `acs:pai::A:job/<id>`), the resource of these actions. The job lies in its
   * workspace, as a binding's resource lies in its workspace: a grant on the workspace's ARN covers the workspace's jobs
   * (as documented for `sts revoke-sessions --job`, and as these were decided on the workspace alone before: review J,
   * j2), and an explicit deny on either ARN refuses (`jobAccessRefusal`), the submitter too (review uh, 1).
   */
  async function authorizeJobAccess(caller: Caller, job: StoredJob, action: string): Promise<Result<void>> {
    if (caller.account !== job.account) return absentJob(caller, job.id, action);
    const on = jobAccessRefusal(caller, job, action);
    if (on === undefined) return ok(undefined);
    // Its submitter needs no Allow, but an explicit Deny on the job's ARN or its workspace's refuses it too, as it
    // refuses every grant (DESIGN.md: the union lets an explicit deny win; review uh, 1: a quarantine `Deny *` left the
    // submitter reading and stopping its jobs).
    if (isSubmitter(caller, job) && on.refused.d.decision !== 'ExplicitDeny') return ok(undefined);
    if (on.refused.d.decision === 'ExplicitDeny') {
      // Denied on the job's workspace: said only to a caller that may be told whether a job is there. To any other it
      // told that the job exists and where it lies, which a job not there does not get (review cb, 1). The refusal
      // recorded is the one decided.
      // Its submitter knows the job is there, and is told the Deny that refuses it (review uh, 1).
      const hidden = on.resource === jobArn(job.partition, job.account, job.id) || isSubmitter(caller, job) ? undefined : absentJob(caller, job.id, action);
      if (hidden !== undefined && !hidden.ok && hidden.errors[0]?.code === 'ACCESS_DENIED') return accessDenied(hidden.errors[0].message, action, on.resource, 'ExplicitDeny');
      return accessDenied(`${caller.principal.arn} is not allowed to perform ${action} on job ${job.id}: ${refusalWords(on.refused)} (on ${on.resource})`, action, on.resource, 'ExplicitDeny');
    }
    // Neither allows: the refusal a job that is not there gets too (`absentJob`), said on the job's ARN only. It named
    // the job's workspace and what was decided there, which told a caller not allowed to read the job where it lies,
    // and that it exists (review ag, 1). Except to a principal granted the action on that workspace, whose own
    // boundary or session policy cut it: it is told so, since that is what to change (review B7).
    const refused = jobRefused(caller, job.id, action, on.refused);
    const ws = on.cutOnWorkspace;
    if (ws === undefined || refused.ok) return refused;
    return accessDenied(`${refused.errors[0]?.message ?? ''}; on its ${jobContainerName(job)}: ${refusalWords(ws)}`, action, jobArn(job.partition, job.account, job.id), 'ImplicitDeny');
  }

  /** The refusal of `action` on job `id` when nothing allows it, the same whether the job exists or not. */
  function jobRefused(caller: Caller, id: string, action: string, onJob: { readonly d: Decision; readonly bindings: string }): Result<never> {
    const arn = jobArn(caller.partition, caller.account, id);
    return accessDenied(
      `${caller.principal.arn} is not allowed to perform ${action} on job ${id} (${arn}): ${refusalWords(onJob)}; a job's actions are allowed by a grant on the job's ARN or on its workspace's, and to the job's submitter`,
      action,
      arn,
      'ImplicitDeny',
    );
  }

  /**
   * The answer about job `id` that the caller's account does not hold (none has that id, or another account's has):
   * NoSuchEntity only to a caller that may do `action` on any job that could be there, by a grant on the job's ARN or on
   * every workspace (`workspace/*`, whose grant covers every job: `jobOrWorkspace`); to any other, the refusal a job it
   * may not reach gets (`jobRefused`). So an unauthorised caller does not learn which job ids exist, as AWS answers
   * AccessDenied before NoSuchEntity to a caller not allowed the action on the named resource (review ag, 1).
   */
  function absentJob(caller: Caller, id: string, action: string, unreadableDoc = false): Result<never> {
    const r = absentJobRefusal(caller.partition, caller.account, id, (resource) => unionRefusal(caller, action, resource));
    // A document that cannot be read names no account: said to the root account's principals, who may repair the
    // store; to any other, as none (it may be another account's job) (review pv, 2).
    if (r === undefined && unreadableDoc && caller.account === ROOT_ACCOUNT) return failWith('NO_SUCH_ENTITY', `job ${id} cannot be read: its stored document \`${JOB}${id}\` is not the JSON the server writes, so it is no job (its endpoint serves no credentials, its sessions are refused) until the record is replaced or removed`);
    if (r === undefined) return failWith('NO_SUCH_ENTITY', `job ${id} does not exist`);
    return r.refused.d.decision === 'ExplicitDeny' ? accessDenied(`${caller.principal.arn} is not allowed to perform ${action} on job ${id}: ${refusalWords(r.refused)} (on ${r.resource})`, action, r.resource, 'ExplicitDeny') : jobRefused(caller, id, action, r.refused);
  }

  /**
   * The job `id` of the caller's account, authorized for `action` (`authorizeJobAccess`); one it does not hold is
   * refused as one it may not reach, unless the caller may reach any job (`absentJob`).
   */
  async function authorizedJob(caller: Caller, given: string, action: string): Promise<Result<StoredJob>> {
    const named = givenJobId(given, caller.account);
    if ('otherAccount' in named) return failWith('VALIDATION_ERROR', otherAccountJobWords(given, named.otherAccount, caller.account), 'id');
    const id = named.id;
    if (!JOB_ID.test(id)) return failWith('VALIDATION_ERROR', `\`${id.length > 128 ? `${id.slice(0, 128)}…` : id}\` is not a job id (1–128 letters, digits, \`_.-\`, as \`gatehouse jobs list\` shows them)`, 'id');
    const [job, unreadableDoc] = await deps.store.read(async (tx) => {
      const j = await readJob(tx, id);
      return [j, j === undefined && (await tx.kv.get(`${JOB}${id}`)) !== undefined] as const;
    });
    if (!job) return absentJob(caller, id, action, unreadableDoc);
    const a = await authorizeJobAccess(caller, job, action);
    return a.ok ? ok(job) : a;
  }

  /**
   * `action` on `job` (`authorizeJobAccess`) without the submitter's right: undefined when allowed, else the refusal and
   * its resource; and the workspace's refusal when the caller's principal is granted the action there and only its own
   * limits (permissions boundary, session policy) cut it (`cutOnWorkspace`).
   */
  function jobAccessRefusal(caller: Caller, job: Job, action: string): { readonly resource: string; readonly refused: { readonly d: Decision; readonly bindings: string }; readonly cutOnWorkspace?: { readonly d: Decision; readonly bindings: string } } | undefined {
    const on = (resource: string, container?: string) => ({ resource, refused: unionRefusal(caller, action, resource, container) });
    // Its workspace, or a node's cluster (review iz, 9); the job's ARN read by bindings' conditions as lying in it (review uh, 2).
    const onWorkspace = on(jobContainerArn(job));
    const r = jobOrWorkspace(on(jobArn(job.partition, job.account, job.id), jobContainerArn(job)), onWorkspace);
    if (r?.refused === undefined) return undefined;
    const ws = onWorkspace.refused;
    // Refused although IAM or a binding grants it: only the caller's boundary or session policy can have cut it.
    const cut = ws !== undefined && ws.d.decision !== 'ExplicitDeny' && (ws.d.deniedBy === 'boundary' || ws.d.deniedBy === 'session' || options.permits?.(caller, action, onWorkspace.resource).allowed === true);
    return { resource: r.resource, refused: r.refused, ...(cut ? { cutOnWorkspace: ws } : {}) };
  }

  /**
   * A job as a reader is answered it (`jobs get`, `list`, `stop`): without what only its stored document carries, the
   * hash its capability is found by and a default-role job's session policy, which copies its submitter's own IAM
   * statements about tables (`ownerTableStatements`): a teammate allowed training:GetJob read them, statements that
   * iam:GetUserPolicy would have refused it (review ag, 6). The audit log left both out already (`jobView`).
   */
  const readerView = (job: StoredJob): JobAnswer => jobView(job);

  async function getJob(caller: Caller, id: string): Promise<Result<JobAnswer>> {
    const job = await authorizedJob(caller, id, 'training:GetJob');
    return job.ok ? ok(readerView(job.value)) : job;
  }

  /**
   * A page of the caller's account's jobs that it may list (`training:ListJobs` on each, `authorizeJobAccess`), oldest
   * first (by creation, then id: an order no change moves a job in), of `workspace` and `state` when given. Read from
   * the account's range of the job index (`BY_ACCOUNT`), whose entries carry the workspace and state the filters
   * compare, so only the jobs that pass them are read: every job ever stored was read and parsed, of every account, and
   * all of them answered at once (review ar, 3). A page holds up to `limit` jobs (default 100, at most 1,000), and
   * `next` while the listing goes on: a page may hold fewer (none) when the caller may see few of the jobs read, since
   * one request reads at most 5,000 entries. `next` is sealed under the master key and bound to the listing (account,
   * workspace, state): one forged, altered, or of another listing is refused, never read as a place in this one.
   */
  async function listJobs(caller: Caller, q: ListJobsQuery = {}): Promise<Result<JobsPage>> {
    const limit = q.limit ?? JOBS_PAGE_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > JOBS_PAGE_MAX) return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to ${JOBS_PAGE_MAX}, got \`${shortName(String(q.limit))}\``, 'limit');
    if (q.state !== undefined && !JOB_STATES.includes(q.state as JobState)) return failWith('VALIDATION_ERROR', `\`state\` must be one of ${JOB_STATES.join(', ')}, got \`${shortName(q.state)}\``, 'state');
    if (q.workspace !== undefined) {
      const bad = checkName('group', q.workspace, '`workspace`');
      if (bad !== undefined) return failWith('VALIDATION_ERROR', bad, 'workspace');
    }
    const prefix = accountIndexPrefix(caller.account);
    // The listing a token belongs to: the account and the filters, as compared (workspace names compare without case).
    const listing = `jobs-list\n${caller.account}\n${q.workspace?.toLowerCase() ?? ''}\n${q.state ?? ''}`;
    let after: string | undefined;
    if (q.next !== undefined) {
      const opened = q.next.length <= 1024 ? deps.sealer.open(q.next as SealedSecret, listing) : undefined;
      if (opened === undefined || !opened.startsWith(prefix)) {
        return failWith('VALIDATION_ERROR', `\`next\` \`${shortName(q.next)}\` is not one this listing handed out: send the \`next\` of the previous page of the same listing (the same workspace and state), or none to start again`, 'next');
      }
      after = opened;
    }
    await jobIndexReady();
    const ws = q.workspace?.toLowerCase();
    const page = await deps.store.read(async (tx) => {
      const jobs: JobAnswer[] = [];
      let scanned = 0;
      let last = after;
      for (;;) {
        // Twice what the page still lacks (most entries pass when nothing filters), up to 1,000 a statement.
        const chunk = await tx.kv.list(prefix, { ...(last !== undefined ? { after: last } : {}), limit: Math.min(1000, JOBS_SCAN_MAX - scanned, Math.max(50, 2 * (limit - jobs.length))) });
        // The entries the filters keep, and their jobs' documents, read in one statement.
        const idOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1);
        const kept = new Set<string>();
        for (const e of chunk) {
          const v = JSON.parse(e.value) as { w?: string; s?: string };
          if ((ws === undefined || v.w?.toLowerCase() === ws) && (q.state === undefined || v.s === q.state)) kept.add(e.key);
        }
        const docs = await tx.kv.getMany([...kept].map((k) => `${JOB}${idOf(k)}`));
        for (const e of chunk) {
          scanned++;
          last = e.key;
          if (!kept.has(e.key)) continue;
          const text = docs.get(`${JOB}${idOf(e.key)}`);
          const job = text === undefined ? undefined : (JSON.parse(text) as StoredJob);
          if (job === undefined || job.account !== caller.account) continue;
          // The document decides (a state changed by a writer that does not index it).
          if ((ws !== undefined && job.workspace.toLowerCase() !== ws) || (q.state !== undefined && job.state !== q.state)) continue;
          if (!(await authorizeJobAccess(caller, job, 'training:ListJobs')).ok) continue;
          jobs.push(readerView(job));
          if (jobs.length === limit) break;
        }
        if (jobs.length === limit || scanned >= JOBS_SCAN_MAX || chunk.length === 0) break;
      }
      // More to read: the listing goes on after the last entry read (when none follows, the next page is empty and last).
      const more = last !== undefined && (await tx.kv.list(prefix, { after: last, limit: 1 })).length > 0;
      return { jobs, ...(more ? { next: deps.sealer.seal(last as string, listing) } : {}) };
    });
    return ok(page);
  }

  /**
   * A page of a job's events, read as a range of their keys (zero-padded numbers): a long job's credential refreshes
   * append one each, and the whole list was read and answered at once.
   */
  async function jobEvents(caller: Caller, id: string, q: JobEventsQuery = {}): Promise<Result<JobEventsPage>> {
    const bound = (name: 'limit' | 'tail', v: number | undefined): Result<never> | undefined =>
      v === undefined || (Number.isSafeInteger(v) && v >= 1 && v <= JOB_EVENTS_PAGE_MAX) ? undefined : failWith('VALIDATION_ERROR', `\`${name}\` must be a whole number from 1 to ${JOB_EVENTS_PAGE_MAX}, got \`${shortName(String(v))}\``, name);
    const badBound = bound('limit', q.limit) ?? bound('tail', q.tail);
    if (badBound !== undefined) return badBound;
    if (q.after !== undefined && !(Number.isSafeInteger(q.after) && q.after >= 0 && q.after <= 99_999_999)) {
      return failWith('VALIDATION_ERROR', `\`after\` must be an event's number (a whole number from 0 to 99999999), got \`${shortName(String(q.after))}\``, 'after');
    }
    if (q.tail !== undefined && (q.after !== undefined || q.limit !== undefined)) return failWith('VALIDATION_ERROR', '`tail` asks for the newest events: it does not go with `after` or `limit`', 'tail');
    const job = await authorizedJob(caller, id, 'training:GetJob');
    if (!job.ok) return job;
    const prefix = `${JOBEVENT}${job.value.id}/`;
    return deps.store.read(async (tx) => {
      if (q.tail !== undefined) {
        const newest = await tx.kv.list(prefix, { descending: true, limit: q.tail });
        return ok({ events: newest.reverse().map((e) => JSON.parse(e.value) as JobEvent) });
      }
      const limit = q.limit ?? JOB_EVENTS_PAGE_MAX;
      // One more than asked: whether more follow, without a `next` that leads to an empty page.
      const rows = await tx.kv.list(prefix, { ...(q.after !== undefined && q.after > 0 ? { after: `${prefix}${String(q.after).padStart(8, '0')}` } : {}), limit: limit + 1 });
      const events = rows.slice(0, limit).map((e) => JSON.parse(e.value) as JobEvent);
      const last = events.at(-1);
      return ok(rows.length > limit && last !== undefined ? { events, next: String(last.seq) } : { events });
    });
  }

  /**
   * Needs `training:StopJob` alone, as `sts revoke-sessions --job` (and AWS's StopTrainingJob): it asked for
   * `training:GetJob` first, so a caller allowed to stop jobs but not to read them was refused (review ag). A job that
   * has already ended is answered as it is, whatever its end (review up, 2): what a stop asks for holds already, and a
   * Succeeded or Failed job was refused 400 where a Stopped one was answered 200, so a stop racing a job's own end
   * failed or not by which came first.
   */
  async function stopJob(caller: Caller, id: string): Promise<Result<JobAnswer>> {
    const job = await authorizedJob(caller, id, 'training:StopJob');
    if (!job.ok) return job;
    const r = await setState(job.value.id, 'Stopped', { reason: `stopped by ${caller.principal.arn}`, by: caller, asIsWhenEnded: true });
    return r.ok ? ok(readerView(r.value as StoredJob)) : r;
  }

  /**
   * The launcher (authenticated by the job's capability) reports the end of the job: with `stoppedBy`, the signal that
   * made it stop the job (SIGINT, SIGTERM, SIGHUP to `jobs run`), which then ends Stopped, as a job `jobs stop` stops
   * does, its status the command's. Reported as exit 143 whatever the ranks did, a job whose ranks caught the signal and
   * exited 0 was recorded Failed (exit 143) while `jobs run` said it ended with status 0 and exited 0, and one stopped so
   * ended Failed where `jobs stop` ends it Stopped (review iz, 2).
   */
  async function endJob(capability: string, exitCode: number, stoppedBy?: string): Promise<Result<Job>> {
    const job = await launcherJob(capability);
    if (!job) return failWith('ACCESS_DENIED', 'unknown job capability');
    if (TERMINAL.has(job.state)) return ok(job);
    if (stoppedBy !== undefined) return setState(job.id, 'Stopped', { exitCode, reason: `stopped by ${stoppedBy} to its launcher`, report: true });
    // A launcher whose first heartbeat was lost (an agent restarting, a server blip) reports the end of a job still
    // Queued: it ran, as its end says. Refused (Queued cannot become Succeeded), the end left the job Queued with working
    // sessions until the sweep failed it for its launcher's silence, a success recorded as a failure (review fg, 4).
    if (job.state === 'Queued' && exitCode === 0) {
      const started = await setState(job.id, 'Running', { report: true });
      if (!started.ok) return started;
    }
    return setState(job.id, exitCode === 0 ? 'Succeeded' : 'Failed', { exitCode, report: true });
  }

  /**
   * The job whose launcher's capability this is, or undefined: its processes' capability (`Submitted.rankCapability`)
   * reads its credentials and is no launcher's, so no rank heartbeats or ends its job (review nn, 1). A job stored
   * before the ranks had their own has one capability, which is both. A pod's job has no launcher: it ends on the pod's
   * deletion only (src/app/kube.ts), and its capability, written in clear in the pod's spec, ended it for anyone who could
   * read the pod, revoking the sessions of a pod still running (review nn, 3).
   */
  async function launcherJob(capability: string): Promise<StoredJob | undefined> {
    const job = await jobByCapability(capability);
    return job !== undefined && job.pod === undefined && job.capabilityHash === hash(capability) ? job : undefined;
  }

  /** Capability → job, cached for a second: polls by every rank hit memory, and state changes still show within a second. */
  const byCapability = new Map<string, { job: StoredJob; at: number }>();

  /** Job id → job, cached for a second as by capability: what a metadata port reopened after a restart serves from. */
  const byId = new Map<string, { job: StoredJob; at: number }>();

  /** Store reads under way, by capability hash: the ranks of a job that all miss the cache at once share one. */
  const loading = new Map<string, Promise<StoredJob | undefined>>();

  async function jobByCapability(capability: string): Promise<StoredJob | undefined> {
    if (capability.length < 16 || capability.length > 128) return undefined;
    const key = hash(capability);
    const hit = byCapability.get(key);
    if (hit && now() - hit.at < 1000) return hit.job;
    let pending = loading.get(key);
    if (!pending) {
      pending = loadByCapability(key).then(
        (job) => {
          loading.delete(key);
          if (job) {
            if (byCapability.size > 100_000) byCapability.clear();
            byCapability.set(key, { job, at: now() });
          } else byCapability.delete(key);
          return job;
        },
        (e: unknown) => {
          loading.delete(key);
          throw e;
        },
      );
      loading.set(key, pending);
    }
    try {
      return await pending;
    } catch (e) {
      // The store cannot be read: the job held serves its cached credentials, as the node agent serves its own. It was
      // held a second only, and then every fetch failed (the agent answered 500) until the store answered (review bi).
      // What is served is the session the job holds already; a revocation that reached this instance still holds.
      if (hit !== undefined && isStoreUnavailable(e)) return hit.job;
      throw e;
    }
  }

  async function loadByCapability(capHash: string): Promise<StoredJob | undefined> {
    const capability = capHash;
    return deps.store.read(async (tx) => {
      const id = await tx.kv.get(`${JOBCAP}${capability}`);
      if (id === undefined) return undefined;
      return readJobDoc(tx, id, unreadable);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Clusters and their nodes

  async function getCluster(tx: ReadTx, account: string, name: string): Promise<Cluster | undefined> {
    return readRecord<Cluster>(tx, clusterKey(account, name));
  }

  async function listClusters(account: string): Promise<Cluster[]> {
    return deps.store.read((tx) => listDocs<Cluster>(tx, clusterKey(account, ''), unreadable));
  }

  /**
   * Reading clusters (review S, S9): a cluster names its roles and mapping rules, so reading one needs
   * `training:GetCluster` on its ARN; listing them all `training:ListClusters` on `cluster/*`, and without it the list
   * holds the ones the caller may get. Allowed by IAM or granted by a binding (`roles/container.clusterViewer`), as
   * the authorize API's union answers it (`unionRefusal`; review I, M1: the union answered Allow, this 403).
   */
  async function readableClusters(caller: Caller): Promise<Cluster[]> {
    const all = await listClusters(caller.account);
    // The whole list, less any one the caller is explicitly denied listing or reading by its own ARN (review rw, 1).
    if (unionRefusal(caller, 'training:ListClusters', clusterArn(caller.partition, caller.account, '*')) === undefined) return all.filter((c) => !deniedByName(caller, ['training:ListClusters', 'training:GetCluster'], clusterArn(caller.partition, caller.account, c.name)));
    // Else the ones it may get, unless the List action is denied on them: the fallback is for a caller not granted it,
    // not for one denied it (review rw, 2).
    return all.filter((c) => !deniedByName(caller, ['training:ListClusters'], clusterArn(caller.partition, caller.account, c.name)) && unionRefusal(caller, 'training:GetCluster', clusterArn(caller.partition, caller.account, c.name)) === undefined);
  }

  /** The refusal of `training:GetCluster` on `arn` (`unionRefusal`), as an AccessDenied. */
  function clusterReadRefusal(caller: Caller, arn: string): Result<never> | undefined {
    const refused = unionRefusal(caller, 'training:GetCluster', arn);
    if (refused === undefined) return undefined;
    return accessDenied(`${caller.principal.arn} is not allowed to perform training:GetCluster on ${arn}: ${refusalWords(refused)}`, 'training:GetCluster', arn, refused.d.decision === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny');
  }

  /** A cluster the caller may get; the same refusal whether it exists or not. */
  async function readCluster(caller: Caller, name: string): Promise<Result<Cluster>> {
    const arn = clusterArn(caller.partition, caller.account, name);
    const refused = clusterReadRefusal(caller, arn);
    if (refused) return refused;
    const c = await deps.store.read((tx) => getCluster(tx, caller.account, name));
    if (!c) return failWith('NO_SUCH_ENTITY', `cluster ${name} does not exist`);
    // Found whatever the case of the name asked: its own ARN is decided too, so a Deny naming it holds.
    if (c.name !== name) {
      const own = clusterArn(caller.partition, caller.account, c.name);
      const ownRefused = clusterReadRefusal(caller, own);
      if (ownRefused) return ownRefused;
    }
    return ok(c);
  }

  /**
   * Starts a node of a cluster: it runs as the role the cluster names for it (compute config, mapping rule,
   * instance role), issued to the compute service. The caller must be allowed to pass that role to the
   * compute service, and the role must trust it.
   */
  async function startNode(caller: Caller, input: { cluster: string; computeConfig?: string; launcherUid?: number }): Promise<Result<Submitted & { why: string }>> {
    // What the checks learnt before any refusal: the role chosen for the node, and why it was.
    // `cluster`: the cluster's own name, once found (it is found whatever the case of the name asked).
    const seen: { roleArn?: string; why?: string; job?: StoredJob; cluster?: string; committed?: (r: Result<Submitted & { why: string }>) => void } = {};
    const what = (r: Result<Submitted & { why: string }> | undefined) => {
      const why = r?.ok ? r.value.why : seen.why;
      const cluster = seen.cluster ?? input.cluster;
      return {
        action: 'training:StartClusterNode',
        resource: clusterArn(caller.partition, caller.account, cluster),
        role: r?.ok ? r.value.job.role.arn : seen.roleArn,
        detail: { cluster, ...(input.computeConfig !== undefined ? { computeConfig: input.computeConfig } : {}), ...(why !== undefined ? { why } : {}) },
      };
    };
    return recordedStart(caller, seen, what, () => startNodeChecked(caller, input, seen));
  }

  async function startNodeChecked(caller: Caller, input: { cluster: string; computeConfig?: string; launcherUid?: number }, seen: { roleArn?: string; why?: string; job?: StoredJob; cluster?: string; committed?: (r: Result<Submitted & { why: string }>) => void }, attempt = 1): Promise<Result<Submitted & { why: string }>> {
    const partition = caller.partition;
    const account = caller.account;
    // Names as a cluster's and a compute config's are (review iz, 3), before anything is decided or recorded: neither was
    // bounded, and a caller allowed nothing had each refusal recorded with what it sent (a 300 KB compute config, an 8 KB
    // cluster name in the ARN), and echoed back whole, as `POST /v1/jobs` bounds its workspace's name.
    const badCluster = checkName('group', input.cluster, 'cluster name');
    if (badCluster !== undefined) return failWith('VALIDATION_ERROR', badCluster, 'cluster');
    // The compute config's name bounded as a name is (128), its characters not checked: one stored before review iz, 1
    // asked them may hold others, and is still asked for by its name.
    const badConfig = input.computeConfig === undefined ? undefined : input.computeConfig === '' ? 'compute config name is required' : input.computeConfig.length > 128 ? `compute config name \`${shortName(input.computeConfig)}\` is longer than 128 characters` : undefined;
    if (badConfig !== undefined) return failWith('VALIDATION_ERROR', badConfig, 'computeConfig');
    // The node's job id is drawn first: the role's trust is decided for the job's ARN (`aws:SourceArn`).
    const id = newJobId();
    // The caller's right to start nodes there first, on the ARN it names, before the cluster is read: a caller
    // without it gets the same refusal whether the cluster exists or not, and learns nothing of its roles or mapping
    // (as AWS answers AccessDenied without describing the resource).
    const start = decide(caller, 'training:StartClusterNode', clusterArn(partition, account, input.cluster));
    if (start.decision !== 'Allow') return failWith('ACCESS_DENIED', `${SUB_USER_CHECK_FAILED}: ${caller.principal.arn} is not allowed to perform training:StartClusterNode on cluster ${input.cluster}: ${start.summary}`);
    const checked = await deps.store.read(async (tx): Promise<Result<{ roleArn: string; why: string }>> => {
      const cluster = await getCluster(tx, account, input.cluster);
      if (!cluster) return failWith('NO_SUCH_ENTITY', `cluster ${input.cluster} does not exist in account ${account}`);
      seen.cluster = cluster.name;
      // Names are found whatever their case: the cluster's own ARN is decided too, so that a Deny naming it is not
      // passed by asking for the name in another case.
      if (cluster.name !== input.cluster) {
        const own = decide(caller, 'training:StartClusterNode', clusterArn(partition, account, cluster.name));
        if (own.decision !== 'Allow') return failWith('ACCESS_DENIED', `${SUB_USER_CHECK_FAILED}: ${caller.principal.arn} is not allowed to perform training:StartClusterNode on cluster ${cluster.name}: ${own.summary}`);
      }
      const chosen = await chooseNodeRole(tx, caller, cluster, input.computeConfig);
      if (!chosen.ok) return chosen;
      const { role, roleArn } = chosen.value;
      seen.why = chosen.value.why;
      seen.roleArn = roleArn;
      const service = computeServices(partition)[0] as string;
      const refused = passRoleRefusal(caller, roleArn, computeServices(partition), jobArn(partition, account, id));
      if (refused) return refused;
      const untrustedBy = untrusted(trustingService(role, partition, roleArn, computeServices(partition), id, jobSessionTags({ kind: 'node', workspace: '', cluster: cluster.name, id })), partition, roleArn, service);
      if (untrustedBy) return untrustedBy;
      return ok({ roleArn, why: chosen.value.why });
    });
    if (!checked.ok) return checked;
    // The node is the stored cluster's, under its own name: its sessions' `gatehouse:cluster` tag, which policies compare
    // with case, said the name as asked (`TEAM-GPU` for team-gpu), and a Deny on the cluster's tag was passed (review gb, 1).
    const clusterName = seen.cluster ?? input.cluster;
    const { job, capability, rankCapability } = newJob(caller, input.launcherUid, (id) => ({ workspace: '', name: `${clusterName}-node-${id}`, role: { mode: 'custom', arn: checked.value.roleArn }, replicas: 1, node: { cluster: clusterName } }), id);
    seen.job = job;
    // The cluster asked again in the node's own write: read only in the checks' transaction, a cluster pruned in between
    // (finding no live node yet, review hb, 2) got the node, stored live in a cluster that no longer existed (review nb, 2);
    // and the node's role chosen again there: a cluster whose instance role, compute config or mapping changed in between
    // got a node running as the role it no longer hands (review pg, 2). Then the checks run again on the cluster as it is.
    let changed: string | undefined;
    const stillThere = async (tx: WriteTx): Promise<Result<void>> => {
      const cluster = await getCluster(tx, account, clusterName);
      if (!cluster) return failWith('NO_SUCH_ENTITY', `cluster ${clusterName} does not exist in account ${account}`);
      const now = await chooseNodeRole(tx, caller, cluster, input.computeConfig);
      if (now.ok && now.value.roleArn === checked.value.roleArn) return ok(undefined);
      changed = now.ok ? `it now hands this node ${now.value.roleArn} (${now.value.why})` : 'it no longer hands this node a role that exists';
      return failWith('ETAG_MISMATCH', `cluster ${clusterName} changed while the node was starting as ${checked.value.roleArn}: ${changed}; start the node again`, 'cluster');
    };
    const stored = await storeNewJob(job, {}, `node of cluster ${clusterName} started by ${job.submitter.arn} as ${checked.value.roleArn} (${checked.value.why})`, stillThere, () => seen.committed?.(ok({ job: jobView(job), capability, rankCapability, why: checked.value.why })));
    if (!stored.ok) {
      if (changed !== undefined && attempt < NODE_START_ATTEMPTS) return startNodeChecked(caller, input, seen, attempt + 1);
      return stored;
    }
    return ok({ job: jobView(job), capability, rankCapability, why: checked.value.why });
  }

  /**
   * The role a node of `cluster` started by `caller` runs as (`nodeRole`: the compute config's, a mapping's for the
   * caller's name or groups, else the instance role), found as stored: an ARN names it with its path, as a job's role
   * (review hp, 1); a bare name at its path. Read in the start's checks and again in the node's write (review pg, 2).
   */
  async function chooseNodeRole(tx: ReadTx, caller: Caller, cluster: Cluster, computeConfig: string | undefined): Promise<Result<{ role: RoleRecord; roleArn: string; why: string }>> {
    const { partition, account } = caller;
    if (computeConfig !== undefined && !hasComputeConfig(cluster, computeConfig)) return failWith('NO_SUCH_ENTITY', `cluster ${cluster.name} has no compute config ${computeConfig}`);
    const groups = caller.user ? (await tx.groups.listForUser(account, caller.user.name)).map((g) => g.name) : [];
    const chosen = nodeRole(cluster, { ...(caller.user ? { user: caller.user.name } : {}), groups }, computeConfig);
    if (!chosen) return failWith('VALIDATION_ERROR', `cluster ${cluster.name} names no instance role for this node (set spec.instanceRole)`);
    const parsed = chosen.role.includes(':') ? parseRoleArn(chosen.role) : { partition, account, name: chosen.role, path: '/' };
    const role = parsed && parsed.account === account ? roleNamedBy(await tx.roles.get(account, parsed.name), parsed, partition, !chosen.role.includes(':')) : undefined;
    if (!parsed || !role) return failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: role ${chosen.role} (${chosen.why}) does not exist in account ${account}`);
    return ok({ role, roleArn: roleArnOf(partition, account, role.path, role.name), why: chosen.why });
  }

  /**
   * Why `caller` may not write cluster `desired` over `existing` (as stored, if any), or undefined: each role the
   * cluster hands its nodes that it did not hand them before (`clusterRoleRefs`: the instance role, a compute config's,
   * a mapping's) must be one the caller may pass, `iam:PassRole`/`ram:PassRole` to the compute service the nodes' roles
   * trust, with `iam:AssociatedResourceArn` the cluster's ARN, decided as a node's start decides it (`passRoleRefusal`,
   * bindings' `iam.serviceAccounts.actAs` included), as EKS's CreateNodegroup asks PassRole on the node role. Without
   * it, a caller allowed `training:CreateCluster` named any role there, and the role went to whoever starts a node
   * (review jg, 1). Decided on the role's ARN as stored, or as given for one that does not exist, before saying so.
   */
  async function clusterWriteRefusal(tx: ReadTx, caller: Caller, desired: Cluster, existing: Cluster | undefined): Promise<Result<never> | undefined> {
    const partition = caller.partition;
    const account = desired.account;
    const arnOf = async (ref: string): Promise<string> => {
      const parsed = ref.includes(':') ? parseRoleArn(ref) : { partition, account, name: ref, path: '/' };
      if (!parsed) return ref;
      const role = parsed.account === account ? roleNamedBy(await tx.roles.get(account, parsed.name), parsed, partition, !ref.includes(':')) : undefined;
      return role ? roleArnOf(partition, account, role.path, role.name) : roleArnOf(partition, parsed.account, parsed.path, parsed.name);
    };
    const had = new Set<string>();
    for (const r of existing === undefined ? [] : clusterRoleRefs(existing)) had.add((await arnOf(r.role)).toLowerCase());
    const asked = new Set<string>();
    for (const r of clusterRoleRefs(desired)) {
      const roleArn = await arnOf(r.role);
      if (had.has(roleArn.toLowerCase()) || asked.has(roleArn)) continue;
      asked.add(roleArn);
      const refused = passRoleRefusal(caller, roleArn, computeServices(partition), clusterArn(partition, account, desired.name));
      if (refused && !refused.ok) return fail(refused.errors.map((e) => ({ ...e, message: `${e.message} (the role named by \`${r.path}\`, which a node of cluster ${desired.name} runs as)`, path: r.path })));
    }
    return undefined;
  }

  // ------------------------------------------------------------------------------------------------
  // Delivery

  /**
   * The job's current credentials, from cache; at most one issuance in flight per job. Errors carry the
   * HTTP status the endpoints answer with (403 unknown capability, 404 no role, 410 ended). `from` is the request
   * asking: a session issued for it (the first fetch, or the one that finds the cached session due for refresh)
   * records its source IP. A fetch is no sign of the job's life: only its launcher's heartbeat is. The ranks outlive a
   * launcher killed (each in a process group of its own), and one that kept reading kept its job Running, with live
   * sessions, for ever after (review da, 1).
   */
  async function credentialsFor(capability: string, from: RequestFacts = {}): Promise<Delivery> {
    const job = await jobByCapability(capability);
    if (!job) return { ok: false, error: { status: 403, message: 'forbidden' } };
    return deliverTo(job, from);
  }

  /**
   * The same as `credentialsFor`, for the job a metadata port belongs to: a port opened again after a restart
   * knows its job, not the capability (only its hash is stored).
   */
  async function credentialsForJob(id: string, from: RequestFacts = {}): Promise<Delivery> {
    const hit = byId.get(id);
    let job = hit && now() - hit.at < 1000 ? hit.job : undefined;
    if (!job) {
      // The stored document: the job, and the session policy of a default-role job. While the store cannot be read,
      // the one held (as `jobByCapability`).
      job = await deps.store.read((tx) => readJob(tx, id)).catch((e: unknown) => {
        if (hit !== undefined && isStoreUnavailable(e)) return hit.job;
        throw e;
      });
      if (!job) return { ok: false, error: { status: 403, message: 'forbidden' } };
      if (byId.size > 100_000) byId.clear();
      byId.set(id, { job, at: now() });
    }
    return deliverTo(job, from);
  }

  /** Records where a job's metadata endpoint is served (`Job.metadataEndpoint`). */
  async function noteMetadataEndpoint(id: string, at: { agent: string; port: number }): Promise<void> {
    await deps.store.write(async (tx) => {
      const v = await tx.kv.get(`${JOB}${id}`);
      if (v === undefined) return;
      const doc = JSON.parse(v) as Job;
      if (doc.metadataEndpoint?.agent === at.agent && doc.metadataEndpoint.port === at.port) return;
      await tx.kv.put(`${JOB}${id}`, JSON.stringify({ ...doc, metadataEndpoint: { agent: at.agent, port: at.port } }));
    });
  }

  /**
   * The live jobs whose metadata endpoint `agent` served: what it opens again when it starts. Not a pod's: pods get no
   * metadata endpoint (f9d07d7), and one recorded before has no launcher's uid to be served to only.
   */
  async function metadataEndpointsOf(agent: string): Promise<{ job: string; port: number }[]> {
    const all = await deps.store.read((tx) => listDocs<Job>(tx, JOB, unreadable));
    return all.filter((j) => !TERMINAL.has(j.state) && j.pod === undefined && j.metadataEndpoint?.agent === agent).map((j) => ({ job: j.id, port: (j.metadataEndpoint as { port: number }).port }));
  }

  /** The uid the job's launcher reported at submit: the only one its metadata endpoint serves; undefined if none. */
  async function launcherUidOf(id: string): Promise<number | undefined> {
    return (await launcherOf(id))?.uid;
  }

  /**
   * Job `id`'s launcher uid and whose job it is (account, partition), as its metadata endpoint needs them: it serves that
   * uid only, and records the refusal of any other in the job's account (review oz, 2). Undefined for no such job.
   * `tokenSecret`: what the endpoint's IMDSv2 tokens are made with, the same for the job whichever process opens its
   * endpoint, so that a token handed out before a restart is still taken after it (review ql, 3).
   */
  async function launcherOf(id: string): Promise<{ readonly uid: number | undefined; readonly account: string; readonly partition: Job['partition']; readonly tokenSecret: string } | undefined> {
    const job = await deps.store.read((tx) => readJob(tx, id));
    return job === undefined ? undefined : { uid: job.launcherUid, account: job.account, partition: job.partition, tokenSecret: job.capabilityHash };
  }

  /**
   * Is the role a cached session was issued for still the one the directory holds under its name? A session names its
   * role by id, so once the role is deleted and made again every request signed with it is refused; served from the
   * cache until its refresh (about 6 h), a rank started meanwhile got dead credentials (review gp, 1). So does a role
   * deleted and not made again (review kb, 1).
   */
  function roleStands(claims: SessionClaims, missing: 'deleted' | 'not yet seen' = 'deleted'): boolean {
    if (claims.role === undefined) return true;
    const held = live.principals.get(roleKey(claims.acct, claims.role.name));
    // A role the loaded directory does not hold was deleted: its sessions are refused (InvalidClientTokenId), and one
    // served from the cache reached every rank as credentials good for hours (review kb, 1). Before the directory is
    // loaded, nothing is known of it; nor of a role missing here just after an issuance read it from the store (`missing`
    // 'not yet seen': made through another instance, not yet reached here).
    if (held === undefined) return missing === 'not yet seen' || !live.loaded;
    return !('role' in held) || held.role.id === claims.role.id;
  }

  /**
   * Is a cached session refused by its role's policies for its issue time, where one issued now would not be? AWS's way
   * of revoking a role's older sessions, IAM's "Revoke active sessions" (`AWSRevokeOlderSessions`: Deny `*` when
   * `DateLessThan aws:TokenIssueTime` the moment it was written), which the engine honours: the job's endpoints served
   * the denied session until its refresh, hours on, and every process of the job was refused meanwhile (review vz, 1),
   * where `sts revoke-sessions --role-arn` has them served a new session at their next fetch. Worked out once per
   * session and compiled policy set of its role (a policy change builds a new one), so a fetch costs a map read.
   */
  function deniedForIssueTime(claims: SessionClaims): boolean {
    if (claims.role === undefined) return false;
    const held = live.principals.get(roleKey(claims.acct, claims.role.name));
    // A role deleted or made again: `roleStands` answers for it.
    if (held === undefined || !('role' in held) || held.role.id !== claims.role.id) return false;
    const seen = issueTimeChecks.get(claims);
    if (seen !== undefined && seen.policies === held.policies) return seen.denied;
    const denied = deniedByIssueTime(held.policies, sessionPrincipal(claims, held.tags), now());
    issueTimeChecks.set(claims, { policies: held.policies, denied });
    return denied;
  }

  /** A cached session that may not be served: revoked, of a role deleted or made again, or denied by its issue time. */
  function deadSession(claims: SessionClaims): boolean {
    return live.isRevoked(claims) || !roleStands(claims) || deniedForIssueTime(claims);
  }

  async function deliverTo(job: StoredJob, from: RequestFacts): Promise<Delivery> {
    if (TERMINAL.has(job.state)) return { ok: false, error: { status: 410, message: `job ${job.id} has ended` } };
    if ((await endedForSubmitter(job)) !== undefined) return { ok: false, error: { status: 410, message: `job ${job.id} has ended` } };
    if (job.role.mode === 'none' || job.role.arn === undefined) return { ok: false, error: { status: 404, message: `job ${job.id} has no role` } };
    const t = now();
    let entry = deliveries.get(job.id);
    // Cached credentials are served until their refresh time, unless they were revoked meanwhile (a role's or
    // the job's sessions revoked by an admin), or their role was deleted and made again under its name (review gp, 1):
    // then a fresh session is issued.
    if (entry?.creds && t < entry.refreshAt && !deadSession(entry.creds.claims)) return { ok: true, value: entry.creds, job };
    if (!entry) deliveries.set(job.id, (entry = { refreshAt: 0, servableUntil: 0 }));
    const current = entry;
    // The cached credentials while they may still be served (the same checks, to their servable time).
    // Asked again after an issuance: one refused may have found the job's shared session, due for refresh but servable,
    // and held it (`sharedSession`), as the instance that issued it holds it (review ri, 2).
    const servableAt = (at: number): JobCredentials | undefined => (current.creds !== undefined && at < current.servableUntil && !deadSession(current.creds.claims) ? current.creds : undefined);
    const servable = servableAt(t);
    // The session held here, dead (revoked, or of a role made again): named in a refusal, so that a node agent that
    // holds it too drops it. A refusal of a new session (409, the role's trust policy) or an outage (503) was taken by
    // the agent as the server's keeping what it held, and it served the revoked session, refused by every call
    // (ExpiredToken), until 30 min before its expiry, hours on, while the server answered why (review ri, 1).
    const deadHeld = (): { readonly revokedSession?: string } => {
      const held = current.creds;
      return held !== undefined && deadSession(held.claims) ? { revokedSession: held.credentials.accessKeyId } : {};
    };
    // Keep serving still-valid credentials when a refresh fails.
    const unavailable = (message: string): Delivery => {
      const held = servableAt(now());
      return held !== undefined ? { ok: true, value: held, job } : { ok: false, error: { status: 503, message, ...deadHeld() } };
    };
    // The job's role no longer exists: nothing of it can be served (its sessions are refused), said as the job's having
    // no role is (404), which a node agent takes as final and passes on, dropping what it cached (review kb, 1). It was
    // a 503, which the agent took for an outage and answered with the dead session it held.
    // A refusal that is no outage (the role's trust policy no longer lets the service assume it, its limits), with
    // nothing servable, is a 409 saying why, `Code` the refusal's: as a 503 the AWS SDKs' container provider, which
    // reads a body only from a 4xx, said "Server responded with status: 503" and the reason was in `jobs events` alone
    // (review km, 2). A node agent passes it on and keeps what it holds, as for a 503.
    const refusal = (message: string, code: ErrorCode | undefined): Delivery => {
      if (code === 'NO_SUCH_ENTITY') return { ok: false, error: { status: 404, message: `job ${job.id}'s role ${job.role.arn ?? ''} does not exist: ${message}` } };
      // A pod's first request while its account has as many live jobs as it may (`confirmPodJob`): said as it is.
      if (code === 'LIMIT_EXCEEDED' && servableAt(now()) === undefined) return { ok: false, error: { status: 409, code, message: `job ${job.id}: ${message}`, ...deadHeld() } };
      if (code === undefined || OUTAGE_CODES.has(code) || servableAt(now()) !== undefined) return unavailable(message);
      return { ok: false, error: { status: 409, code, message: `job ${job.id}'s role ${job.role.arn ?? ''} cannot be assumed for it: ${message}`, ...deadHeld() } };
    };
    // A refusal just heard stands for a moment: every read of a job whose session cannot be issued (its role's trust
    // changed, the role deleted) asked for one again, a write and an event each, as fast as the ranks' SDKs retried
    // (review da, 2).
    if (current.refused !== undefined && t < current.refused.until) return refusal(current.refused.message, current.refused.code);
    // Fetches that arrive while an issuance is under way share it: the session records the address of the one that started it.
    const issuance = (): Promise<Result<JobCredentials> | typeof ENDED> =>
      (current.pending ??= issueIfLive(job, from)
        .then((r) => {
          current.refused = r !== ENDED && !r.ok ? { message: r.errors[0]?.message ?? 'credentials unavailable', until: now() + ISSUANCE_REFUSAL_HOLD_MS, code: r.errors[0]?.code } : undefined;
          return r;
        })
        .finally(() => (current.pending = undefined)));
    const pending = issuance();
    // Due for refresh and still servable: served at once, refreshed in the background, as AWS's instance metadata
    // service does. Waiting for the issuance failed the ranks whenever it took longer than the SDKs' one-second
    // metadata timeout (credential-protocols §2.1, §2.2, §3.2: a slow store), with credentials good for hours in hand
    // (review hz, 1). What the refresh answers reaches the next fetch: its session, its refusal (held as above), its end.
    if (servable !== undefined) {
      pending.catch(() => {});
      return { ok: true, value: servable, job };
    }
    let r = await pending;
    // An issuance under way when the job's (or its role's) sessions were revoked may hand back a session issued before
    // that instant, already refused everywhere: the rank's SDK failed with ExpiredToken until the next fetch (review ig,
    // 1); one under way when its role was deleted and made again, a session of the deleted role (InvalidClientTokenId,
    // review ig, 2). The checks the cache makes (above), made of what the issuance hands back; issued again, once: a
    // session issued after the revocation, of the role as it is now, passes them.
    const dead = (x: typeof r): boolean => x !== ENDED && x.ok && (live.isRevoked(x.value.claims) || !roleStands(x.value.claims, 'not yet seen'));
    if (dead(r)) {
      r = await issuance();
      if (dead(r)) return { ok: false, error: { status: 503, message: `job ${job.id}'s session was revoked, or its role made again, as it was issued: ask again`, ...deadHeld() } };
    }
    if (r === ENDED) return { ok: false, error: { status: 410, message: `job ${job.id} has ended` } };
    if (!r.ok) return refusal(r.errors[0]?.message ?? 'credentials unavailable', r.errors[0]?.code);
    return { ok: true, value: r.value, job };
  }

  /**
   * `issueFor`, for a job that the store says is still live, before and after: the job in hand may be this instance's
   * cached copy (up to a second old), and another instance (or worker) may have ended it meanwhile. Its end revokes the
   * sessions issued until then; one issued after, from the stale copy, would have worked for its whole lifetime after
   * the stop (review bf). Read before: an ended job gets none. Read after: an end that committed while the session
   * was being issued revokes that session by its id. An end committed after that read revokes it by time. Issuance is
   * rare (a job's first fetch, then about every 6 h), so the two reads cost nothing that matters.
   */
  async function issueIfLive(job: StoredJob, from: RequestFacts): Promise<Result<JobCredentials> | typeof ENDED> {
    const endedNow = async (): Promise<boolean> => {
      const stored = await deps.store.read((tx) => readJob(tx, job.id));
      return stored === undefined || TERMINAL.has(stored.state);
    };
    let ended: boolean;
    /** Whether the job is a pod's not yet confirmed (`isProvisional`), read with the job. */
    let provisional: boolean;
    /** The session another instance or worker issued the job (`JOBSESSION`), read with the job. */
    let shared: string | undefined;
    try {
      ({ ended, provisional, shared } = await deps.store.read(async (tx) => {
        const stored = await readJob(tx, job.id);
        return { ended: stored === undefined || TERMINAL.has(stored.state), provisional: stored !== undefined && isProvisional(stored), shared: await tx.kv.get(jobSessionKey(job.id)) };
      }));
    } catch (e) {
      // An outage goes to the endpoint's own outage answer (src/adapters/agent/imds.ts `jobEndpointOutage`): a fixed
      // 503 to the job, the driver's words (the database's address among them) to the operator's log only. Given to the
      // job, they reached every process it runs (review ig, 3).
      if (isStoreUnavailable(e)) throw e;
      return failWith('SERVICE_UNAVAILABLE', `the job's state cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ended) {
      forget(job.id, capabilityHashesOf(job));
      return ENDED;
    }
    // A pod's first credential request: the pod exists (kube-apiserver did not refuse it after the webhook), and its job
    // now counts against its account's live jobs (review vw, 1).
    if (provisional) {
      let confirmed: Awaited<ReturnType<typeof confirmPodJob>>;
      try {
        confirmed = await confirmPodJob(job.id);
      } catch (e) {
        // The COMMIT's answer lost (review wc, 1): confirmed or not, nothing was issued, and asking again is safe (the
        // next request issues, or confirms again). Answered as the outage it is (the endpoint's 503, retried by the SDKs
        // and the node agent), not as a bug: it went past every catch, a 500 "internal error" with a stack in the log.
        if (isStoreOutcomeUnknown(e)) throw new StoreUnavailableError(`the database's answer to the confirmation of pod job ${job.id} was lost: ${e.message}`, { cause: e });
        throw e;
      }
      if (confirmed === ENDED) {
        forget(job.id, capabilityHashesOf(job));
        return ENDED;
      }
      if (!confirmed.ok) return confirmed;
    }
    // The job's session as another instance or worker issued it, while it is good: every endpoint of a job serves one
    // session (DESIGN.md), whichever instance answers. Each issued its own, and one job's ranks held as many sessions as
    // there were workers behind its endpoints (review oz, 1).
    const adopted = await sharedSession(job, shared);
    if (adopted !== undefined) return ok(adopted);
    const issued = await issueFor(job, from);
    if (!issued.ok) return issued;
    // Shared with the other instances, unless one of them stored a good session of the job meanwhile: that one is served
    // here too, and this one, handed to no one, goes unused. Best effort: a store that cannot be written leaves this
    // instance serving its own, as before.
    const held = await shareSession(job, shared, issued.value).catch(() => issued.value);
    let endedSince = false;
    try {
      endedSince = await endedNow();
    } catch {
      // The end, if it comes, revokes the session by time: issued before it.
    }
    if (!endedSince) return ok(held);
    // Its entry names the session's expiry (pm2's `signin/<exp>/<sid>`): pruned once that and the skew have passed, not
    // 36 h on. Each end of a job that met a fetch in flight wrote one, and the job's own processes fetch at will and
    // report its exit (review ps, 1).
    await live.revoke('signin', signInRevocationId(held.claims), now()).catch(() => {});
    forget(job.id, capabilityHashesOf(job));
    return ENDED;
  }

  /**
   * Confirms the provisional pod job `id` (`PROVISIONAL_BY_ACCOUNT`) at its pod's first credential request: from then on
   * counted against its account's live jobs, unless the account has as many as it may (LimitExceeded: the pod is
   * refused credentials and the job stays provisional until a place is free). ENDED for a job ended meanwhile.
   */
  async function confirmPodJob(id: string): Promise<Result<void> | typeof ENDED> {
    return deps.store.write<Result<void> | typeof ENDED>(async (tx, abort) => {
      const text = await tx.kv.get(`${JOB}${id}`);
      const job = text === undefined ? undefined : jobDocOf(text);
      if (text === undefined || job === undefined || TERMINAL.has(job.state)) return ENDED;
      if (!isProvisional(job) || job.pod === undefined) return ok(undefined);
      const held = await tx.kv.list(liveAccountPrefix(job.account), { limit: maxLiveJobs });
      if (held.length >= maxLiveJobs) {
        const refused = failWith<void>('LIMIT_EXCEEDED', `pod ${job.pod.namespace}/${job.pod.name} asked for its first credentials, which would count its job against the account's live jobs, and ${liveJobsRefusal(job.account, maxLiveJobs)}`);
        if (job.pod.asked !== undefined) return abort(refused);
        // The pod exists (its capability, which only its stored spec holds, asked): noted once, so that the sweep does not
        // end its job as one of a pod kube-apiserver refused (`POD_CONFIRM_MS`; review wc, 2). It stays provisional until
        // a place is free, as said; nothing was noted, and a day after admission the sweep ended it, its reason false.
        await tx.kv.put(`${JOB}${id}`, JSON.stringify({ ...(JSON.parse(text) as object), pod: { ...job.pod, asked: isoSeconds(now()) } }));
        await appendEvent(tx, id, 'denied', `pod ${job.pod.namespace}/${job.pod.name} asked for credentials while the account's live jobs were at its quota (${maxLiveJobs.toLocaleString('en-US')}): it exists; its job stays provisional, and is confirmed at its first request once a place is free`);
        return refused;
      }
      const { provisional: _was, asked: _asked, ...pod } = job.pod;
      await tx.kv.put(`${JOB}${id}`, JSON.stringify({ ...(JSON.parse(text) as object), pod }));
      await tx.kv.delete(jobProvisionalKey(job.account, id));
      await tx.kv.put(jobLiveAccountKey(job.account, id), id);
      await appendEvent(tx, id, 'started', `pod ${job.pod.namespace}/${job.pod.name} asked for credentials: it exists, and its job counts against the account's live jobs`);
      return ok(undefined);
    });
  }

  /**
   * The job's credentials from `text`, what `jobSessionKey` holds, when they may be served: the session opens with the
   * key ring (read again once when sealed with a key this instance has not heard of), is the job's, is not due for
   * refresh, revoked or of a role made again since; then held here as if issued here (its refresh time the issuer's).
   * Undefined otherwise.
   */
  async function sharedSession(job: StoredJob, text: string | undefined): Promise<JobCredentials | undefined> {
    if (text === undefined || job.role.arn === undefined) return undefined;
    let s: SharedJobSession;
    try {
      s = JSON.parse(text) as SharedJobSession;
    } catch {
      return undefined;
    }
    if (typeof s?.ak !== 'string' || typeof s.token !== 'string' || typeof s.refreshAt !== 'number') return undefined;
    let opened = deps.sessions.open(live.keys, s.token, s.ak);
    if (!opened.ok && opened.reason === 'unknown-key') {
      await live.reloadKeys().catch(() => {});
      opened = deps.sessions.open(live.keys, s.token, s.ak);
    }
    if (!opened.ok) return undefined;
    const claims = opened.claims;
    const t = now();
    if (claims.job !== job.id || claims.role === undefined || claims.acct !== job.account || t >= servableUntil(claims.iat, claims.exp)) return undefined;
    const creds: JobCredentials = { credentials: { accessKeyId: claims.ak, secretAccessKey: claims.sk, sessionToken: s.token, expiration: claims.exp }, roleArn: job.role.arn, roleName: claims.role.name, account: job.account, issuedAt: claims.iat, claims };
    const entry = deliveries.get(job.id) ?? { refreshAt: 0, servableUntil: 0 };
    // Revoked, or of a role deleted (or not loaded here yet: then a session is issued, as before): not served, but held
    // when nothing else is, as the instance that issued it holds it, so that a refusal names it (`revokedSession`) and a
    // node agent holding it drops it. An instance that held nothing of the job's (restarted, another worker) named none,
    // and the agent served the revoked session on for hours (review ri, 3).
    if (deadSession(claims)) {
      if (entry.creds === undefined) {
        entry.creds = creds;
        entry.refreshAt = s.refreshAt;
        entry.servableUntil = servableUntil(claims.iat, claims.exp);
        deliveries.set(job.id, entry);
      }
      return undefined;
    }
    if (t >= s.refreshAt) {
      // Due for refresh: a new session is issued, but this one is held as servable meanwhile, as the instance that issued
      // it holds it. An instance that held none of the job's (another worker or instance, one restarted) answered a
      // refused issuance (the role's trust policy changed: 409 AccessDenied) while the one that issued it went on
      // serving the session for up to an hour more: one job's ranks were served or refused by the worker they reached
      // (review ri, 2).
      if (entry.creds === undefined || entry.creds.issuedAt < creds.issuedAt) {
        entry.creds = creds;
        entry.refreshAt = s.refreshAt;
        entry.servableUntil = servableUntil(claims.iat, claims.exp);
        deliveries.set(job.id, entry);
      }
      return undefined;
    }
    entry.denied = undefined;
    entry.creds = creds;
    entry.refreshAt = s.refreshAt;
    entry.servableUntil = servableUntil(claims.iat, claims.exp);
    deliveries.set(job.id, entry);
    return creds;
  }

  /**
   * Stores `issued`, the session this instance just issued job `job`, as the job's shared session (`jobSessionKey`), or,
   * when another instance stored one since `before` was read that may be served, takes that one instead: the session
   * this instance holds and serves, either way.
   */
  async function shareSession(job: StoredJob, before: string | undefined, issued: JobCredentials): Promise<JobCredentials> {
    const refresh = deliveries.get(job.id)?.refreshAt ?? refreshAt(issued.issuedAt, issued.credentials.expiration, 0.5);
    const mine = JSON.stringify({ ak: issued.credentials.accessKeyId, token: issued.credentials.sessionToken, refreshAt: refresh } satisfies SharedJobSession);
    const theirs = await deps.store.write(async (tx) => {
      const current = await tx.kv.get(jobSessionKey(job.id));
      if (current !== before && current !== undefined) return current;
      const stored = await readJob(tx, job.id);
      if (stored !== undefined && !TERMINAL.has(stored.state)) await tx.kv.put(jobSessionKey(job.id), mine);
      return undefined;
    });
    if (theirs === undefined) return issued;
    const adopted = await sharedSession(job, theirs);
    if (adopted !== undefined) return adopted;
    // Theirs cannot be served (revoked, due for refresh, of a role made again): this one is, and is stored in its place.
    await deps.store.write(async (tx) => {
      if ((await tx.kv.get(jobSessionKey(job.id))) === theirs) await tx.kv.put(jobSessionKey(job.id), mine);
    });
    return issued;
  }

  /** The ids of the jobs this instance holds anything of. */
  function heldIds(): Set<string> {
    const ids = new Set<string>([...deliveries.keys(), ...heartbeats.keys(), ...beatsSeen.keys(), ...beatsToWrite.keys(), ...byId.keys()]);
    for (const e of byCapability.values()) ids.add(e.job.id);
    return ids;
  }

  /**
   * Drops what this instance holds of ended job `id` (`capabilityHashes`: its capability's hash, as `byCapability`
   * holds it): at its end here (`setState`), or when the store says it ended (`issueIfLive`, `forgetEnded`).
   */
  function forget(id: string, capabilityHashes: Iterable<string>): void {
    deliveries.delete(id);
    heartbeats.delete(id);
    beatsSeen.delete(id);
    beatsToWrite.delete(id);
    for (const h of capabilityHashes) byCapability.delete(h);
    byId.delete(id);
  }

  /**
   * Drops what this instance holds of jobs that have ended, and tells the listeners that hold one (`onJobEnded`) of
   * its end; the number dropped. A job's end made here forgets it at once (`setState`); one made through another
   * instance or worker (a stop, the launcher's end reported there, its sweep, its submitter disabled) reaches no
   * `forget` here, and its credentials, documents and heartbeat stayed for the life of the process, its metadata port
   * open (review bq, 1). Called by every sweep, and on a worker that does not sweep at the sweep's interval. Reads the
   * live index of the jobs held (a key each), and the documents of those it does not name: a job is dropped when its
   * document says it ended or is not there. What is held of a job is taken in only after it is stored, so a job held
   * when this begins and not live when the store is read has ended.
   */
  const forgetEnded = (): Promise<number> => (forgetRun ??= forgetEndedOnce().finally(() => (forgetRun = undefined)));
  /** The pass of `forgetEnded` under way: one at a time, as `sweep`. */
  let forgetRun: Promise<number> | undefined;

  /** `live`: ids the store was just read to hold live (a sweep's), whose live-index keys are then not read again. */
  async function forgetEndedOnce(live?: ReadonlySet<string>): Promise<number> {
    const caps = new Map<string, string[]>();
    for (const [h, e] of byCapability) caps.set(e.job.id, [...(caps.get(e.job.id) ?? []), h]);
    const held = heldIds();
    for (const l of listeners) for (const id of l.holding?.() ?? []) held.add(id);
    if (held.size === 0) return 0;
    const ids = [...held];
    const ended: { readonly id: string; readonly job: StoredJob | undefined }[] = [];
    await deps.store.read(async (tx) => {
      for (let i = 0; i < ids.length; i += 1000) {
        const part = ids.slice(i, i + 1000);
        const indexed = live === undefined ? await tx.kv.getMany(part.map(jobLiveKey)) : undefined;
        // Not known live: its document says whether it ended (one held since the sweep's read is live there).
        const unsure = part.filter((id) => (indexed === undefined ? !live?.has(id) : !indexed.has(jobLiveKey(id))));
        if (unsure.length === 0) continue;
        const docs = await tx.kv.getMany(unsure.map((id) => `${JOB}${id}`));
        for (const id of unsure) {
          const text = docs.get(`${JOB}${id}`);
          const job = text === undefined ? undefined : (JSON.parse(text) as StoredJob);
          if (job === undefined || TERMINAL.has(job.state)) ended.push({ id, job });
        }
      }
    });
    for (const { id, job } of ended) {
      forget(id, caps.get(id) ?? []);
      if (job !== undefined) for (const l of listeners) l.ended(job);
    }
    return ended.length;
  }

  /**
   * The session policy job `job`'s next session carries (`sessionPolicyHeld`): a default-role job's as stored, less the
   * table Allows its owner no longer holds and the workspace's bucket once it is not the workspace's or the owner not a
   * member (reviews pe, 1 and 2). An owner gone, renamed onto another user or disabled keeps it as stored: such
   * a job's sessions are refused at every use (src/app/sts.ts `sessionCaller`), and the sweep ends the job.
   */
  async function sessionPolicyNow(job: StoredJob): Promise<{ readonly policy: string; readonly dropped: readonly string[] } | undefined> {
    const stored = job.sessionPolicy;
    const owner = ownerOf(job)?.owner;
    if (stored === undefined) return undefined;
    const asStored = { policy: stored, dropped: [] };
    if (owner === undefined) return asStored;
    const entry = await sts.ownerEntry(undefined, job.account, owner);
    if (entry === undefined || entry.user.id !== owner.id) return asStored;
    // The database out of reach: the issuance that follows reads it too, and is refused as an outage, recorded as one.
    return deps.store.read((tx) => sessionPolicyHeld(tx, job, stored, entry.user)).catch((e: unknown) => (isStoreUnavailable(e) ? asStored : Promise.reject(e)));
  }

  async function issueFor(job: StoredJob, from: RequestFacts): Promise<Result<JobCredentials>> {
    const session = sessionFacts(job);
    const policy = await sessionPolicyNow(job);
    const r = await sts.assumeRoleAsService({
      // Issued to the first name of the service the role trusts, for this job (an `acs` account's role may trust
      // either of its two names), decided with the rest of the trust policy in one read of the store.
      service: job.kind === 'node' ? computeServices(job.partition) : trainingServices(job.partition),
      roleArn: job.role.arn as string,
      sessionName: session.sessionName,
      sourceIdentity: session.sourceIdentity,
      tags: session.tags,
      job: job.id,
      // The trust policy is decided with the job's account and ARN as aws:SourceAccount and aws:SourceArn.
      sourceArn: jobArn(job.partition, job.account, job.id),
      // The role's maximum: jobs outlive sessions by refreshing, so the longest session costs least. Never less
      // than 3 h for a role whose maximum is shorter (JOB_SESSION_AT_LEAST_SECONDS).
      durationSeconds: options.sessionSeconds ?? 43200,
      maximumAtLeastSeconds: JOB_SESSION_AT_LEAST_SECONDS,
      // Of its owner's table Allows copied at submission, those the owner still holds (review pe, 1).
      ...(policy !== undefined ? { policy: policy.policy } : {}),
      // A default-role job's table rights are its submitter's: the submitter's Denies now bind every decision.
      ...(ownerOf(job) ?? {}),
      ...(from.sourceIp !== undefined && from.sourceIp !== '' ? { sourceIp: from.sourceIp } : {}),
    });
    if (!r.ok) {
      // Once until a session is issued again, not at every refusal (review da, 2).
      // In the words its endpoints answer (README §4: `job ID's role ARN does not exist: …`, "also among its events"),
      // naming the role ARN the job runs as; it said only `credential issuance refused: …` (review pz1).
      const refused = r.errors[0];
      const said = refused?.message ?? '';
      const message =
        refused?.code === 'NO_SUCH_ENTITY'
          ? `job ${job.id}'s role ${job.role.arn ?? ''} does not exist: ${said}`
          : refused?.code !== undefined && !OUTAGE_CODES.has(refused.code)
            ? `job ${job.id}'s role ${job.role.arn ?? ''} cannot be assumed for it: ${said}`
            : `credential issuance refused: ${said}`;
      const held = deliveries.get(job.id);
      if (held?.denied !== message) {
        await event(job.id, 'denied', message).then(
          () => held !== undefined && (held.denied = message),
          () => {},
        );
      }
      return r;
    }
    issuances++;
    const creds: JobCredentials = { credentials: r.value.credentials, roleArn: job.role.arn as string, roleName: r.value.role.name, account: job.account, issuedAt: r.value.claims.iat, claims: r.value.claims };
    const entry = deliveries.get(job.id) ?? { refreshAt: 0, servableUntil: 0 };
    entry.denied = undefined;
    entry.creds = creds;
    const jitter = (deps.randomBytes(1)[0] ?? 128) / 255;
    entry.refreshAt = refreshAt(creds.issuedAt, creds.credentials.expiration, jitter);
    entry.servableUntil = servableUntil(creds.issuedAt, creds.credentials.expiration);
    deliveries.set(job.id, entry);
    // What the job's owner or workspace no longer gives it is said with the session that goes without it (reviews pe, 1 and 2).
    const without = policy !== undefined && policy.dropped.length > 0 ? `; without ${policy.dropped.join('; ')}` : '';
    await event(job.id, 'credentials-issued', `issued ${r.value.arn} (${creds.credentials.accessKeyId}), expires ${isoSeconds(creds.credentials.expiration)}${without}`);
    return ok(creds);
  }

  return {
    getCluster,
    clusterWriteRefusal,
    listClusters,
    readableClusters,
    readCluster,
    readableWorkspaces,
    readWorkspace,
    startNode,
    putWorkspace,
    getWorkspace,
    listWorkspaces,
    defaultJobSession,
    deleteWorkspace,
    unionRefusal,
    submit,
    heartbeat,
    sweep,
    getJob,
    listJobs,
    jobEvents,
    stopJob,
    endJob,
    /**
     * A refusal of job `id`'s credentials at one of its endpoints (another user's process at its metadata port), as a
     * `denied` event of the job: every denial is among its events (review iz, 4).
     */
    recordDenial: (id: string, message: string): Promise<void> => event(id, 'denied', message),
    /** Live jobs one account may keep at once (`putLiveJob`; pod admission counts against it too, src/app/kube.ts). */
    maxLiveJobs,
    /** Ends a pod's job (the pod was deleted): its sessions stop working everywhere. */
    endPod: (id: string, reason: string): Promise<Result<Job>> => setState(id, 'Stopped', { reason }),
    jobByCapability,
    launcherJob,
    credentialsFor,
    credentialsForJob,
    noteMetadataEndpoint,
    metadataEndpointsOf,
    launcherUidOf,
    launcherOf,
    /**
     * `fn` is called when a job ends (the agent closes its per-job endpoints): ended here, or, for a job this instance
     * holds or `holding` names, through another instance or worker (at the next `forgetEnded`).
     */
    onJobEnded: (fn: (job: Job) => void, holding?: () => Iterable<string>): void => void listeners.add({ ended: fn, holding }),
    forgetEnded,
    issuanceCount: (): number => issuances,
    /**
     * What this instance holds in memory of jobs, read-only (`/metrics`, tests): `jobs`, the jobs it holds anything of
     * (cached credentials, heartbeats, cached documents), and the size of each map. About the live jobs it serves; a
     * job that ended, wherever and however, is dropped at the latest by the next `forgetEnded`.
     */
    stats: (): JobsStats => ({
      jobs: heldIds().size,
      deliveries: deliveries.size,
      heartbeats: heartbeats.size,
      beatsSeen: beatsSeen.size,
      beatsToWrite: beatsToWrite.size,
      byCapability: byCapability.size,
      byId: byId.size,
    }),
    renderDecision,
  };
}

export type Jobs = ReturnType<typeof createJobs>;

/** What one instance holds in memory of jobs (`Jobs.stats`). */
export interface JobsStats {
  /** Jobs held anything of. */
  readonly jobs: number;
  readonly deliveries: number;
  readonly heartbeats: number;
  readonly beatsSeen: number;
  readonly beatsToWrite: number;
  readonly byCapability: number;
  readonly byId: number;
}
export type { ErrorCode };

/** What the sessions of a job carry, as `issueFor` (in `createJobs`) gives them: its role, session name, tags, source identity and session policy. */
export interface JobSession {
  readonly job: Job;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly sourceIdentity: string;
  /** The inline session policy of a default-role job (scoped to its workspace's bucket); absent for a custom role. */
  readonly sessionPolicy?: string;
  /** A default-role job's submitter, whose current Denies that may concern tables bind its sessions (`ownerTableDenies`). */
  readonly owner?: { readonly name: string; readonly id: string };
}

/** A default-role job's table rights are its submitter's: the submitter's Denies now bind every decision of its sessions. */
function ownerOf(job: StoredJob): { owner: { name: string; id: string } } | undefined {
  return job.role.mode === 'default' && job.submitterId !== undefined ? { owner: { name: job.submitter.name, id: job.submitterId } } : undefined;
}

/** What every session of `job` carries besides its role and session policy: `issueFor` issues it, `jobSessionOf` tells it. */
function sessionFacts(job: Job): { sessionName: string; tags: Record<string, string>; sourceIdentity: string } {
  const node = job.kind === 'node';
  return {
    sessionName: node ? `node-${job.id}` : jobSessionName(job.id),
    tags: jobSessionTags(job),
    sourceIdentity: sourceIdentityOf(job.submitter.name, hash),
  };
}

/**
 * The rule of a job's actions (`authorizeJobAccess`), on the answers `onJob` (the job's ARN) and `onWorkspace` (its
 * workspace's ARN), each `refused` undefined when allowed: an explicit deny on either refuses; else an allow on either
 * allows; else the job's refusal. For the authorize API and the simulator, which answer the same question.
 */
export function jobOrWorkspace<T extends { readonly refused: { readonly d: { readonly decision: string } } | undefined }>(onJob: T, onWorkspace: T): T | undefined {
  const denies = (x: T): boolean => x.refused?.d.decision === 'ExplicitDeny';
  if (denies(onJob)) return onJob;
  if (denies(onWorkspace)) return onWorkspace;
  return onJob.refused === undefined || onWorkspace.refused === undefined ? undefined : onJob;
}

/**
 * Whether a caller may be told that job `id` is not in `account` (`refusal` of the action on a resource: undefined when
 * allowed): only when the action is allowed on the job's ARN or on every workspace's (`workspace/*`), combined as
 * `jobOrWorkspace` combines a job's; else the refusal, on the job's ARN unless an explicit deny decided elsewhere. Every
 * way of asking about a job (jobs get, stop, events; sts revoke-sessions --job) answers a job that is not there so.
 */
export function absentJobRefusal<R extends { readonly d: { readonly decision: string } }>(partition: Partition, account: string, id: string, refusal: (resource: string) => R | undefined): { readonly resource: string; readonly refused: R } | undefined {
  const onJob = { resource: jobArn(partition, account, id), refused: refusal(jobArn(partition, account, id)) };
  const onEvery = { resource: workspaceArn(partition, account, '*'), refused: refusal(workspaceArn(partition, account, '*')) };
  const r = jobOrWorkspace(onJob, onEvery);
  return r?.refused === undefined ? undefined : { resource: r.resource, refused: r.refused };
}

/** The account, partition and workspace of job `id` (its ARN's container, `jobOrWorkspace`), or undefined for none. */
export async function jobPlaceOf(tx: ReadTx, id: string): Promise<(Pick<Job, 'account' | 'partition' | 'workspace' | 'kind' | 'cluster'> & { readonly submitter: string; readonly submitterId: string | undefined }) | undefined> {
  const job = await readJobDoc(tx, id);
  return job === undefined ? undefined : { account: job.account, partition: job.partition, workspace: job.workspace, ...(job.kind !== undefined ? { kind: job.kind } : {}), ...(job.cluster !== undefined ? { cluster: job.cluster } : {}), submitter: job.submitter.arn, submitterId: job.submitterId };
}

/**
 * Read-only: the sessions job `id` is issued (src/app/authorize.ts decides a job's session named by its ARN with
 * them, since an ARN alone does not tell a session's policies). Undefined for no such job or a job without a role.
 * It and `issueFor` take what a session carries from `sessionFacts` and the stored job's session policy.
 */
export async function jobSessionOf(tx: ReadTx, id: string): Promise<JobSession | undefined> {
  const job = await readJobDoc(tx, id);
  if (job === undefined || job.role.mode === 'none' || job.role.arn === undefined) return undefined;
  return {
    job,
    roleArn: job.role.arn,
    ...sessionFacts(job),
    ...(job.sessionPolicy !== undefined ? { sessionPolicy: job.sessionPolicy } : {}),
    ...(ownerOf(job) ?? {}),
  };
}
