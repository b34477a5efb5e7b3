/**
 * `gatehouse sts|users|keys|credentials` (DESIGN.md "Revocation CLI") run as the CLI's program in this process
 * (test/support/gatehouse-cli.ts: the executable's code, its environment and output) against a real server on 127.0.0.1: temporary credentials as shell
 * exports and JSON, whoami, revocation by role, session ARN and job — each refused by the server within one
 * second, observed with @aws-sdk/client-sts polling GetCallerIdentity until ExpiredToken —, disabling and
 * enabling a user, key rotation that keeps older sessions valid, the AWS way of revoking (an inline policy
 * denying tokens issued before a date), refusals with their exit statuses, and `--help`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const ACCT = '000000000000';
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/trainer`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let server: TestServer;
let home: string;
let alice: Credentials;
let bob: Credentials;

/** The CLI with no inherited AWS settings: `creds` in the environment, else the server's admin-credentials.json. */
function gh(args: readonly string[], creds?: Credentials): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  if (creds) {
    env['AWS_ACCESS_KEY_ID'] = creds.accessKeyId;
    env['AWS_SECRET_ACCESS_KEY'] = creds.secretAccessKey;
    if (creds.sessionToken !== undefined) env['AWS_SESSION_TOKEN'] = creds.sessionToken;
  }
  const where = creds ? ['--endpoint', server.url] : ['--data-dir', server.dataDir];
  const withServer = args.includes('--help') ? args : [...args, ...where];
  return gatehouseInProcess(withServer, env);
}

function ok(r: Run): string {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function identity(c: Credentials): Promise<string> {
  const out = await server.sts(c).send(new GetCallerIdentityCommand({}));
  return out.Arn ?? '';
}

/** Polls GetCallerIdentity until the credentials are refused as expired; milliseconds taken (Infinity past 3 s). */
async function msUntilExpired(c: Credentials, since = performance.now(), sts = server.sts(c)): Promise<number> {
  for (;;) {
    const name = await errorName(sts.send(new GetCallerIdentityCommand({})));
    const elapsed = performance.now() - since;
    if (/^ExpiredToken/.test(name)) return elapsed;
    assert.equal(name, 'no error', 'a session is either valid or expired, never refused otherwise');
    if (elapsed > 3000) return Infinity;
    await sleep(20);
  }
}

async function assume(c: Credentials, name: string, roleArn = ROLE_ARN): Promise<Credentials> {
  const out = await server.sts(c).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name }));
  return { accessKeyId: out.Credentials?.AccessKeyId ?? '', secretAccessKey: out.Credentials?.SecretAccessKey ?? '', sessionToken: out.Credentials?.SessionToken ?? '' };
}

