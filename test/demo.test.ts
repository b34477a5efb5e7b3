/**
 * `gatehouse demo` (issue 9) as a user runs it: `process.execPath bin/gatehouse.js demo --json`, nothing set up
 * beforehand, no AWS settings of this machine in its environment. Every step must have had its outcome: the
 * ranks ran as the job's session of the default role, read each shard of the dataset once and wrote their
 * checkpoints (the demo lists them as admin); the read of the other workspace's bucket was refused with AWS's
 * explanation and audited; bob was refused at submit with the platform's words; the job's credentials were
 * refused by the S3 gateway and by STS once the job had ended; the audit log holds all of it and verifies; only
 * the admin can come to any right, and bob cannot come to act as the role he was refused; and the temporary
 * directory is gone. A second run is interrupted (SIGINT) in the middle of the job: it still
 * stops and removes everything, and its narration, written to a pipe, has no colours. With --keep, the data dir
 * stays (a server can be started on it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));
/** The platform's message (seed 000, FAQ), written out here rather than imported: the demo must show these words. */
const ROLE_CHECK_FAILED = 'check permission for ram role failed';
const ACCOUNT = '000000000000';

interface Step {
  readonly id: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly details: Record<string, unknown>;
}
interface Report {
  readonly ok: boolean;
  readonly seconds: number;
  readonly dir: string;
  readonly removed: boolean;
  readonly steps: Step[];
}

