/**
 * Admin REST routes for workspaces and training jobs (under `/v1/`, SigV4 service `gatehouse`):
 * Reading a workspace needs `training:GetWorkspace` on it or membership, a cluster `training:GetCluster`; a list without
 * `training:ListWorkspaces` / `training:ListClusters` holds only what the caller may read. A `PUT` of one asks
 * `training:CreateWorkspace` / `training:CreateCluster` when none is stored under the name (in any case), else
 * `training:UpdateWorkspace` / `training:UpdateCluster` (review sb, 1).
 *   GET  /v1/workspaces                 PUT /v1/workspaces/{name} {members, defaultBucket?, defaultTableProject?}
 *   GET  /v1/workspaces/{name}          DELETE /v1/workspaces/{name}
 *   POST /v1/jobs {workspace, role, name?, replicas?, imds?, launcherUid?}   → 201 {job, capability, environment}
 *   GET  /v1/jobs?limit=&next=&workspace=&state=   → {jobs, next?}   GET /v1/jobs/{id}   GET /v1/jobs/{id}/events?limit=&after=|tail= → {events, next?}
 *   POST /v1/jobs/{id}/stop
 *   GET  /v1/clusters   GET|PUT /v1/clusters/{name}   POST /v1/clusters/{name}/nodes {computeConfig?, imds?, launcherUid?}
 * The submit answer holds the launcher's capability once (`capability`: it heartbeats and ends the job), and the
 * credential environment of its processes (DESIGN.md "Job credential environment"), pointed at the agent and this
 * server, with the processes' own capability, which reads the job's credentials only (review nn, 1). The job's IMDSv2 endpoint is
 * opened unless `imds` is false; IMDSv2 carries no capability, so it serves only processes of `launcherUid`, the uid
 * the launcher reports (`process.getuid()`), or any process of the host when none is reported (agent/peer-uid.ts).
 */
import { fail, failWith, ok, type Result } from '../../core/errors.ts';
import { clusterArn, clusterKey, namesDecided, parseCluster, parseWorkspace, workspaceArn, type Cluster, type Workspace } from '../../core/jobs/jobs.ts';
import { contextOf } from '../../core/iam/index.ts';
import { accessDeniedMessage, decideAdmin, requestContext } from '../../app/principals.ts';
import type { App, Caller } from '../../app/index.ts';
import { defaultBucketRefusal } from '../../app/apply.ts';
import { JOB_EVENTS_PAGE_MAX, JOBS_PAGE_MAX, missingStoredMembers, type JobEventsQuery, type ListJobsQuery } from '../../app/jobs.ts';
import { onlyFields } from './admin-api.ts';
import { checkName, shortName } from '../../core/directory/rules.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable } from '../../app/ports/store.ts';
import { CREDENTIALS_URI_PATH, credentialsUriKey, metadataTokenKey } from '../agent/imds.ts';

export interface JobsRouteDeps {
  /** Opens the job's metadata endpoint and returns its port. */
  readonly openMetadata: (jobId: string) => Promise<number>;
  /** The server has as many metadata endpoints open as it opens (and how many that is): a job asking for one is refused. */
  readonly metadataFull?: () => number | undefined;
  /** Base URL of the agent (`http://127.0.0.1:8471`). */
  readonly agentUrl: () => string;
  /** Base URL of this server (`AWS_ENDPOINT_URL`). */
  readonly serverUrl: () => string;
  /** Base URL of the S3 gateway (`AWS_ENDPOINT_URL_S3`), when it serves. */
  readonly s3Url?: () => string;
  readonly region?: string;
}

export interface JobsRouteContext {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
  readonly query: URLSearchParams;
  /**
   * Told the action a route decided once it knows it (a `PUT` of a workspace or cluster: Create or Update, by whether
   * the item exists), so the change's audit record names that action (src/adapters/http/audit-api.ts).
   */
  readonly actionDecided?: (action: string, resource: string) => void;
}

export interface JobsRoute {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: (ctx: JobsRouteContext) => Promise<Result<{ status?: number; body: unknown }>>;
}

