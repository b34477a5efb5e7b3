/**
 * Training jobs, shown end to end in an `aws` account (issue "Training jobs"): a real server (startServer on
 * 127.0.0.1, random ports, temporary SQLite data dir) set up through the IAM API (@aws-sdk/client-iam) and
 * the admin REST (`/v1/`, SigV4 service `gatehouse`); jobs launched by the real CLI
 * (`process.execPath bin/gatehouse.js jobs run …`) as the submitting user (AWS_ACCESS_KEY_ID/SECRET,
 * GATEHOUSE_ENDPOINT). Inside, unmodified clients (test/fixtures/jobs/probe.ts) read the job's credentials:
 * the AWS SDK v3 default chain, `fromInstanceMetadata()`, `@alicloud/credentials` (default chain and
 * `credentials_uri`), Debian's boto3, and the credentials file; each calls GetCallerIdentity on Gatehouse.
 *
 * Also: two ranks share one session; the caller's credential variables never reach the job; after the end
 * the sessions are refused and the endpoints answer 410; a wrong capability gets 403 and nothing else;
 * `--role none` runs without credentials; `--role default` reaches only the workspace default bucket and the
 * submitter's own tables — shown with the job's own credentials through the authorize API
 * (`POST /v1/authorize`, the caller is the principal), which evaluates identity and session policies as
 * every resource server would see them; every refused submit, with its exact message, through the CLI (in this
 * process: a refused job starts nothing) and
 * `POST /v1/jobs`, leaving no job behind. A second server with 20-second job sessions runs a 45-second job
 * (started in `before`, checked last, so the other tests run meanwhile): the default chain never fails and
 * sees the key rotate; the job's events list each issuance.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo, gatehouseCli, keysOf, type Keys, type Run } from './support/processes.ts';

const PROBE = fileURLToPath(new URL('./fixtures/jobs/probe.ts', import.meta.url));
const REFRESH = fileURLToPath(new URL('./fixtures/jobs/refresh.ts', import.meta.url));
const ACCT = '000000000000';
const REGION = 'us-east-1';
const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const WS_ARN = `arn:aws:training::${ACCT}:workspace/vision`;
const DEFAULT_ROLE = 'GatehouseTrainingDefaultRole';
const REFRESH_SECONDS = 45;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });


let home: string;
let server: RunningServer;
let admin: Keys;
const users: Record<'alice' | 'bob' | 'carol' | 'dave', Keys> = {} as never;
let refreshServer: RunningServer;
let refreshRun: Promise<Run>;
let refreshOut: string;
const clients: { destroy(): void }[] = [];

/** The real CLI as `who`, with no inherited AWS settings; `extraEnv` adds variables (credential ones the job must not see). */
const gh = (args: readonly string[], who: Keys, opts: { extraEnv?: Record<string, string>; at?: RunningServer } = {}): Promise<Run> =>
  gatehouseCli(args, who, { endpoint: (opts.at ?? server).url, home, ...(opts.extraEnv ? { extraEnv: opts.extraEnv } : {}) });

/**
 * `gh` in this process (test/support/gatehouse-cli.ts): for a submit the server refuses, whose command never starts;
 * a spawned CLI costs some 0.3 s of CPU and showed nothing more of a refusal than its exit status and stderr.
 */
const ghInProcess = (args: readonly string[], who: Keys): Promise<Run> => gatehouseCliInProcess(args, who, { endpoint: server.url, home });

const jobIdOf = (r: Run): string => /gatehouse: job ([a-z0-9]+) /.exec(r.stderr)?.[1] ?? assert.fail(`no job id in: ${r.stderr}`);
const conn = (c: Keys, at: RunningServer = server): Connection => connectionTo(at.url, c, REGION);

