/**
 * Training jobs, workspaces and clusters as data, and the pure rules around them: the job state machine,
 * the exact submit-time messages of the platform documents (seeds 000, 002; shared/examples/pai), the
 * session name and tags of a job, the refresh schedule of its credentials.
 */

import { fail, failWith, ok, type GatehouseError, type Result } from '../errors.ts';
import { checkName, keyPath, shortName, shownKey } from '../directory/rules.ts';
import { SOURCE_IDENTITY_RE } from '../sts/session.ts';

export type Partition = 'aws' | 'acs';

export interface WorkspaceMember {
  readonly user?: string;
  readonly group?: string;
}

/** Whether `user` (with its `groups`) is a member of `ws`: named, or through a group; names compare case-insensitively. */
export function isWorkspaceMember(ws: { readonly members: readonly WorkspaceMember[] }, user: string, groups: readonly string[]): boolean {
  const u = user.toLowerCase();
  const gs = new Set(groups.map((g) => g.toLowerCase()));
  return ws.members.some((m) => (m.user !== undefined && m.user.toLowerCase() === u) || (m.group !== undefined && gs.has(m.group.toLowerCase())));
}

export interface Workspace {
  readonly account: string;
  readonly name: string;
  readonly members: readonly WorkspaceMember[];
  /** Storage resource ARN of the default bucket (`arn:aws:s3:::ws-data` or `acs:oss:*:*:ws-data`). */
  readonly defaultBucket?: string;
  readonly defaultTableProject?: string;
}

export interface Cluster {
  readonly account: string;
  readonly name: string;
  readonly instanceRole?: string;
  readonly computeConfigs?: Readonly<Record<string, { readonly instanceRole?: string }>>;
  readonly mappings?: readonly { readonly user?: string; readonly group?: string; readonly role: string }[];
  /**
   * Kubernetes identities besides kube-controller-manager's controllers whose pods (and workloads) run as a role on the grant a
   * workload's author was given (src/app/kube.ts `passerOf`): operators such as Kubeflow's training-operator.
   */
  readonly trustedControllers?: readonly TrustedController[];
}

/** A controller a cluster trusts: a service account (`namespace:name`) or a Kubernetes username. */
export type TrustedController = { readonly serviceAccount: string } | { readonly username: string };