function authorize(app: App, caller: Caller, action: string, resource: string): Result<void> {
  // With the request's aws:SourceIp and aws:SecureTransport, as every admin API decision (`requestContext`); a Deny
  // spelling the workspace or cluster in the other dialect applies too (review is, 6).
  const d = decideAdmin({ principal: caller.principal, action, resource, context: contextOf(requestContext(caller)), time: app.deps.now() }, caller.policies);
  return d.decision === 'Allow' ? ok(undefined) : failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, action, resource, d));
}

/**
 * The job's credential environment (DESIGN.md), minus the local file path the launcher chooses. Without a metadata
 * port (`"imds": false`, a pod) the AWS SDKs are told not to look for instance metadata at all (as
 * `ALIBABA_CLOUD_ECS_METADATA_DISABLED` tells Alibaba's): on a cloud VM 169.254.169.254 would hand the job the node's
 * own role.
 */
export function jobEnvironment(deps: JobsRouteDeps, jobId: string, capability: string, metadataPort?: number, uriPathOnMetadataPort?: string): Record<string, string> {
  const agent = deps.agentUrl();
  // A job with a metadata endpoint reads the credentials URI there, with no capability in it (review tn, 1 for a job of
  // an Alibaba-style account, review tv, 2 for one of an `aws` account, on a path only its endpoint knows): the Alibaba
  // SDKs write the whole URI into their errors, so a capability in it reached the job's logs at the first 503 or 409,
  // and any reader of the logs could read the job's credentials. The endpoint serves only the launcher's uid (imds.ts
  // `CREDENTIALS_URI_PATH`, `credentialsUriKey`).
  const uri = metadataPort !== undefined && uriPathOnMetadataPort !== undefined ? `http://127.0.0.1:${metadataPort}${uriPathOnMetadataPort}` : `${agent}/v1/credentials/${capability}`;
  return {
    ALIBABA_CLOUD_CREDENTIALS_URI: uri,
    ALIBABACLOUD_CREDENTIALS_URI: uri,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent}/v1/container-credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: capability,
    // With its trailing slash, as AWS's own default `http://169.254.169.254/`: the aws CLI of Debian 12 (its vendored
    // botocore) appends `latest/api/token` with no separator (review be, 1).
    ...(metadataPort !== undefined ? { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${metadataPort}/` } : { AWS_EC2_METADATA_DISABLED: 'true' }),
    AWS_ENDPOINT_URL: deps.serverUrl(),
    // S3 clients go to the gateway, not to the IAM/STS endpoint above (SDK v3, boto3 ≥ 1.28, aws CLI ≥ 2.13 read it).
    ...(deps.s3Url?.() ? { AWS_ENDPOINT_URL_S3: deps.s3Url() } : {}),
    AWS_REGION: deps.region ?? 'us-east-1',
    // boto3 and the aws CLI read only this one (botocore 1.29 of Debian 12 and 1.43 alike), so without it a pod's
    // boto3 client had no region (NoRegionError); EKS's pod identity webhook sets both too (review ek, 5).
    AWS_DEFAULT_REGION: deps.region ?? 'us-east-1',
    GATEHOUSE_JOB_ID: jobId,
  };
}

/**
 * The path of job `jobId`'s credentials URI on its metadata endpoint, or undefined when it keeps the one with the
 * capability on the credential port. On Linux only, where the endpoint can tell its launcher's processes by uid
 * (elsewhere it refuses every process: peer-uid.ts). A job of an Alibaba-style account (`acs`), whose endpoint serves
 * its session without a token already (review gu, 1), gets the bare path (review tn, 1); a job of an `aws` account the
 * path with the endpoint's key (review tv, 2), which a request forgery cannot guess, so that its session is still not
 * served there to a tokenless request it could make (review tc, 1). The key is made from what the endpoint's tokens are
 * (the job's stored capability hash: agent/server.ts `openOn`); without it, or with the store out of reach, the
 * capability URI as before.
 */
async function uriPathOnMetadataPort(app: App, jobId: string): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const owner = await app.jobs.launcherOf(jobId).catch(() => undefined);
  if (owner === undefined) return undefined;
  if (owner.partition === 'acs') return CREDENTIALS_URI_PATH;
  return owner.tokenSecret !== '' ? `${CREDENTIALS_URI_PATH}/${credentialsUriKey(metadataTokenKey(owner.tokenSecret))}` : undefined;
}

/**
 * `action` on workspace (or cluster) `name` as the URL spells it and, when one is stored under another case of the name
 * (the store finds it whatever the case), on its own ARN too: the write or deletion is of that one, and IAM matches ARNs
 * with case. Decided on the name as asked only, a caller allowed `training:CreateWorkspace` on `workspace/Team-*`
 * overwrote (and renamed) or deleted the workspace `team-secret` through `PUT`/`DELETE /v1/workspaces/Team-Secret`
 * (review fv, 6), and one allowed `training:CreateCluster` on `cluster/Team-*` rewrote the cluster `team-gpu`'s instance
 * role and mappings (review fv, 8), as `readWorkspace` already decides a read on the stored ARN.
 */
function authorizeOn(app: App, caller: Caller, action: string, name: string, kind: 'workspace' | 'cluster', storedName: string | undefined): Result<void> {
  const arnOf = kind === 'workspace' ? workspaceArn : clusterArn;
  for (const n of namesDecided(name, storedName)) {
    const a = authorize(app, caller, action, arnOf(caller.partition, caller.account, n));
    if (!a.ok) return a;
  }
  return ok(undefined);
}

/**
 * `action` on the workspace or cluster `name`, decided in the transaction that writes or deletes it, on what is stored
 * there (`stored`, found whatever the case of the name): the caller is told the action and the ARN of the item it is
 * on (the stored one's own, else the name as asked) before it is authorized, so the change's record names them, as
 * `gatehouse apply` records the stored one's ARN. A `DELETE /v1/workspaces/W` read the stored name in a transaction
 * of its own before the deletion's (review sm, 1): a workspace made or renamed in between was deleted on the other
 * one's decision, and its record named the URL's spelling (`workspace/Team-Secret`) where the one deleted was
 * `workspace/team-secret`.
 */
function authorizeInWrite(app: App, caller: Caller, action: string, kind: 'workspace' | 'cluster', name: string, stored: { readonly name: string } | undefined, told?: (action: string, resource: string) => void): Result<void> {
  const arnOf = kind === 'workspace' ? workspaceArn : clusterArn;
  told?.(action, arnOf(caller.partition, caller.account, stored?.name ?? name));
  return authorizeOn(app, caller, action, name, kind, stored?.name);
}

/**
 * The action a `PUT` of a workspace or cluster asks, decided in its write's transaction on what is stored there (found
 * whatever the case of the name, as the write finds it): `training:Create…` of one that does not exist,
 * `training:Update…` of the stored one, as `gatehouse apply` asks them and as AWS's APIs ask one action a call. Every
 * `PUT` asked `training:Create…` (review sb, 1): a policy allowing `training:*` but explicitly denying
 * `training:UpdateCluster` let its holder rewrite an existing cluster's instance role (or a workspace's members) all
 * the same. The caller is told the action (`actionDecided`) before it is authorized, so the change's record names it.
 */
function authorizePut(app: App, caller: Caller, kind: 'workspace' | 'cluster', name: string, stored: { readonly name: string } | undefined, told?: (action: string, resource: string) => void): Result<void> {
  const noun = kind === 'workspace' ? 'Workspace' : 'Cluster';
  return authorizeInWrite(app, caller, `training:${stored === undefined ? 'Create' : 'Update'}${noun}`, kind, name, stored, told);
}

/**
 * A workspace's or cluster's refusals as paths of the body sent (review ho, 7). Their parsers are apply's, whose
 * documents hold the fields under `spec` and the name at `metadata.name`: `PUT /v1/workspaces/w` answered a bad member
 * at `spec.members[0]` (and a missing one, checked here, at `members[0].user`), a path of no body a client sent. The
 * fields are at the top of the body, and the name is the URL's (path '').
 */
function asBodyPaths<T>(r: Result<T>): Result<T> {
  if (r.ok) return r;
  return fail(r.errors.map((e) => ({ ...e, path: e.path === 'metadata.name' || e.path === 'spec' ? '' : e.path.startsWith('spec.') ? e.path.slice('spec.'.length) : e.path })));
}


export function jobsRoutes(deps: JobsRouteDeps): JobsRoute[] {
  return [
    {
      method: 'GET',
      pattern: ['workspaces'],
      handler: async ({ app, caller }) => ok({ body: { workspaces: await app.jobs.readableWorkspaces(caller) } }),
    },
    {
      method: 'GET',
      pattern: ['workspaces', ':name'],
      handler: async ({ app, caller, params }) => mapOk(await app.jobs.readWorkspace(caller, params['name'] ?? ''), (ws) => ws),
    },
    {
      method: 'PUT',
      pattern: ['workspaces', ':name'],
      handler: async ({ app, caller, params, body, actionDecided }) => {
        const name = params['name'] ?? '';
        const ws = asBodyPaths(parseWorkspace(caller.account, name, body));
        // Decided in the write's own transaction on whether the workspace exists (review sb, 1), before the body's own
        // refusals, as it was decided before them. Members naming no user or group are refused as apply refuses them
        // (review ak, 5), read in the same transaction so a user deleted meanwhile is not kept as a name.
        const written = await app.deps.store.write(async (tx): Promise<Result<Workspace>> => {
          const existing = await app.jobs.getWorkspace(tx, caller.account, name);
          const a = authorizePut(app, caller, 'workspace', name, existing, actionDecided);
          if (!a.ok) return a;
          if (!ws.ok) return ws;
          const bucket = ws.value.defaultBucket;
          // A default-role job reaches its workspace's default bucket: naming one grants it to every member's jobs, so
          // only a bucket the writer may read can be named (review S, S1). A bucket kept as it was is not asked again.
          // Decided with the bucket's policy, as apply decides it (review X, X4): a bucket policy that denies the writer counts.
          if (bucket !== undefined && existing?.defaultBucket !== bucket) {
            const refused = await defaultBucketRefusal(tx, caller, app.deps.now(), bucket);
            if (!refused.ok) return refused;
          }
          const errors = await missingStoredMembers(tx, ws.value, existing);
          return errors.length === 0 ? ok(await app.jobs.putWorkspace(tx, ws.value)) : fail(errors);
        });
        return written.ok ? ok({ body: written.value }) : written;
      },
    },
    {
      method: 'DELETE',
      pattern: ['workspaces', ':name'],
      handler: async ({ app, caller, params, actionDecided }) => {
        const name = params['name'] ?? '';
        // Decided in the deletion's own transaction, on the workspace it deletes (review sm, 1), as a PUT is (review sb, 1).
        const gone = await app.deps.store.write(async (tx): Promise<Result<boolean>> => {
          const a = authorizeInWrite(app, caller, 'training:DeleteWorkspace', 'workspace', name, await app.jobs.getWorkspace(tx, caller.account, name), actionDecided);
          return a.ok ? app.jobs.deleteWorkspace(tx, caller.account, name) : a;
        });
        if (!gone.ok) return gone;
        return gone.value ? ok({ status: 204, body: null }) : failWith('NO_SUCH_ENTITY', `workspace ${name} does not exist`);
      },
    },
    {
      method: 'POST',
      pattern: ['jobs'],
      handler: async ({ app, caller, body }) => {
        // A misspelt or mistyped field would be dropped and the job run otherwise than asked (`"replicas": "8"` as 1).
        const fields = onlyFields(body, ['workspace', 'role', 'name', 'replicas', 'imds', 'launcherUid']);
        if (!fields.ok) return fields;
        const workspace = body['workspace'];
        const role = body['role'] ?? 'default';
        // Given but no string (`5`, `["ml"]`): said so, not "required" as if it were absent (review pq, 2).
        if (workspace === undefined || workspace === null || workspace === '') return failWith('VALIDATION_ERROR', '`workspace` is required', 'workspace');
        if (typeof workspace !== 'string') return failWith('VALIDATION_ERROR', `\`workspace\` must be a string, the name of a workspace, got ${shortName(JSON.stringify(workspace))}`, 'workspace');
        // A workspace's name as `PUT /v1/workspaces/{name}` takes it: any other names none, and was echoed whole in the
        // refusal (a 1 MB name, a 1 MB answer, and an audit record as big).
        const badWorkspace = checkName('group', workspace, '`workspace`');
        if (badWorkspace !== undefined) return failWith('VALIDATION_ERROR', badWorkspace, 'workspace');
        // An ARN is at most 2,048 characters (IAM's own bound); an empty one was answered `role  does not exist`.
        if (typeof role !== 'string' || role === '' || role.length > 2048) {
          return failWith('VALIDATION_ERROR', `\`role\` must be \`default\`, \`none\` or a role ARN (up to 2048 characters)${typeof role === 'string' ? `, got \`${shortName(role)}\`` : ''}`, 'role');
        }
        const replicas = body['replicas'] ?? undefined;
        if (replicas !== undefined && typeof replicas !== 'number') return failWith('VALIDATION_ERROR', `\`replicas\` must be an integer from 1 to 1024, got ${JSON.stringify(replicas)}`, 'replicas');
        const name = body['name'] ?? undefined;
        if (name !== undefined && typeof name !== 'string') return failWith('VALIDATION_ERROR', '`name` must be a string', 'name');
        const imds = imdsOf(body);
        if (!imds.ok) return imds;
        const uid = launcherUidOf(body);
        if (!uid.ok) return uid;
        const full = imds.value ? metadataRefusal(deps) : undefined;
        if (full) return full;
        const r = await app.jobs.submit(caller, {
          workspace,
          role,
          ...(typeof replicas === 'number' ? { replicas } : {}),
          ...(typeof name === 'string' ? { name } : {}),
          ...(uid.value !== undefined ? { launcherUid: uid.value } : {}),
        });
        if (!r.ok) return r;
        const m = imds.value ? await metadataOf(deps, r.value.job.id) : {};
        return ok({ status: 201, body: { job: r.value.job, capability: r.value.capability, environment: jobEnvironment(deps, r.value.job.id, r.value.rankCapability, m.port, m.port !== undefined ? await uriPathOnMetadataPort(app, r.value.job.id) : undefined), ...(m.note !== undefined ? { note: m.note } : {}) } });
      },
    },
    {
      method: 'GET',
      pattern: ['clusters'],
      handler: async ({ app, caller }) => ok({ body: { clusters: await app.jobs.readableClusters(caller) } }),
    },
    {
      method: 'GET',
      pattern: ['clusters', ':name'],
      handler: async ({ app, caller, params }) => mapOk(await app.jobs.readCluster(caller, params['name'] ?? ''), (c) => c),
    },
    {
      method: 'PUT',
      pattern: ['clusters', ':name'],
      handler: async ({ app, caller, params, body, actionDecided }) => {
        const name = params['name'] ?? '';
        const c = asBodyPaths(parseCluster(caller.account, name, body));
        // Decided in the write's own transaction on whether the cluster exists (review sb, 1), before the body's refusals.
        // A cluster named in another case is the stored one, and keeps its name (its ARN), as `apply` keeps it (review fv, 8).
        // Each role it hands its nodes anew must be one the caller may pass (review jg, 1): refused, nothing is written.
        const written = await app.deps.store.write(async (tx): Promise<Result<Cluster>> => {
          const stored = await app.jobs.getCluster(tx, caller.account, name);
          const a = authorizePut(app, caller, 'cluster', name, stored, actionDecided);
          if (!a.ok) return a;
          if (!c.ok) return c;
          const value = stored !== undefined && stored.name !== name ? { ...c.value, name: stored.name } : c.value;
          const refused = await app.jobs.clusterWriteRefusal(tx, caller, value, stored);
          if (refused) return refused;
          await tx.kv.put(clusterKey(caller.account, value.name), JSON.stringify(value));
          return ok(value);
        });
        return written.ok ? ok({ body: written.value }) : written;
      },
    },
    {
      method: 'POST',
      pattern: ['clusters', ':name', 'nodes'],
      handler: async ({ app, caller, params, body }) => {
        const fields = onlyFields(body, ['computeConfig', 'imds', 'launcherUid']);
        if (!fields.ok) return fields;
        const cc = body['computeConfig'] ?? undefined;
        if (cc !== undefined && typeof cc !== 'string') return failWith('VALIDATION_ERROR', '`computeConfig` must be a name', 'computeConfig');
        const imds = imdsOf(body);
        if (!imds.ok) return imds;
        const uid = launcherUidOf(body);
        if (!uid.ok) return uid;
        const full = imds.value ? metadataRefusal(deps) : undefined;
        if (full) return full;
        const r = await app.jobs.startNode(caller, { cluster: params['name'] ?? '', ...(typeof cc === 'string' ? { computeConfig: cc } : {}), ...(uid.value !== undefined ? { launcherUid: uid.value } : {}) });
        if (!r.ok) return r;
        const m = imds.value ? await metadataOf(deps, r.value.job.id) : {};
        return ok({ status: 201, body: { job: r.value.job, capability: r.value.capability, why: r.value.why, environment: jobEnvironment(deps, r.value.job.id, r.value.rankCapability, m.port, m.port !== undefined ? await uriPathOnMetadataPort(app, r.value.job.id) : undefined), ...(m.note !== undefined ? { note: m.note } : {}) } });
      },
    },
    {
      method: 'GET',
      pattern: ['jobs'],
      handler: async ({ app, caller, query }) => {
        const q = listQueryOf(query);
        return q.ok ? mapOk(await app.jobs.listJobs(caller, q.value), (page) => page) : q;
      },
    },
    { method: 'GET', pattern: ['jobs', ':id'], handler: async ({ app, caller, params }) => mapOk(await app.jobs.getJob(caller, params['id'] ?? ''), (job) => job) },
    {
      method: 'GET',
      pattern: ['jobs', ':id', 'events'],
      handler: async ({ app, caller, params, query }) => {
        const q = eventsQueryOf(query);
        if (!q.ok) return q;
        return mapOk(await app.jobs.jobEvents(caller, params['id'] ?? '', q.value), (page) => page);
      },
    },
    {
      method: 'POST',
      pattern: ['jobs', ':id', 'stop'],
      handler: async ({ app, caller, params, body }) => {
        const fields = onlyFields(body, []);
        return fields.ok ? mapOk(await app.jobs.stopJob(caller, params['id'] ?? ''), (job) => job) : fields;
      },
    },
  ];
}

