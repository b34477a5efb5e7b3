/**
 * Review hu, 1: a job's own metadata endpoint was switched off in its ranks by the caller's shell. `jobs run` passes
 * the caller's environment on to the ranks minus the credential variables, and `AWS_EC2_METADATA_DISABLED=true` (set on
 * many laptops and CI runners so that the AWS tools do not wait for 169.254.169.254) is not one: it reached every
 * rank beside the job's `AWS_EC2_METADATA_SERVICE_ENDPOINT`, and botocore (`IMDSFetcher`, which reads it before
 * anything else) then never asked the job's endpoint. A rank reading instance metadata (a profile with
 * `credential_source = Ec2InstanceMetadata`, a process without the container variables) failed with "Unable to locate
 * credentials", for the server's endpoint and a node agent's alike, while DESIGN.md pins the endpoint in the job's
 * environment. Whether a job reads instance metadata is the job's to say: its environment sets
 * `AWS_EC2_METADATA_DISABLED=true` when it has no endpoint (`--no-imds`), and the caller's value is dropped otherwise.
 *
 * A real server, a node agent, the launcher and the Debian aws CLI in the rank (skipped when absent). Before the fix
 * 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { jobProcessEnv, launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { AWS_CLI, awsCliMissing, connectionTo, keysOf } from './support/processes.ts';

const skip = awsCliMissing();
let home: string;
let server: RunningServer;
let relay: Relay;
let relayPort: number;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-hu1-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  relay = createRelay({ upstream: server.agentUrl ?? '', revalidateMs: 60_000, metadataGraceMs: 100 });
  relayPort = (await relay.listen('127.0.0.1', 0)).port;
});
after(async () => {
  await relay?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function submit(imds: boolean): Promise<{ id: string; capability: string; environment: Record<string, string> }> {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  return { id: r.value.job.id, capability: r.value.capability, environment: r.value.environment };
}

/** The caller's shell: nothing of this machine's AWS settings, and instance metadata switched off, as on many laptops. */
const callerEnv = (): NodeJS.ProcessEnv => ({ PATH: '/usr/bin:/bin', HOME: home, AWS_EC2_METADATA_DISABLED: 'true' });

/** Runs the job's one rank: the Debian aws CLI reading instance metadata only (no container variables). */
async function rankCallerIdentity(job: { id: string; capability: string; environment: Record<string, string> }, agentUrl: string, metadataFromAgent: boolean): Promise<{ code: number; out: string; err: string }> {
  const out = await mkdtemp(join(home, 'job-'));
  const args = ['sts', 'get-caller-identity', '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'];
  const script = `exec /usr/bin/env -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_AUTHORIZATION_TOKEN ${AWS_CLI} ${args.join(' ')} >"$1/out.json" 2>"$1/err.txt"`;
  const code = await launch({
    jobId: job.id,
    capability: job.capability,
    agentUrl,
    environment: job.environment,
    command: ['/bin/sh', '-c', script, 'rank', out],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    baseEnv: callerEnv(),
    log: () => {},
    metadataFromAgent,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  return { code, out: await readFile(join(out, 'out.json'), 'utf8').catch(() => ''), err: await readFile(join(out, 'err.txt'), 'utf8').catch(() => '') };
}

test("hu1: a rank reads the server's metadata endpoint of its job though the caller had AWS_EC2_METADATA_DISABLED=true", { skip }, async () => {
  const job = await submit(true);
  const r = await rankCallerIdentity(job, new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin, false);
  assert.equal(r.code, 0, r.err);
  assert.match((JSON.parse(r.out) as { Arn: string }).Arn, new RegExp(`:assumed-role/GatehouseTrainingDefaultRole/job-${job.id}$`));
});

test("hu1: a rank reads a node agent's metadata endpoint of its job (jobs run --agent) though the caller had it", { skip }, async () => {
  const job = await submit(false);
  const r = await rankCallerIdentity(job, `http://127.0.0.1:${relayPort}`, true);
  assert.equal(r.code, 0, r.err);
  assert.match((JSON.parse(r.out) as { Arn: string }).Arn, new RegExp(`:assumed-role/GatehouseTrainingDefaultRole/job-${job.id}$`));
});

test('hu1: the job says whether instance metadata is read: on with an endpoint, off without one (--no-imds), whatever the caller said', () => {
  const withEndpoint = jobProcessEnv({ AWS_EC2_METADATA_DISABLED: 'true', PATH: '/bin' }, { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1234/' });
  assert.equal(withEndpoint['AWS_EC2_METADATA_DISABLED'], undefined);
  assert.equal(withEndpoint['PATH'], '/bin');
  const without = jobProcessEnv({ AWS_EC2_METADATA_DISABLED: 'false' }, { AWS_EC2_METADATA_DISABLED: 'true' });
  assert.equal(without['AWS_EC2_METADATA_DISABLED'], 'true');
});