/** The Kubernetes username of a trusted controller: `system:serviceaccount:<namespace>:<name>` for a service account. */
export function controllerUsername(c: TrustedController): string {
  return 'serviceAccount' in c ? `system:serviceaccount:${c.serviceAccount}` : c.username;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Validates `spec.trustedControllers` of a cluster; each error names the item and field, and every one is reported. */
function parseTrustedControllers(v: unknown, errors: GatehouseError[]): TrustedController[] {
  const shape = '`trustedControllers` is a list of {serviceAccount: NAMESPACE:NAME} or {username: NAME}';
  const bad = (message: string, path: string): void => void errors.push({ code: 'VALIDATION_ERROR', message, path });
  if (!Array.isArray(v)) return (bad(shape, 'spec.trustedControllers'), []);
  if (v.length > 50) return (bad(`a cluster trusts at most 50 controllers (${v.length} given)`, 'spec.trustedControllers'), []);
  const out: TrustedController[] = [];
  const seen = new Set<string>();
  for (const [i, item] of v.entries()) {
    const at = `spec.trustedControllers[${i}]`;
    const rec = (typeof item === 'object' && item !== null && !Array.isArray(item) ? item : undefined) as Record<string, unknown> | undefined;
    const keys = rec ? Object.keys(rec) : [];
    if (!rec || keys.length !== 1 || (keys[0] !== 'serviceAccount' && keys[0] !== 'username')) {
      bad(`${shape}; each item has exactly one of the two`, at);
      continue;
    }
    let c: TrustedController;
    if (keys[0] === 'serviceAccount') {
      const sa = rec['serviceAccount'];
      const [ns, name, ...more] = typeof sa === 'string' ? sa.split(':') : [];
      if (typeof sa !== 'string' || more.length > 0 || ns === undefined || name === undefined || !DNS_LABEL.test(ns) || !DNS_SUBDOMAIN.test(name)) {
        bad(`a service account is \`NAMESPACE:NAME\` (a namespace name, a colon, a service account name), as in \`kubeflow:training-operator\`; got ${JSON.stringify(sa)}`, `${at}.serviceAccount`);
        continue;
      }
      c = { serviceAccount: sa };
    } else {
      const u = rec['username'];
      if (typeof u !== 'string' || u === '' || u.length > 256 || u.trim() !== u) {
        bad('a username is the Kubernetes username a controller authenticates as (1 to 256 characters, no surrounding spaces)', `${at}.username`);
        continue;
      }
      if (u.startsWith('system:serviceaccount:')) {
        bad(`name a service account as {serviceAccount: ${JSON.stringify(u.slice('system:serviceaccount:'.length))}}, not by its username`, `${at}.username`);
        continue;
      }
      // Who cannot be a controller: the unauthenticated user, and nodes (a node's kubelet creates mirror pods from files
      // on the node: trusting one makes whoever controls a node able to run any grant's role).
      if (u === 'system:anonymous' || u.startsWith('system:node:')) {
        bad(`\`${u}\` cannot be a trusted controller (the unauthenticated user and nodes never are)`, `${at}.username`);
        continue;
      }
      c = { username: u };
    }
    const name = controllerUsername(c);
    if (seen.has(name)) bad(`\`${name}\` is listed twice`, at);
    seen.add(name);
    out.push(c);
  }
  return out;
}

export type JobState = 'Queued' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';
/** Every state a job may be in, in the order a job goes through them. */
export const JOB_STATES: readonly JobState[] = ['Queued', 'Running', 'Succeeded', 'Failed', 'Stopped'];
export type RoleMode = 'default' | 'none' | 'custom';

export interface Job {
  readonly id: string;
  readonly account: string;
  readonly partition: Partition;
  readonly workspace: string;
  readonly name: string;
  readonly submitter: { readonly arn: string; readonly name: string };
  readonly role: { readonly mode: RoleMode; readonly arn?: string };
  readonly replicas: number;
  readonly state: JobState;
  readonly created: string;
  readonly started?: string;
  readonly ended?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  /** SHA-256 (hex) of the job's capability token; the token itself is shown to the launcher once. */
  readonly capabilityHash: string;
  /** `node`: a cluster node running as the cluster's instance role (issued to the compute service). */
  readonly kind?: 'job' | 'node';
  readonly cluster?: string;
  /**
   * A pod admitted to run as the role (src/app/kube.ts): it ends when the pod is deleted, not by heartbeat.
   * `provisional`: made at the pod's CREATE admission and not yet confirmed by the pod's first credential request.
   * kube-apiserver may still refuse the pod after the webhook (ResourceQuota, PodSecurity, a later webhook,
   * AlreadyExists), so until then the job does not count towards its account's live jobs (src/app/jobs.ts
   * `PROVISIONAL_BY_ACCOUNT`), and it ends unconfirmed after `POD_CONFIRM_MS` (review vw, 1).
   * `asked`: when a credential request of the pod was first refused because its account's live jobs were at the quota.
   * The pod exists, so its job is not ended unconfirmed; it stays provisional until a place is free (review wc, 2).
   */
  readonly pod?: { readonly namespace: string; readonly name: string; readonly generateName?: string; readonly provisional?: true; readonly asked?: string };
  /**
   * The job's own metadata endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT`): the agent that serves it (host name and
   * `--agent-listen` address) and its port, so the same agent opens it again on the same port after a restart.
   */
  readonly metadataEndpoint?: { readonly agent: string; readonly port: number };
  /**
   * The uid the launcher (`jobs run`, `clusters run-node`) runs as, reported at submit: the job's metadata endpoint
   * serves only processes of that uid (src/adapters/agent/peer-uid.ts). Absent: not reported, served to any.
   */
  readonly launcherUid?: number;
}

export interface JobEvent {
  readonly seq: number;
  readonly at: string;
  readonly type: 'submitted' | 'started' | 'credentials-issued' | 'denied' | 'ended' | 'stop-requested' | 'failed';
  readonly message: string;
}

export const TERMINAL: ReadonlySet<JobState> = new Set(['Succeeded', 'Failed', 'Stopped']);

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  Queued: ['Running', 'Failed', 'Stopped'],
  Running: ['Succeeded', 'Failed', 'Stopped'],
  Succeeded: [],
  Failed: [],
  Stopped: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Service principals (DESIGN.md "Service principals"): jobs, and pods/nodes. */
export const TRAINING_SERVICE = 'training.gatehouse.dev';
export const TRAINING_SERVICE_ACS = 'pai.aliyuncs.com';
export const COMPUTE_SERVICE = 'compute.gatehouse.dev';
export const COMPUTE_SERVICE_ACS = 'ecs.aliyuncs.com';

/** The training service names a role may trust, in the order they are tried. */
export function trainingServices(partition: Partition): readonly string[] {
  return partition === 'acs' ? [TRAINING_SERVICE_ACS, TRAINING_SERVICE] : [TRAINING_SERVICE];
}

/** The account's default training role (created on first use). */
export function defaultRoleName(partition: Partition): string {
  return partition === 'acs' ? 'AliyunPAIDLCDefaultRole' : 'GatehouseTrainingDefaultRole';
}

/**
 * The inline policy (`training-default-scope`) the default role is created with: it reaches everything its service
 * reads, and each job's session policy narrows it (`defaultBucketStatement`, the submitter's table statements).
 */
export function defaultRoleScope(partition: Partition): { readonly Version: string; readonly Statement: readonly object[] } {
  return partition === 'acs'
    ? { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*', 'odps:*'], Resource: '*' }] }
    : { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'odps:*', 'tables:*'], Resource: '*' }] };
}

/** The statement of a default-role job's session policy that opens the workspace's default bucket `bucket` to it. */
export function defaultBucketStatement(bucket: string): object {
  const service = bucket.startsWith('acs:') ? 'oss' : 's3';
  return { Effect: 'Allow', Action: `${service}:*`, Resource: [bucket, `${bucket}/*`] };
}

/**
 * The names a write or deletion of a workspace or cluster is decided on: the name as the request or the document spells
 * it and, when one is stored under another case of it (the store finds it whatever the case), the stored one's, whose
 * ARN the change is of: IAM matches ARNs with case, so a Deny written on either spelling holds (reviews fv, 6 and 8).
 * `PUT`/`DELETE /v1/workspaces/W`, `PUT /v1/clusters/C` and `gatehouse apply` of a Workspace or Cluster document all
 * decide on these (review sm, 2: apply asked the stored name's alone).
 */
export function namesDecided(asked: string, stored: string | undefined): readonly string[] {
  return stored === undefined || stored === asked ? [asked] : [asked, stored];
}

export function workspaceArn(partition: Partition, account: string, name: string): string {
  return partition === 'acs' ? `acs:pai::${account}:workspace/${name}` : `arn:aws:training::${account}:workspace/${name}`;
}

export function jobArn(partition: Partition, account: string, id: string): string {
  return partition === 'acs' ? `acs:pai::${account}:job/${id}` : `arn:aws:training::${account}:job/${id}`;
}

/**
 * The context a service's AssumeRole on behalf of `account` (and of the resource `sourceArn`, a job's ARN) is decided
 * in against the role's trust policy: `aws:SourceAccount` and `aws:SourceArn`, as AWS services set them (SageMaker sets
 * the training job's ARN), and their `acs:` spellings read them too. AWS's cross-service confused-deputy guidance
 * conditions a service's trust on them (`StringEquals aws:SourceAccount`, `ArnLike aws:SourceArn`).
 */