/**
 * A submission asking for a metadata endpoint while the server has as many open as it opens: refused before the job
 * exists (review agent, U2: every submission opened a listening port on the server host, without bound).
 */
function metadataRefusal(deps: JobsRouteDeps): Result<never> | undefined {
  const max = deps.metadataFull?.();
  if (max === undefined) return undefined;
  return failWith('LIMIT_EXCEEDED', `this server already serves ${max} job metadata endpoints, the most it opens: submit with \`"imds": false\` (\`--no-imds\`), and the job's processes get their credentials from the credentials URI and the container endpoint, or run a node agent (\`gatehouse agent\`) on the job's host`, 'imds');
}

/**
 * The job's metadata endpoint, opened once the job is stored; or, when it cannot be (over the bound: submissions that
 * passed `metadataRefusal` together, review ab5; the listener or the store failing), why not. The job exists then, and
 * its capability is shown only in this answer: a refusal (500, 503) left a job stored that the caller was told failed,
 * and that clients submit again (review aa3). So the job is answered, without the endpoint (its processes read the
 * credentials URI and the container endpoint, `AWS_EC2_METADATA_DISABLED`), with a note that says so.
 */
async function metadataOf(deps: JobsRouteDeps, jobId: string): Promise<{ port?: number; note?: string }> {
  try {
    return { port: await deps.openMetadata(jobId) };
  } catch (e) {
    // The store's own words stay in the server's log (the edge logs a thrown outage); the caller is told what it was.
    const why = isStoreUnavailable(e) || isStoreOutcomeUnknown(e) ? 'the database could not be reached to note it' : e instanceof Error ? e.message : String(e);
    return {
      note: `job ${jobId} was submitted without a metadata endpoint, which could not be opened (${why}): its processes get their credentials from the credentials URI and the container endpoint in its environment; stop it and submit it again later if it needs the endpoint`,
    };
  }
}

