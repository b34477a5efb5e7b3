/**
 * The local side of `gatehouse jobs run`: runs the job's command as N ranks (with the variables torchrun gives its
 * workers: `RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`…, `torchrunVariables`) with the job's credential environment,
 * keeps the credentials file fresh (written atomically, mode 0600), heartbeats to the agent so a job whose
 * launcher is gone is marked Failed, stops the ranks when the job is stopped or one of them fails (as torchrun's
 * agent tears its group down), and reports the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, writeFile, unlink } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { createServer, isIP } from 'node:net';
import { constants } from 'node:os';
import { rootCertificates } from 'node:tls';
import { dirname, join, resolve } from 'node:path';
import { removeCredentialsFile } from './credentials-file.ts';
import { endpointRequest, type EndpointAnswer } from './endpoint-request.ts';
import { CREDENTIALS_URI_PATH, credentialsUriKey, isGatehouseAnswer, metadataTokenKey, rankCapabilityHeader, REAL_EXPIRATION_HEADER } from '../agent/imds.ts';
import { isoSeconds } from '../../core/iam/index.ts';
import { containerUriOf, ECS_CONTAINER_HOST, podContainerAddressRefusal, servedExpiration } from '../../core/jobs/jobs.ts';
import { makeDirectory, removeDirectories } from '../fs/index.ts';

/** Every variable that could hand a job someone else's identity (DESIGN.md "Job environment"). */
export const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  // The other names the AWS SDKs read a key from, before the container endpoint (review gn, 1): the Go SDK v1 and v2,
  // the Java SDK v1 (Hadoop's s3a, Spark) and the Ruby SDK take `AWS_ACCESS_KEY`/`AWS_SECRET_KEY`; Ruby's
  // `AMAZON_*` too.
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AMAZON_ACCESS_KEY_ID',
  'AMAZON_SECRET_ACCESS_KEY',
  'AMAZON_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  // A metadata endpoint is the job's own, or none (`--no-imds`): the caller's would hand the job another identity.
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_SHARED_CREDENTIALS_FILE',
  // The AWS SDK for Java 1.x's name for it (Hadoop's s3a, Spark): the job's own is set (`writeProfileFiles`).
  'AWS_CREDENTIAL_PROFILES_FILE',
  'AWS_CONFIG_FILE',
  // botocore reads both before the container endpoint and instance metadata (`OriginalEC2Provider`, `BotoProvider`):
  // the old EC2 tools' key file, and the boto 2 config (else `/etc/boto.cfg` and `~/.boto`, which the job's own
  // `BOTO_CONFIG` keeps out: `writeProfileFiles`). A boto3 rank signed as the submitter's key there (review hp, 3).
  'AWS_CREDENTIAL_FILE',
  'BOTO_CONFIG',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'ALIBABA_CLOUD_PROFILE',
  'ALIBABA_CLOUD_CREDENTIALS_FILE',
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
  'ALIBABA_CLOUD_ECS_METADATA',
  'ALIBABA_CLOUD_CLI_PROFILE_DISABLED',
  'ALIBABACLOUD_ACCESS_KEY_ID',
  'ALIBABACLOUD_ACCESS_KEY_SECRET',
  'ALIBABACLOUD_SECURITY_TOKEN',
  'ALICLOUD_ACCESS_KEY',
  'ALICLOUD_SECRET_KEY',
  'ALICLOUD_SECURITY_TOKEN',
  'ALICLOUD_ACCESS_KEY_ID',
  'ALICLOUD_ACCESS_KEY_SECRET',
  // The aliyun CLI's and the Alibaba Go credentials library's short names.
  'ACCESS_KEY_ID',
  'ACCESS_KEY_SECRET',
  // The OSS SDKs' (`EnvironmentVariableCredentialsProvider`) and ossutil's; the AWS SDKs' Bedrock API key, used before
  // any SigV4 credentials; Gatehouse's own secrets, in an operator's shell that runs the server too (review et, 5).
  'OSS_ACCESS_KEY_ID',
  'OSS_ACCESS_KEY_SECRET',
  'OSS_SESSION_TOKEN',
  // ossutil 2.0's role to assume with a key, and its profile in a configuration file the job replaces
  // (`OSSUTIL_CONFIG_FILE`, `writeProfileFiles`): the caller's would name one the job's file does not hold (review mg, 1).
  'OSS_ROLE_ARN',
  'OSS_ROLE_SESSION_NAME',
  'OSSUTIL_PROFILE',
  'AWS_BEARER_TOKEN_BEDROCK',
  // The FUSE mounters' own names, read before their key files: s3fs-fuse's `AWSACCESSKEYID`… (after the SDKs' names,
  // `InitialS3fsCredentials`), and ossfs's `OSSACCESSKEYID`… and the key file `OSS_CREDENTIAL_FILE` (`InitialCredentials`):
  // a bucket mounted in a rank was mounted as the submitter (review mh, 1).
  'AWSACCESSKEYID',
  'AWSSECRETACCESSKEY',
  'AWSSESSIONTOKEN',
  'OSSACCESSKEYID',
  'OSSSECRETACCESSKEY',
  'OSSSESSIONTOKEN',
  'OSS_CREDENTIAL_FILE',
  // rclone's S3 backend options (its Alibaba OSS provider too), which outrank a remote's config-file section: a remote
  // set to take the job's role (`env_auth = true`) signed with the submitter's key or profile file (review mg, 3).
  'RCLONE_S3_ACCESS_KEY_ID',
  'RCLONE_S3_SECRET_ACCESS_KEY',
  'RCLONE_S3_SESSION_TOKEN',
  'RCLONE_S3_SHARED_CREDENTIALS_FILE',
  'RCLONE_S3_PROFILE',
  // The other clouds' identities, which the job's role (an AWS or Alibaba one) never is (review lu, 1): Google's
  // Application Default Credentials, read first by google-auth, gcsfs and every Google client library, the gcloud CLI's
  // and Terraform's; azure-identity's `EnvironmentCredential` (first in `DefaultAzureCredential`) and the storage keys
  // of the az CLI and adlfs. Settings that name no secret (a project, a tenant, a client id) are kept.
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CREDENTIALS',
  'GOOGLE_OAUTH_ACCESS_TOKEN',
  'CLOUDSDK_AUTH_ACCESS_TOKEN_FILE',
  'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_ACCOUNT_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_SAS_TOKEN',
  // Tencent Cloud's SDKs' first source (`EnvironmentVariableCredential`, COS's too), and Terraform's azurerm provider's
  // and backend's secrets beside Google's `GOOGLE_CREDENTIALS` above: the service principal's secret, certificate (or
  // their files), OIDC token, and the state storage account's key or SAS (review mh, 2). Their ids, tenant, subscription
  // and region name no secret and are kept.
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
  'ARM_CLIENT_SECRET',
  'ARM_CLIENT_SECRET_FILE_PATH',
  'ARM_CLIENT_CERTIFICATE',
  'ARM_CLIENT_CERTIFICATE_PATH',
  'ARM_CLIENT_CERTIFICATE_PASSWORD',
  'ARM_OIDC_TOKEN',
  'ARM_OIDC_TOKEN_FILE_PATH',
  'ARM_ACCESS_KEY',
  'ARM_SAS_TOKEN',
  // Huawei Cloud's SDK chain (`EnvCredentialProvider`: keys, or a federated id token; its OIDC agency; its profile file,
  // which the job replaces: `writeProfileFiles`), and obsutil's and esdk-obs's keys (review mh, 4). The project and
  // domain ids name no secret and are kept.
  'HUAWEICLOUD_SDK_AK',
  'HUAWEICLOUD_SDK_SK',
  'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  'HUAWEICLOUD_SDK_IDP_ID',
  'HUAWEICLOUD_SDK_ID_TOKEN_FILE',
  'HUAWEICLOUD_OIDC_PROVIDER_URN',
  'HUAWEICLOUD_OIDC_AGENCY_URN',
  'HUAWEICLOUD_OIDC_ID_TOKEN',
  'HUAWEICLOUD_OIDC_TOKEN_FILE',
  'OBS_ACCESS_KEY_ID',
  'OBS_SECRET_ACCESS_KEY',
  'OBS_SECURITY_TOKEN',
  // The other clouds' metadata and managed-identity endpoints, which hand out an identity as the job's own endpoints do
  // (review mg, 2): google-auth's and cloud.google.com/go's metadata server (`GCE_METADATA_HOST`, its older name
  // `GCE_METADATA_ROOT`, `GCE_METADATA_IP`: the last step of `google.auth.default()`), and azure-identity's and MSAL's
  // managed identity (App Service `IDENTITY_ENDPOINT` with its secret `IDENTITY_HEADER`, the older `MSI_ENDPOINT` with
  // `MSI_SECRET`, Service Fabric's `IDENTITY_SERVER_THUMBPRINT`, Azure Arc's `IMDS_ENDPOINT`, AAD pod identity's
  // `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
  'GCE_METADATA_HOST',
  'GCE_METADATA_ROOT',
  'GCE_METADATA_IP',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  // The submitter's Vault token, which the Vault CLI and its client libraries use before any login: a rank logs in to
  // Vault as its role (Vault's AWS auth method, from a signed GetCallerIdentity this server answers), never as the
  // submitter (review mg, 4).
  'VAULT_TOKEN',
  'GATEHOUSE_MASTER_KEY',
  'GATEHOUSE_DATABASE_URL',
  'GATEHOUSE_ENDPOINT',
] as const;