export function serviceTrustContext(account: string, sourceArn?: string, tags?: Readonly<Record<string, string>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = sourceArn === undefined ? { 'aws:SourceAccount': account } : { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn };
  // The session tags the service passes, as AWS gives them to AssumeRole (`aws:RequestTag/<key>`, `aws:TagKeys`): a trust
  // policy scopes a role to one workspace's jobs or one cluster's nodes by them, as EKS Pod Identity's are scoped by
  // namespace and service account. They were left out, and such a trust policy refused every job (review hp, 7).
  const keys = Object.keys(tags ?? {});
  if (tags !== undefined && keys.length > 0) {
    for (const k of keys) out[`aws:RequestTag/${k}`] = tags[k] as string;
    out['aws:TagKeys'] = keys;
  }
  return out;
}

/**
 * The session tags of a job's sessions (`gatehouse:workspace` and `gatehouse:job`; a node's `gatehouse:cluster` and
 * `gatehouse:job`), as they are issued (src/app/jobs.ts `sessionFacts`) and as its role's trust policy is decided with
 * them at submission (`serviceTrustContext`).
 */
export function jobSessionTags(job: { readonly kind?: string | undefined; readonly workspace: string; readonly cluster?: string | undefined; readonly id: string }): Record<string, string> {
  return job.kind === 'node' ? { [JOB_TAG_CLUSTER]: job.cluster ?? '', [JOB_TAG_JOB]: job.id } : { [JOB_TAG_WORKSPACE]: job.workspace, [JOB_TAG_JOB]: job.id };
}

/** An id the server draws for a job (src/app/jobs.ts `newJobId`): 12 characters of the ID alphabet, lower-cased. */
const DRAWN_JOB_ID_RE = /^[a-z2-7]{12}$/;

/**
 * A job id as the server stores it: an id of the shape the server draws, given in another case (copied from a log that
 * upper-cases, typed from a screen), in lower case; anything else as given. `audit query --job` read it so (review qo,
 * 2) while `jobs get`, `jobs events`, `jobs stop` and `sts revoke-sessions --job` answered NoSuchEntity (review tm, 1).
 */
export function storedJobId(given: string): string {
  const lower = given.toLowerCase();
  return DRAWN_JOB_ID_RE.test(lower) ? lower : given;
}

/**
 * An id a new job may be drawn with that the pattern `pattern` matches (a `StringLike`/`ArnLike` value's job id: `*` any
 * run, `?` one character), or undefined: when no drawable id matches it, or when it has no wildcard, since an exact id
 * is one job's, which no new job is drawn with. escalation-paths asks a role's trust with it: a trust policy tied to
 * the jobs whose id matches a pattern (`StringLike aws:RequestTag/gatehouse:job = a*`) lets about one new job in 32 assume
 * the role, and a submitter reaches it by submitting a few (review hq, 4).
 */
export function drawableJobIdLike(pattern: string): string | undefined {
  if (!/[*?]/.test(pattern)) return undefined;
  const fixed = pattern.replaceAll('*', '').length;
  if (fixed > 12) return undefined;
  let first = true;
  const id = pattern.replaceAll('?', 'a').replace(/\*/g, () => {
    const fill = first ? 'a'.repeat(12 - fixed) : '';
    first = false;
    return fill;
  });
  return DRAWN_JOB_ID_RE.test(id) ? id : undefined;
}

const JOB_ARN_RE = /^(?:arn:[a-z][a-z0-9-]*:training::|acs:pai::)(\d{12}):job\/([^/]+)$/;
/** The account and job id a job's ARN names (in any partition's spelling; `jobArn` gives the canonical one). */
export function parseJobArn(arn: string): { readonly account: string; readonly id: string } | undefined {
  const m = JOB_ARN_RE.exec(arn);
  return m === null ? undefined : { account: m[1] as string, id: m[2] as string };
}

/**
 * The job `given` names to a caller of `account`: a job id (`storedJobId`), or the job's ARN in either dialect's
 * spelling (`arn:aws:training::A:job/ID`, `acs:pai::A:job/ID`), what `jobs list`, audit records and refusals show and
 * `audit query --job` takes (src/app/audit-spelling.ts `recordedJobId`), read as its id. An ARN of another account's
 * job gives that account instead (`otherAccount`): a caller reaches only its own account's jobs. `jobs get ARN` was
 * refused as "not a job id" (review ts, 1).
 */
export function givenJobId(given: string, account: string): { readonly id: string } | { readonly otherAccount: string } {
  const arn = parseJobArn(given);
  if (arn === undefined) return { id: storedJobId(given) };
  return arn.account === account ? { id: storedJobId(arn.id) } : { otherAccount: arn.account };
}

/** The refusal's words for a job ARN `given` of account `other`, given by a caller of `account` (`givenJobId`). */
export function otherAccountJobWords(given: string, other: string, account: string): string {
  return `\`${given.length > 256 ? `${given.slice(0, 256)}…` : given}\` names a job of account ${other}; a caller reaches only its own account's (${account}) jobs: give a job id, or the ARN of a job of account ${account}`;
}

/**
 * Whether `who` (a principal's ARN, and the unique id of the user it is, if one) submitted `job`: the user whose unique
 * id the job recorded (`submitterId`), whatever its name and path now, as a user renamed (UpdateUser `NewUserName`,
 * `NewPath`) keeps its id and its jobs, and a user deleted and made again under the name is another; a job that recorded
 * no id (a role session's), the principal of the ARN it recorded. Compared by ARN alone, a renamed submitter lost the
 * right to read, list and stop its own job (review kb, 3).
 */
export function isJobSubmitter(job: { readonly submitter: { readonly arn: string }; readonly submitterId?: string | undefined }, who: { readonly arn: string; readonly userId?: string | undefined }): boolean {
  if (job.submitterId !== undefined) return who.userId !== undefined && who.userId === job.submitterId;
  return who.arn === job.submitter.arn;
}

