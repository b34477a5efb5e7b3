/**
 * Review be, 1: the aws CLI of Debian 12 (awscli 2.9.19) got no credentials from a job's metadata endpoint. Its
 * vendored botocore (`awscli/botocore/utils.py` `IMDSFetcher`) joins the base URL and `latest/api/token` with no
 * separator, as the default base `http://169.254.169.254/` ends in a slash; jobs were handed
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT`, so it asked `http://127.0.0.1:PORTlatest/api/token` and
 * stopped the whole credential chain with "Invalid endpoint EC2 Instance Metadata endpoint" (exit 255), for the
 * server's endpoint and for a node agent's (the launcher's `--agent` rewrite) alike. Any process of the job that
 * reads instance metadata with it failed: a profile with `credential_source = Ec2InstanceMetadata`, or a rank run
 * without the container variables. The endpoint is now given with its trailing slash (`http://127.0.0.1:PORT/`),
 * as AWS's own default is, which every SDK takes (SDK v3 keeps only scheme, host and port; Debian's python3-botocore
 * and the Go SDK join with or without one). Clients that append `/latest/...` to the variable themselves (the Java
 * SDK v1's `EC2MetadataUtils`, scripts doing `"$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/api/token"`) then send
 * `//latest/...`: the endpoint reads a run of slashes as one, as it is served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { AWS_CLI, awsCliMissing, connectionTo, keysOf, run } from './support/processes.ts';

const skip = awsCliMissing();
let home: string;
let server: RunningServer;
let relay: Relay;
let relayPort: number;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-be1-'));
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

/** Submits a job as the admin; its id, capability and environment. */
async function submit(imds: boolean): Promise<{ id: string; capability: string; environment: Record<string, string> }> {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  return { id: r.value.job.id, capability: r.value.capability, environment: r.value.environment };
}

/** The caller the Debian aws CLI is, reading credentials from instance metadata only (no container variables). */
const cliArgs = (): string[] => ['sts', 'get-caller-identity', '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'];

test("be1: the Debian aws CLI reads the server's metadata endpoint of a job", { skip }, async () => {
  const job = await submit(true);
  const endpoint = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const r = await awsCli(cliArgs(), { PATH: '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint });
  assert.equal(r.code, 0, r.stderr);
  assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, new RegExp(`:assumed-role/GatehouseTrainingDefaultRole/job-${job.id}$`));
  // A client that appends `/latest/...` to the variable itself sends `//latest/...`.
  const token = await fetch(`${endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  assert.equal(token.status, 200, await token.clone().text());
  const listing = await fetch(`${endpoint}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': await token.text() } });
  assert.deepEqual([listing.status, await listing.text()], [200, 'GatehouseTrainingDefaultRole']);
});

test("be1: the Debian aws CLI in a rank reads a node agent's metadata endpoint (jobs run --agent)", { skip }, async () => {
  const job = await submit(false);
  const out = await mkdtemp(join(home, 'job-'));
  // The rank drops the container variables, as a process that reads instance metadata only would not have them.
  const script = `exec /usr/bin/env -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_AUTHORIZATION_TOKEN ${AWS_CLI} ${cliArgs().join(' ')} >"$1/out.json" 2>"$1/err.txt"`;
  const code = await launch({
    jobId: job.id,
    capability: job.capability,
    agentUrl: `http://127.0.0.1:${relayPort}`,
    environment: job.environment,
    command: ['/bin/sh', '-c', script, 'rank', out],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    baseEnv: { PATH: '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') },
    log: () => {},
    metadataFromAgent: true,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  assert.equal(code, 0, await readFile(join(out, 'err.txt'), 'utf8').catch(() => ''));
  assert.match((JSON.parse(await readFile(join(out, 'out.json'), 'utf8')) as { Arn: string }).Arn, new RegExp(`:assumed-role/GatehouseTrainingDefaultRole/job-${job.id}$`));
});