/** Shell exports (`export NAME=value` lines) into a map. */
function exportsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    assert.ok(m, `not an export line: ${line}`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-sts-admin-'));
  server = await startTestServer();
  const iam = server.iam();
  for (const name of ['alice', 'bob']) await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:GetSessionToken'], Resource: '*' }) }));
  const key = async (UserName: string): Promise<Credentials> => {
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName }));
    return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  };
  alice = await key('alice');
  bob = await key('bob');
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'list', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'job-runner', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('gatehouse sts assume-role and whoami', () => {
  it('prints shell exports whose credentials are the assumed role (sts whoami, GetCallerIdentity)', async () => {
    const r = await gh(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'alice-shell', '--duration-seconds', '900'], alice);
    const vars = exportsOf(ok(r));
    assert.deepEqual(Object.keys(vars), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
    assert.match(vars['AWS_ACCESS_KEY_ID'] ?? '', /^ASIA/);
    const session: Credentials = { accessKeyId: vars['AWS_ACCESS_KEY_ID'] ?? '', secretAccessKey: vars['AWS_SECRET_ACCESS_KEY'] ?? '', sessionToken: vars['AWS_SESSION_TOKEN'] ?? '' };
    const arn = `arn:aws:sts::${ACCT}:assumed-role/trainer/alice-shell`;
    assert.equal(await identity(session), arn);
    const who = JSON.parse(ok(await gh(['sts', 'whoami', '--json'], session))) as Record<string, string>;
    assert.deepEqual(Object.keys(who), ['UserId', 'Account', 'Arn']);
    assert.equal(who['Arn'], arn);
    assert.equal(who['Account'], ACCT);
    assert.match(who['UserId'] ?? '', /^AROA.*:alice-shell$/);
  });

  it('--json answers as `aws sts assume-role`; whoami names the user', async () => {
    const [r, w] = await Promise.all([gh(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'alice-json', '--json'], alice), gh(['sts', 'whoami'], alice)]);
    const out = JSON.parse(ok(r)) as { Credentials: Record<string, string>; AssumedRoleUser: Record<string, string> };
    assert.deepEqual(Object.keys(out.Credentials), ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.match(out.Credentials['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(out.Credentials['Expiration'] ?? '') - Date.now() - 3600_000) < 60_000, 'default duration one hour');
    assert.equal(out.AssumedRoleUser['Arn'], `arn:aws:sts::${ACCT}:assumed-role/trainer/alice-json`);
    assert.match(ok(w), new RegExp(`^arn:aws:iam::${ACCT}:user/alice\\n`));
  });

  it('refusals: not allowed (9), invalid session name (8), no such option (2), missing option (2)', async () => {
    const [denied, invalid, unknown, missing] = await Promise.all([
      gh(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'bob-s'], bob),
      gh(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'a b'], alice),
      gh(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'x1', '--colour'], alice),
      gh(['sts', 'assume-role', '--role-arn', ROLE_ARN], alice),
    ]);
    assert.equal(denied.code, 9, denied.stderr);
    assert.match(denied.stderr, /AccessDenied: User: arn:aws:iam::000000000000:user\/bob is not authorized to perform: sts:AssumeRole/);
    assert.equal(denied.stdout, '');
    assert.equal(invalid.code, 8, invalid.stderr);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /--role-session-name/);
  });

  it('--help of every command exits 0 and shows its options', async () => {
    const cases: [string[], RegExp][] = [
      [['sts', 'assume-role', '--help'], /--role-session-name/],
      [['sts', 'whoami', '--help'], /get-caller-identity/],
      [['sts', 'revoke-sessions', '--help'], /--session-arn/],
      [['users', 'disable', '--help'], /iam:UpdateUser/],
      [['users', 'enable', '--help'], /iam:UpdateUser/],
      [['keys', 'rotate', '--help'], /RotateKeys/],
      [['credentials', '--help'], /credential_process/],
    ];
    const runs = await Promise.all(cases.map(([args]) => gh(args)));
    runs.forEach((r, i) => {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, cases[i]?.[1] as RegExp);
    });
  });
});