/** The actions on a job (lower-cased), decided on its ARN in its workspace (src/app/jobs.ts `authorizeJobAccess`). */
export const JOB_ACTIONS: ReadonlySet<string> = new Set(['training:getjob', 'training:stopjob', 'training:listjobs']);

/** Session names are 2–64 of `[\w+=,.@-]`: the job id fits. */
export function jobSessionName(jobId: string): string {
  return `job-${jobId}`.slice(0, 64);
}

/**
 * The `SourceIdentity` (`[\w+=,.@-]{2,64}`) of a job's sessions, from its submitter's name (`Job.submitter.name`): the
 * name itself when it fits (a user's name, a role session's own SourceIdentity); else (a role session's ARN, a
 * one-character user name) the name's resource part (after its last `:`; the account is the job's own) made to fit, at
 * most 47 characters, then `.` and the first 16 hex digits of `digest(name)` (SHA-256, given by the app: the core does
 * no crypto). The ARN was flattened (`:` and `/` to `_`) and cut at 64 before, and role and session names hold `_`:
 * session `admin_alice` of role `ml` and session `alice` of role `ml_admin` gave one value, as did any two sessions
 * of roles sharing a long prefix, and user `a` gave user `a_`'s (review qd, 2).
 */
export function sourceIdentityOf(name: string, digest: (text: string) => string): string {
  if (SOURCE_IDENTITY_RE.test(name)) return name;
  const readable = name.slice(name.lastIndexOf(':') + 1).replace(/[^\w+=,.@-]/g, '_').slice(0, 47);
  return `${readable}.${digest(name).slice(0, 16)}`;
}

export const JOB_TAG_WORKSPACE = 'gatehouse:workspace';
export const JOB_TAG_JOB = 'gatehouse:job';
/** A node's session tag: the cluster it is a node of. */
export const JOB_TAG_CLUSTER = 'gatehouse:cluster';

// --- messages fixed by the platform documents -------------------------------------------------------

export const ROLE_CHECK_FAILED = 'check permission for ram role failed';
export const SUB_USER_CHECK_FAILED = 'check permission for sub user failed';
export const ASSUME_FAILED = 'Failed to assume role for user';

export function trustFix(partition: Partition, roleArn: string, service: string = partition === 'acs' ? TRAINING_SERVICE_ACS : TRAINING_SERVICE): string {
  const which = service === COMPUTE_SERVICE || service === COMPUTE_SERVICE_ACS ? 'compute' : 'training';
  const statement = partition === 'acs'
    ? { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: [service] } }
    : { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: service } };
  return `the trust policy of role ${roleArn} does not allow the ${which} service ${service} to assume it; add this statement to the role's trust policy: ${JSON.stringify(statement)}`;
}

/**
 * Why a service may not assume `roleArn` for a job when the role's trust policy denies it by name `service` (an explicit
 * Deny applies): `trustFix`'s statement to add is there already, or changes nothing while the Deny stands (review qo, 4).
 */
export function trustDenied(roleArn: string, service: string): string {
  const which = service === COMPUTE_SERVICE || service === COMPUTE_SERVICE_ACS ? 'compute' : 'training';
  return `the trust policy of role ${roleArn} denies the ${which} service ${service} the right to assume it for this job: a Deny statement of it applies (by the job's aws:SourceArn, aws:SourceAccount or session tags, or to every job), which no Allow added overrides; change or remove that statement, or use another role`;
}

// --- credential refresh schedule ----------------------------------------------------------------------

/**
 * Credentials are served from cache until they reach half their lifetime (with jitter, so thousands of
 * jobs do not refresh at once), and never with less than `servingMargin` left (credential-protocols §1).
 */
export function refreshAt(issuedAt: number, expiresAt: number, jitter01: number): number {
  const life = expiresAt - issuedAt;
  const half = issuedAt + life / 2;
  const spread = life * 0.1 * (jitter01 - 0.5); // ±5% of the lifetime
  return Math.min(half + spread, servableUntil(issuedAt, expiresAt));
}

/**
 * Alibaba's ECS RAM-role provider (`@alicloud/credentials` `ecs_ram_role`, the metadata endpoint's `ram/` path) fetches
 * again, a token PUT and a GET, at every call once the credentials it holds have under this left (PREFETCH_TIME,
 * credential-protocols §4.2).
 */
export const ECS_PREFETCH_MS = 60 * 60_000;
/**
 * The shortest session whose every served copy leaves that provider its hour: served until its refresh (`refreshAt`),
 * at 55% of its lifetime at the latest, so with 9/20 of it left at least: 8,000 s. The server warns at start about
 * GATEHOUSE_JOB_SESSION_SECONDS under it (review vz, 3): part of every shorter session (all of one of an hour or less)
 * reaches that SDK with under an hour left, and it fetches twice before every call meanwhile.
 */
export const ECS_PREFETCH_SESSION_SECONDS = Math.ceil(((ECS_PREFETCH_MS / 1000) * 20) / 9);

/** The longest margin kept: credential-protocols §1's "never serve credentials with < 30 min left". */
export const SERVED_MARGIN_MS = 30 * 60_000;
/**
 * The margin every SDK's refresh lands within (credential-protocols §2.4, §3.2, §3.4, §4.1): SDK v3 refreshes 5 min
 * before the `Expiration`; botocore's container provider 15 (advisory) and 10 (mandatory); the Alibaba credentials URI 15;
 * and botocore's IMDS provider takes credentials with under 17–25 min left as valid until now + 17–25 min (15 min and a
 * random 2–10), so it asks again only 2–10 min after the read (its advisory refresh) or 7–15 min (the mandatory one, when
 * the advisory one failed), whatever their real end.
 */