/**
 * Variables that say whether and how a job reads its endpoints, which the job's environment decides and the caller's
 * may not. `AWS_EC2_METADATA_DISABLED` is the job's `true` without a metadata endpoint (`--no-imds`), and absent with
 * one: the caller's `true` (set on many laptops and CI runners so that the AWS tools do not wait for 169.254.169.254)
 * reached the ranks beside the job's `AWS_EC2_METADATA_SERVICE_ENDPOINT`, and botocore never asked the job's endpoint
 * (review hu, 1). The job's `AWS_ENDPOINT_URL`(`_S3`) are this server's, which has no FIPS or dual-stack variant: with
 * the caller's `AWS_USE_FIPS_ENDPOINT` or `AWS_USE_DUALSTACK_ENDPOINT`, the SDKs' endpoint rules refused every call of
 * a rank ("FIPS and custom endpoint are not supported"), and with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` they sent
 * them to AWS's own endpoints, signed with the job's session (review hu, 4). The job's session is good at this server's
 * STS and IAM only, which `AWS_ENDPOINT_URL` names: the caller's `AWS_ENDPOINT_URL_STS` and `_IAM`, which the SDKs take
 * before it, sent a rank's calls to another endpoint with a session it does not know (review hu, 5). A caller's
 * `AWS_ENDPOINT_URL_S3` stays unless the job sets its own (the server's gateway).
 */
const JOB_DECIDED_VARIABLES = ['AWS_EC2_METADATA_DISABLED', 'ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_IAM'] as const;

/**
 * Variables of another launcher's workers that torchrun sets only in some runs, and that the ranks of this job must not
 * inherit from the caller: `TORCHELASTIC_USE_AGENT_STORE=True` makes torch's `env://` rendezvous connect to a store its
 * launcher hosts, which this one does not (rank 0 hosts it here), so the ranks waited for it; `TORCHELASTIC_ERROR_FILE`
 * is the other launcher's file (review iz, 5).
 */
const OTHER_LAUNCHER_VARIABLES = ['TORCHELASTIC_USE_AGENT_STORE', 'TORCHELASTIC_ERROR_FILE'] as const;

/**
 * What torchrun gives each worker of one node running `replicas` of them (its documented environment variables: the
 * worker group is this node's, the role `default`, no restarts), for rank `rank`. Five of them only were set, and the
 * caller's values of the others passed through: `jobs run --replicas 2` from a shell that an enclosing torchrun or
 * Slurm script had given `LOCAL_WORLD_SIZE=8 GROUP_RANK=3` handed its ranks those beside `WORLD_SIZE=2`, and frameworks
 * that recognise a torchrun launch by its variables (PyTorch Lightning asks for RANK, GROUP_RANK, LOCAL_RANK and
 * LOCAL_WORLD_SIZE) did not recognise this one (review iz, 5).
 */
export function torchrunVariables(rank: number, replicas: number, masterPort: number, jobId: string): Record<string, string> {
  return {
    RANK: String(rank),
    LOCAL_RANK: String(rank),
    GROUP_RANK: '0',
    ROLE_RANK: String(rank),
    ROLE_NAME: 'default',
    LOCAL_WORLD_SIZE: String(replicas),
    WORLD_SIZE: String(replicas),
    GROUP_WORLD_SIZE: '1',
    ROLE_WORLD_SIZE: String(replicas),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(masterPort),
    TORCHELASTIC_RESTART_COUNT: '0',
    TORCHELASTIC_MAX_RESTARTS: '0',
    TORCHELASTIC_RUN_ID: jobId,
  };
}

export function jobProcessEnv(base: NodeJS.ProcessEnv, jobEnv: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const drop = new Set<string>([...CREDENTIAL_VARIABLES, ...JOB_DECIDED_VARIABLES, ...OTHER_LAUNCHER_VARIABLES]);
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !drop.has(k)) out[k] = v;
  return { ...out, ...jobEnv, ...noProxyFor(out, jobEnv) };
}

/** The variables that send a client's HTTP through a proxy (curl, Python's urllib and requests, botocore, Go). */
const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] as const;
/** The job's variables that name an endpoint its processes read credentials (or its own services) from. */
const ENDPOINT_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'ALIBABA_CLOUD_CREDENTIALS_URI', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'] as const;

/**
 * `NO_PROXY` and `no_proxy` with the hosts of the job's endpoints on this node (loopback, link-local, and the metadata
 * endpoint's whatever its address: review kv, 3) added, when the
 * environment names a proxy; nothing otherwise. A rank inherits the caller's `HTTP_PROXY` (a cluster behind a
 * proxy), and botocore sends its instance-metadata requests, and its clients' calls to `AWS_ENDPOINT_URL(_S3)`,
 * through it unless `NO_PROXY` names the host (`get_environ_proxies`): the proxy cannot reach this node's 127.0.0.1,
 * and boto3 in a rank failed with ProxyConnectionError (review fg, 3). EC2 and ECS ask the same of their own
 * link-local endpoints. Both spellings, each from its own value (else the other's): Python reads the lower-case one
 * when both are set.
 */
