/**
 * Policy review fs, 1: a bucket policy naming an IAM user did not reach the user's federated sessions
 * (GetFederationToken). The reference (§A.1.2, the same-account table, row "IAM user that federated") and AWS's
 * "Session policies" section have a resource policy that names the user ARN apply to the federated user session that
 * user opened: its Allow grants what the session policy also allows ("(session ∩ RBP) ∪ (session ∩ identity)"), and,
 * as every row, an explicit Deny naming the user denies the session too. Gatehouse matched the federated user by its own
 * `federated-user/NAME` ARN only, so a bucket owner's `Deny` on `user/alice` was stepped around by alice federating
 * herself (her session read what the bucket policy denies her), and a grant to alice gave her sessions nothing.
 * Real server, SDK v3 (STS, S3 through the S3 gateway).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import { REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

const ACCT = '000000000000';
const BUCKET = 'fs1-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const credsOf = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });

let s: TestServer;
let alice: Credentials;

const read = async (who: Credentials, Key: string): Promise<string> => {
  const c = new S3.S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: who, maxAttempts: 1 });
  try {
    return (await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString()) ?? '';
  } finally {
    c.destroy();
  }
};

/** A federated session of alice whose session policy allows reading the whole bucket. */
const federated = async (Name: string): Promise<Credentials> =>
  credsOf((await s.sts(alice).send(new S.GetFederationTokenCommand({ Name, Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }))).Credentials);

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  // alice may read the bucket's team/ and secret/ folders (not shared/), and federate.
  await s.iam().send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'read',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [`arn:aws:s3:::${BUCKET}/team/*`, `arn:aws:s3:::${BUCKET}/secret/*`] },
      { Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${ACCT}:federated-user/*` },
    ),
  }));
  const admin = adminS3Client(s);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of ['team/a.txt', 'secret/b.txt', 'shared/c.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
  await admin.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc(
      { Sid: 'NoSecretsForAlice', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` },
      { Sid: 'SharedWithAlice', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/shared/*` },
    ),
  }));
  admin.destroy();
});
after(async () => s?.stop());

test('fs1: the bucket policy decides for alice herself (the Deny on secret/, the grant of shared/)', async () => {
  assert.equal(await read(alice, 'team/a.txt'), 'team/a.txt');
  assert.deepEqual((await s3Refusal(read(alice, 'secret/b.txt'))).slice(0, 2), ['AccessDenied', 403]);
  assert.equal(await read(alice, 'shared/c.txt'), 'shared/c.txt');
});

test('fs1: a Deny naming the user denies her federated session too', async () => {
  const bob = await federated('bob');
  assert.equal(await read(bob, 'team/a.txt'), 'team/a.txt', 'alice’s policy and the session policy allow team/');
  const [code, status] = await s3Refusal(read(bob, 'secret/b.txt'));
  assert.deepEqual([code, status], ['AccessDenied', 403], 'the bucket policy denies alice secret/, whichever of her sessions asks');
});

test('fs1: an Allow naming the user grants her federated session what its session policy allows', async () => {
  const bob = await federated('bob2');
  assert.equal(await read(bob, 'shared/c.txt'), 'shared/c.txt', '(session ∩ bucket policy): both allow shared/');
  const narrow = credsOf((await s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'carol', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/team/*` }) }))).Credentials);
  assert.deepEqual((await s3Refusal(read(narrow, 'shared/c.txt'))).slice(0, 2), ['AccessDenied', 403], 'the session policy, which does not allow shared/, still limits the grant');
});