export const SDK_REFRESH_MARGIN_MS = 15 * 60_000;
/** A session is served for at least this long when its lifetime allows (it is issued again after). */
const SERVED_AT_LEAST_MS = 5 * 60_000;

/**
 * How long before its end a session of `lifeMs` is served no more: 30 minutes (`cap`), or half its lifetime when that is
 * less, but never under `SDK_REFRESH_MARGIN_MS` while that still leaves `SERVED_AT_LEAST_MS` to serve it (review vj, 1:
 * half the lifetime alone served a 20-minute session with 10 minutes left, which botocore's IMDS provider took as valid
 * for 17–25 and kept using up to 10 minutes past its end, ExpiredToken meanwhile). Sessions shorter than 20 minutes
 * (GATEHOUSE_JOB_SESSION_SECONDS under 1200, below which no margin is every SDK's) keep 5 minutes to serve, or half their
 * lifetime when shorter still.
 */
/**
 * The shortest session `servingMargin` serves with every SDK's margin (`SDK_REFRESH_MARGIN_MS` and still
 * `SERVED_AT_LEAST_MS` to serve): 1,200 s. The server warns at start about GATEHOUSE_JOB_SESSION_SECONDS under it (review vn, 1).
 */
export const SDK_MARGIN_SESSION_SECONDS = (SDK_REFRESH_MARGIN_MS + SERVED_AT_LEAST_MS) / 1000;

export function servingMargin(lifeMs: number, cap: number = SERVED_MARGIN_MS): number {
  const life = Math.max(0, lifeMs);
  return Math.min(cap, Math.max(life / 2, Math.min(SDK_REFRESH_MARGIN_MS, life - SERVED_AT_LEAST_MS)));
}

export function servableUntil(issuedAt: number, expiresAt: number): number {
  return expiresAt - servingMargin(expiresAt - issuedAt);
}

/**
 * Job and node sessions last at least this long whatever the role's `MaxSessionDuration` (default 1 h): the
 * training and compute services are the issuers, and §1 of credential-protocols asks ≥ 3 h for the Alibaba ECS
 * provider, which fetches again on every call once less than 60 min remain. A job's sessions die with the job
 * (revoked at its end) and can be revoked any time, so the role's maximum is not what bounds a leaked one.
 */
export const JOB_SESSION_AT_LEAST_SECONDS = 3 * 3600;

/** The steps in which a served `Expiration` advances (`servedExpiration`). */
export const SERVED_EXPIRATION_STEP_MS = 15 * 60_000;
/** At least this much validity is served whenever the session has it: §1's ≥ 3 h for the ECS emulator. */
export const SERVED_VALIDITY_MS = 3 * 3600_000;

/**
 * The `Expiration` a credential endpoint serves at `now` for a session that really expires at `expiresAt`: the
 * real one, or sooner — between 3 h and 3 h 15 min ahead, in 15-minute steps — when the session lasts longer.
 * Clients fetch again only near the `Expiration` they were given (SDK v3 5 min before, botocore 15, Alibaba 15 or
 * 60: credential-protocols §2.4, §3.4, §4), and a session token cannot be taken back from them; so a job whose
 * sessions are revoked (`sts revoke-sessions --job` / `--role-arn`) has its processes come back for the session
 * issued in their place within about 3 h, not the 12 h of the token. The steps keep the document the same for
 * 15 minutes, so it is rendered once per step, not per request. Never later than the real expiry, so what
 * `servableUntil` keeps (≥ 30 min left) still holds for what is served.
 */
export function servedExpiration(expiresAt: number, now: number): number {
  const step = Math.floor(now / SERVED_EXPIRATION_STEP_MS) * SERVED_EXPIRATION_STEP_MS;
  return Math.min(expiresAt, step + SERVED_EXPIRATION_STEP_MS + SERVED_VALIDITY_MS);
}

/**
 * The bucket a workspace's `defaultBucket` names, or undefined when it is not the ARN of exactly one bucket: its
 * name may hold no wildcard (`*`, `?`) and no object path, since a default-role job's session policy grants the
 * service's every action on it and everything under it (review S, S1). The Alibaba form keeps its `*:*` region and
 * account fields (`acs:oss:*:*:NAME`), which name no other bucket.
 */
export function defaultBucketName(arn: string): string | undefined {
  const m = /^(?:arn:aws(?:-cn|-us-gov)?:s3:::|acs:oss:[\w*-]*:[\w*]*:)([A-Za-z0-9][A-Za-z0-9._-]{0,254})$/.exec(arn);
  return m?.[1];
}

/**
 * The rights a writer of a workspace's default bucket must hold on it (`defaultBucketName`), since every member's
 * default-role job gets the service's every action there (`defaultBucketStatement`): listing it and reading its objects
 * (`read`), and, review gd, 5, writing and deleting its objects, setting its policy and deleting it. With the reads
 * alone, a user allowed only to read a bucket named it, ran a default-role job, and wrote, deleted and re-permissioned
 * the bucket through the job's session.
 */
export function defaultBucketReads(arn: string): readonly { readonly action: string; readonly resource: string; readonly read: boolean }[] {
  const oss = arn.startsWith('acs:');
  const service = oss ? 'oss' : 's3';
  return [
    { action: oss ? 'oss:ListObjects' : 's3:ListBucket', resource: arn, read: true },
    { action: `${service}:GetObject`, resource: `${arn}/*`, read: true },
    { action: `${service}:PutObject`, resource: `${arn}/*`, read: false },
    { action: `${service}:DeleteObject`, resource: `${arn}/*`, read: false },
    { action: `${service}:PutBucketPolicy`, resource: arn, read: false },
    { action: `${service}:DeleteBucket`, resource: arn, read: false },
  ];
}

/**
 * Validates a workspace document (from the API or `kind: Workspace`); each error names its field, and every one is
 * reported, as the other kinds' (a user fixing a file wants the whole list at once).
 */
