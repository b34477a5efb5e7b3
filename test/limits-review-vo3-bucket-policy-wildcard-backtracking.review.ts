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
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { throwawayServer, within } from './support/processes.ts';

let world: Awaited<ReturnType<typeof throwawayServer>>;
let client: S3Client;

before(async () => {
  world = await throwawayServer('review-vo3', '127.0.0.1:0');
  const s3 = /S3 gateway on (http:\/\/[^\s,]+)/.exec(world.server.output.join(''))?.[1];
  assert.ok(s3, world.server.output.join(''));
  client = new S3Client({ endpoint: s3, region: 'us-east-1', forcePathStyle: true, credentials: world.admin, maxAttempts: 1 });
});
after(async () => {
  client?.destroy();
  await world?.stop();
});

/** `p` settled (its error's name, or `ok`), or `late` once `ms` have passed. */
const settled = (p: Promise<unknown>, ms: number): Promise<string> => within(p.then(() => 'ok', (e: unknown) => (e as Error).name), ms);


const policy = (resource: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: resource }] });

test('a bucket policy whose Resource holds many wildcards is answered at once, and the server goes on answering', async () => {
  const bucket = `${'a'.repeat(50)}-vo3`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = (resource: string) => settled(client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy(resource) })), 10_000);
  // Outside the bucket: refused as before, at once.
  assert.equal(await put(`arn:aws:s3:::${'*'.repeat(25)}x/*`), 'MalformedPolicy');
  assert.equal(await put(`arn:aws:s3:::${'a*'.repeat(30)}b`), 'MalformedPolicy');
  const health = await within(fetch(`${world.server.url}/healthz`).then((r) => r.status), 5_000);
  assert.equal(health, 200, 'the server answers its health probe');
  // Wildcards that cover the bucket still do.
  assert.equal(await put(`arn:aws:s3:::${'a*'.repeat(20)}-vo?/*`), 'ok');
  assert.equal(await put(`arn:aws:s3:::*${'*'.repeat(20)}/*`), 'ok');
});