describe('gatehouse sts revoke-sessions', () => {
  it('--role-arn: every earlier session of the role is refused within a second; a later one works', async () => {
    const [a, b] = await Promise.all([assume(alice, 'r1'), assume(server.admin, 'r2')]);
    assert.match(await identity(a), /assumed-role\/trainer\/r1$/);
    const r = await gh(['sts', 'revoke-sessions', '--role-arn', ROLE_ARN]);
    const since = performance.now();
    assert.match(ok(r), /^revoked every session of role arn:aws:iam::000000000000:role\/trainer issued before \d{4}-/);
    const [ta, tb] = await Promise.all([msUntilExpired(a, since), msUntilExpired(b, since)]);
    assert.ok(ta < 1000 && tb < 1000, `refused after ${ta} and ${tb} ms`);
    await sleep(5);
    const c = await assume(alice, 'r3');
    assert.match(await identity(c), /assumed-role\/trainer\/r3$/);
  });

  it('through one instance, enforced by another instance of the deployment within a second', async () => {
    // A second server on the same data dir: same store, same master key, its own memory.
    const other = await startServer({ dataDir: server.dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
    const s = await assume(alice, 'elsewhere');
    const client = new STSClient({ endpoint: other.url, region: REGION, credentials: s, maxAttempts: 1 });
    try {
      assert.match((await client.send(new GetCallerIdentityCommand({}))).Arn ?? '', /assumed-role\/trainer\/elsewhere$/);
      const r = await gh(['sts', 'revoke-sessions', '--session-arn', `arn:aws:sts::${ACCT}:assumed-role/trainer/elsewhere`]);
      const since = performance.now();
      ok(r);
      const ms = await msUntilExpired(s, since, client);
      assert.ok(ms < 1000, `refused by the other instance after ${ms} ms`);
    } finally {
      client.destroy();
      await other.stop();
    }
  });

  it('--session-arn: that session only', async () => {
    const [s1, s2] = await Promise.all([assume(alice, 'one'), assume(alice, 'two')]);
    const r = await gh(['sts', 'revoke-sessions', '--session-arn', `arn:aws:sts::${ACCT}:assumed-role/trainer/one`, '--json']);
    const since = performance.now();
    const out = JSON.parse(ok(r)) as Record<string, string>;
    assert.equal(out['kind'], 'session');
    assert.equal(out['target'], `arn:aws:sts::${ACCT}:assumed-role/trainer/one`);
    assert.ok((await msUntilExpired(s1, since)) < 1000);
    assert.match(await identity(s2), /assumed-role\/trainer\/two$/);
  });

  it('--job: the sessions the job was given', async () => {
    const conn = { endpoint: new URL(server.url), credentials: server.admin, region: REGION, credentialsSource: 'test' };
    const ws = await call(conn, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(ws.ok, JSON.stringify(ws));
    const submitted = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], {
      body: { workspace: 'vision', role: `arn:aws:iam::${ACCT}:role/job-runner` },
    });
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const { job, capability, environment } = submitted.value;
    const res = await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: capability } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    const session: Credentials = { accessKeyId: body['AccessKeyId'] ?? '', secretAccessKey: body['SecretAccessKey'] ?? '', sessionToken: body['Token'] ?? '' };
    assert.match(await identity(session), new RegExp(`assumed-role/job-runner/`));
    // Bob neither submitted the job nor may stop it.
    const denied = await gh(['sts', 'revoke-sessions', '--job', job.id], bob);
    assert.equal(denied.code, 9, denied.stderr);
    assert.match(denied.stderr, /training:StopJob/);
    const r = await gh(['sts', 'revoke-sessions', '--job', job.id]);
    const since = performance.now();
    assert.match(ok(r), new RegExp(`^revoked the sessions of job ${job.id} issued before`));
    assert.ok((await msUntilExpired(session, since)) < 1000);
    const missing = await gh(['sts', 'revoke-sessions', '--job', 'nosuchjob']);
    assert.equal(missing.code, 6, missing.stderr);
  });

  it('refusals: not allowed (9), no such role (6), not an ARN (8), not exactly one target (2), another account (9)', async () => {
    const [denied, missing, notArn, none, two, foreign] = await Promise.all([
      gh(['sts', 'revoke-sessions', '--role-arn', ROLE_ARN], bob),
      gh(['sts', 'revoke-sessions', '--role-arn', `arn:aws:iam::${ACCT}:role/ghost`]),
      gh(['sts', 'revoke-sessions', '--session-arn', 'arn:aws:iam::000000000000:role/trainer']),
      gh(['sts', 'revoke-sessions']),
      gh(['sts', 'revoke-sessions', '--role-arn', ROLE_ARN, '--job', 'x']),
      gh(['sts', 'revoke-sessions', '--role-arn', 'arn:aws:iam::123456789012:role/trainer']),
    ]);
    assert.equal(denied.code, 9, denied.stderr);
    assert.match(denied.stderr, /iam:PutRolePolicy on resource: arn:aws:iam::000000000000:role\/trainer/);
    assert.equal(missing.code, 6, missing.stderr);
    assert.equal(notArn.code, 8, notArn.stderr);
    assert.equal(none.code, 2, none.stderr);
    assert.equal(two.code, 2, two.stderr);
    assert.equal(foreign.code, 9, foreign.stderr);
  });

  it('the AWS way: an inline policy denying tokens issued before a date', async () => {
    const s = await assume(alice, 'aws-way');
    const list = (c: Credentials) => errorName(server.iam(c).send(new I.ListUsersCommand({})));
    assert.equal(await list(s), 'no error');
    await sleep(1100); // aws:TokenIssueTime has second precision
    const cutoff = new Date(Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await server.iam().send(
      new I.PutRolePolicyCommand({
        RoleName: 'trainer',
        PolicyName: 'AWSRevokeOlderSessions',
        PolicyDocument: doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } }),
      }),
    );
    // The policy reaches the checks within a second: asked until it has, to a bound of time (settle.ts), not 50 tries.
    const name = await settled(() => list(s), (n) => n === 'AccessDeniedException' || n === 'AccessDenied', SETTLE_MS, 20);
    assert.match(name, /^AccessDenied/);
    await sleep(1100);
    assert.equal(await list(await assume(alice, 'aws-way-2')), 'no error');
    await server.iam().send(new I.DeleteRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'AWSRevokeOlderSessions' }));
  });
});

