/**
 * Review bv, 3, against a real server with the real `@aws-sdk/client-s3`: an `Owner` carries no DisplayName, as S3's
 * have not since 21 November 2025 (API_Owner and API_Grantee: "Beginning November 21, 2025, Amazon S3 will stop
 * returning DisplayName. Update your applications to use canonical IDs …, AWS account ID … or IAM ARNs"; AWS's notice
 * names ListBuckets, ListObjects, ListObjectVersions, ListParts, ListMultipartUploads, GetBucketAcl and GetObjectAcl).
 *
 * What was wrong: ListBuckets, ListObjects, ListObjectsV2 with `fetch-owner=true` and GetBucketAcl/GetObjectAcl (the
 * Owner and the CanonicalUser grantee) carried DisplayName = the account id, while ListMultipartUploads and ListParts
 * (review bt, 3) carried none: one gateway, two answers for the same owner.
 *
 * What is now so: every Owner and grantee is its ID (the account) alone. An upload's Initiator keeps an IAM user's
 * name as DisplayName (API_Initiator has no end-of-support notice, and S3 was seen to give it); an account as
 * initiator (a root, or an upload recorded before initiators) has none, as an Owner.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'bv3-owner';
const ACCOUNT = '000000000000';

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'k', Body: 'v' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const owner = { ID: ACCOUNT };

test('ListBuckets, ListObjects and ListObjectsV2 with fetch-owner: the owner is its ID alone', async () => {
  assert.deepEqual((await c.send(new S3.ListBucketsCommand({}))).Owner, owner);
  assert.deepEqual((await c.send(new S3.ListObjectsCommand({ Bucket: B }))).Contents?.map((o) => o.Owner), [owner]);
  assert.deepEqual((await c.send(new S3.ListObjectsV2Command({ Bucket: B, FetchOwner: true }))).Contents?.map((o) => o.Owner), [owner]);
});

test('GetBucketAcl and GetObjectAcl: the owner and the grantee are their ID alone', async () => {
  for (const acl of [await c.send(new S3.GetBucketAclCommand({ Bucket: B })), await c.send(new S3.GetObjectAclCommand({ Bucket: B, Key: 'k' }))]) {
    assert.deepEqual(acl.Owner, owner);
    assert.deepEqual(acl.Grants, [{ Grantee: { ID: ACCOUNT, Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' }]);
  }
});

test('ListMultipartUploads and ListParts: the owner as in every other answer, the IAM user who began it by ARN and name', async () => {
  const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'up' }));
  const uploads = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: B }));
  assert.deepEqual(uploads.Uploads?.map((u) => [u.Owner, u.Initiator]), [[owner, { ID: `arn:aws:iam::${ACCOUNT}:user/admin`, DisplayName: 'admin' }]]);
  const parts = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'up', UploadId }));
  assert.deepEqual(parts.Owner, owner);
  await c.send(new S3.AbortMultipartUploadCommand({ Bucket: B, Key: 'up', UploadId }));
});