export function parseWorkspace(account: string, name: string, spec: Record<string, unknown>): Result<Workspace> {
  const bad = checkName('group', name, 'workspace name');
  if (bad) return failWith('VALIDATION_ERROR', bad, 'metadata.name');
  const errors: GatehouseError[] = [];
  const refuse = (message: string, path: string): void => void errors.push({ code: 'VALIDATION_ERROR', message, path });
  for (const k of Object.keys(spec)) {
    if (!['members', 'defaultBucket', 'defaultTableProject'].includes(k)) refuse(`unknown field \`${shownKey(k)}\` in a workspace (allowed: members, defaultBucket, defaultTableProject)`, keyPath(k, 'spec.'));
  }
  const members = spec['members'] ?? [];
  const out: { user?: string; group?: string }[] = [];
  if (!Array.isArray(members)) refuse('`members` must be a list of {user: NAME} or {group: NAME}', 'spec.members');
  else {
    for (const [i, m] of members.entries()) {
      const rec = m as Record<string, unknown>;
      const keys = typeof m === 'object' && m !== null ? Object.keys(rec) : [];
      if (keys.length !== 1 || (keys[0] !== 'user' && keys[0] !== 'group') || typeof rec[keys[0]] !== 'string') refuse('a member is {user: NAME} or {group: NAME}', `spec.members[${i}]`);
      else out.push(keys[0] === 'user' ? { user: rec['user'] as string } : { group: rec['group'] as string });
    }
  }
  const bucket = spec['defaultBucket'];
  if (bucket !== undefined && (typeof bucket !== 'string' || defaultBucketName(bucket) === undefined)) {
    refuse(`\`defaultBucket\` must be the ARN of one bucket, without wildcards or an object path, such as \`arn:aws:s3:::ws-data\` or \`acs:oss:*:*:ws-data\`${typeof bucket === 'string' ? `; got \`${shortName(bucket)}\`` : ''}`, 'spec.defaultBucket');
  }
  const table = spec['defaultTableProject'];
  if (table !== undefined && (typeof table !== 'string' || !/^[\w.-]{1,128}$/.test(table))) refuse('`defaultTableProject` must be a project name', 'spec.defaultTableProject');
  if (errors.length > 0) return fail(errors);
  return ok({ account, name, members: out, ...(typeof bucket === 'string' ? { defaultBucket: bucket } : {}), ...(typeof table === 'string' ? { defaultTableProject: table } : {}) });
}

/** Key of a workspace in the store's key/value table. */
export function workspaceKey(account: string, name: string): string {
  return `ws/${account}/${name.toLowerCase()}`;
}

/** Validates a cluster document (`kind: Cluster`); each error names its field, and every one is reported. */
export function parseCluster(account: string, name: string, spec: Record<string, unknown>): Result<Cluster> {
  const bad = checkName('group', name, 'cluster name');
  if (bad) return failWith('VALIDATION_ERROR', bad, 'metadata.name');
  const errors: GatehouseError[] = [];
  const refuse = (message: string, path: string): void => void errors.push({ code: 'VALIDATION_ERROR', message, path });
  for (const k of Object.keys(spec)) {
    if (!['instanceRole', 'computeConfigs', 'mappings', 'trustedControllers'].includes(k)) refuse(`unknown field \`${shownKey(k)}\` in a cluster (allowed: instanceRole, computeConfigs, mappings, trustedControllers)`, keyPath(k, 'spec.'));
  }
  /** A role name of the account or a role ARN; undefined (and an error at `path`) otherwise. */
  const roleRef = (v: unknown, path: string): string | undefined => {
    if (typeof v === 'string' && /^([\w+=,.@-]{1,64}|arn:aws[a-z-]*:iam::\d{12}:role\/.+|acs:ram::\d{1,20}:role\/.+)$/.test(v)) return v;
    refuse('a role is a role name of the account or a role ARN', path);
    return undefined;
  };
  const instanceRole = spec['instanceRole'] !== undefined ? roleRef(spec['instanceRole'], 'spec.instanceRole') : undefined;
  const computeConfigs: Record<string, { instanceRole?: string }> = {};
  const cc = spec['computeConfigs'] ?? {};
  if (typeof cc !== 'object' || cc === null || Array.isArray(cc)) refuse('`computeConfigs` maps a compute config name to {instanceRole}', 'spec.computeConfigs');
  else {
    for (const [k, v] of Object.entries(cc as Record<string, unknown>)) {
      // Bounded as a name is (review iz, 1): `__proto__` set the object's prototype and was stored as nothing, said
      // nowhere; an empty or 10,000-character name was taken as it was. Its characters are not checked: names such as
      // `gpu:a100` were taken before, and a configuration applied again keeps working.
      const badName = k === '__proto__' ? `compute config name \`${k}\` is reserved: give the compute config another name` : k === '' ? 'compute config name is required' : k.length > 128 ? `compute config name \`${shortName(k)}\` is longer than 128 characters` : undefined;
      if (badName !== undefined) {
        refuse(badName, `spec.computeConfigs.${k}`);
        continue;
      }
      const rec = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
      for (const extra of Object.keys(rec).filter((x) => x !== 'instanceRole')) refuse(`unknown field \`${shownKey(extra)}\` in a compute config (allowed: instanceRole)`, keyPath(extra, `spec.computeConfigs.${k}.`));
      if (rec['instanceRole'] === undefined) computeConfigs[k] = {};
      else {
        const role = roleRef(rec['instanceRole'], `spec.computeConfigs.${k}.instanceRole`);
        if (role !== undefined) computeConfigs[k] = { instanceRole: role };
      }
    }
  }
  const mappings: { user?: string; group?: string; role: string }[] = [];
  const ms = spec['mappings'] ?? [];
  if (!Array.isArray(ms)) refuse('`mappings` is a list of {user|group: NAME, role: NAME|ARN}', 'spec.mappings');
  else {
    for (const [i, m] of ms.entries()) {
      const rec = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
      const keys = Object.keys(rec).sort().join(',');
      if ((keys !== 'role,user' && keys !== 'group,role') || typeof (rec['user'] ?? rec['group']) !== 'string') {
        refuse('a mapping is {user: NAME, role: ROLE} or {group: NAME, role: ROLE}', `spec.mappings[${i}]`);
        continue;
      }
      const role = roleRef(rec['role'], `spec.mappings[${i}].role`);
      if (role !== undefined) mappings.push(rec['user'] !== undefined ? { user: rec['user'] as string, role } : { group: rec['group'] as string, role });
    }
  }
  const trustedControllers = spec['trustedControllers'] !== undefined ? parseTrustedControllers(spec['trustedControllers'], errors) : [];
  if (errors.length > 0) return fail(errors);
  return ok({ account, name, ...(instanceRole !== undefined ? { instanceRole } : {}), computeConfigs, mappings, ...(trustedControllers.length > 0 ? { trustedControllers } : {}) });
}