describe('gatehouse users disable|enable', () => {
  it('a disabled user is refused (long-term key and its session tokens); enabled again, its key works, old tokens stay revoked', async () => {
    const carol = await server.iam().send(new I.CreateUserCommand({ UserName: 'Carol' })).then(() => server.iam().send(new I.CreateAccessKeyCommand({ UserName: 'Carol' })));
    const key: Credentials = { accessKeyId: carol.AccessKey?.AccessKeyId ?? '', secretAccessKey: carol.AccessKey?.SecretAccessKey ?? '' };
    const t = await server.sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const token: Credentials = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
    assert.equal(await identity(token), `arn:aws:iam::${ACCT}:user/Carol`);

    const r = await gh(['users', 'disable', 'carol', '--json']);
    const since = performance.now();
    const out = JSON.parse(ok(r)) as { user: { name: string; disabled: boolean }; revoked: { kind: string; target: string } };
    assert.equal(out.user.disabled, true);
    assert.deepEqual([out.revoked.kind, out.revoked.target], ['user', `${ACCT}/carol`]);
    assert.ok((await msUntilExpired(token, since)) < 1000);
    assert.equal(await errorName(server.sts(key).send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    const viaCli = await gh(['sts', 'whoami'], key);
    assert.equal(viaCli.code, 9, viaCli.stderr);

    assert.match(ok(await gh(['users', 'enable', 'Carol'])), /^user Carol enabled/);
    assert.equal(await identity(key), `arn:aws:iam::${ACCT}:user/Carol`);
    assert.match(await errorName(server.sts(token).send(new GetCallerIdentityCommand({}))), /^ExpiredToken/);
  });

  it('refusals: not allowed (9), no such user (6), oneself (8)', async () => {
    const [denied, missing, self] = await Promise.all([gh(['users', 'disable', 'alice'], bob), gh(['users', 'disable', 'nobody']), gh(['users', 'disable', 'admin'])]);
    assert.equal(denied.code, 9, denied.stderr);
    assert.match(denied.stderr, /iam:UpdateUser/);
    assert.equal(missing.code, 6, missing.stderr);
    assert.equal(self.code, 8, self.stderr);
    assert.equal(await identity(alice), `arn:aws:iam::${ACCT}:user/alice`);
  });
});

describe('gatehouse keys rotate', () => {
  it('a new key seals new sessions; sessions sealed by older keys stay valid', async () => {
    const before = await assume(alice, 'pre-rotation');
    const first = JSON.parse(ok(await gh(['keys', 'rotate', '--json']))) as { keyId: string; retiredKeys: number };
    const second = JSON.parse(ok(await gh(['keys', 'rotate', '--json']))) as { keyId: string; retiredKeys: number };
    assert.notEqual(first.keyId, second.keyId);
    assert.ok(second.retiredKeys >= 2);
    const afterwards = await assume(alice, 'post-rotation');
    assert.match(await identity(before), /pre-rotation$/);
    assert.match(await identity(afterwards), /post-rotation$/);
  });

  it('only root-account principals allowed gatehouse:RotateKeys', async () => {
    const r = await gh(['keys', 'rotate'], alice);
    assert.equal(r.code, 9, r.stderr);
    assert.match(r.stderr, /gatehouse:RotateKeys/);
  });
});
