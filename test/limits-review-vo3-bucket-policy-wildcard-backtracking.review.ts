/**
 * Review vo, 3: the S3 gateway's PutBucketPolicy refuses a `Resource` outside the bucket (`outsideBucket`), and tested
 * the bucket segment of each `Resource` against the bucket's name as a regular expression, one `.*` per `*`. A
 * `Resource` of many `*` and a letter the name does not end with (`arn:aws:s3:::*************************x`) made V8
 * backtrack through every way of splitting the name among the `.*`s: the server's one thread was held for longer than
 * any client waits, and no decision, session or health probe was answered. Any principal allowed to put the policy of a
 * bucket of its own account could send it. Now the segment is matched by the IAM engine's glob matcher (steps, not a
 * backtracking expression, for more than one `*`). A `gatehouse server` in its own process, so that a frozen one fails
 * the test instead of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { serverProcess, type ServerProcess } from './support/processes.ts';

let work: string;
let s: ServerProcess | undefined;
let client: S3Client;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-vo3-'));
  s = await serverProcess(['--data-dir', join(work, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', '127.0.0.1:0'], { HOME: work });
  const c = JSON.parse(await readFile(join(work, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  const s3 = /S3 gateway on (http:\/\/[^\s,]+)/.exec(s.output.join(''))?.[1];
  assert.ok(s3, s.output.join(''));
  client = new S3Client({ endpoint: s3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey }, maxAttempts: 1 });
});
after(async () => {
  client?.destroy();
  if (s !== undefined && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

/** `p` settled (its error's name, or `ok`), or `late` once `ms` have passed. */
const within = (p: Promise<unknown>, ms: number): Promise<string> =>
  Promise.race([p.then(() => 'ok', (e: unknown) => (e as Error).name), new Promise<string>((resolve) => setTimeout(() => resolve('late'), ms).unref())]);

const policy = (resource: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: resource }] });

test('a bucket policy whose Resource holds many wildcards is answered at once, and the server goes on answering', async () => {
  const bucket = `${'a'.repeat(50)}-vo3`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = (resource: string) => within(client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy(resource) })), 10_000);
  // Outside the bucket: refused as before, at once.
  assert.equal(await put(`arn:aws:s3:::${'*'.repeat(25)}x/*`), 'MalformedPolicy');
  assert.equal(await put(`arn:aws:s3:::${'a*'.repeat(30)}b`), 'MalformedPolicy');
  const health = await Promise.race([fetch(`${(s as ServerProcess).url}/healthz`).then((r) => r.status), new Promise<string>((resolve) => setTimeout(() => resolve('late'), 5_000).unref())]);
  assert.equal(health, 200, 'the server answers its health probe');
  // Wildcards that cover the bucket still do.
  assert.equal(await put(`arn:aws:s3:::${'a*'.repeat(20)}-vo?/*`), 'ok');
  assert.equal(await put(`arn:aws:s3:::*${'*'.repeat(20)}/*`), 'ok');
});
