/**
 * Review hu, 5: a rank's STS and IAM calls went to wherever the caller's shell pointed its own: `jobs run` passed the
 * caller's `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_IAM` on to the ranks, and the AWS SDKs take a service's own
 * variable before `AWS_ENDPOINT_URL` (credential-protocols §2.5; botocore ≥ 1.31 likewise). A user whose shell names
 * a regional or GovCloud STS endpoint, or a local emulator, ran a job whose `aws sts get-caller-identity`,
 * `GetCallerIdentity` of SDK v3 or role chaining from the job's session went there, signed with a session only this
 * server knows: InvalidClientTokenId, or a connection refused. The job's session is this server's, and so are the
 * STS and IAM it is good at: the job's `AWS_ENDPOINT_URL` names them, and the caller's two variables are dropped
 * (`AWS_ENDPOINT_URL_S3` the job sets itself when the server has a gateway; a caller's is kept otherwise).
 *
 * A real server, the launcher, and the AWS SDK v3 STS client (default chain: the job's container endpoint) in the
 * rank. Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

const require = createRequire(import.meta.url);
let home: string;
let server: RunningServer;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-hu5-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  assert.ok((await call(connectionTo(server.url, keysOf(server.adminCredentials)), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The rank: GetCallerIdentity (STS) and GetRole (IAM) with SDK v3's default chain, into `out`. */
const RANK = `
const { writeFileSync } = require('node:fs');
const { STSClient, GetCallerIdentityCommand } = require(process.env.HU5_STS);
const { IAMClient, GetRoleCommand } = require(process.env.HU5_IAM);
const said = (p) => p.then((r) => r, (e) => ({ error: e.name + ': ' + e.message }));
(async () => {
  const sts = await said(new STSClient({}).send(new GetCallerIdentityCommand({})));
  const iam = await said(new IAMClient({}).send(new GetRoleCommand({ RoleName: 'GatehouseTrainingDefaultRole' })));
  writeFileSync(process.argv[1], JSON.stringify({ sts: sts.error ?? sts.Arn, iam: iam.error ?? (iam.Role ? 'answered' : 'none') }));
})();
`;

test('hu5: a rank’s STS and IAM calls go to the job’s server, whatever the caller’s AWS_ENDPOINT_URL_STS and _IAM say', async () => {
  assert.ok(server.adminCredentials);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(connectionTo(server.url, keysOf(server.adminCredentials)), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const job = r.value;
  const out = await mkdtemp(join(home, 'job-'));
  const result = join(out, 'result.json');
  const lines: string[] = [];
  const code = await launch({
    jobId: job.job.id,
    capability: job.capability,
    agentUrl: new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin,
    environment: job.environment,
    command: [process.execPath, '-e', RANK, result],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    // The caller's shell points STS and IAM elsewhere (here: a port where nothing listens).
    baseEnv: { PATH: '/usr/bin:/bin', HOME: home, HU5_STS: require.resolve('@aws-sdk/client-sts'), HU5_IAM: require.resolve('@aws-sdk/client-iam'), AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9' },
    log: (line) => void lines.push(line),
  });
  assert.equal(code, 0, lines.join('\n'));
  const got = JSON.parse(await readFile(result, 'utf8')) as { sts: string; iam: string };
  // The job's session reaches its server's STS; its IAM answers (allowed or refused, but the server's own answer).
  assert.equal(got.sts, `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${job.job.id}`);
  assert.doesNotMatch(got.iam, /ECONNREFUSED|127\.0\.0\.1:9/, got.iam);
});
