/**
 * Policy review fs, 3: a bucket policy's `CanonicalUser` principal was accepted and then named no one. The reference
 * (§A.1.5) lists `CanonicalUser` (S3) among the accepted principal forms; AWS's Principal page: the canonical user ID
 * identifies an AWS account, as the account id does. The S3 gateway answers an account's canonical ID as the account id
 * itself (every Owner and CanonicalUser grantee, review bv, 3), so `aws s3api get-bucket-acl` gives the ID a bucket
 * owner writes into a policy. The engine dropped the `CanonicalUser` values when it compiled the policy: a `Deny` on the
 * owner's own canonical ID (every principal of the account) never applied, and an `Allow` to another account's
 * canonical ID let none of its principals in. Now it names that account, as `{"AWS": "<account>"}` does: it delegates to
 * the account (its principals' own policies must allow), and a `Deny` applies to all of them. Real server, SDK v3 (IAM,
 * S3 through the S3 gateway).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { accountAdmin, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

const OTHER = '222233334444';
const BUCKET = 'fs3-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;
let carol: Credentials;
let ownerId: string;

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
  // alice, of the bucket's account, may read the whole bucket by her own policy.
  alice = await userWithKey(s, 'alice');
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }));
  // carol, of another account, may read the bucket by hers; the bucket policy must let her account in.
  const otherAdmin = await accountAdmin(s, OTHER, 'aws');
  carol = await userWithKey({ url: s.url, admin: otherAdmin }, 'carol');
  await s.iam(otherAdmin).send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }));

  const admin = adminS3Client(s);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of ['open/a.txt', 'secret/b.txt', 'shared/c.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
  // The owner's canonical ID, as a bucket owner reads it.
  ownerId = (await admin.send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Owner?.ID ?? '';
  assert.match(ownerId, /^\d{12}$/);
  await admin.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc(
      { Sid: 'NoSecretsForTheAccount', Effect: 'Deny', Principal: { CanonicalUser: ownerId }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` },
      { Sid: 'SharedWithPartner', Effect: 'Allow', Principal: { CanonicalUser: OTHER }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/shared/*` },
    ),
  }));
  admin.destroy();
});
after(async () => s?.stop());

test('fs3: a Deny naming the account by its canonical ID applies to its principals', async () => {
  assert.equal(await read(alice, 'open/a.txt'), 'open/a.txt');
  const [code, status] = await s3Refusal(read(alice, 'secret/b.txt'));
  assert.deepEqual([code, status], ['AccessDenied', 403], 'the bucket policy denies every principal of the account secret/');
});

test('fs3: an Allow naming another account by its canonical ID lets its principals in, as naming the account does', async () => {
  assert.equal(await read(carol, 'shared/c.txt'), 'shared/c.txt');
  assert.deepEqual((await s3Refusal(read(carol, 'open/a.txt'))).slice(0, 2), ['AccessDenied', 403], 'the bucket policy grants her account shared/ only');
});

test('fs3: a canonical ID of an account that does not exist is refused, as an account id is', async () => {
  const admin = adminS3Client(s);
  try {
    const [code, status, message] = await s3Refusal(admin.send(new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: doc({ Effect: 'Allow', Principal: { CanonicalUser: '999988887777' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }),
    })));
    assert.deepEqual([code, status], ['MalformedPolicy', 400]);
    assert.match(message, /Invalid principal in policy: "CanonicalUser":"999988887777"/);
  } finally {
    admin.destroy();
  }
});

test('fs3: a role trust policy may not name a CanonicalUser (S3 bucket policies only)', async () => {
  const err = await s.iam().send(new I.CreateRoleCommand({
    RoleName: 'fs3-role',
    AssumeRolePolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { CanonicalUser: ownerId } }),
  })).then(() => undefined, (e: Error) => e);
  assert.equal(err?.name, 'MalformedPolicyDocumentException');
  assert.match(err?.message ?? '', /CanonicalUser/);
});
