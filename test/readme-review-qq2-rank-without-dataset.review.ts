/**
 * Review `readme`, qq2: README §5 runs the demo's job by hand, `node examples/demo/rank.mjs --data
 * s3://vision-data/datasets/images/ …`, after the admin put four shards there. A user who skipped that step, or put
 * the shards under another prefix (`s3 cp shard-00000.tar s3://vision-data/` without `datasets/images/`), got a rank
 * that read nothing, printed only `wrote s3://vision-data/checkpoints/rank-0.pt`, and exited 0: a job "trained" on no
 * data, said nowhere. Now a dataset prefix that holds no shard (`*.tar`) is the rank's error, exit 1, naming the prefix
 * and what to do (put the shards there: README §5); a rank that gets no shard of a dataset that has some (more ranks
 * than shards) still succeeds. The script as a process with the admin's keys against a real server's S3 gateway.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { COMPILE_CACHE, run } from './support/processes.ts';
import { s3ClientAs } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const RANK = fileURLToPath(new URL('../examples/demo/rank.mjs', import.meta.url));

let server: TestServer;
before(async () => {
  server = await startTestServer();
  const s3 = s3ClientAs(server, server.admin);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'vision-data' }));
    await s3.send(new PutObjectCommand({ Bucket: 'vision-data', Key: 'datasets/images/shard-00000.tar', Body: Buffer.alloc(1024, 1) }));
  } finally {
    s3.destroy();
  }
});
after(async () => {
  await server.stop();
});

const rank = (data: string, env: Record<string, string> = {}) =>
  run(process.execPath, [RANK, '--data', data, '--checkpoints', 's3://vision-data/checkpoints/'], {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    ...COMPILE_CACHE,
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: server.url,
    AWS_ENDPOINT_URL_S3: server.running.s3Url,
    AWS_MAX_ATTEMPTS: '1',
    ...env,
  });

test('qq2: a rank whose --data prefix holds no shard fails, naming the prefix and what to do', async () => {
  const r = await rank('s3://vision-data/datasets/missing/');
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /rank 0: Error: no shard \(\*\.tar\) under s3:\/\/vision-data\/datasets\/missing\/: put the dataset there first \(README §5\)/);
  assert.doesNotMatch(r.stdout, /wrote/, 'no checkpoint of no data');
});

test('qq2: a rank with no shard of its own in a dataset that has some still succeeds', async () => {
  const r = await rank('s3://vision-data/datasets/images/', { RANK: '1', WORLD_SIZE: '2' });
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /wrote s3:\/\/vision-data\/checkpoints\/rank-1\.pt/);
});
