/**
 * Training jobs in an Alibaba-style (`acs`) account: every case of shared/examples/pai/README.md, with its
 * JSON files (copied to test/fixtures/jobs/pai/: the PassRole policy with `${RoleName}` replaced, the trust
 * policy before and after, `aaa` replaced by the account id), through the real CLI and `POST /v1/jobs`;
 * and the life of a job across its launcher's death and a server restart.
 *
 * The account is created with `gatehouse accounts create --id … --partition acs --json` by the root admin;
 * its admin key then sets it up through the IAM API (@aws-sdk/client-iam) and the admin REST.
 *
 * Lifecycle, on a second server (aws account, launcher heartbeat timeout shortened to 8 s through
 * `startServer({ jobHeartbeatTimeoutMs })`; the default stays 30 s): a job whose launcher is SIGKILLed is
 * marked Failed once the timeout passes, while a live job beside it stays Running; the server restarts on the
 * same data dir and ports; both records and their events are still there, the live job's process keeps
 * getting credentials from the new instance (container endpoint, and its own metadata port, opened again on the
 * same port) and ends Succeeded, and the sessions of both are refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo, GATEHOUSE_BIN, gatehouseCli, gatehouseCliEnv, keysOf, type Keys, type Run } from './support/processes.ts';

const PROBE = fileURLToPath(new URL('./fixtures/jobs/probe.ts', import.meta.url));
const PAI = (f: string) => fileURLToPath(new URL(`./fixtures/jobs/pai/${f}`, import.meta.url));
const ACS = '123456789012';
const REGION = 'us-east-1';
const ROLE = (name: string) => `acs:ram::${ACS}:role/${name}`;
const DEFAULT_ROLE = 'AliyunPAIDLCDefaultRole';
const HEARTBEAT_TIMEOUT_MS = 8_000;

interface JobJson {
  readonly id: string;
  readonly state: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly role: { readonly mode: string; readonly arn?: string };
}
interface EventJson {
  readonly type: string;
  readonly message: string;
}
interface Probe {
  pid: number;
  env: Record<string, string>;
  credentialVariables: string[];
  container: { accessKeyId: string; secretAccessKey: string; sessionToken: string; arn: string; error?: string };
  imds: { accessKeyId: string; arn: string; error?: string };
  alibabaDefault: { accessKeyId: string; arn: string; error?: string };
  alibabaUri: { accessKeyId: string; arn: string; error?: string };
  alibabaMetadata: { role: string; code: string; accessKeyId: string; error?: string };
  boto3: { method: string; accessKeyId: string; arn: string; error?: string; skipped?: string };
  file: { fields: string[]; mode: string; accessKeyId: string; arn: string; error?: string };
  endpoints: Record<string, { status: number; body: string }>;
}

let home: string;
const clients: { destroy(): void }[] = [];
const started: ChildProcess[] = [];

/** The real CLI as `who` against `at`. */
const gh = (at: RunningServer, args: readonly string[], who: Keys): Promise<Run> => gatehouseCli(args, who, { endpoint: at.url, home });
/**
 * `gh` in this process (test/support/gatehouse-cli.ts), for a command that starts no process of its own (an account
 * made, a submit the server refuses: its command would leave a marker file): a `gatehouse` process is 0.3 s of CPU.
 */
const ghInProcess = (at: RunningServer, args: readonly string[], who: Keys): Promise<Run> => gatehouseCliInProcess(args, who, { endpoint: at.url, home });

const jobIdOf = (r: Run): string => /gatehouse: job ([a-z0-9]+) /.exec(r.stderr)?.[1] ?? assert.fail(`no job id in: ${r.stderr}`);
const conn = (c: Keys, at: RunningServer): Connection => connectionTo(at.url, c, REGION);

