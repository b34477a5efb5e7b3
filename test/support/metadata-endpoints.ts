/**
 * The metadata-endpoint suites' world (reviews A 1 and af 2): a server in a temporary home, with the node agent's
 * listener; a default-role job of the root admin in workspace `w`, launched as this process's uid; and the job's two
 * metadata endpoints, the server's and the one a node agent (a relay) opens for it.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { call } from '../../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../../src/main/server.ts';
import { connectionTo, keysOf } from './processes.ts';
import { sqliteTestEnv } from './server.ts';

/** Each cloud's segment of the credentials path (`/latest/meta-data/<it>/security-credentials/`) and its token header. */
export const METADATA_CLOUDS = [
  ['iam', 'x-aws-ec2-metadata-token'],
  ['ram', 'x-aliyun-ecs-metadata-token'],
] as const;

export interface JobMetadataEndpoints {
  /** The temporary home (the server's data dir is `data` in it). */
  readonly home: string;
  /** The server's metadata endpoint of the job, and the node agent's. */
  readonly endpoints: readonly { readonly name: string; readonly url: string }[];
  /** The access key id of the job's session, as its container endpoint answers it. */
  readonly keyId: string;
}

/**
 * Registers, in the file it is called in, a `before` that sets that world up (the home named `prefix…`; the relay's
 * upstream what `upstream` makes of the job's environment and the server) and hands it to `ready`, and an `after`
 * that closes the relay, stops the server and removes the home. With `opts.roleName` the job runs as a role of that
 * name, made first (trusting the training service), instead of the default role.
 */
export function jobMetadataEndpoints(prefix: string, upstream: (env: Readonly<Record<string, string>>, server: RunningServer) => string, ready: (world: JobMetadataEndpoints) => void, opts: { readonly roleName?: string } = {}): void {
  let home: string | undefined;
  let server: RunningServer | undefined;
  let relay: Relay | undefined;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), prefix));
    server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: sqliteTestEnv({}), log: () => {} });
    assert.ok(server.adminCredentials);
    const conn = connectionTo(server.url, keysOf(server.adminCredentials));
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    let role = 'default';
    if (opts.roleName !== undefined) {
      const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: keysOf(server.adminCredentials), maxAttempts: 1 });
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } }] });
      role = (await iam.send(new CreateRoleCommand({ RoleName: opts.roleName, AssumeRolePolicyDocument: trust }))).Role?.Arn ?? '';
      iam.destroy();
    }
    const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role, launcherUid: process.getuid?.() ?? 0 } });
    assert.ok(r.ok, JSON.stringify(r));
    const env = r.value.environment;
    const endpoints = [{ name: 'server', url: env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '' }];
    const container = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: r.value.capability } });
    const keyId = ((await container.json()) as { AccessKeyId: string }).AccessKeyId;
    relay = createRelay({ upstream: upstream(env, server), revalidateMs: 60_000 });
    const at = await relay.listen('127.0.0.1', 0);
    const opened = await fetch(`http://127.0.0.1:${at.port}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: r.value.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
    assert.equal(opened.status, 200);
    endpoints.push({ name: 'node agent', url: `http://127.0.0.1:${((await opened.json()) as { port: number }).port}` });
    ready({ home, endpoints, keyId });
  });
  after(async () => {
    await relay?.close();
    await server?.stop();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });
}