function sts(c: Keys, at: RunningServer = server): STSClient {
  const client = new STSClient({ endpoint: at.url, region: REGION, credentials: c, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** The error name GetCallerIdentity fails with, or `no error`. */
async function identityError(c: Keys, at: RunningServer = server): Promise<string> {
  try {
    await sts(c, at).send(new GetCallerIdentityCommand({}));
    return 'no error';
  } catch (e) {
    return (e as Error).name;
  }
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

async function waitFor(path: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > until) assert.fail(`${path} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface JobJson {
  readonly id: string;
  readonly state: string;
  readonly launcherUid?: number;
  readonly metadataEndpoint?: unknown;
  readonly exitCode?: number;
  readonly role: { readonly mode: string; readonly arn?: string };
}
interface EventJson {
  readonly type: string;
  readonly message: string;
}

async function jobOf(id: string, who: Keys = admin, at: RunningServer = server): Promise<JobJson> {
  const r = await call<JobJson>(conn(who, at), 'GET', ['jobs', id]);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

async function eventsOf(id: string, who: Keys = admin, at: RunningServer = server): Promise<EventJson[]> {
  const r = await call<{ events: EventJson[] }>(conn(who, at), 'GET', ['jobs', id, 'events']);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value.events;
}

async function listIds(): Promise<string[]> {
  const r = await call<{ jobs: JobJson[] }>(conn(admin), 'GET', ['jobs']);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value.jobs.map((j) => j.id).sort();
}

/** What the credential endpoints answer for `capability`. */
async function agentAnswer(at: RunningServer, path: string, authorization?: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${at.agentUrl}${path}`, authorization === undefined ? {} : { headers: { authorization } });
  return { status: r.status, body: await r.text() };
}

async function startOne(dataDir: string, extra: { jobSessionSeconds?: number } = {}): Promise<RunningServer> {
  return startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {}, ...extra });
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-jobs-'));
  // The submitter's own default profile, as on a developer's machine: no job may run as it.
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAALICELAPTOP00000\naws_secret_access_key = alice-laptop-secret\n');
  await writeFile(join(home, '.aws', 'config'), '[default]\naws_access_key_id = AKIAALICELAPTOP00001\naws_secret_access_key = alice-laptop-secret\n');
  // And her Alibaba CLI profile and credentials file, which the Alibaba default chain reads before the credentials URI.
  await mkdir(join(home, '.aliyun'), { recursive: true });
  await writeFile(join(home, '.aliyun', 'config.json'), JSON.stringify({ current: 'default', profiles: [{ name: 'default', mode: 'AK', access_key_id: 'LTAI5tAliceLaptopCli0', access_key_secret: 'alice-laptop-secret' }] }));
  await mkdir(join(home, '.alibabacloud'), { recursive: true });
  await writeFile(join(home, '.alibabacloud', 'credentials'), '[default]\ntype = access_key\naccess_key_id = LTAI5tAliceLaptopIni0\naccess_key_secret = alice-laptop-secret\n');

  // The refresh job first: it runs 45 s on its own server while the other tests run.
  refreshServer = await startOne(join(home, 'refresh-data'), { jobSessionSeconds: 20 });
  const root = refreshServer.adminCredentials;
  assert.ok(root);
  const rootKeys = keysOf(root);
  const ws = await call(conn(rootKeys, refreshServer), 'PUT', ['workspaces', 'long'], { body: { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::long-data' } });
  assert.ok(ws.ok, ws.ok ? '' : ws.message);
  refreshOut = join(home, 'refresh.json');
  refreshRun = gh(['jobs', 'run', '--workspace', 'long', '--', process.execPath, REFRESH, refreshOut, String(REFRESH_SECONDS)], rootKeys, { at: refreshServer });

  server = await startOne(join(home, 'data'));
  assert.ok(server.adminCredentials);
  admin = keysOf(server.adminCredentials);
  const iam = new I.IAMClient({ endpoint: server.url, region: REGION, credentials: admin, maxAttempts: 1 });
  clients.push(iam);
  const trust = (service: string) => doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust('training.gatehouse.dev') }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'data', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::trainer-bucket/*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'untrusted', AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));

  const createJob = { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS_ARN };
  const passRole = { Effect: 'Allow', Action: 'iam:PassRole', Resource: [ROLE('trainer'), ROLE('untrusted')], Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } };
  const tables = { Effect: 'Allow', Action: ['odps:Read', 'odps:Describe*'], Resource: 'acs:odps:*:*:projects/alice-tables/*' };
  const policies: Record<keyof typeof users, object[]> = {
    alice: [createJob, passRole, tables], // member: may pass trainer (and untrusted, whose trust is wrong)
    bob: [createJob], // member, no PassRole
    carol: [createJob, passRole], // not a member
    dave: [passRole], // member, no training:CreateJob
  };
  for (const [name, statements] of Object.entries(policies) as [keyof typeof users, object[]][]) {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'jobs', PolicyDocument: doc(...statements) }));
    users[name] = keysOf((await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey ?? {});
  }
  const put = await call(conn(admin), 'PUT', ['workspaces', 'vision'], {
    body: { members: [{ user: 'alice' }, { user: 'bob' }, { user: 'dave' }], defaultBucket: 'arn:aws:s3:::vision-data' },
  });
  assert.ok(put.ok, put.ok ? '' : put.message);
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await refreshRun?.catch(() => undefined);
  await server?.stop();
  await refreshServer?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

interface Probe {
  env: Record<string, string>;
  credentialVariables: string[];
  awsFiles: Record<string, { path?: string; keys: boolean }>;
  alibabaCliProfileDisabled?: string;
  container: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string; arn: string } & { error?: string };
  imds: { accessKeyId: string; arn: string } & { error?: string };
  alibabaDefault: { accessKeyId: string; arn: string } & { error?: string };
  alibabaUri: { accessKeyId: string; type: string; arn: string } & { error?: string };
  alibabaMetadata: { role: string; fields: string[]; code: string; accessKeyId: string } & { error?: string };
  boto3: { method: string; accessKeyId: string; arn: string } & { error?: string; skipped?: string };
  file: { fields: string[]; mode: string; expiration: string; accessKeyId: string; arn: string } & { error?: string };
  endpoints: Record<string, { status: number; body: string }>;
  credentialsFileExists: boolean;
}

/** The job environment of DESIGN.md, every variable. */
const JOB_VARIABLES = [
  'ALIBABA_CLOUD_CREDENTIALS_URI',
  'ALIBABACLOUD_CREDENTIALS_URI',
  'ALIBABA_CLOUD_ECS_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'GATEHOUSE_JOB_ID',
  'GATEHOUSE_CREDENTIALS_FILE',
];

/** Credential variables of the submitting shell: none may reach the job. */
const CALLER_SECRETS = {
  AWS_PROFILE: 'alice-laptop',
  AWS_DEFAULT_PROFILE: 'alice-laptop',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tAliceLaptopKey00',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'alice-laptop-secret',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'alice-laptop-token',
  // The other spellings Alibaba's tools read (the aliyun CLI, the Go credentials library).
  ALIBABACLOUD_ACCESS_KEY_ID: 'LTAI5tAliceLaptopKey01',
  ALIBABACLOUD_ACCESS_KEY_SECRET: 'alice-laptop-secret-1',
  ALICLOUD_ACCESS_KEY_ID: 'LTAI5tAliceLaptopKey02',
  ALICLOUD_ACCESS_KEY_SECRET: 'alice-laptop-secret-2',
  ACCESS_KEY_ID: 'LTAI5tAliceLaptopKey03',
  ACCESS_KEY_SECRET: 'alice-laptop-secret-3',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
};

test('a custom role, two ranks: every client of every rank gets the same session of the role, from every endpoint; then it is refused', async (t) => {
  const out = await mkdtemp(join(home, 'probe-'));
  const r = await gh(['jobs', 'run', '--workspace', 'vision', '--role', ROLE('trainer'), '--replicas', '2', '--', process.execPath, PROBE, out, 'full'], users.alice, { extraEnv: CALLER_SECRETS });
  assert.equal(r.code, 0, r.stderr);
  const id = jobIdOf(r);
  const arn = `arn:aws:sts::${ACCT}:assumed-role/trainer/job-${id}`;
  const ranks = [await readJson<Probe>(join(out, 'rank-0.json')), await readJson<Probe>(join(out, 'rank-1.json'))];
  const keyId = ranks[0]?.container.accessKeyId ?? '';
  assert.match(keyId, /^ASIA[A-Z0-9]{16}$/, JSON.stringify(ranks[0]?.container));

  for (const [rank, p] of ranks.entries()) {
    // torchrun's variables; one rendezvous for all ranks.
    assert.deepEqual([p.env['RANK'], p.env['LOCAL_RANK'], p.env['WORLD_SIZE'], p.env['MASTER_ADDR']], [String(rank), String(rank), '2', '127.0.0.1']);
    assert.match(p.env['MASTER_PORT'] ?? '', /^\d+$/);
    assert.equal(p.env['MASTER_PORT'], ranks[0]?.env['MASTER_PORT']);
    for (const v of JOB_VARIABLES) assert.ok(p.env[v], `${v} is not set in rank ${rank}`);
    assert.equal(p.env['GATEHOUSE_JOB_ID'], id);
    assert.equal(p.env['AWS_ENDPOINT_URL'], server.url);
    assert.equal(p.env['AWS_ENDPOINT_URL_S3'], server.s3Url, 'S3 clients of the job go to the gateway');
    assert.equal(p.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED'], 'true');
    // The caller had AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ALIBABA_CLOUD_* and GATEHOUSE_ENDPOINT set.
    assert.deepEqual(p.credentialVariables, [], `credential variables of the caller reached rank ${rank}`);
    // The submitter's ~/.aws files (a default profile with keys) are replaced by the job's own, without keys.
    for (const [name, f] of Object.entries(p.awsFiles)) {
      // In the job's own directory (mkdtemp, under the user's private base: review S, S2), the same for every file.
      assert.ok(f.path?.startsWith(join(home, `gatehouse-${process.getuid?.()}`, 'job-')) && dirname(f.path) === dirname(ranks[0]?.awsFiles['AWS_CONFIG_FILE']?.path ?? ''), `${name} of rank ${rank} is ${f.path}`);
      assert.equal(f.keys, false, `${name} of rank ${rank} holds keys`);
    }
    assert.deepEqual(Object.keys(p.awsFiles).sort(), ['ALIBABA_CLOUD_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']);
    // ~/.aliyun/config.json has no path variable; the chain's switch keeps the submitter's CLI profile out.
    assert.equal(p.alibabaCliProfileDisabled, 'true');

    // (a) default chain (container endpoint), (b) IMDSv2, (c) Alibaba default chain and credentials_uri, (d) boto3, (e) the file.
    for (const [client, got] of Object.entries({ container: p.container, imds: p.imds, alibabaDefault: p.alibabaDefault, alibabaUri: p.alibabaUri, file: p.file })) {
      assert.equal(got.error, undefined, `${client} in rank ${rank}: ${got.error}`);
      assert.equal(got.accessKeyId, keyId, `${client} in rank ${rank} got another session`);
      assert.equal(got.arn, arn, `${client} in rank ${rank}`);
    }
    assert.equal(p.alibabaUri.type, 'credentials_uri');
    assert.deepEqual(p.alibabaMetadata, { role: 'trainer', fields: ['AccessKeyId', 'AccessKeySecret', 'Code', 'Expiration', 'LastUpdated', 'SecurityToken'], code: 'Success', accessKeyId: keyId });
    await t.test(`(d) rank ${rank}: boto3 from Debian, container provider`, { skip: p.boto3.skipped ?? false }, () => {
      assert.deepEqual(p.boto3, { method: 'container-role', accessKeyId: keyId, arn });
    });
    assert.deepEqual(p.file.fields, ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
    assert.equal(p.file.mode, '600');
    assert.match(p.file.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }

  // One issuance for the whole job: two ranks × five clients, the launcher's file refresh, all from one cache.
  const issued = (await eventsOf(id, users.alice)).filter((e) => e.type === 'credentials-issued');
  assert.equal(issued.length, 1, JSON.stringify(issued));
  assert.match(issued[0]?.message ?? '', new RegExp(`issued ${arn.replace(/[/.]/g, '\\$&')} \\(${keyId}\\)`));
  assert.deepEqual(await jobOf(id, users.alice).then((j) => [j.state, j.exitCode]), ['Succeeded', 0]);
  // The metadata endpoint that served every rank above serves only the launcher's uid, which it reported.
  assert.equal((await jobOf(id, users.alice)).launcherUid, process.getuid?.());

  // The job has ended: its session is refused, and every endpoint answers 410.
  const p = ranks[0] as Probe;
  const capability = p.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
  const imds = p.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
  const ended = `job ${id} has ended`;
  // The metadata port stays open for a few seconds after the end, to say so.
  const token = await (await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
  const md = await fetch(`${imds}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': token } });
  assert.deepEqual([md.status, await md.text()], [410, ended]);
  assert.deepEqual(await agentAnswer(server, '/v1/container-credentials', capability), { status: 410, body: JSON.stringify({ Code: 'JobEnded', Message: ended }) });
  // The credentials URI the ranks were given is on the metadata endpoint (review tv, 2); the credential port's answers the same.
  const uri = await fetch(p.env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
  assert.deepEqual({ status: uri.status, body: await uri.text() }, { status: 410, body: JSON.stringify({ Code: 'JobEnded', Message: ended }) });
  assert.deepEqual(await agentAnswer(server, `/v1/credentials/${capability}`), { status: 410, body: JSON.stringify({ Code: 'JobEnded', Message: ended }) });
  assert.match(await identityError({ accessKeyId: keyId, secretAccessKey: p.container.secretAccessKey, sessionToken: p.container.sessionToken }), /^ExpiredToken/);
});

test('the job exits with its command’s status, and is Failed when that is not 0', async () => {
  const r = await gh(['jobs', 'run', '--workspace', 'vision', '--role', 'none', '--', process.execPath, '-e', 'process.exit(3)'], users.bob);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(await jobOf(jobIdOf(r)).then((j) => [j.state, j.exitCode]), ['Failed', 3]);
});

test('a wrong or missing capability gets 403 and reveals nothing', async () => {
  const forbidden = { status: 403, body: JSON.stringify({ Code: 'Forbidden', Message: 'forbidden' }) };
  const guesses = ['', 'x', 'A'.repeat(43), 'A'.repeat(500), `${'a'.repeat(42)}%`];
  for (const g of guesses) {
    assert.deepEqual(await agentAnswer(server, '/v1/container-credentials', g), forbidden, `container endpoint, Authorization \`${g}\``);
    assert.deepEqual(await agentAnswer(server, `/v1/credentials/${encodeURIComponent(g)}`), forbidden, `credentials URI \`${g}\``);
  }
  // A path that is not even valid percent-encoding is just another wrong capability.
  assert.deepEqual(await agentAnswer(server, '/v1/credentials/%zz'), forbidden);
  assert.deepEqual(await agentAnswer(server, '/v1/container-credentials'), forbidden, 'no Authorization header');
  for (const path of ['/v1/launcher/heartbeat', '/v1/launcher/end']) {
    const r = await fetch(`${server.agentUrl}${path}`, { method: 'POST', headers: { authorization: 'A'.repeat(43) }, body: '{"exitCode":0}' });
    assert.deepEqual({ status: r.status, body: await r.text() }, forbidden, path);
  }
});

test('--role none: the job runs, and every credential endpoint answers 404 `job <id> has no role`', async () => {
  const out = await mkdtemp(join(home, 'none-'));
  const r = await gh(['jobs', 'run', '--workspace', 'vision', '--role', 'none', '--', process.execPath, PROBE, out, 'none'], users.bob);
  assert.equal(r.code, 0, r.stderr);
  const id = jobIdOf(r);
  const p = await readJson<Probe>(join(out, 'rank-0.json'));
  for (const v of JOB_VARIABLES) assert.ok(p.env[v], `${v} is set even without a role`);
  const message = `job ${id} has no role`;
  assert.deepEqual(p.endpoints['container'], { status: 404, body: JSON.stringify({ Code: 'NoRole', Message: message }) });
  assert.deepEqual(p.endpoints['uri'], { status: 404, body: JSON.stringify({ Code: 'NoRole', Message: message }) });
  for (const k of ['imdsIamList', 'imdsIamRole', 'imdsRamList', 'imdsRamRole']) assert.deepEqual(p.endpoints[k], { status: 404, body: message }, k);
  assert.equal(p.credentialsFileExists, false);
  assert.equal((await jobOf(id)).state, 'Succeeded');
  assert.deepEqual((await eventsOf(id)).filter((e) => e.type === 'credentials-issued'), []);
});

test('--role default (no PassRole needed): the default role, reaching only the workspace default bucket and the submitter’s own tables', async () => {
  const out = await mkdtemp(join(home, 'default-'));
  const release = join(out, 'release');
  const running = gh(['jobs', 'run', '--workspace', 'vision', '--', process.execPath, PROBE, out, 'hold', release], users.alice);
  try {
    await waitFor(join(out, 'rank-0.json'));
    const p = await readJson<Probe>(join(out, 'rank-0.json'));
    assert.equal(p.container.error, undefined, p.container.error);
    const id = p.env['GATEHOUSE_JOB_ID'] ?? '';
    assert.equal(p.container.arn, `arn:aws:sts::${ACCT}:assumed-role/${DEFAULT_ROLE}/job-${id}`);
    const job: Keys = { accessKeyId: p.container.accessKeyId, secretAccessKey: p.container.secretAccessKey, sessionToken: p.container.sessionToken };
    const decide = async (who: Keys, action: string, resource: string): Promise<string> => {
      const d = await call<{ decision: string }>(conn(who), 'POST', ['authorize'], { body: { action, resource } });
      assert.ok(d.ok, d.ok ? '' : d.message);
      return d.value.decision;
    };
    const cases: [string, string, string][] = [
      ['s3:GetObject', 'arn:aws:s3:::vision-data/train/shard-0.tar', 'Allow'],
      ['s3:PutObject', 'arn:aws:s3:::vision-data/checkpoints/step-100', 'Allow'],
      ['s3:ListBucket', 'arn:aws:s3:::vision-data', 'Allow'],
      ['s3:GetObject', 'arn:aws:s3:::other-data/x', 'ImplicitDeny'],
      ['s3:GetObject', 'arn:aws:s3:::trainer-bucket/x', 'ImplicitDeny'],
      ['s3:GetObject', 'arn:aws:s3:::vision-data-copy/x', 'ImplicitDeny'],
      ['iam:ListUsers', `arn:aws:iam::${ACCT}:user/`, 'ImplicitDeny'],
      ['sts:AssumeRole', ROLE('trainer'), 'ImplicitDeny'],
    ];
    for (const [action, resource, want] of cases) assert.equal(await decide(job, action, resource), want, `${action} on ${resource}`);
    // Tables: exactly what alice herself may do.
    const tables: [string, string][] = [
      ['odps:Read', 'acs:odps:*:*:projects/alice-tables/tables/clicks'],
      ['odps:DescribeTable', 'acs:odps:*:*:projects/alice-tables/tables/clicks'],
      ['odps:Write', 'acs:odps:*:*:projects/alice-tables/tables/clicks'],
      ['odps:Read', 'acs:odps:*:*:projects/bob-tables/tables/clicks'],
    ];
    const asAlice = await Promise.all(tables.map(([a, res]) => decide(users.alice, a, res)));
    assert.deepEqual(asAlice, ['Allow', 'Allow', 'ImplicitDeny', 'ImplicitDeny']);
    assert.deepEqual(await Promise.all(tables.map(([a, res]) => decide(job, a, res))), asAlice);
  } finally {
    await writeFile(release, '');
  }
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await jobOf(jobIdOf(r))).role.arn, ROLE(DEFAULT_ROLE));
});

/**
 * The TCP ports this process (the test, which runs the server) listens on: its socket inodes in /proc/self/fd,
 * matched with the LISTEN rows of /proc/net/tcp{,6}. Only our own: another process's services are not probed.
 */
async function ownListeningPorts(): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/self/fd/${fd}`).catch(() => ''));
    if (m?.[1]) inodes.add(m[1]);
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9] ?? '')) ports.add(Number.parseInt(f[1]?.split(':')[1] ?? '', 16));
    }
  }
  return [...ports];
}

/** The access key id an IMDSv2 endpoint on 127.0.0.1:`port` hands anyone who asks, or undefined. */
async function imdsKeyAt(port: number): Promise<string | undefined> {
  const base = `http://127.0.0.1:${port}`;
  const signal = () => AbortSignal.timeout(2000);
  try {
    const t = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, signal: signal() });
    if (t.status !== 200) return undefined;
    const headers = { 'x-aws-ec2-metadata-token': await t.text() };
    const list = await fetch(`${base}/latest/meta-data/iam/security-credentials/`, { headers, signal: signal() });
    if (list.status !== 200) return undefined;
    const d = await fetch(`${base}/latest/meta-data/iam/security-credentials/${await list.text()}`, { headers, signal: signal() });
    return d.status === 200 ? ((await d.json()) as { AccessKeyId?: string }).AccessKeyId : undefined;
  } catch {
    return undefined;
  }
}

/** This process's uid, and one it is not: what a test reports as the launcher's to be another user's process. */
const ME = process.getuid?.() ?? 0;
const OTHER_UID = ME + 1;

test('a job’s metadata endpoint serves only its launcher’s uid: its own process, of another uid than reported, is refused with 403; scanning every listener finds nothing to read; with --no-imds there is no port at all', { skip: (!existsSync('/proc/self/fd') || !existsSync('/proc/net/tcp')) && 'needs /proc' }, async () => {
  const out = await mkdtemp(join(home, 'imds-uid-'));
  const release = join(out, 'release');
  // The launcher reports another uid than the test's (tests run as one uid): the job's ranks, and the test
  // scanning the listeners as review H's second user did, are then processes of another user than the job's.
  const running = gh(['jobs', 'run', '--workspace', 'vision', '--role', ROLE('trainer'), '--launcher-uid', String(OTHER_UID), '--', process.execPath, PROBE, out, 'none', release], users.alice, { extraEnv: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' } });
  try {
    await waitFor(join(out, 'rank-0.json'));
    const p = await readJson<Probe>(join(out, 'rank-0.json'));
    const id = p.env['GATEHOUSE_JOB_ID'] ?? '';
    assert.equal((await jobOf(id, users.alice)).launcherUid, OTHER_UID);
    // The endpoint is the job's own, not the caller's, and is there by default.
    const imds = new URL(p.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no AWS_EC2_METADATA_SERVICE_ENDPOINT'));
    assert.notEqual(imds.port, '9');
    assert.equal(p.env['AWS_EC2_METADATA_DISABLED'], undefined);
    // The capability's endpoints serve the job's process; the metadata endpoint refuses it, at every credential path.
    assert.equal(p.endpoints['container']?.status, 200, p.endpoints['container']?.body);
    const refusal = `forbidden: this metadata endpoint serves only the processes of the user who runs the job, not uid ${ME}`;
    for (const k of ['imdsIamList', 'imdsIamRole', 'imdsRamList', 'imdsRamRole']) assert.deepEqual(p.endpoints[k], { status: 403, body: refusal }, k);
    const put = await fetch(`${imds.origin}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.deepEqual([put.status, await put.text()], [403, refusal]);
    // What another user's process on the node would do (review H): try IMDSv2 on every listener.
    const ports = await ownListeningPorts();
    for (const at of [server.url, server.agentUrl, imds.origin]) assert.ok(ports.includes(Number(new URL(at).port)), `the scan misses ${at}: ${ports.join(',')}`);
    const key = JSON.parse(p.endpoints['container']?.body ?? '{}') as { AccessKeyId?: string };
    const leaking: number[] = [];
    for (const port of ports) if ((await imdsKeyAt(port)) === key.AccessKeyId) leaking.push(port);
    assert.deepEqual(leaking, [], 'ports serving the job’s credentials to another uid');
  } finally {
    await writeFile(release, '');
  }
  const r = await running;
  assert.equal(r.code, 0, r.stderr);

  // --no-imds: no port, no endpoint variable (the caller's dropped too), and AWS SDKs told to leave instance
  // metadata alone; the default chains still find the credentials.
  const bare = await mkdtemp(join(home, 'no-imds-'));
  const bareRelease = join(bare, 'release');
  const plain = gh(['jobs', 'run', '--workspace', 'vision', '--role', ROLE('trainer'), '--no-imds', '--', process.execPath, PROBE, bare, 'hold', bareRelease], users.alice, { extraEnv: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' } });
  try {
    await waitFor(join(bare, 'rank-0.json'));
    const p = await readJson<Probe>(join(bare, 'rank-0.json'));
    const id = p.env['GATEHOUSE_JOB_ID'] ?? '';
    assert.equal(p.container.error, undefined, p.container.error);
    assert.equal(p.container.arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/job-${id}`);
    assert.equal(p.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'], undefined);
    assert.equal(p.env['AWS_EC2_METADATA_DISABLED'], 'true');
    assert.equal((await jobOf(id, users.alice)).metadataEndpoint, undefined);
    // The launcher reported this process's uid: a port of the job, if there were one, would serve the scan.
    const leaking: number[] = [];
    for (const port of await ownListeningPorts()) if ((await imdsKeyAt(port)) === p.container.accessKeyId) leaking.push(port);
    assert.deepEqual(leaking, [], 'ports serving the credentials of a job run with --no-imds');
  } finally {
    await writeFile(bareRelease, '');
  }
  const r2 = await plain;
  assert.equal(r2.code, 0, r2.stderr);
});

test('the job environment of DESIGN.md by default, with a role and with --role none; --no-imds leaves out only the metadata endpoint, and sets AWS_EC2_METADATA_DISABLED', async () => {
  const dump = "require('node:fs').writeFileSync(process.argv[1], JSON.stringify(process.env))";
  const envOf = async (args: readonly string[], who: Keys): Promise<Record<string, string>> => {
    const file = join(await mkdtemp(join(home, 'env-')), 'env.json');
    const r = await gh(['jobs', 'run', '--workspace', 'vision', ...args, '--', process.execPath, '-e', dump, file], who);
    assert.equal(r.code, 0, r.stderr);
    return readJson<Record<string, string>>(file);
  };
  const runs: [readonly string[], Keys][] = [
    [['--role', ROLE('trainer')], users.alice],
    [['--role', 'none'], users.bob],
    [[], users.alice],
  ];
  for (const [args, who] of runs) {
    const env = await envOf(args, who);
    for (const v of JOB_VARIABLES) assert.ok(env[v], `${v} is not set in a job run with \`${args.join(' ')}\``);
    assert.match(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(env['AWS_EC2_METADATA_DISABLED'], undefined, args.join(' '));
  }
  for (const [args, who] of runs) {
    const env = await envOf([...args, '--no-imds'], who);
    for (const v of JOB_VARIABLES) if (v !== 'AWS_EC2_METADATA_SERVICE_ENDPOINT') assert.ok(env[v], `${v} is not set in a job run with \`${args.join(' ')} --no-imds\``);
    assert.equal(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'], undefined);
    assert.equal(env['AWS_EC2_METADATA_DISABLED'], 'true');
  }
});

test('a role with the default MaxSessionDuration (1 h) still gets 3-hour job sessions; a longer maximum is used whole', async () => {
  const iam = new I.IAMClient({ endpoint: server.url, region: REGION, credentials: admin, maxAttempts: 1 });
  clients.push(iam);
  assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'trainer' }))).Role?.MaxSessionDuration, 3600);
  const H = 3600_000;
  for (const [role, hours] of [[ROLE('trainer'), 3], ['default', 12]] as const) {
    const submitted = await call<{ job: JobJson; capability: string }>(conn(users.alice), 'POST', ['jobs'], { body: { workspace: 'vision', role } });
    assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
    const { job, capability } = submitted.value;
    try {
      const t = Date.now();
      const r = await fetch(`${server.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
      assert.equal(r.status, 200);
      const real = Date.parse(r.headers.get('x-gatehouse-session-expiration') ?? '') - t;
      assert.ok(real > hours * H - 60_000 && real <= hours * H + 1000, `${role}: a session of ${real / H} h`);
      // What the Alibaba ECS provider is served: well over the 60 min under which it fetches on every call.
      const served = Date.parse(((await r.json()) as { Expiration: string }).Expiration) - t;
      assert.ok(served > 3 * H - 60_000, `${role}: served with ${served / H} h left`);
      const issued = (await eventsOf(job.id, users.alice)).filter((e) => e.type === 'credentials-issued');
      assert.equal(issued.length, 1);
    } finally {
      assert.ok((await call(conn(users.alice), 'POST', ['jobs', job.id, 'stop'])).ok);
    }
  }
});

test('every refused submit, through the CLI (stderr, exit 9) and POST /v1/jobs (403 AccessDenied), with its exact message; nothing is left behind', async () => {
  const before = await listIds();
  const marker = join(home, 'ran');
  const cmd = [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`];
  const user = (n: string) => `arn:aws:iam::${ACCT}:user/${n}`;
  const trustFix = `the trust policy of role ${ROLE('untrusted')} does not allow the training service training.gatehouse.dev to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"training.gatehouse.dev"}}`;
  const cases: { name: string; who: Keys; workspace?: string; role: string; message: string | RegExp }[] = [
    {
      name: 'submitter without PassRole',
      who: users.bob,
      role: ROLE('trainer'),
      message: new RegExp(`^check permission for ram role failed: ${user('bob')} is not allowed to perform iam:PassRole on ${ROLE('trainer')} \\(passed to training\\.gatehouse\\.dev\\): `.replace(/\//g, '\\/')),
    },
    // A role not there is refused as one alice may not pass: PassRole is decided before existence (review ag, 4;
    // `does not exist` is said to a caller allowed to pass it: test/jobs-review-ag4-submit-authorise-first.review.ts).
    {
      name: 'role missing',
      who: users.alice,
      role: ROLE('ghost'),
      message: new RegExp(`^check permission for ram role failed: ${user('alice')} is not allowed to perform iam:PassRole on ${ROLE('ghost')} \\(passed to training\\.gatehouse\\.dev\\): `.replace(/\//g, '\\/')),
    },
    { name: 'role of another account', who: users.alice, role: 'arn:aws:iam::111122223333:role/trainer', message: `check permission for ram role failed: role arn:aws:iam::111122223333:role/trainer does not exist in account ${ACCT} (a role of another account cannot be passed)` },
    { name: 'not a workspace member', who: users.carol, role: ROLE('trainer'), message: `check permission for sub user failed: ${user('carol')} is not a member of workspace vision` },
    { name: 'not a member, default role', who: users.carol, role: 'default', message: `check permission for sub user failed: ${user('carol')} is not a member of workspace vision` },
    {
      name: 'without training:CreateJob',
      who: users.dave,
      role: ROLE('trainer'),
      message: new RegExp(`^check permission for sub user failed: ${user('dave')} is not allowed to perform training:CreateJob on ${WS_ARN}: `.replace(/\//g, '\\/')),
    },
    // Likewise training:CreateJob before the workspace's existence (review ag, 4): alice may create jobs in vision only.
    {
      name: 'no such workspace',
      who: users.alice,
      workspace: 'nope',
      role: 'none',
      message: new RegExp(`^check permission for sub user failed: ${user('alice')} is not allowed to perform training:CreateJob on arn:aws:training::${ACCT}:workspace/nope: `.replace(/\//g, '\\/')),
    },
    { name: 'role does not trust the training service', who: users.alice, role: ROLE('untrusted'), message: `Failed to assume role for user: ${trustFix}` },
  ];
  const cli = await Promise.all(cases.map((c) => ghInProcess(['jobs', 'run', '--workspace', c.workspace ?? 'vision', '--role', c.role, '--', ...cmd], c.who)));
  for (const [i, c] of cases.entries()) {
    const r = cli[i] as Run;
    assert.equal(r.code, 9, `${c.name}: exit ${r.code}, ${r.stderr}`);
    const line = r.stderr.replace(/\n$/, '');
    assert.ok(!line.includes('\n'), `${c.name}: one line on stderr, got ${r.stderr}`);
    if (typeof c.message === 'string') assert.equal(line, c.message, c.name);
    else assert.match(line, c.message, c.name);
    const api = await call(conn(c.who), 'POST', ['jobs'], { body: { workspace: c.workspace ?? 'vision', role: c.role } });
    assert.ok(!api.ok, `${c.name}: the API accepted it`);
    assert.deepEqual([api.httpStatus, api.code, api.message], [403, 'AccessDenied', line], c.name);
  }
  // The messages name no secret and are the same whichever way the job was submitted; no job was written.
  assert.deepEqual(await listIds(), before);
  assert.equal(existsSync(marker), false, 'the command of a refused job ran');

  // One role per job: a second --role is a usage error, a list of roles an invalid request.
  const two = await ghInProcess(['jobs', 'run', '--workspace', 'vision', '--role', ROLE('trainer'), '--role', 'default', '--', ...cmd], users.alice);
  assert.equal(two.code, 2, two.stderr);
  assert.match(two.stderr, /a job has at most one role; give --role once/);
  const list = await call(conn(users.alice), 'POST', ['jobs'], { body: { workspace: 'vision', role: [ROLE('trainer'), 'default'] } });
  assert.ok(!list.ok);
  assert.deepEqual([list.httpStatus, list.message], [400, '`role` must be `default`, `none` or a role ARN (up to 2048 characters)']);
  assert.deepEqual(await listIds(), before);
  assert.equal(existsSync(marker), false);
});

test(`20-second sessions: a ${REFRESH_SECONDS}-second job polling GetCallerIdentity every 2 s through the default chain never fails and sees the key rotate; the events list each issuance`, async (t) => {
  const r = await refreshRun;
  const { calls } = await readJson<{ calls: { ok: boolean; keyId?: string; arn?: string; error?: string }[] }>(refreshOut);
  assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(calls.filter((c) => !c.ok))}`);
  assert.ok(calls.length >= (REFRESH_SECONDS / 2) * 0.8, `only ${calls.length} calls`);
  assert.deepEqual(calls.filter((c) => !c.ok), []);
  const id = jobIdOf(r);
  for (const c of calls) assert.equal(c.arn, `arn:aws:sts::${ACCT}:assumed-role/${DEFAULT_ROLE}/job-${id}`);
  const seen = [...new Set(calls.map((c) => c.keyId ?? ''))];
  assert.ok(seen.length >= 2, `one key for ${REFRESH_SECONDS} s of 20-second sessions: ${seen.join(', ')}`);
  const root = refreshServer.adminCredentials;
  assert.ok(root);
  const issued = (await eventsOf(id, keysOf(root), refreshServer)).filter((e) => e.type === 'credentials-issued');
  const issuedKeys = issued.map((e) => /\((ASIA[A-Z0-9]+)\)/.exec(e.message)?.[1]);
  for (const k of seen) assert.ok(issuedKeys.includes(k), `key ${k} was used but no issuance event names it: ${JSON.stringify(issued)}`);
  t.diagnostic(`${calls.length} calls, ${seen.length} keys seen, ${issued.length} issuances`);
  // Refreshed at about half-life (10 s ± 1 s): about one issuance per 10 s, not one per call.
  assert.ok(issued.length >= seen.length && issued.length <= REFRESH_SECONDS / 9 + 2, `${issued.length} issuances in ${REFRESH_SECONDS} s`);
});