/**
 * What `GET /v1/jobs` asks: `limit` (1–1000, default 100), `next` (the previous page's), `workspace`, `state`. An
 * unknown parameter is refused, so a misspelt filter does not list every job.
 */
function listQueryOf(query: URLSearchParams): Result<ListJobsQuery> {
  const known = ['limit', 'next', 'workspace', 'state'];
  for (const k of query.keys()) if (!known.includes(k)) return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; \`GET /v1/jobs\` takes ${known.join(', ')}`, k);
  for (const k of known) if (query.getAll(k).length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once`, k);
  const out: { -readonly [K in keyof ListJobsQuery]: ListJobsQuery[K] } = {};
  const limit = query.get('limit');
  if (limit !== null) {
    if (!/^[0-9]{1,7}$/.test(limit)) return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to ${JOBS_PAGE_MAX}, got \`${shortName(limit)}\``, 'limit');
    out.limit = Number(limit);
  }
  for (const k of ['next', 'workspace', 'state'] as const) {
    const v = query.get(k);
    if (v !== null && v !== '') out[k] = v;
  }
  return ok(out);
}

/** What `GET /v1/jobs/{id}/events` asks: `limit`, `after` (an event's number, the previous page's `next`), `tail`. */
function eventsQueryOf(query: URLSearchParams): Result<JobEventsQuery> {
  const known = ['limit', 'after', 'tail'] as const;
  for (const k of query.keys()) if (!(known as readonly string[]).includes(k)) return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; \`GET /v1/jobs/{id}/events\` takes ${known.join(', ')}`, k);
  const out: { -readonly [K in keyof JobEventsQuery]: JobEventsQuery[K] } = {};
  for (const k of known) {
    const all = query.getAll(k);
    if (all.length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once`, k);
    const v = all[0];
    if (v === undefined) continue;
    if (!/^[0-9]{1,9}$/.test(v)) return failWith('VALIDATION_ERROR', `\`${k}\` must be a whole number${k === 'after' ? ' (an event\'s number: the `next` of the previous page)' : ` from 1 to ${JOB_EVENTS_PAGE_MAX}`}, got \`${shortName(v)}\``, k);
    out[k] = Number(v);
  }
  return ok(out);
}