export function clusterKey(account: string, name: string): string {
  return `cluster/${account}/${name.toLowerCase()}`;
}

/**
 * The ARN a job lies in, on which its actions (`training:GetJob`, `StopJob`, `ListJobs`, revoking its sessions) are
 * decided besides its own: its workspace's, and a cluster node's or pod's cluster's (review iz, 9). A node has no
 * workspace, and was decided on `…:workspace/` (an empty name), so a grant on every workspace (`workspace/*`) let its
 * holder read and stop every cluster's nodes, while a grant on the cluster allowed none of them and a Deny on the
 * cluster did not keep them from being stopped.
 */
export function jobContainerArn(job: { readonly partition: Partition; readonly account: string; readonly workspace: string; readonly kind?: string | undefined; readonly cluster?: string | undefined }): string {
  return job.kind === 'node' && job.cluster !== undefined ? clusterArn(job.partition, job.account, job.cluster) : workspaceArn(job.partition, job.account, job.workspace);
}

/** What a job lies in, said to a reader: `workspace W` or `cluster C` (`jobContainerArn`). */
export function jobContainerName(job: { readonly workspace: string; readonly kind?: string | undefined; readonly cluster?: string | undefined }): string {
  return job.kind === 'node' && job.cluster !== undefined ? `cluster ${job.cluster}` : `workspace ${job.workspace}`;
}

export function clusterArn(partition: Partition, account: string, name: string): string {
  return partition === 'acs' ? `acs:pai::${account}:cluster/${name}` : `arn:aws:training::${account}:cluster/${name}`;
}

/** The compute service names a node role may trust. */
export function computeServices(partition: Partition): readonly string[] {
  return partition === 'acs' ? [COMPUTE_SERVICE_ACS, COMPUTE_SERVICE] : [COMPUTE_SERVICE];
}

/**
 * The role a node runs as (seed 003): the compute config's instance role when one is named and set, else the
 * first mapping rule matching the user or one of their groups, else the cluster's instance role.
 */
/**
 * Whether cluster `c` has the compute config `name` of its own: not a property every object inherits (`toString`,
 * `constructor`, `__proto__`), which was found, passed for a compute config, and started a node as another role than
 * asked (review iz, 1).
 */
export function hasComputeConfig(c: Cluster, name: string): boolean {
  return c.computeConfigs !== undefined && Object.hasOwn(c.computeConfigs, name);
}

export function nodeRole(c: Cluster, who: { user?: string; groups: readonly string[] }, computeConfig?: string): { role: string; why: string } | undefined {
  if (computeConfig !== undefined) {
    const cc = hasComputeConfig(c, computeConfig) ? c.computeConfigs?.[computeConfig] : undefined;
    if (cc?.instanceRole) return { role: cc.instanceRole, why: `compute config ${computeConfig}` };
  }
  const groups = new Set(who.groups.map((g) => g.toLowerCase()));
  for (const m of c.mappings ?? []) {
    if (m.user !== undefined && who.user !== undefined && m.user.toLowerCase() === who.user.toLowerCase()) return { role: m.role, why: `mapping for user ${m.user}` };
    if (m.group !== undefined && groups.has(m.group.toLowerCase())) return { role: m.role, why: `mapping for group ${m.group}` };
  }
  return c.instanceRole ? { role: c.instanceRole, why: `instance role of cluster ${c.name}` } : undefined;
}

/** ECS's link-local container endpoint, where every AWS SDK reads `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (port 80). */
export const ECS_CONTAINER_HOST = '169.254.170.2';

/**
 * The container endpoint `url` in the variables every AWS SDK takes: `http://169.254.170.2` on port 80 as
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (its path), as ECS gives it (credential-protocols §9.1), anything else as
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI`. SDK v3's `fromContainerMetadata` takes only 127.0.0.1 and `localhost` in a
 * full URI ("169.254.170.2 is not a valid container metadata service hostname"), but a relative URI at 169.254.170.2
 * (review hk, 1).
 */
export function containerUriVariables(url: string): Record<string, string> {
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (u?.protocol === 'http:' && u.hostname === ECS_CONTAINER_HOST && u.port === '' && u.username === '' && u.password === '') return { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `${u.pathname}${u.search}` };
  return { AWS_CONTAINER_CREDENTIALS_FULL_URI: url };
}

/**
 * The query parameter of the container endpoint (`/v1/container-credentials?capability=…`) that names the job's
 * capability for a client that sends no `Authorization` (review iq, 5).
 */
export const CONTAINER_CAPABILITY_PARAMETER = 'capability';

/**
 * The capability the query of a container endpoint request (`req.url`) names, or undefined: exactly one
 * `capability` parameter, else none (two would leave it to the reader which one is meant).
 */
export function containerCapabilityOf(url: string): string | undefined {
  const at = url.indexOf('?');
  if (at === -1) return undefined;
  const all = new URLSearchParams(url.slice(at + 1)).getAll(CONTAINER_CAPABILITY_PARAMETER);
  return all.length === 1 && all[0] !== '' ? all[0] : undefined;
}

