/**
 * Review mv, 3: a bucket policy naming `{"CanonicalUser": "*"}` was accepted and then named no one, so a Deny with it
 * applied to nobody, silently.
 * Before the fix 1 of 2 tests failed.
 *
 * `*` passed the principal check under every principal type, but the engine keeps a `CanonicalUser` value only as the
 * account it identifies (policy review fs, 3): `*` is no account, and was dropped. A guard such as "deny everyone
 * `secret/*`" written with it stored fine and let every reader of the bucket through, where `{"AWS": "*"}` (everyone)
 * and `{"Service": "*"}` (every service, policy review C5) name someone. Now PutBucketPolicy refuses it, with S3's
 * `MalformedPolicy` (`Invalid principal in policy`) and what to write instead; a canonical ID of an account is taken as
 * before. Real server, SDK v3 (IAM, S3 through the S3 gateway).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

const BUCKET = 'mv3-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;
let admin: S3.S3Client;

const read = async (who: Credentials, Key: string): Promise<string> => {
  const c = new S3.S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: who, maxAttempts: 1 });
  try {
    return (await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString()) ?? '';
  } finally {
    c.destroy();
  }
};

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }));
  admin = adminS3Client(s);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of ['open/a.txt', 'secret/b.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
});
after(async () => {
  admin?.destroy();
  await s?.stop();
});

test('mv3: a Deny naming {"CanonicalUser": "*"} is refused, never stored to deny no one', async () => {
  const put = admin.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc({ Sid: 'NoSecrets', Effect: 'Deny', Principal: { CanonicalUser: '*' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` }),
  }));
  const outcome = await put.then(() => 'stored', () => 'refused');
  if (outcome === 'stored') {
    // Stored, it must at least deny: it did not.
    const secret = await read(alice, 'secret/b.txt').then(() => 'read', () => 'denied');
    assert.equal(secret, 'denied', 'the stored Deny on {"CanonicalUser": "*"} let alice read secret/');
  }
  const [code, status, message] = await s3Refusal(admin.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc({ Effect: 'Deny', Principal: { CanonicalUser: '*' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` }),
  })));
  assert.deepEqual([code, status], ['MalformedPolicy', 400]);
  assert.match(message, /Invalid principal in policy/, message);
  assert.match(message, /"\*"/, message);
});

test('mv3: the account’s canonical ID is still taken, and its Deny applies', async () => {
  const ownerId = (await admin.send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Owner?.ID ?? '';
  await admin.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc({ Effect: 'Deny', Principal: { CanonicalUser: ownerId }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` }),
  }));
  assert.equal(await read(alice, 'open/a.txt'), 'open/a.txt');
  assert.deepEqual((await s3Refusal(read(alice, 'secret/b.txt'))).slice(0, 2), ['AccessDenied', 403]);
  await admin.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
});