/**
 * `imds` of a submit: absent (a metadata endpoint, as DESIGN.md pins it) or a boolean. `null` is absent, as for `role`,
 * `replicas`, `name` and `computeConfig` (review px, 2: a client writing an unset field as `null` could not submit).
 */
function imdsOf(body: Record<string, unknown>): Result<boolean> {
  const v = body['imds'] ?? undefined;
  return v === undefined || typeof v === 'boolean' ? ok(v !== false) : failWith('VALIDATION_ERROR', '`imds` must be true or false', 'imds');
}

/** `launcherUid` of a submit: absent (or `null`, review px, 2), or a uid (0 to 2^32 - 2; `(uid_t)-1` is no uid). */
function launcherUidOf(body: Record<string, unknown>): Result<number | undefined> {
  const v = body['launcherUid'] ?? undefined;
  if (v === undefined) return ok(undefined);
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967294
    ? ok(v)
    : failWith('VALIDATION_ERROR', `\`launcherUid\` must be the uid the launcher runs as, a whole number from 0 to 4294967294, got ${JSON.stringify(v)}`, 'launcherUid');
}

function mapOk<T>(r: Result<T>, f: (v: T) => unknown): Result<{ body: unknown }> {
  return r.ok ? ok({ body: f(r.value) }) : r;
}
