/**
 * Review hu, 4: every AWS call of a rank failed when the caller's shell asked for FIPS or dual-stack endpoints, or to
 * ignore configured endpoint URLs. The job's environment sends the ranks' SDKs to this server (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_S3`), and `jobs run` passed the caller's `AWS_USE_FIPS_ENDPOINT=true` or
 * `AWS_USE_DUALSTACK_ENDPOINT=true` (set across GovCloud and FedRAMP shells, IPv6-only networks) on beside them: the
 * SDKs' endpoint rules refuse a custom endpoint with either, so each call of SDK v3 (and boto3 ≥ 1.28) in a rank
 * failed before it was sent, "Invalid Configuration: FIPS and custom endpoint are not supported", though its
 * credentials were there. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` made them ignore the job's endpoints and sign
 * for AWS's own with the job's session. Gatehouse's endpoints have no FIPS or dual-stack variants: the three are
 * the job's to set (it sets none), and the caller's are dropped, as its `AWS_CONFIG_FILE` already drops a profile's
 * `use_fips_endpoint`.
 *
 * A real server, the launcher, and the AWS SDK v3 STS client (default credential chain: the job's container
 * endpoint) in the rank. Before the fix 1 of 1 test failed.
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
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-hu4-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  assert.ok((await call(connectionTo(server.url, keysOf(server.adminCredentials)), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The rank: GetCallerIdentity with SDK v3's default chain, its Arn or its error into `out`. */
const RANK = `
const { writeFileSync } = require('node:fs');
const { STSClient, GetCallerIdentityCommand } = require(process.env.HU4_STS);
new STSClient({}).send(new GetCallerIdentityCommand({})).then(
  (r) => writeFileSync(process.argv[1], JSON.stringify({ arn: r.Arn })),
  (e) => writeFileSync(process.argv[1], JSON.stringify({ error: e.name + ': ' + e.message })),
);
`;

test('hu4: the caller’s FIPS, dual-stack and ignore-endpoint switches do not break the ranks’ calls to the job’s server', async () => {
  const out = await mkdtemp(join(home, 'job-'));
  const lines: string[] = [];
  const results: Record<string, { arn?: string; error?: string }> = {};
  const arns: Record<string, { arn: string }> = {};
  for (const [name, value] of [['AWS_USE_FIPS_ENDPOINT', 'true'], ['AWS_USE_DUALSTACK_ENDPOINT', 'true'], ['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'true']] as const) {
    // A job each: a job ends with its launcher.
    assert.ok(server.adminCredentials);
    const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(connectionTo(server.url, keysOf(server.adminCredentials)), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
    assert.ok(r.ok, JSON.stringify(r));
    const job = r.value;
    arns[name] = { arn: `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${job.job.id}` };
    const result = join(out, `${name}.json`);
    const code = await launch({
      jobId: job.job.id,
      capability: job.capability,
      agentUrl: new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin,
      environment: job.environment,
      command: [process.execPath, '-e', RANK, result],
      replicas: 1,
      credentialsFile: join(out, `${name}.credentials`),
      profileDir: await mkdtemp(join(out, 'profile-')),
      baseEnv: { PATH: '/usr/bin:/bin', HOME: home, HU4_STS: require.resolve('@aws-sdk/client-sts'), AWS_EC2_METADATA_DISABLED: 'true', [name]: value },
      log: (line) => void lines.push(line),
    });
    assert.equal(code, 0, lines.join('\n'));
    results[name] = JSON.parse(await readFile(result, 'utf8')) as { arn?: string; error?: string };
  }
  assert.deepEqual(results, arns);
});
