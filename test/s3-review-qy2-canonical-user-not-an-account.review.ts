/**
 * Review qy, finding 2: a bucket policy naming a `CanonicalUser` that is no account's canonical ID here, such as AWS's
 * 64-hex-digit form (`79a59df9…be`, what `get-bucket-acl` shows on AWS and a policy copied from there carries), was
 * accepted and named no one: the S3 gateway's canonical ID of an account is the account id (every Owner and Grantee
 * it answers), and the engine keeps a `CanonicalUser` value only as the account it identifies (policy review fs, 3),
 * so anything else was dropped. A Deny meant for the owner's account ("no one of the account reads secret/") stored
 * fine and let every reader through, the silence review mv, 3 closed for `"*"` alone. S3 refuses a canonical ID that
 * identifies no one (MalformedPolicy, `Invalid principal in policy`). Now every door (PutBucketPolicy,
 * `PUT /v1/resource-policies`) refuses it, saying that a canonical ID here is the account id;
 * an account's canonical ID is taken as before.
 * Before the fix 2 of 3 tests failed.
 * Real server, SDK v3 (IAM, S3 through the S3 gateway), SigV4-signed /v1/resource-policies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';
import { gatehouseJson } from './support/resource-server.ts';

const BUCKET = 'qy2-data';
const AWS_CANONICAL = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const denySecret = (CanonicalUser: string) => doc({ Sid: 'NoSecrets', Effect: 'Deny', Principal: { CanonicalUser }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` });

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

test('qy2: PutBucketPolicy naming an AWS-style canonical ID is refused, never stored to deny no one', async () => {
  const outcome = await admin.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denySecret(AWS_CANONICAL) })).then(() => 'stored', () => 'refused');
  if (outcome === 'stored') {
    const secret = await read(alice, 'secret/b.txt').then(() => 'read', () => 'denied');
    await admin.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    assert.equal(secret, 'denied', 'the stored Deny on an AWS-style canonical ID let alice read secret/');
  }
  const [code, status, message] = await s3Refusal(admin.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denySecret(AWS_CANONICAL) })));
  assert.deepEqual([code, status], ['MalformedPolicy', 400]);
  assert.match(message, /Invalid principal in policy: "CanonicalUser":"79a59df9/, message);
  assert.match(message, /account id/, message);
});

test('qy2: PUT /v1/resource-policies refuses it too, at the value', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${BUCKET}`)}`, { document: JSON.parse(denySecret('not-a-canonical-id')) as object });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /POLICY_INVALID_PRINCIPAL/);
  assert.match(JSON.stringify(r.json), /Statement\[0\]\.Principal\.CanonicalUser/);
});

test('qy2: the account’s canonical ID is still taken, and its Deny applies', async () => {
  const ownerId = (await admin.send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Owner?.ID ?? '';
  await admin.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denySecret(ownerId) }));
  assert.equal(await read(alice, 'open/a.txt'), 'open/a.txt');
  assert.deepEqual((await s3Refusal(read(alice, 'secret/b.txt'))).slice(0, 2), ['AccessDenied', 403]);
  await admin.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
});
