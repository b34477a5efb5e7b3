/**
 * A file's world for the tests of what a job's credential endpoints answer as its role changes (reviews kb1, km2): a
 * real server with the node agent's listener in a temporary home, the admin a member of workspace `w`, started before
 * the file's tests and stopped after them, with a node agent (a relay) a test may start, closed with it.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { createRelay, type Relay } from '../../src/adapters/agent/relay.ts';
import { call, type Connection } from '../../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../../src/main/server.ts';
import { connectionTo, keysOf } from './processes.ts';
import { sqliteTestEnv } from './server.ts';

export interface JobRoleWorld {
  readonly server: RunningServer;
  /** The admin's CLI connection and IAM client. */
  readonly conn: Connection;
  readonly iam: IAMClient;
  readonly account: string;
  /** Makes role `name` with trust policy `trust` (JSON) and submits a job in `w` with it: the job's id and capability. */
  jobWithRole(name: string, trust: string): Promise<{ id: string; capability: string }>;
  /** Starts a node agent relaying to the server's agent listener (revalidating at once); its base URL. */
  nodeAgent(): Promise<string>;
}

/** A trust policy letting `service` assume the role. */
export const trustOf = (service: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** The world of the file it is called in (its hooks registered there); each field set once `before` has run. */
export function jobRoleWorld(label: string): JobRoleWorld {
  let home = '';
  let server: RunningServer | undefined;
  let conn: Connection | undefined;
  let iam: IAMClient | undefined;
  let account = '';
  const relays: Relay[] = [];
  before(async () => {
    home = await mkdtemp(join(tmpdir(), `gh-${label}-`));
    server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: sqliteTestEnv({}), log: () => {} });
    assert.ok(server.adminCredentials);
    account = server.adminCredentials.AccountId;
    const keys = keysOf(server.adminCredentials);
    conn = connectionTo(server.url, keys);
    iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  });
  after(async () => {
    iam?.destroy();
    for (const r of relays) await r.close();
    await server?.stop();
    if (home !== '') await rm(home, { recursive: true, force: true });
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('the job-role world is not started: read before its file began');
    return x;
  };
  const world: JobRoleWorld = {
    get server() {
      return started(server);
    },
    get conn() {
      return started(conn);
    },
    get iam() {
      return started(iam);
    },
    get account() {
      return started(account === '' ? undefined : account);
    },
    async jobWithRole(name, trust) {
      await world.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      const r = await call<{ job: { id: string }; capability: string }>(world.conn, 'POST', ['jobs'], { body: { workspace: 'w', role: `arn:aws:iam::${world.account}:role/${name}`, imds: false } });
      assert.ok(r.ok, JSON.stringify(r));
      return { id: r.value.job.id, capability: r.value.capability };
    },
    async nodeAgent() {
      const relay = createRelay({ upstream: world.server.agentUrl ?? '', revalidateMs: 1 });
      relays.push(relay);
      return `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
    },
  };
  return world;
}

/** What the AWS SDK v3 container provider gets at `base` for `capability`: its credentials, or its error's Code and Message. */
export async function containerCredentials(base: string, capability: string): Promise<{ ok: true; credentials: Awaited<ReturnType<ReturnType<typeof fromHttp>>> } | { ok: false; said: string }> {
  try {
    return { ok: true, credentials: await fromHttp({ awsContainerCredentialsFullUri: `${base}/v1/container-credentials`, awsContainerAuthorizationToken: capability, maxRetries: 0 })() };
  } catch (e) {
    // The container provider copies a 4xx answer's `Code` and `Message` onto its error.
    const x = e as { Code?: string; Message?: string; message: string };
    return { ok: false, said: `no credentials: ${x.Code ?? ''} ${x.Message ?? x.message}` };
  }
}