function noProxyFor(env: Readonly<Record<string, string>>, jobEnv: Readonly<Record<string, string>>): Record<string, string> {
  if (!PROXY_VARIABLES.some((v) => (env[v] ?? '') !== '')) return {};
  const hosts: string[] = [];
  // The container endpoint as a relative URI too (at 169.254.170.2, `withContainerUri`).
  for (const url of [...ENDPOINT_VARIABLES.map((v) => jobEnv[v]), containerUriOf(jobEnv)]) {
    if (url === undefined || !URL.canParse(url)) continue;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // The metadata endpoint is on this node whatever its address (a `--metadata-host` of the node's, or 100.100.100.200
    // put on it): it serves only peers found in this host's socket table. Behind a proxy, botocore sent its IMDS
    // requests to the proxy for any other address, and got no credentials (review kv, 3).
    const local = url === jobEnv['AWS_EC2_METADATA_SERVICE_ENDPOINT'] || host.toLowerCase() === 'localhost' || /^127\./.test(host) || /^169\.254\./.test(host) || host === '::1' || /^fe80:/i.test(host);
    if (local && !hosts.includes(host)) hosts.push(host);
  }
  if (hosts.length === 0) return {};
  const merged = (own: string | undefined, other: string | undefined): string => {
    const given = (own ?? other ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
    return [...given, ...hosts.filter((h) => !given.includes(h))].join(',');
  };
  return { NO_PROXY: merged(env['NO_PROXY'], env['no_proxy']), no_proxy: merged(env['no_proxy'], env['NO_PROXY']) };
}

export interface LaunchOptions {
  readonly jobId: string;
  readonly capability: string;
  readonly agentUrl: string;
  /** The credential environment from the submit answer. */
  readonly environment: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  readonly replicas: number;
  readonly credentialsFile: string;
  /**
   * Where the job's own profile files go: a private directory made for this job alone (`makeJobDir`, job-dir.ts),
   * which exists already; default the credentials file's directory.
   */
  readonly profileDir?: string;
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly heartbeatMs?: number;
  /**
   * `agentUrl` is a node agent (`gatehouse agent`) and the job has a metadata endpoint (not `--no-imds`): it is one
   * the agent opens on this node (`POST /v1/launcher/metadata`), asked for again with the same port at each
   * heartbeat so that an agent restarted meanwhile serves it again.
   */
  readonly metadataFromAgent?: boolean;
  /**
   * The uid the agent's metadata endpoint is to serve: the launcher's own (`process.getuid()`), whose children the
   * ranks are; undefined where there are no uids (Windows), and then it serves any process of the node.
   */
  readonly launcherUid?: number;
  /**
   * The CA certificates (PEM) the launcher's CLI checked the server's https certificate against, and where they came from
   * (`--ca-bundle`, `AWS_CA_BUNDLE`, a profile's `ca_bundle`): the ranks are given them too (`writeProfileFiles`).
   */
  readonly ca?: { readonly pem: string; readonly from: string };
  /** SIGINT, SIGTERM, SIGHUP and SIGQUIT as heard since before the job was submitted (`stopSignals`); default: from now on. */
  readonly signals?: StopSignals;
}

/**
 * The signals that stop a job, as torchrun's agent stops its workers on them. SIGQUIT (`kill -QUIT`, Ctrl-\) was not
 * among them: by its default action it killed the launcher alone, the ranks ran on in their own process groups with
 * nobody to stop them, and the job stayed Running on the server until its heartbeat timed out (review iz, 8).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** SIGINT, SIGTERM, SIGHUP and SIGQUIT, heard from the moment this is made until `close`. */
export interface StopSignals {
  /** `fn` for every signal from now on, and at once (in a microtask) for one that came already. */
  on(fn: (signal: NodeJS.Signals) => void): void;
  close(): void;
}

/**
 * Starts hearing SIGINT, SIGTERM, SIGHUP and SIGQUIT (`STOP_SIGNALS`) for a job this process is about to submit and run: from before the
 * submission, so that a signal sent at any moment (a process manager's stop, `kill $!` right after the job is
 * announced, the terminal or SSH session it was started from going away) stops the job, instead of killing this
 * process by the signal's default action and leaving the ranks, or the job on the server, behind. SIGHUP killed the
 * launcher alone: the ranks, each in its own process group when no terminal is attached, ran on with nobody to stop
 * them, and the job stayed Running until its heartbeat timed out (review et, 3). Node resets a SIGHUP that `nohup`
 * ignored, so `nohup gatehouse jobs run` was killed by it all the same; `setsid` keeps a job from its terminal.
 */
export function stopSignals(): StopSignals {
  let received: NodeJS.Signals | undefined;
  const listeners: ((signal: NodeJS.Signals) => void)[] = [];
  const heard = (signal: NodeJS.Signals): void => {
    received ??= signal;
    for (const fn of listeners) fn(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, heard);
  return {
    on(fn) {
      listeners.push(fn);
      const already = received;
      if (already !== undefined) queueMicrotask(() => fn(already));
    },
    close() {
      for (const signal of STOP_SIGNALS) process.off(signal, heard);
    },
  };
}

/**
 * Why the AWS SDKs of the ranks will refuse the container credentials URL `url`, or undefined when all of those
 * examined take it (`containerEndpointRefusal`): a launcher run against a server on another machine without `--agent`
 * gave its ranks no AWS credentials but those of the metadata endpoint, and nothing said why (review af, 5).
 */
export function containerUrlRefusal(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  // As the server holds its `--agent-address` (`podContainerAddressRefusal`): 169.254.170.2 on another port than 80 can
  // only be a full URI, which SDK v3's fromContainerMetadata refuses (review hq, 2).
  const why = podContainerAddressRefusal(url);
  if (why === undefined) return undefined;
  const origin = URL.canParse(url) ? new URL(url).origin : url;
  if (URL.canParse(url) && new URL(url).hostname === ECS_CONTAINER_HOST) return `the job's container credentials endpoint ${origin} is not one every AWS SDK accepts (${why}): a rank's code calling it may get no credentials; run the node agent on port 80 there and give \`--agent http://${ECS_CONTAINER_HOST}\` (the ranks then get AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), or give \`--agent http://127.0.0.1:PORT\``;
  return `the job's container credentials endpoint ${origin} is not one every AWS SDK accepts (${why}): the ranks' AWS SDKs may get no credentials there; run a node agent on this machine (\`gatehouse agent --upstream ${origin}\`) and give \`--agent http://127.0.0.1:PORT\``;
}

/**
 * Asks the node agent at `agentUrl` for the job's metadata endpoint (on `port` when given), serving only `uid` when
 * given; its base URL, or why there is none (`retry`: the agent could not take the request, not reached or a 5xx, and
 * may later; else it refused it).
 */
async function agentMetadata(agentUrl: string, capability: string, ranks: string | undefined, port: number | undefined, uid: number | undefined): Promise<{ endpoint: string; port: number } | { error: string; retry: boolean; status?: number }> {
  try {
    const r = await endpointRequest(`${agentUrl}/v1/launcher/metadata`, {
      method: 'POST',
      // The ranks' capability named, as with the end: the endpoint then serves the agent's entry of the ranks' reads, the
      // one session the job's other endpoints on the node serve (review oa, 2).
      headers: { authorization: capability, 'content-type': 'application/json', ...rankCapabilityHeader(capability, ranks) },
      body: JSON.stringify({ ...(port !== undefined ? { port } : {}), ...(uid !== undefined ? { uid } : {}) }),
    });
    const body = (jsonOf(r.text) ?? {}) as { host?: unknown; port?: unknown; Message?: unknown };
    if (!r.ok || typeof body.port !== 'number') return { error: `${r.status}${typeof body.Message === 'string' ? ` ${body.Message}` : ''}`, retry: r.status >= 500, status: r.status };
    // A wildcard address is reached on this node by the name the launcher reaches the agent by, as an address: the
    // endpoint refuses a `Host` that is a DNS name (imds.ts `isOwnHost`, against DNS rebinding), and the SDKs send
    // the host of the URL they are given (review af, 1).
    const host = typeof body.host === 'string' && !['0.0.0.0', '::', ''].includes(body.host) ? body.host : await addressOf(new URL(agentUrl).hostname.replace(/^\[|\]$/g, ''), body.host === '0.0.0.0' ? 4 : 0);
    // With its trailing slash, as the server gives its own (jobs-api.ts `jobEnvironment`; review be, 1).
    return { endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${body.port}/`, port: body.port };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), retry: true };
  }
}

/**
 * `name` as an IP literal: itself when it is one or `localhost`, else the address it resolves to, of `family` when
 * not 0 (an IPv4 wildcard is not reached at an IPv6 address).
 */
async function addressOf(name: string, family: 0 | 4): Promise<string> {
  if (isIP(name) !== 0 || name.toLowerCase() === 'localhost') return name;
  return (await lookup(name, { family })).address;
}

/**
 * The credentials URI with no capability on the job's metadata endpoint `endpoint` that a node agent opened for it, when
 * the endpoint serves it a credentials document to this process (an agent that has the route, this process of the uid
 * it serves): `http://HOST:PORT/v1/credentials` for a job of an `acs` account (review tn, 2), else
 * `…/v1/credentials/<key>` with the key the agent makes from the launcher's `capability` as it makes the endpoint's
 * tokens (imds.ts `credentialsUriKey`: a job of an `aws` account, review tv, 2); else undefined, and the ranks keep the
 * URI with the capability in it. The Alibaba SDKs print the URI in their errors, and through a node agent it carried
 * the ranks' capability into the job's logs as the server's did (review tn, 1 and 2).
 */
async function bareCredentialsUri(endpoint: string, capability: string): Promise<string | undefined> {
  if (!URL.canParse(endpoint)) return undefined;
  for (const path of [CREDENTIALS_URI_PATH, `${CREDENTIALS_URI_PATH}/${credentialsUriKey(metadataTokenKey(capability))}`]) {
    const uri = new URL(path, endpoint).href;
    try {
      const r = await endpointRequest(uri, { timeoutMs: 3000 });
      const doc = r.ok ? (jsonOf(r.text) as Record<string, unknown> | null | undefined) : undefined;
      if (typeof doc === 'object' && doc !== null && typeof doc['AccessKeyId'] === 'string' && typeof doc['SecurityToken'] === 'string') return uri;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether the credentials URI `uri` is served by the metadata endpoint `metadata` (same origin: review tn, 1). */
function onMetadataEndpoint(uri: string, metadata: string | undefined): boolean {
  return metadata !== undefined && URL.canParse(uri) && URL.canParse(metadata) && new URL(uri).origin === new URL(metadata).origin;
}

/**
 * Why the metadata endpoint at `base` that the server opened for a job (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, on the
 * server's own 127.0.0.1) is not the job's on this machine, or undefined when it is or hands out nothing. Asked as
 * the AWS SDKs ask (a token, without one if none is given, the role, its document): nothing answering there (the
 * server is on another machine, or in a container of its own) or a document of another session than the job's
 * (`jobKey`: the access key id its credentials URI serves; asked `again` once, after a rotation) means the port is
 * someone else's here. A `jobs run` against a server elsewhere gave its ranks `http://127.0.0.1:<the server's port>/`
 * as it came: any user of this machine could listen there and hand a rank that reads instance metadata (SDK v3's
 * `fromInstanceMetadata`, a Java SDK whose chain falls through to it) credentials of theirs, so that the job wrote its
 * results with their identity, to their buckets (review jm, 2). An answer that gives no credentials (the endpoint's
 * refusal of another uid, a job without a role) is left as it is: it hands out no identity.
 */
export async function foreignMetadataEndpoint(base: string, isJobs: (doc: Record<string, unknown>) => Promise<boolean | undefined>): Promise<string | undefined> {
  const at = (path: string): string => new URL(path, base.endsWith('/') ? base : `${base}/`).href;
  const timeoutMs = 3000;
  let served: Record<string, unknown> | null | undefined;
  try {
    const t = await endpointRequest(at('latest/api/token'), { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, timeoutMs });
    const headers: Record<string, string> = t.status === 200 ? { 'x-aws-ec2-metadata-token': t.text } : {};
    const listing = await endpointRequest(at('latest/meta-data/iam/security-credentials/'), { headers, timeoutMs });
    if (listing.status !== 200) return undefined;
    const role = listing.text.trim().split('\n')[0] ?? '';
    const doc = await endpointRequest(at(`latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`), { headers, timeoutMs });
    if (doc.status !== 200) return undefined;
    served = jsonOf(doc.text) as Record<string, unknown> | null | undefined;
  } catch (e) {
    return `nothing answers there: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (typeof served !== 'object' || served === null || typeof served['AccessKeyId'] !== 'string' || served['AccessKeyId'] === '') return undefined;
  const jobs = await isJobs(served);
  if (jobs === true) return undefined;
  return jobs === false ? "it serves credentials of another session than the job's" : "it serves credentials that cannot be told to be the job's";
}

/** `text` as JSON, or undefined when it is not JSON. */
function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 29500;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Writes the Alibaba-layout credentials file atomically (temp + rename), owner-only; returns what it wrote. A
 * directory the user named that does not exist yet is made, owner-only (credentials-file.ts). The temporary file
 * has a fresh name and is created exclusively (`wx`: a file or symbolic link already there makes the write fail,
 * it is never followed), and `rename` replaces the entry at `path` itself, never what a link there points to.
 */
async function writeCredentialsFile(path: string, doc: Record<string, unknown>): Promise<{ readonly text: string; readonly made: readonly string[] }> {
  const made = await makeDirectory(dirname(path), 0o700);
  const body = JSON.stringify({ AccessKeyId: doc['AccessKeyId'], AccessKeySecret: doc['AccessKeySecret'], SecurityToken: doc['SecurityToken'], Expiration: doc['Expiration'] }, null, 2);
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    await writeFile(tmp, `${body}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
    await rename(tmp, path);
  } catch (e) {
    // Only a file this call made: one that was there already (EEXIST) is someone else's.
    if (created || (e as { code?: unknown }).code !== 'EEXIST') await unlink(tmp).catch(() => {});
    await removeDirectories(made);
    throw e;
  }
  return { text: `${body}\n`, made };
}

/** A region's name as the AWS SDKs take one (`us-east-1`, `cn-north-1`, `us-gov-west-1`, a local `local`). */
const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The profile files a job's clients read, and the environment that points them there. Without them the SDKs'
 * default chains consult the submitter's `~/.aws/credentials` and `~/.aws/config` (AWS) and `~/.aliyun/config.json`
 * and `~/.alibabacloud/credentials` (Alibaba) before the credential endpoints, and a developer's default profile
 * would silently become the job's identity. The job gets its own: no credentials; an AWS config that only sets
 * what the gateway needs (region, path-style S3 addressing: one host, buckets as the first path segment); an
 * Alibaba ini without a profile (that step of the chain passes on to the next); a boto 2 config without credentials
 * (botocore reads `/etc/boto.cfg` and `~/.boto` otherwise); and the switch that turns the Alibaba CLI profile off
 * (`~/.aliyun/config.json` has no path variable).
 */
export async function writeProfileFiles(dir: string, region: string, ca?: string): Promise<Record<string, string>> {
  // The region comes from the server's answer and goes into an INI file every AWS SDK of the ranks reads: a value with a
  // line break would add keys of its own to `[default]` (`credential_process = …`, a command each rank's SDK runs
  // before it asks the container endpoint), so an answer altered on its way (plain http) or a server not the user's ran
  // code on the user's machine (review iz, 11). Only a region's name is written.
  if (!REGION_NAME.test(region)) throw new Error(`the job's region \`${region.length > 64 ? `${region.slice(0, 64)}…` : region}\` from the server is not a region's name (letters, digits and \`-\`)`.replace(/[\r\n]/g, ' '));
  const note = '# written by `gatehouse jobs run`: the job\'s identity is its role, served by the credential endpoints\n';
  const files = { AWS_CONFIG_FILE: join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'), ALIBABA_CLOUD_CREDENTIALS_FILE: join(dir, 'alibaba-credentials'), BOTO_CONFIG: join(dir, 'boto-config') };
  // Created exclusively, owner-only: a file or symbolic link someone put there makes the job fail here rather than
  // be written through or read by the ranks (an `aws-config` can name a `credential_process`).
  const create = { mode: 0o600, flag: 'wx' } as const;
  await writeFile(files.AWS_CONFIG_FILE, `${note}[default]\nregion = ${region}\ns3 =\n  addressing_style = path\n`, create);
  await writeFile(files.AWS_SHARED_CREDENTIALS_FILE, note, create);
  await writeFile(files.ALIBABA_CLOUD_CREDENTIALS_FILE, note, create);
  // boto 2's config, without credentials: botocore reads the file `BOTO_CONFIG` names instead of `/etc/boto.cfg` and
  // `~/.boto`, where a submitter's key (gsutil's, boto 2's) became every boto3 rank's identity (review hp, 3).
  await writeFile(files.BOTO_CONFIG, note, create);
  // The AWS SDK for Java 1.x reads its credentials file from `AWS_CREDENTIAL_PROFILES_FILE`, else ~/.aws/credentials,
  // and not `AWS_SHARED_CREDENTIALS_FILE` (2.x's name): a Java 1.x rank signed with the submitter's default profile
  // (review hp, 4).
  // The other clouds' logins in the home, which no variable removed keeps out (review lu, 2): google-auth's `default()`
  // (every Google client library, gcsfs, gcloud) reads `application_default_credentials.json` from `CLOUDSDK_CONFIG`,
  // else `~/.config/gcloud`, where `gcloud auth application-default login` leaves the submitter's refresh token; the az
  // CLI and azure-identity's `AzureCliCredential` read `az login`'s tokens from `AZURE_CONFIG_DIR`, else `~/.azure`.
  // Empty directories of the job's own, made exclusively (one there already fails the job, as a file does above).
  // The object-storage command-line tools a training script calls keep their keys elsewhere (review mg, 1): ossutil 2.0
  // reads `OSSUTIL_CONFIG_FILE`, else `~/.ossutilconfig`, where `ossutil config` writes the user's AccessKey; s3cmd reads
  // `S3CMD_CONFIG`, else `~/.s3cfg` (`s3cmd --configure`'s `access_key`/`secret_key`). Files of the job's own without keys.
  // Huawei Cloud's SDKs read `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials` (review mh, 4).
  const tools = { OSSUTIL_CONFIG_FILE: join(dir, 'ossutil-config'), S3CMD_CONFIG: join(dir, 's3cmd-config'), HUAWEICLOUD_SDK_CREDENTIALS_FILE: join(dir, 'huaweicloud-credentials') };
  await writeFile(tools.OSSUTIL_CONFIG_FILE, note, create);
  await writeFile(tools.S3CMD_CONFIG, `${note}[default]\n`, create);
  await writeFile(tools.HUAWEICLOUD_SDK_CREDENTIALS_FILE, note, create);
  // `DefaultAzureCredential` goes on from the az CLI to the Azure Developer CLI (`AzureDeveloperCliCredential` runs `azd
  // auth token`), which reads `azd auth login`'s tokens from `AZD_CONFIG_DIR`, else `~/.azd` (review mh, 3).
  const dirs = { CLOUDSDK_CONFIG: join(dir, 'gcloud'), AZURE_CONFIG_DIR: join(dir, 'azure'), AZD_CONFIG_DIR: join(dir, 'azd') };
  for (const d of Object.values(dirs)) await mkdir(d, { mode: 0o700 });
  // `ALIBABA_CLOUD_CLI_PROFILE_DISABLED` is the credentials SDKs' switch, which the aliyun CLI does not read: it loads
  // `~/.aliyun/config.json`'s current profile (the submitter's AccessKey) unless `ALIBABA_CLOUD_IGNORE_PROFILE` (older
  // releases: `ALIBABACLOUD_IGNORE_PROFILE`) is `TRUE`, and then takes its profile from the environment, the job's
  // credentials URI (aliyun-cli `config/configuration.go` `LoadProfileWithContext`; review lu, 3).
  // The CA the launcher trusted the server's certificate by (review su, 2), for the ranks' calls to its https
  // AWS_ENDPOINT_URL(_S3): `AWS_CA_BUNDLE` for botocore, the aws CLI, the Go, Ruby and PHP SDKs and `gatehouse` (which
  // read it in place of their roots: Node's roots are added, so that what they trusted they still do), and
  // `NODE_EXTRA_CA_CERTS` for Node's (the AWS SDK for JavaScript v3 reads no CA variable of its own). The caller's
  // `~/.aws/config`, whose `ca_bundle` the launcher's CLI read, is replaced by the job's above, and `--ca-bundle` reached
  // the launcher alone: the ranks' STS, IAM and S3 calls failed on a certificate of a private CA.
  const trust = ca === undefined ? {} : { AWS_CA_BUNDLE: join(dir, 'ca-bundle.pem'), NODE_EXTRA_CA_CERTS: join(dir, 'ca-bundle.pem') };
  if (ca !== undefined) await writeFile(join(dir, 'ca-bundle.pem'), `${ca.trimEnd()}\n${rootCertificates.join('\n')}\n`, create);
  return { ...files, ...tools, ...dirs, ...trust, AWS_CREDENTIAL_PROFILES_FILE: files.AWS_SHARED_CREDENTIALS_FILE, ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true', ALIBABA_CLOUD_IGNORE_PROFILE: 'TRUE', ALIBABACLOUD_IGNORE_PROFILE: 'TRUE' };
}

export async function launch(given: LaunchOptions): Promise<number> {
  // The ranks are told the file's absolute path (`GATEHOUSE_CREDENTIALS_FILE`): a relative one, as given to
  // `--credentials-file ./creds`, is lost to a rank that changes directory (review readme, R10).
  const opts: LaunchOptions = { ...given, credentialsFile: resolve(given.credentialsFile) };
  const { agentUrl, capability, log } = opts;
  // The ranks' capability (review nn, 1), named to a node agent with the end, so that it drops the ranks' cached entry
  // at once as it drops the launcher's (relay.ts `ended`); the server reads only `Authorization`.
  const ranks = opts.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  /**
   * The credentials URI with the ranks' capability in it, on the credential port: what the file is refreshed from, and
   * what the ranks are given when the one in the environment is on a metadata endpoint not theirs here. The
   * environment's may be on the job's metadata endpoint, with no capability (review tn, 1), which serves only the uid
   * the launcher reported; the file is the launcher's to write whatever that endpoint answers.
   */
  const capabilityUri = ranks !== undefined && ranks !== '' ? `${agentUrl}/v1/credentials/${encodeURIComponent(ranks)}` : undefined;
  const givenUri = opts.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  const launcherUri = capabilityUri !== undefined && onMetadataEndpoint(givenUri, opts.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT']) ? capabilityUri : givenUri;
  const send = (path: string, body?: unknown): Promise<EndpointAnswer> =>
    endpointRequest(`${agentUrl}${path}`, {
      method: 'POST',
      headers: { authorization: capability, 'content-type': 'application/json', ...(path === '/v1/launcher/end' ? rankCapabilityHeader(capability, ranks) : {}) },
      body: body === undefined ? '' : JSON.stringify(body),
    });
  const post = async (path: string, body?: unknown): Promise<Record<string, unknown> | undefined> => {
    try {
      const r = await send(path, body);
      return r.ok ? (jsonOf(r.text) as Record<string, unknown> | undefined) : undefined;
    } catch {
      return undefined;
    }
  };
  /**
   * The job's end, told again while the agent or server cannot take it (not reached, or a 5xx: a node agent answers
   * 503 while its server is unreachable), after waits of `END_RETRY_BEATS` heartbeats, well inside the heartbeat
   * timeout; a refusal (4xx: the job ended already) is the server's word. Told once, an end lost to a server
   * restarting or a network blip left the job Running with working sessions after its command had exited, until its
   * launcher's silence failed it, and nothing was said (review ek, 4). Only the server's (or agent's) own answer is
   * final: its acceptance (`{"state"}`) or its refusal (JSON with `Code` and `Message`). A page a proxy in front of it
   * answered with while it was not there (an ingress's 404, a firewall's 403) was taken for a refusal, and the end was
   * lost without a word (review iq, 2); it is told again as a 5xx is.
   */
  const reportEnd = async (exitCode: number, stoppedBy?: NodeJS.Signals): Promise<void> => {
    let why = '';
    for (const wait of [0, ...END_RETRY_BEATS.map((beats) => beats * (opts.heartbeatMs ?? 5000))]) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        const r = await send('/v1/launcher/end', { exitCode, ...(stoppedBy !== undefined ? { stoppedBy } : {}) });
        const accepted = r.ok && typeof (jsonOf(r.text) as { state?: unknown } | undefined)?.state === 'string';
        const own = isGatehouseAnswer(r.text);
        if (accepted || (r.status < 500 && own)) return;
        const message = (jsonOf(r.text) as { Message?: unknown } | undefined)?.Message;
        const page = r.text.replace(/\s+/g, ' ').trim();
        why = own ? `${r.status}${typeof message === 'string' ? ` ${message}` : ''}` : `${r.status}, not Gatehouse's answer: ${page.length > 80 ? `${page.slice(0, 80)}…` : page}`;
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
    }
    log(`gatehouse: the end of job ${opts.jobId} could not be reported to ${agentUrl} (${why}): the server marks the job Failed, and its sessions stop working, once it has not heard from this launcher for its heartbeat timeout`);
  };

  // The credentials file, refreshed whenever the served credentials change: another session, or the same one
  // served with a later `Expiration` (it advances every 15 minutes, core/jobs `servedExpiration`), so that the
  // file never says expired while the session is good. While the endpoint cannot be reached (or answers 5xx), the
  // session last written is advanced here as the server would serve it, up to its real end, which the server names
  // in `x-gatehouse-session-expiration`, as the node agent does for its endpoints: through an outage of more than
  // the served 3 h the file said expired while the session was good for hours more (review agent, cf3).
  let lastKey = '';
  // What was last written, so that the end of the job removes the file only if it still holds it.
  let written: string | undefined;
  // The directories the file's writes made (`--credentials-file` in a directory not there yet): they go with it, when
  // nothing else is in them, rather than stay behind empty after every job (review gr, 12).
  let madeDirs: readonly string[] = [];
  let held: { readonly doc: Record<string, unknown>; readonly realEnd: number } | undefined;
  /** The session the credentials URI last served, in its fields (none: it served none, or refused). */
  let servedDoc: Record<string, unknown> | undefined;
  const write = async (doc: Record<string, unknown>): Promise<void> => {
    const key = `${String(doc['AccessKeyId'])} ${String(doc['Expiration'])}`;
    if (key === lastKey) return;
    const w = await writeCredentialsFile(opts.credentialsFile, doc);
    written = w.text;
    madeDirs = [...madeDirs, ...w.made];
    lastKey = key;
  };
  // One refresh at a time, none once the job has ended: the file is removed then, and must stay removed.
  let refreshing: Promise<void> = Promise.resolve();
  let ended = false;
  // Said once when refreshes start failing and once when one works again: it was said at every heartbeat (every
  // 5 s) through an outage, burying the job's own output (review agent, cf).
  let failing = false;
  const refreshFile = (): Promise<void> => (refreshing = refreshing.then(refreshOnce));
  const refreshOnce = async (): Promise<void> => {
    if (ended) return;
    try {
      let r: EndpointAnswer | undefined;
      let unreachable: unknown;
      try {
        r = await endpointRequest(launcherUri);
      } catch (e) {
        unreachable = e;
      }
      // A credentials document (an `Expiration` in a JSON object), or nothing usable.
      const answered = r?.ok === true ? (jsonOf(r.text) as Record<string, unknown> | null | undefined) : undefined;
      const doc = typeof answered === 'object' && answered !== null && typeof answered['Expiration'] === 'string' ? answered : undefined;
      if (r !== undefined && doc !== undefined) {
        servedDoc = doc;
        const real = r.headers[REAL_EXPIRATION_HEADER];
        const realEnd = typeof real === 'string' ? Date.parse(real) : Number.NaN;
        held = Number.isFinite(realEnd) && realEnd >= Date.parse(String(doc['Expiration'])) ? { doc, realEnd } : undefined;
        await write(doc);
        if (failing) log(`gatehouse: ${opts.credentialsFile} is refreshed again`);
        failing = false;
        return;
      }
      // A refusal of the endpoint's own (the job ended, has no role) is the server's word: the session is not advanced
      // from then on. Anything else in place of its answer (a proxy's 404 or 403 page, a maintenance page served 200) is
      // the server out of reach, as a 5xx is: the file stopped advancing then, and said expired 3 h into such an outage
      // while the session was good for hours more (review iq, 3).
      const refused = r !== undefined && !r.ok && r.status < 500 && isGatehouseAnswer(r.text);
      if (refused) {
        held = undefined;
        servedDoc = undefined;
      }
      // The job's role does not exist (404 NoRole): the session in the file is of a role deleted, which STS refuses,
      // and the file went on offering it, good for up to ~3 h by its `Expiration`, for the rest of the job (review qo,
      // 1). It goes, as at the job's end (only if it still holds what was last written), and is written again once a
      // session is served (the role made again).
      if (refused && r?.status === 404 && written !== undefined) {
        if ((await removeCredentialsFile(opts.credentialsFile, written)) !== 'kept') {
          written = undefined;
          lastKey = '';
        }
      }
      if (held !== undefined) {
        const expiration = Math.max(servedExpiration(held.realEnd, Date.now()), Date.parse(String(held.doc['Expiration'])));
        await write({ ...held.doc, Expiration: isoSeconds(expiration) });
      }
      if (r === undefined) throw unreachable;
      if (r.ok) throw new Error(`the credentials URI answered ${r.status} with no credentials document`);
    } catch (e) {
      if (!failing) log(`gatehouse: could not refresh ${opts.credentialsFile}: ${e instanceof Error ? e.message : String(e)}; said once until it works again`);
      failing = true;
    }
  };

  const children: ChildProcess[] = [];
  const exits: Promise<number>[] = [];
  /** The first rank to fail, in time: its status is the job's (the others', stopped for it, are not). */
  let firstFailure: number | undefined;
  const [cmd, ...args] = opts.command;
  // Each rank in its own process group when no terminal is attached (a script, a process manager, a test): a signal
  // the launcher gets by its pid then reaches everything the rank started (a wrapper script's children too), and
  // what a rank left running goes with the job. On a terminal the ranks stay in the launcher's foreground group, so
  // they can read it and Ctrl-C reaches them all as it is.
  const ownGroup = process.stdin.isTTY !== true && process.platform !== 'win32';
  let stopped = false;
  /** The signal to each rank's process group (or the rank alone, on a terminal); `all`: ranks that exited too. */
  const signalRanks = (signal: NodeJS.Signals, all = false): void => {
    for (const c of children) {
      const alive = c.exitCode === null && c.signalCode === null;
      if (!alive && !all) continue;
      if (ownGroup && c.pid !== undefined) {
        try {
          process.kill(-c.pid, signal);
          continue;
        } catch {
          // The group is gone already.
        }
      }
      if (alive) c.kill(signal);
    }
  };
  let killer: ReturnType<typeof setTimeout> | undefined;
  /** `delivered`: the ranks have had `signal` already (from the terminal), and are not sent it again. */
  const stopAll = (signal: NodeJS.Signals, delivered = false): void => {
    if (!delivered) signalRanks(signal);
    // A rank that ignores the signal does not keep the job, and its credentials, alive: 10 s, then SIGKILL.
    killer ??= setTimeout(() => {
      log(`gatehouse: job ${opts.jobId} did not stop within 10 s of ${signal}: killing what is left`);
      signalRanks('SIGKILL');
    }, 10_000);
    killer.unref?.();
  };
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopped = true;
    stoppedBy ??= signal;
    log(`gatehouse: ${signal}: stopping job ${opts.jobId}`);
    // On a terminal the ranks share this process's group, and a Ctrl-C there reaches each of them from the terminal
    // itself: sent again, every rank had two SIGINTs for one Ctrl-C, and the second broke into what the first had
    // started (a Python rank's `except KeyboardInterrupt:` saving a checkpoint; review et, 4). A SIGINT sent to this
    // pid alone while it is in the foreground (`kill -INT` from another shell) cannot be told apart, and is not passed
    // on: the ranks are then killed 10 s later, as ranks that do not stop are.
    // So for Ctrl-\ (SIGQUIT), which the terminal sends the whole group as well.
    stopAll(signal, !ownGroup && (signal === 'SIGINT' || signal === 'SIGQUIT') && inTerminalForeground() === true);
  };
  // Before the job's setup and its ranks start (and, with `opts.signals`, since before it was submitted): a signal
  // that comes meanwhile stops the job, instead of killing this process and leaving the ranks behind or the job
  // running on the server until its heartbeat times out.
  const signals = opts.signals ?? stopSignals();
  signals.on(onSignal);

  // Its answer is heard as every later heartbeat's: a job stopped (or ended on the server) before its launcher was
  // first heard starts no rank. It was not read, and the ranks ran until the next heartbeat, 5 s later, with every
  // credential endpoint answering 410 (review iz, 10).
  const first = await post('/v1/launcher/heartbeat');
  if (first?.['stop'] === true) {
    stopped = true;
    log(`gatehouse: job ${opts.jobId} ${first['state'] === 'Stopped' || first['state'] === undefined ? 'was stopped' : `ended on the server (${String(first['state'])})`}${typeof first['reason'] === 'string' ? `: ${first['reason']}` : ''} before its processes started; none is started`);
  }
  await refreshFile();

  /**
   * Whether `doc`, a metadata document served where the ranks read instance metadata, is the job's session: the one
   * its credentials URI serves (asked again, in case of a rotation), or, when another instance or worker of the server
   * still holds another of the job's (they share one since review oz, 1, but not in every race), one the server calls the same principal (`GET /v1/whoami` with
   * each); false when the server refuses it, undefined when it cannot be asked.
   */
  const isJobsSession = async (doc: Record<string, unknown>): Promise<boolean | undefined> => {
    if (servedDoc !== undefined && doc['AccessKeyId'] === servedDoc['AccessKeyId']) return true;
    await refreshFile();
    const mine = servedDoc;
    if (mine === undefined) return undefined;
    if (doc['AccessKeyId'] === mine['AccessKeyId']) return true;
    const api = opts.environment['AWS_ENDPOINT_URL'];
    if (api === undefined || !URL.canParse(api)) return undefined;
    const arnOf = async (accessKeyId: unknown, secretAccessKey: unknown, sessionToken: unknown): Promise<string | false | undefined> => {
      if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof sessionToken !== 'string') return false;
      const { call } = await import('../cli/client.ts');
      const r = await call<{ arn?: unknown }>({ endpoint: new URL(api), credentials: { accessKeyId, secretAccessKey, sessionToken }, region: opts.environment['AWS_REGION'] ?? 'us-east-1', credentialsSource: 'the job' }, 'GET', ['whoami'], { timeoutMs: 3000, maxAttempts: 1 });
      if (r.ok) return typeof r.value.arn === 'string' ? r.value.arn : undefined;
      return r.httpStatus >= 400 && r.httpStatus < 500 ? false : undefined;
    };
    const [theirs, ours] = await Promise.all([arnOf(doc['AccessKeyId'], doc['SecretAccessKey'], doc['Token']), arnOf(mine['AccessKeyId'], mine['AccessKeySecret'], mine['SecurityToken'])]);
    if (theirs === false) return false;
    return typeof theirs === 'string' && typeof ours === 'string' ? theirs === ours : undefined;
  };

  const environment = { ...opts.environment };
  const refused = containerUrlRefusal(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI']);
  if (refused !== undefined) log(`gatehouse: ${refused}`);
  // The server's metadata endpoint of the job is on its own 127.0.0.1: on this machine only if the server is here.
  const serverMetadata = environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  if (opts.metadataFromAgent !== true && serverMetadata !== undefined && !stopped) {
    const foreign = await foreignMetadataEndpoint(serverMetadata, isJobsSession);
    if (foreign !== undefined) {
      delete environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
      environment['AWS_EC2_METADATA_DISABLED'] = 'true';
      // The credentials URI on that endpoint goes with it, for the one with the capability on the credential port.
      for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI']) {
        if (capabilityUri !== undefined && onMetadataEndpoint(environment[k] ?? '', serverMetadata)) environment[k] = capabilityUri;
      }
      log(`gatehouse: job ${opts.jobId}'s metadata endpoint ${serverMetadata} is not the job's on this machine (${foreign}): the server opened it on its own loopback, so it runs on another machine or in another network namespace, and whatever holds that port here would hand the ranks its own credentials; its processes are given none (AWS_EC2_METADATA_DISABLED=true, as with --no-imds). For instance metadata, run a node agent on this machine and give --agent http://127.0.0.1:PORT`);
    }
  }
  let metadataPort: number | undefined;
  let metadataLost = false;
  /** The endpoint the ranks were given before the agent could open it, until it does (review hu, 2). */
  let metadataPromised: string | undefined;
  if (opts.metadataFromAgent === true) {
    const m = await agentMetadata(agentUrl, capability, ranks, undefined, opts.launcherUid);
    if ('error' in m && m.retry) {
      // The agent could not take the request (restarting, or its server out of reach for a moment): the ranks are
      // given an endpoint on a free port of its default --metadata-host all the same, which each heartbeat asks it to
      // open. Given none, as before review hu, 2, they had no instance metadata for the job's whole life.
      metadataPort = await freePort();
      metadataLost = true;
      metadataPromised = `http://127.0.0.1:${metadataPort}/`;
      environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = metadataPromised;
      delete environment['AWS_EC2_METADATA_DISABLED'];
      log(`gatehouse: the node agent at ${agentUrl} could not open job ${opts.jobId}'s metadata endpoint yet (${m.error}); its processes are given ${metadataPromised}, which the agent is asked to open at each heartbeat`);
    } else if ('error' in m) log(`gatehouse: the node agent at ${agentUrl} opened no metadata endpoint for job ${opts.jobId} (${m.error}); its processes have no instance metadata${environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] !== undefined ? ` but ${environment['AWS_EC2_METADATA_SERVICE_ENDPOINT']}` : ''}`);
    else {
      metadataPort = m.port;
      environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = m.endpoint;
      // The server's environment turns instance metadata off when it opened no endpoint itself.
      delete environment['AWS_EC2_METADATA_DISABLED'];
      // The credentials URI there, with no capability, when the agent serves it to this uid (reviews tn, 2 and tv, 2).
      const bare = await bareCredentialsUri(m.endpoint, capability);
      if (bare !== undefined) for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI']) if (environment[k] !== undefined) environment[k] = bare;
    }
  }

  const masterPort = await freePort();
  const profileDir = opts.profileDir ?? dirname(opts.credentialsFile);
  let profiles: Record<string, string>;
  try {
    // The launcher's CA, when a rank's AWS endpoints are https (review su, 2).
    const https = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'].some((v) => environment[v]?.startsWith('https://') === true);
    profiles = await writeProfileFiles(profileDir, environment['AWS_REGION'] ?? 'us-east-1', https ? opts.ca?.pem : undefined);
    // The caller's own stay: AWS_CA_BUNDLE when it is what the launcher trusted by, NODE_EXTRA_CA_CERTS always.
    if (opts.ca?.from === 'AWS_CA_BUNDLE') delete profiles['AWS_CA_BUNDLE'];
    if ((opts.baseEnv['NODE_EXTRA_CA_CERTS'] ?? '') !== '') delete profiles['NODE_EXTRA_CA_CERTS'];
  } catch (e) {
    // Something is in the job's own directory already (or it cannot be written): no rank runs with files it did not
    // write, and the job ends failed rather than waiting for its heartbeat to time out.
    log(`gatehouse: cannot write job ${opts.jobId}'s profile files in \`${profileDir}\` (${e instanceof Error ? e.message : String(e)}): no rank is started`);
    ended = true;
    await refreshing;
    await removeCredentialsFile(opts.credentialsFile, written);
    await removeDirectories(madeDirs);
    if (opts.signals === undefined) signals.close();
    await reportEnd(1);
    return 1;
  }
  const env = jobProcessEnv(opts.baseEnv, { ...environment, GATEHOUSE_CREDENTIALS_FILE: opts.credentialsFile, ...profiles });
  // Stopped during the setup above: no rank starts.
  /**
   * Why `cmd` did not run, said once (every rank fails alike: it was said once a rank), and its status as a shell
   * reports it: 127 not found, 126 found but not runnable.
   */
  let saidCannotRun = false;
  const cannotRun = (e: unknown): number => {
    if (!saidCannotRun) log(`gatehouse: cannot run \`${cmd}\`: ${whyNotRunnable(cmd as string, e)}`);
    saidCannotRun = true;
    return (e as { code?: unknown }).code === 'ENOENT' ? 127 : 126;
  };
  let unstartable = false;
  for (let rank = 0; rank < opts.replicas && !stopped && !unstartable; rank++) {
    let status: Promise<number>;
    try {
      const child = spawn(cmd as string, args, {
        stdio: 'inherit',
        detached: ownGroup,
        env: { ...env, ...torchrunVariables(rank, opts.replicas, masterPort, opts.jobId) },
      });
      children.push(child);
      status = new Promise<number>((resolve) => {
        child.once('error', (e) => resolve(cannotRun(e)));
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
      });
    } catch (e) {
      // Node throws, rather than emits, some failures to start (ENOTDIR, ENAMETOOLONG, E2BIG): that escaped as an
      // internal error with a stack trace, left the ranks already started running and the job Running until its
      // heartbeat timed out (review et, 2). The rank failed; no more are started, as every one would fail alike.
      status = Promise.resolve(cannotRun(e));
      unstartable = true;
    }
    exits.push(
      status.then((status) => {
        // As torchrun's agent, which tears the whole group down when a worker fails: the other ranks of a distributed
        // job that lost one block in their next collective (NCCL's timeout is 30 minutes), holding their GPUs and the
        // job's credentials, and the launcher waited for them (review da, 3).
        if (status !== 0 && firstFailure === undefined && !stopped) {
          firstFailure = status;
          if (children.some((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null)) {
            log(`gatehouse: rank ${rank} exited with status ${status}: stopping the other ranks of job ${opts.jobId}`);
            stopAll('SIGTERM');
          }
        }
        return status;
      }),
    );
  }

  /**
   * Stops the job when the port its ranks read instance metadata from is held by another process than `holder`, one
   * that serves another session than the job's (`foreignMetadataEndpoint`): their environment cannot be changed under
   * them, and that process's credentials would be taken for the job's (reviews jm, 3 and 4). One that hands out
   * nothing, or is gone, is left.
   */
  let checkingPort = false;
  const checkRanksPort = (holder: string): void => {
    const seen = environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    if (seen === undefined || stopped || checkingPort) return;
    checkingPort = true;
    void foreignMetadataEndpoint(seen, isJobsSession).then((why) => {
      checkingPort = false;
      // Only a port that hands out another principal's session stops the job: one gone, or one that cannot be told
      // apart (the server out of reach), does not.
      if (why !== "it serves credentials of another session than the job's" || stopped) return;
      stopped = true;
      log(`gatehouse: port ${new URL(seen).port}, where job ${opts.jobId}'s processes read instance metadata (${seen}), is held by another process than ${holder}, and ${why}: they could take its credentials for the job's; stopping the job. Run it again (its endpoint gets a new port), or with --no-imds`);
      stopAll('SIGTERM');
    });
  };
  // The server's endpoint (not through a node agent) is opened again on its port when the server restarts, unless
  // another process took the port while it was down: the server only logs that (review jm, 4). The launcher sees the
  // restart as heartbeats that fail, then work again: it asks the port then.
  let beatsFailing = false;
  const beat = setInterval(() => {
    void post('/v1/launcher/heartbeat').then((r) => {
      if (r === undefined) beatsFailing = true;
      else if (beatsFailing) {
        beatsFailing = false;
        if (opts.metadataFromAgent !== true) checkRanksPort('the Gatehouse server');
      }
      if (r && r['stop'] === true && !stopped) {
        stopped = true;
        // Stopped, or ended on the server otherwise (Failed by the sweep while this launcher was unheard: review ag, 9).
        const state = typeof r['state'] === 'string' && r['state'] !== 'Stopped' ? ` (${r['state']}${typeof r['reason'] === 'string' ? `: ${r['reason']}` : ''})` : typeof r['reason'] === 'string' ? `: ${r['reason']}` : '';
        log(`gatehouse: job ${opts.jobId} ${r['state'] === 'Stopped' || r['state'] === undefined ? 'was stopped' : 'ended on the server'}${state}; stopping its processes`);
        stopAll('SIGTERM');
      }
    });
    void refreshFile();
    if (metadataPort !== undefined) {
      const port = metadataPort;
      void agentMetadata(agentUrl, capability, ranks, port, opts.launcherUid).then((m) => {
        // Said once when it stops, once when it is back: not at every heartbeat.
        if ('error' in m !== metadataLost) log('error' in m ? `gatehouse: the node agent at ${agentUrl} does not serve job ${opts.jobId}'s metadata endpoint on port ${port} (${m.error})` : `gatehouse: the node agent at ${agentUrl} serves job ${opts.jobId}'s metadata endpoint on port ${port}${metadataPromised !== undefined ? '' : ' again'}`);
        if (!('error' in m) && metadataPromised !== undefined) {
          // An agent whose --metadata-host is not 127.0.0.1 opens it where the ranks do not look: said, once.
          const at = new URL(m.endpoint);
          const loopback = at.hostname === 'localhost' || at.hostname === '127.0.0.1';
          if (!loopback || at.port !== String(port)) log(`gatehouse: the node agent at ${agentUrl} opened job ${opts.jobId}'s metadata endpoint at ${m.endpoint}, not at ${metadataPromised} where its processes look (the agent's --metadata-host is not 127.0.0.1)`);
          metadataPromised = undefined;
        }
        metadataLost = 'error' in m;
        // The agent cannot listen on the port the ranks read (409 PortUnavailable): another process holds it, taken
        // while the agent was not serving it (before it first could, review hu, 2, or across its restart). Whoever it
        // is answers the ranks' instance-metadata reads; one that hands out another session than the job's has the
        // job's processes run as someone else, and the launcher said only that the agent does not serve the port
        // (review jm, 3). The ranks' variable cannot be changed under them: the job is stopped, saying why.
        if ('error' in m && m.status === 409) checkRanksPort('the node agent');
      });
    }
  }, opts.heartbeatMs ?? 5000);

  // A job fails when any rank fails; its status is the first failure's, as torchrun reports it.
  const codes = await Promise.all(exits);
  clearInterval(beat);
  if (killer !== undefined) clearTimeout(killer);
  // What a rank started and left running (in its process group) ends with the job.
  if (ownGroup) signalRanks('SIGTERM', true);
  if (opts.signals === undefined) signals.close();
  // Stopped before every rank started: not a success, but the status of its signal, or SIGTERM's when the server stopped
  // it (as its ranks would have had).
  const status = firstFailure ?? codes.find((c) => c !== 0) ?? (codes.length < opts.replicas && stopped ? 128 + (signalNumber(stoppedBy ?? 'SIGTERM') ?? 1) : 0);
  // The job's credentials go with it: the file (if it still holds what was written), and the per-job profile files.
  ended = true;
  await refreshing;
  if ((await removeCredentialsFile(opts.credentialsFile, written)) === 'kept') log(`gatehouse: ${opts.credentialsFile} was changed by someone else during job ${opts.jobId}: left as it is`);
  await removeDirectories(madeDirs);
  if (opts.profileDir !== undefined) await removeProfileFiles(opts.profileDir);
  // Stopped by a signal to this process: the job ends Stopped, with the command's status (review iz, 2). Stopped from
  // the server (`jobs stop`, or ended there): it has ended already, and what is reported changes nothing.
  // A rank that failed before the signal came failed the job: it ends Failed, as it would have without the signal.
  await reportEnd(stoppedBy === undefined && stopped && status === 0 ? 143 : status, firstFailure === undefined ? stoppedBy : undefined);
  return status;
}

/**
 * Whether this process is in the foreground process group of its controlling terminal, where a Ctrl-C on that
 * terminal reaches every process of the group (`tpgid` = `pgrp` in `/proc/self/stat`, proc(5)); undefined where it
 * cannot tell (no `/proc`).
 */
function inTerminalForeground(): boolean | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // After `pid (comm) `: state ppid pgrp session tty_nr tpgid …; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return tpgid > 0 && tpgid === pgrp;
  } catch {
    return undefined;
  }
}

/**
 * The waits before each repeat of a job's end that could not be reported, in heartbeats (7.5 s in all at the 5 s
 * heartbeat): the server fails a job whose launcher it has not heard from for 30 s, so the end still arrives before.
 */
const END_RETRY_BEATS = [0.1, 0.2, 0.4, 0.8] as const;

/** Removes what `writeProfileFiles` wrote in the per-job directory, then the directory if nothing else is in it. */
async function removeProfileFiles(dir: string): Promise<void> {
  for (const f of ['aws-config', 'aws-credentials', 'alibaba-credentials', 'boto-config', 'ossutil-config', 's3cmd-config', 'huaweicloud-credentials', 'ca-bundle.pem']) await unlink(join(dir, f)).catch(() => {});
  // With what a rank's gcloud or az wrote there (its configuration, its logs): the job's, and gone with it.
  for (const d of ['gcloud', 'azure', 'azd']) await rm(join(dir, d), { recursive: true, force: true }).catch(() => {});
  await rmdir(dir).catch(() => {});
}

/**
 * The number of `signal` on this platform, as a shell adds it to 128: a rank killed by SIGSEGV (11) or SIGABRT (6), a
 * crash, read as 129, SIGHUP's status, when the table knew only five signals (review et, 1).
 */
function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (constants.signals as Partial<Record<NodeJS.Signals, number>>)[signal];
}

/**
 * Why `cmd` could not be started, in words that say what to do, as a shell says it (`command not found`, `Permission
 * denied`, `Is a directory`, `bad interpreter`): Node's own, `spawn nosuchcmd ENOENT`, `spawn ./train.py EACCES`,
 * said neither what was wrong nor what to do (review qq, 3). Other failures keep Node's message.
 */
export function whyNotRunnable(cmd: string, e: unknown, cwd: string = process.cwd()): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const path = cmd.includes('/') ? resolve(cwd, cmd) : undefined;
  if (code === 'ENOENT') {
    if (path === undefined) return "no such command on the job's PATH; check its name, or give its path";
    const first = firstLineOf(path);
    // The file is there: execve's ENOENT is then its interpreter's.
    if (first?.startsWith('#!') === true) return `the interpreter its first line names (${first.slice(0, 200)}) is not there; install it, or fix that line`;
    return 'no such file; check the path';
  }
  if (code === 'EACCES') {
    if (path !== undefined && isDirectory(path)) return 'it is a directory; give the program to run';
    return 'permission denied: it is not executable; `chmod +x` it, or run it through its interpreter (`node FILE`, `python3 FILE`, `sh FILE`)';
  }
  return e instanceof Error ? e.message : String(e);
}

/** The first line of the file at `path` (at most 256 bytes of it), or undefined when it cannot be read. */
function firstLineOf(path: string): string | undefined {
  let fd: number | undefined;
  try {
    // A regular file only: opening a FIFO would wait for a writer.
    if (!statSync(path).isFile()) return undefined;
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(256);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8').split('\n')[0]?.replace(/\r$/, '').trimEnd();
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
