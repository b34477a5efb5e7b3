/**
 * The world of the `gatehouse jobs run` suites: a real server (with the node agent's listener) in a temporary home,
 * a role `trainer` that training jobs may assume, a user `alice` allowed `training:*` and to pass `trainer`, with
 * an access key, and a workspace `vision` she is a member of. `close()` stops the server and removes the home.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../../src/main/server.ts';
import { gatehouseInProcess } from './gatehouse-cli.ts';
import { gatehouseJson } from './resource-server.ts';
import { sqliteTestEnv, startTestServer, type TestServer } from './server.ts';

export const ROLE_ARN = 'arn:aws:iam::000000000000:role/trainer';

export interface JobsWorld {
  /** The temporary directory holding the server's data dir (`data`) and whatever the suite puts there. */
  readonly home: string;
  readonly server: RunningServer;
  /** The root admin's access key and a CLI connection signed with it. */
  readonly adminKeys: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly admin: Connection;
  /** alice's access key. */
  readonly alice: { readonly accessKeyId: string; readonly secretAccessKey: string };
  close(): Promise<void>;
}

/** `prefix`: the temporary home's name prefix (`gh-…-`), so a leftover directory says which suite left it. */
export async function startJobsWorld(prefix: string): Promise<JobsWorld> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: sqliteTestEnv({ ...process.env }), log: () => {} });
  const close = async (): Promise<void> => {
    await server.stop();
    await rm(home, { recursive: true, force: true });
  };
  try {
    const a = server.adminCredentials;
    assert.ok(a);
    const adminKeys = { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey };
    const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: adminKeys });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:*'], Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE_ARN }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'submit', PolicyDocument: JSON.stringify(allow) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    const alice = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    iam.destroy();
    const admin: Connection = { endpoint: new URL(server.url), credentials: adminKeys, region: 'us-east-1', credentialsSource: 'test' };
    const ws = await call(admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'alice' }] } });
    assert.ok(ws.ok, 'workspace vision created');
    return { home, server, adminKeys, admin, alice, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * A smaller world, for the suites of `jobs run` that need no role: a test server whose root admin is a member of
 * workspace `w`, and a temporary home for the CLI's processes (`prefix` names it). `stop()` stops and removes both.
 * `jobHeartbeatTimeoutMs`: how long the server waits for a launcher's heartbeat before it marks the job Failed.
 */
export interface WorkspaceServer {
  readonly server: TestServer;
  readonly home: string;
  stop(): Promise<void>;
}

export async function startWorkspaceServer(prefix: string, options: { jobHeartbeatTimeoutMs?: number } = {}): Promise<WorkspaceServer> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const server = await startTestServer(options);
  const stop = async (): Promise<void> => {
    await server.stop();
    await rm(home, { recursive: true, force: true });
  };
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  if (ws.status !== 200) {
    await stop();
    throw new Error(`PUT /v1/workspaces/w answered ${ws.status}: ${JSON.stringify(ws.json)}`);
  }
  return { server, home, stop };
}

/** The state of job `id` (`Running`, `Failed`, …) as `conn`'s caller reads it through the admin API. */
export async function jobState(conn: Connection, id: string): Promise<string> {
  const r = await call<{ state: string }>(conn, 'GET', ['jobs', id]);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.state;
}

/**
 * The environment a rank of `gatehouse jobs run --role none` sees when the caller's environment holds `callerEnv`
 * beside the admin's keys, the server's endpoint and `HARMLESS=kept` (a variable that must reach it): the rank writes
 * its `process.env` to a file in `home`. Fails the test when the run does not exit 0.
 */
export async function rankEnvironment(world: { server: TestServer; home: string }, callerEnv: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const out = join(world.home, 'env.json');
  const rank = `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`;
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', process.execPath, '-e', rank], {
    HOME: world.home,
    TMPDIR: world.home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: world.server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: world.server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: world.server.url,
    HARMLESS: 'kept',
    ...callerEnv,
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
}