/**
 * A job's credential environment (`AWS_CONTAINER_CREDENTIALS_FULL_URI` among it) with its container endpoint in the
 * variables every AWS SDK takes (`containerUriVariables`): a pod's, and the ranks' of `jobs run --agent` (and of a
 * node's), which read the same node agent. Only pods got the relative URI at `http://169.254.170.2`, and a rank's
 * code calling SDK v3's `fromContainerMetadata` got no credentials there (reviews hk, 1 and hq, 2).
 */
export function withContainerUri(env: Readonly<Record<string, string>>): Record<string, string> {
  const { AWS_CONTAINER_CREDENTIALS_FULL_URI: full, ...rest } = env;
  if (full === undefined) return rest;
  const vars = containerUriVariables(full);
  const relative = vars['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];
  const token = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  // The job's capability in the relative URI too, as ECS puts an unguessable id there (`/v2/credentials/<id>`): the
  // AWS SDK for Java 1.x sends no `Authorization` for a relative URI, nor does `curl 169.254.170.2$AWS_…_RELATIVE_URI`,
  // and both got 403 (review iq, 5; credential-protocols §9.1). In the query, not the path: a node agent from before
  // reads the path alone and still serves the SDKs that send the token. The token stays for SDKs given a full URI.
  if (relative !== undefined && token !== undefined && token !== '') {
    const u = new URL(relative, `http://${ECS_CONTAINER_HOST}`);
    if (u.pathname.endsWith('/v1/container-credentials') && !u.searchParams.has(CONTAINER_CAPABILITY_PARAMETER)) {
      u.searchParams.append(CONTAINER_CAPABILITY_PARAMETER, token);
      return { ...rest, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `${u.pathname}${u.search}` };
    }
  }
  return { ...rest, ...vars };
}

/**
 * The container endpoint a job's process reads, from its environment: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` at
 * 169.254.170.2 (which every SDK prefers), else `AWS_CONTAINER_CREDENTIALS_FULL_URI`; undefined for neither.
 */
export function containerUriOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const relative = env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];
  if (relative) return `http://${ECS_CONTAINER_HOST}${relative}`;
  return env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] || undefined;
}

/**
 * Why some AWS SDK refuses `url` as the address pods read their container credentials at (`--agent-address`), or
 * undefined when every one examined takes it: `http://169.254.170.2` on port 80 (given as a relative URI,
 * `containerUriVariables`), or what `containerEndpointRefusal` takes. On another port 169.254.170.2 can only be a full
 * URI, which SDK v3's `fromContainerMetadata` refuses (review hk, 1).
 */
export function podContainerAddressRefusal(url: string): string | undefined {
  if ('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' in containerUriVariables(url)) return undefined;
  if (URL.canParse(url)) {
    const u = new URL(url);
    if (u.protocol === 'http:' && u.hostname === ECS_CONTAINER_HOST) return `the AWS SDK v3 fromContainerMetadata takes only 127.0.0.1 and localhost in AWS_CONTAINER_CREDENTIALS_FULL_URI, and ${ECS_CONTAINER_HOST} only on port 80, as AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`;
  }
  return containerEndpointRefusal(url);
}

/**
 * Why some AWS SDK refuses `url` as a container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), or
 * undefined when every one examined takes it. Over http only 127.0.0.1, `localhost` and 169.254.170.2 pass SDK v3's
 * default chain (`fromHttp`) and botocore 1.29 and later; they refuse any other host before sending a request
 * (credential-protocols §2.1, §3.1, §9.1; review af, P1, P2 and 5). (SDK v3's `fromContainerMetadata`, called on its
 * own, takes 169.254.170.2 only as a relative URI: `podContainerAddressRefusal`.)
 */
export function containerEndpointRefusal(url: string): string | undefined {
  if (!URL.canParse(url)) return 'it is not a URL';
  const u = new URL(url);
  const host = u.hostname.toLowerCase();
  if (u.protocol === 'http:' && (host === '127.0.0.1' || host === 'localhost' || host === '169.254.170.2')) return undefined;
  // botocore 1.29 takes https to its three hosts alone (credential-protocols §3.1); SDK v3's fromContainerMetadata
  // passes an https `localhost` URL but asks it over node:http, which fails (§2.1).
  if (u.protocol === 'https:') return host === '127.0.0.1' || host === 'localhost' || host === '169.254.170.2' ? 'the AWS SDK v3 fromContainerMetadata fails on it (it asks over plain http)' : 'botocore 1.29 (Debian 12) and the AWS SDK v3 fromContainerMetadata refuse it';
  if (/^127\./.test(host) || host === '[::1]') return 'botocore accepts only 127.0.0.1, localhost and 169.254.170.2 over http';
  return 'the AWS SDKs (v3 fromHttp and fromContainerMetadata, botocore) refuse it over http';
}

/**
 * The roles cluster `c` hands its nodes (its instance role, each compute config's, each mapping's), each with the field
 * that names it (`instanceRole`, `computeConfigs.gpu.instanceRole`, `mappings[0].role`): those its writer must be
 * allowed to pass (`iam:PassRole`, review jg, 1) when the cluster as stored did not already hand them.
 */
export function clusterRoleRefs(c: Cluster): { readonly role: string; readonly path: string }[] {
  return [
    ...(c.instanceRole !== undefined ? [{ role: c.instanceRole, path: 'instanceRole' }] : []),
    ...Object.entries(c.computeConfigs ?? {}).flatMap(([name, v]) => (v.instanceRole !== undefined ? [{ role: v.instanceRole, path: `computeConfigs.${name}.instanceRole` }] : [])),
    ...(c.mappings ?? []).map((m, i) => ({ role: m.role, path: `mappings[${i}].role` })),
  ];
}