/** The environment of a fresh shell: nothing that would give the demo an identity or endpoint of this machine. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT)/.test(k)) env[k] = v;
  return env;
}

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  // At `close`, not `exit`: at `exit` the end of the report may still be unread in the pipe (review eh3).
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, done, out: () => stdout, err: () => stderr };
}

test('gatehouse demo --json: every step has its outcome, in under a minute, leaving nothing behind', { timeout: 120_000 }, async () => {
  const t0 = performance.now();
  const run = start(['--json']);
  const { code } = await run.done;
  const seconds = (performance.now() - t0) / 1000;
  let report: Report;
  try {
    report = JSON.parse(run.out()) as Report;
  } catch {
    assert.fail(`not one JSON document on stdout (exit ${code}):\n${run.out()}\nstderr:\n${run.err()}`);
  }
  const step = (id: string): Step => {
    const s = report.steps.find((x) => x.id === id);
    assert.ok(s, `no step ${id}`);
    return s;
  };
  const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.summary}`);
  assert.deepEqual(failed, [], `failed steps; stderr:\n${run.err()}`);
  assert.equal(code, 0);
  assert.equal(report.ok, true);

  const job = step('job').details as { job: string; ranks: { rank: number; arn: string; read: { key: string; intact: boolean }[]; wrote: { key: string; bytes: number } }[]; checkpoints: { key: string; size: number }[] };
  assert.match(job.job, /^[a-z0-9]{12}$/);
  assert.equal(job.ranks.length, 2);
  for (const r of job.ranks) {
    assert.equal(r.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/GatehouseTrainingDefaultRole/job-${job.job}`);
    assert.ok(r.read.length > 0 && r.read.every((x) => x.intact && x.key.startsWith('s3://vision-data/datasets/')), `rank ${r.rank} read ${JSON.stringify(r.read)}`);
    assert.equal(r.wrote.key, `s3://vision-data/checkpoints/rank-${r.rank}.pt`);
  }
  const shards = job.ranks.flatMap((r) => r.read.map((x) => x.key));
  assert.equal(new Set(shards).size, shards.length, 'no shard read twice');
  // The checkpoints as the bucket's listing shows them, not as the ranks said they wrote them.
  assert.deepEqual(
    job.checkpoints.map((c) => [c.key, c.size]),
    job.ranks.map((r) => [`checkpoints/rank-${r.rank}.pt`, r.wrote.bytes]),
  );

  const cross = step('cross-workspace').details as { refused: boolean; error: { name: string; message: string; status: number }; explanation: string };
  assert.equal(cross.refused, true);
  assert.equal(cross.error.name, 'AccessDenied');
  assert.equal(cross.error.status, 403);
  assert.match(cross.error.message, /is not authorized to perform: s3:GetObject on resource: "?arn:aws:s3:::speech-data\//);
  assert.ok(cross.explanation.length > 0, 'the audit record explains the denial');

  const bob = step('second-user').details as { exitCode: number; message: string; ranksStarted: number };
  assert.notEqual(bob.exitCode, 0);
  assert.ok(bob.message.includes(ROLE_CHECK_FAILED), bob.message);
  assert.match(bob.message, /user\/bob .*iam:PassRole .*role\/cluster-node/);
  assert.equal(bob.ranksStarted, 0);

  const after = step('after-end').details as { s3: { refused: boolean; name: string; status?: number }; sts: { refused: boolean; name: string } };
  assert.equal(after.s3.refused, true, JSON.stringify(after.s3));
  assert.equal(after.sts.refused, true, JSON.stringify(after.sts));
  // AWS answers ExpiredToken with 400, InvalidToken and AccessDenied with 403: a refusal in words S3 clients know.
  assert.ok(['ExpiredToken', 'InvalidToken', 'AccessDenied', 'InvalidAccessKeyId'].includes(after.s3.name), after.s3.name);

  const audit = step('audit').details as { records: number; found: Record<string, unknown> };
  assert.ok(audit.records > 10, `${audit.records} audit records`);
  for (const [k, v] of Object.entries(audit.found)) assert.ok(v !== false && v !== 0, `audit: ${k}`);

  const paths = step('paths').details as { anyRight: string[]; alice: string[]; bob: string[] };
  assert.deepEqual(paths.anyRight, ['user/admin'], 'only the admin can come to any right');
  assert.ok(paths.alice.includes('role/training-default (iam:PassRole to a training job)'), paths.alice.join('; '));
  assert.ok(!paths.bob.some((b) => b.startsWith('role/cluster-node ')), paths.bob.join('; '));

  assert.equal(report.removed, true);
  assert.equal(existsSync(report.dir), false, `${report.dir} is still there`);
  assert.ok(seconds < 60, `the demo took ${seconds.toFixed(1)} s`);
});

test('gatehouse demo interrupted during the job: exit 130, server stopped, directory removed; no colours on a pipe', { timeout: 120_000 }, async () => {
  const run = start([]);
  const dirSeen = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const dir = /data dir\s+(\S+)\/data\n/.exec(run.out())?.[1];
      if (dir && run.out().includes('[4/10]')) {
        clearInterval(timer);
        resolve(dir);
      }
    }, 20);
    void run.done.then(() => {
      clearInterval(timer);
      reject(new Error(`the demo ended before its job started:\n${run.out()}\n${run.err()}`));
    });
  });
  assert.equal(existsSync(dirSeen), true);
  run.child.kill('SIGINT');
  const { code } = await run.done;
  assert.equal(code, 130, run.err());
  assert.match(run.err(), /SIGINT: stopping the server and removing/);
  assert.equal(existsSync(dirSeen), false, `${dirSeen} is still there`);
  assert.doesNotMatch(run.out(), /\x1b\[/, 'colours on a pipe');
});

test('gatehouse demo --keep: the data dir stays, with the store and the objects', { timeout: 120_000 }, async () => {
  const run = start(['--keep', '--json']);
  const { code } = await run.done;
  const report = JSON.parse(run.out()) as Report & { kept: boolean };
  try {
    assert.equal(code, 0, run.err());
    assert.equal(report.kept, true);
    assert.equal(report.removed, false);
    assert.equal(existsSync(join(report.dir, 'data', 'admin-credentials.json')), true);
    assert.equal(existsSync(join(report.dir, 'data', 'objects')), true);
  } finally {
    await rm(report.dir, { recursive: true, force: true });
  }
});