async function identity(c: Keys, at: RunningServer): Promise<string> {
  const client = new STSClient({ endpoint: at.url, region: REGION, credentials: c, maxAttempts: 1 });
  clients.push(client);
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (e) {
    return `error ${(e as Error).name}`;
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

async function jobOf(at: RunningServer, who: Keys, id: string): Promise<JobJson> {
  const r = await call<JobJson>(conn(who, at), 'GET', ['jobs', id]);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

async function eventsOf(at: RunningServer, who: Keys, id: string): Promise<EventJson[]> {
  const r = await call<{ events: EventJson[] }>(conn(who, at), 'GET', ['jobs', id, 'events']);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value.events;
}

async function listIds(at: RunningServer, who: Keys): Promise<string[]> {
  const r = await call<{ jobs: JobJson[] }>(conn(who, at), 'GET', ['jobs']);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value.jobs.map((j) => j.id).sort();
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-jobs-pai-'));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  // The process groups of the detached launchers started here (a launcher and the ranks it left behind).
  for (const c of started) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (home) await rm(home, { recursive: true, force: true });
});

describe('an acs account, as shared/examples/pai/README.md', () => {
  let server: RunningServer;
  let root: Keys;
  let acsAdmin: Keys;
  const users: Record<'alice' | 'bob', Keys> = {} as never;
  let trainerJob: { id: string; probe: Probe } | undefined;

  before(async () => {
    server = await startServer({ dataDir: join(home, 'pai-data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
    assert.ok(server.adminCredentials);
    root = keysOf(server.adminCredentials);
    const created = await ghInProcess(server, ['accounts', 'create', '--id', ACS, '--partition', 'acs', '--name', 'pai', '--json'], root);
    assert.equal(created.code, 0, created.stderr);
    acsAdmin = keysOf(JSON.parse(created.stdout) as { AccessKeyId: string; SecretAccessKey: string });
    assert.match(acsAdmin.accessKeyId, /^LTAI/);

    const iam = new I.IAMClient({ endpoint: server.url, region: REGION, credentials: acsAdmin, maxAttempts: 1 });
    clients.push(iam);
    const trust = async (f: string) => (await readFile(PAI(f), 'utf8')).replaceAll('acs:ram::aaa:root', `acs:ram::${ACS}:root`);
    const passRole = async (role: string) => (await readFile(PAI('passrole-policy.json'), 'utf8')).replaceAll('${RoleName}', role);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: await trust('trust-policy-after.json') }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'data', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:trainer-data/*' }] }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer-before', AssumeRolePolicyDocument: await trust('trust-policy-before.json') }));
    const createJob = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }, { Effect: 'Allow', Action: 'odps:Read', Resource: 'acs:odps:*:*:projects/alice-tables/*' }] };
    for (const name of ['alice', 'bob'] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'jobs', PolicyDocument: JSON.stringify(createJob) }));
      users[name] = keysOf((await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey ?? {});
      assert.match(users[name].accessKeyId, /^LTAI/);
    }
    // alice has the PassRole policy for both roles; bob has none.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'passrole-trainer', PolicyDocument: await passRole('trainer') }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'passrole-trainer-before', PolicyDocument: await passRole('trainer-before') }));
    const ws = await call(conn(acsAdmin, server), 'PUT', ['workspaces', 'pai-ws'], { body: { members: [{ user: 'alice' }, { user: 'bob' }], defaultBucket: 'acs:oss:*:*:pai-data' } });
    assert.ok(ws.ok, ws.ok ? '' : ws.message);
  });

  after(async () => {
    await server?.stop();
  });

  test('--role acs:ram::<acct>:role/trainer, PassRole policy, trust-policy-after.json: runs with trainer’s credentials from every delivery endpoint', async (t) => {
    const out = await mkdtemp(join(home, 'trainer-'));
    const r = await gh(server, ['jobs', 'run', '--workspace', 'pai-ws', '--role', ROLE('trainer'), '--', process.execPath, PROBE, out, 'full'], users.alice);
    assert.equal(r.code, 0, r.stderr);
    const id = jobIdOf(r);
    const p = await readJson<Probe>(join(out, 'rank-0.json'));
    const arn = `acs:ram::${ACS}:role/trainer/job-${id}`;
    const keyId = p.container.accessKeyId;
    assert.match(keyId, /^STS\./, JSON.stringify(p.container));
    for (const [client, got] of Object.entries({ container: p.container, imds: p.imds, alibabaDefault: p.alibabaDefault, alibabaUri: p.alibabaUri, file: p.file })) {
      assert.equal(got.error, undefined, `${client}: ${got.error}`);
      assert.deepEqual([got.accessKeyId, got.arn], [keyId, arn], client);
    }
    assert.deepEqual([p.alibabaMetadata.role, p.alibabaMetadata.code, p.alibabaMetadata.accessKeyId], ['trainer', 'Success', keyId]);
    await t.test('boto3 from Debian, container provider', { skip: p.boto3.skipped ?? false }, () => {
      assert.deepEqual(p.boto3, { method: 'container-role', accessKeyId: keyId, arn });
    });
    assert.deepEqual(p.file.fields, ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
    assert.equal(p.file.mode, '600');
    assert.deepEqual(p.credentialVariables, []);
    trainerJob = { id, probe: p };
  });

  test('after the job ends: its credentials are refused, its endpoints answer 410', async () => {
    assert.ok(trainerJob, 'the trainer job ran');
    const { id, probe: p } = trainerJob;
    assert.equal(await identity({ accessKeyId: p.container.accessKeyId, secretAccessKey: p.container.secretAccessKey, sessionToken: p.container.sessionToken }, server), 'error ExpiredToken');
    const r = await fetch(p.env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
    assert.deepEqual([r.status, await r.json()], [410, { Code: 'JobEnded', Message: `job ${id} has ended` }]);
  });

  test('--role default, submitter a workspace member: its sessions reach only the default bucket, and tables exactly as the submitter', async () => {
    const out = await mkdtemp(join(home, 'default-'));
    const release = join(out, 'release');
    const running = gh(server, ['jobs', 'run', '--workspace', 'pai-ws', '--role', 'default', '--', process.execPath, PROBE, out, 'hold', release], users.bob);
    try {
      await waitFor(join(out, 'rank-0.json'));
      const p = await readJson<Probe>(join(out, 'rank-0.json'));
      assert.equal(p.container.error, undefined, p.container.error);
      assert.match(p.container.accessKeyId, /^STS\./);
      assert.equal(p.container.arn, `acs:ram::${ACS}:role/${DEFAULT_ROLE}/job-${p.env['GATEHOUSE_JOB_ID']}`);
      const job: Keys = { accessKeyId: p.container.accessKeyId, secretAccessKey: p.container.secretAccessKey, sessionToken: p.container.sessionToken };
      const decide = async (who: Keys, action: string, resource: string): Promise<string> => {
        const d = await call<{ decision: string }>(conn(who, server), 'POST', ['authorize'], { body: { action, resource } });
        assert.ok(d.ok, d.ok ? '' : d.message);
        return d.value.decision;
      };
      const cases: [string, string, string][] = [
        ['oss:GetObject', 'acs:oss:*:*:pai-data/train/0.tar', 'Allow'],
        ['oss:PutObject', 'acs:oss:*:*:pai-data/ckpt/1', 'Allow'],
        ['oss:GetObject', 'acs:oss:*:*:trainer-data/x', 'ImplicitDeny'],
        ['oss:GetObject', 'acs:oss:*:*:other-data/x', 'ImplicitDeny'],
        ['ram:ListUsers', `acs:ram::${ACS}:user/*`, 'ImplicitDeny'],
      ];
      for (const [action, resource, want] of cases) assert.equal(await decide(job, action, resource), want, `${action} on ${resource}`);
      const tables: [string, string][] = [
        ['odps:Read', 'acs:odps:*:*:projects/alice-tables/tables/t'],
        ['odps:Write', 'acs:odps:*:*:projects/alice-tables/tables/t'],
      ];
      // bob's policy names alice-tables for reading: so does his job, no more.
      const asBob = await Promise.all(tables.map(([a, res]) => decide(users.bob, a, res)));
      assert.deepEqual(asBob, ['Allow', 'ImplicitDeny']);
      assert.deepEqual(await Promise.all(tables.map(([a, res]) => decide(job, a, res))), asBob);
    } finally {
      await writeFile(release, '');
    }
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
  });

  test('--role none: runs; every credential endpoint answers that the job has no role', async () => {
    const out = await mkdtemp(join(home, 'none-'));
    const r = await gh(server, ['jobs', 'run', '--workspace', 'pai-ws', '--role', 'none', '--', process.execPath, PROBE, out, 'none'], users.alice);
    assert.equal(r.code, 0, r.stderr);
    const id = jobIdOf(r);
    const p = await readJson<Probe>(join(out, 'rank-0.json'));
    for (const [k, v] of Object.entries(p.endpoints)) {
      assert.equal(v.status, 404, k);
      assert.ok(v.body.includes(`job ${id} has no role`), `${k}: ${v.body}`);
    }
  });

  test('refusals: trust-policy-before.json (names pai.aliyuncs.com), no PassRole, no such role, two roles; no job left behind', async () => {
    const before = await listIds(server, acsAdmin);
    const marker = join(home, 'pai-ran');
    const cmd = [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`];
    const cases: { name: string; who: Keys; role: string; message: string | RegExp }[] = [
      {
        name: 'trust policy before',
        who: users.alice,
        role: ROLE('trainer-before'),
        message: `Failed to assume role for user: the trust policy of role ${ROLE('trainer-before')} does not allow the training service pai.aliyuncs.com to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["pai.aliyuncs.com"]}}`,
      },
      {
        name: 'submitter without PassRole',
        who: users.bob,
        role: ROLE('trainer'),
        message: new RegExp(`^check permission for ram role failed: acs:ram::${ACS}:user/bob is not allowed to perform ram:PassRole on acs:ram::${ACS}:role/trainer \\(passed to pai\\.aliyuncs\\.com\\): `),
      },
      // Refused as a role alice may not pass: ram:PassRole is decided before whether the role exists (review ag, 4), and
      // the platform's FAQ gives both causes under this one message.
      {
        name: 'role does not exist',
        who: users.alice,
        role: ROLE('ghost'),
        message: new RegExp(`^check permission for ram role failed: acs:ram::${ACS}:user/alice is not allowed to perform ram:PassRole on acs:ram::${ACS}:role/ghost \\(passed to pai\\.aliyuncs\\.com\\): `),
      },
    ];
    const cli = await Promise.all(cases.map((c) => ghInProcess(server, ['jobs', 'run', '--workspace', 'pai-ws', '--role', c.role, '--', ...cmd], c.who)));
    for (const [i, c] of cases.entries()) {
      const r = cli[i] as Run;
      assert.equal(r.code, 9, `${c.name}: exit ${r.code}, ${r.stderr}`);
      const line = r.stderr.replace(/\n$/, '');
      if (typeof c.message === 'string') assert.equal(line, c.message, c.name);
      else assert.match(line, c.message, c.name);
      const api = await call(conn(c.who, server), 'POST', ['jobs'], { body: { workspace: 'pai-ws', role: c.role } });
      assert.ok(!api.ok, c.name);
      assert.deepEqual([api.httpStatus, api.code, api.message], [403, 'AccessDenied', line], c.name);
    }
    const two = await ghInProcess(server, ['jobs', 'run', '--workspace', 'pai-ws', '--role', ROLE('trainer'), '--role', ROLE('trainer-before'), '--', ...cmd], users.alice);
    assert.equal(two.code, 2, two.stderr);
    assert.match(two.stderr, /a job has at most one role/);
    assert.deepEqual(await listIds(server, acsAdmin), before);
    assert.equal(existsSync(marker), false, 'the command of a refused job ran');
  });
});

describe('lifecycle: a launcher killed, a server restarted', () => {
  test('SIGKILLed launcher → Failed after the heartbeat timeout; records survive a restart; a live job keeps its credentials across it', async (t) => {
    const dataDir = join(home, 'life-data');
    // The first start binds ephemeral ports; the restart binds the same ones (a port asked for free and released
    // first could be taken by anything in between).
    let listen = '127.0.0.1:0';
    let agentListen = '127.0.0.1:0';
    const start = () => startServer({ dataDir, listen, agentListen, env: {}, log: () => {}, jobHeartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
    let server = await start();
    listen = new URL(server.url).host;
    agentListen = new URL(server.agentUrl).host;
    assert.ok(server.adminCredentials);
    const admin = keysOf(server.adminCredentials);
    let liveRelease: string | undefined;
    try {
      const ws = await call(conn(admin, server), 'PUT', ['workspaces', 'life'], { body: { members: [{ user: 'admin' }] } });
      assert.ok(ws.ok);

      // Two live jobs: `live` keeps its launcher; `lost` has its launcher SIGKILLed (its rank is left behind, as a
      // machine's processes are when the launcher dies).
      const liveOut = await mkdtemp(join(home, 'live-'));
      liveRelease = join(liveOut, 'release');
      const lostOut = await mkdtemp(join(home, 'lost-'));
      const live = gh(server, ['jobs', 'run', '--workspace', 'life', '--', process.execPath, PROBE, liveOut, 'hold', join(liveOut, 'release')], admin);
      const lost = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'life', '--', process.execPath, PROBE, lostOut, 'hold', join(lostOut, 'release')], { env: gatehouseCliEnv(admin, { endpoint: server.url, home }), stdio: 'ignore', detached: true });
      started.push(lost);
      await Promise.all([waitFor(join(liveOut, 'rank-0.json')), waitFor(join(lostOut, 'rank-0.json'))]);
      const liveProbe = await readJson<Probe>(join(liveOut, 'rank-0.json'));
      const lostProbe = await readJson<Probe>(join(lostOut, 'rank-0.json'));
      const liveId = liveProbe.env['GATEHOUSE_JOB_ID'] ?? '';
      const lostId = lostProbe.env['GATEHOUSE_JOB_ID'] ?? '';
      const keys = (p: Probe): Keys => ({ accessKeyId: p.container.accessKeyId, secretAccessKey: p.container.secretAccessKey, sessionToken: p.container.sessionToken });

      process.kill(lost.pid ?? 0, 'SIGKILL');
      const killedAt = Date.now();
      let lostJob = await jobOf(server, admin, lostId);
      while (lostJob.state === 'Running' && Date.now() - killedAt < HEARTBEAT_TIMEOUT_MS * 3) {
        await new Promise((r) => setTimeout(r, 250));
        lostJob = await jobOf(server, admin, lostId);
      }
      const tookMs = Date.now() - killedAt;
      t.diagnostic(`marked Failed ${tookMs} ms after SIGKILL (timeout ${HEARTBEAT_TIMEOUT_MS} ms)`);
      assert.equal(lostJob.state, 'Failed');
      assert.equal(lostJob.reason, 'the job’s process is gone (no heartbeat from its launcher)');
      assert.ok(tookMs >= HEARTBEAT_TIMEOUT_MS - 5_000, `Failed after only ${tookMs} ms`);
      assert.match(await identity(keys(lostProbe), server), /^error ExpiredToken/);
      // The live job's launcher kept beating: still Running.
      assert.equal((await jobOf(server, admin, liveId)).state, 'Running');

      // Restart on the same data dir and ports.
      await server.stop();
      server = await start();
      assert.equal(server.adminCredentials, undefined, 'a restart is not a first start');
      assert.deepEqual(await listIds(server, admin), [liveId, lostId].sort());
      assert.equal((await jobOf(server, admin, lostId)).state, 'Failed');
      assert.equal((await jobOf(server, admin, liveId)).state, 'Running');
      const lostEvents = await eventsOf(server, admin, lostId);
      assert.deepEqual(lostEvents.map((e) => e.type), ['submitted', 'started', 'credentials-issued', 'ended']);
      assert.match(await identity(keys(lostProbe), server), /^error ExpiredToken/, 'the revocation survives the restart');
      // An aws account's job reads its Alibaba URI on its own metadata endpoint since review tv, 2 (no capability in
      // the URI): the instance that restarted opens that endpoint again only for a job that still runs.
      const lostUri = new URL(lostProbe.env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
      assert.notEqual(lostUri.host, new URL(server.agentUrl).host, 'on the job\'s own endpoint, not the agent port');
      const gone = await fetch(lostUri).then((r) => `status ${r.status}`, (e: unknown) => String((e as { cause?: { code?: string } }).cause?.code));
      assert.equal(gone, 'ECONNREFUSED', 'the ended job\'s endpoint is not opened again');

      // The live job's process reads its credentials again, from the new instance; then it ends.
      await writeFile(join(liveOut, 'release'), '');
      const done = await live;
      assert.equal(done.code, 0, done.stderr);
      const again = await readJson<Keys & { arn: string; error?: string; imds: { arn: string; error?: string } }>(join(liveOut, 'rank-0.after.json'));
      assert.equal(again.error, undefined, again.error);
      assert.equal(again.arn, `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${liveId}`);
      // The job's own metadata port (AWS_EC2_METADATA_SERVICE_ENDPOINT) was opened again by the new instance.
      assert.equal(again.imds.error, undefined, again.imds.error);
      assert.equal(again.imds.arn, again.arn);
      const liveJob = await jobOf(server, admin, liveId);
      assert.deepEqual([liveJob.state, liveJob.exitCode], ['Succeeded', 0]);
      assert.match(await identity(keys(liveProbe), server), /^error ExpiredToken/);
      assert.match(await identity(again, server), /^error ExpiredToken/);
      // The orphaned rank of the lost job is still waiting for its release: end it.
      if (lostProbe.pid) process.kill(lostProbe.pid, 'SIGKILL');
    } finally {
      // Whatever failed above, the live job's rank is not left waiting for its release.
      if (liveRelease !== undefined) await writeFile(liveRelease, '').catch(() => undefined);
      await server.stop();
    }
  });
});
