/**
 * Inside a job launched by `gatehouse jobs run`, an AWS profile with `credential_process = gatehouse credentials
 * --job` gives unmodified clients the job's credentials (issue "Training jobs": the credential_process path).
 * boto3 (Debian package python3-boto3) is exercised when installed, and said to be skipped otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../src/main/server.ts';
import { startJobsWorld, ROLE_ARN, type JobsWorld } from './support/jobs-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';


const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/jobs/credential-process.ts', import.meta.url));

let home: string;
let server: RunningServer;
let alice: { accessKeyId: string; secretAccessKey: string };

let world: JobsWorld | undefined;
before(async () => {
  world = await startJobsWorld('gh-cp-');
  ({ home, server, alice } = world);
});

after(async () => {
  await world?.close();
});

test('a credential_process profile inside a job resolves to the job’s session (SDK v3, and boto3 when installed)', async (t) => {
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', process.execPath, SCRIPT, BIN, home],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, GATEHOUSE_ENDPOINT: server.url }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
  assert.equal(run.code, 0, run.stderr);
  const jobId = /gatehouse: job ([a-z0-9]+) /.exec(run.stderr)?.[1];
  assert.ok(jobId, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { client: string; arn?: string; method?: string; skipped?: string });
  const sdk = lines.find((l) => l.client === 'sdk-v3');
  assert.equal(sdk?.arn, `arn:aws:sts::000000000000:assumed-role/trainer/job-${jobId}`);
  const boto = lines.find((l) => l.client === 'boto3');
  if (boto?.skipped !== undefined || boto === undefined) {
    t.diagnostic(`boto3 part skipped: not installed (Debian package python3-boto3)${boto?.skipped ? `: ${boto.skipped}` : ''}`);
  } else {
    // botocore names the provider that answered: its process provider is `custom-process`.
    assert.equal(boto.method, 'custom-process');
    assert.equal(boto.arn, `arn:aws:sts::000000000000:assumed-role/trainer/job-${jobId}`);
  }
});

test('gatehouse credentials --job outside a job says what is missing', async () => {
  // In this process (test/support/gatehouse-cli.ts): what the command says and its status are the point.
  const r = await gatehouseInProcess(['credentials', '--job'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--job works inside a training job/);
});
