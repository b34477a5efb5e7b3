/**
 * Review aj, 13, against a real server with the real `@aws-sdk/client-s3`: the objects a listing shows are the bucket
 * owner's (ACLs are disabled: every object belongs to the bucket's account), so ListObjects names that account as
 * `Owner`, and ListObjectsV2 does when asked (`FetchOwner`). ListObjects named the caller's account, so a partner
 * listing a shared bucket was told the objects were its own; V2 ignored FetchOwner.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const OWNER = '000000000000';
const PARTNER = '111111111111';
const BUCKET = 'aj10-shared';
let server: TestServer;

const s3 = s3Clients(() => server);

before(async () => {
  server = await startTestServer();
});

after(async () => {
  s3.destroyAll();
  await server?.stop();
});

describe('13: listings name the bucket owner', () => {
  it('the owner and a partner granted ListBucket both see the owner\'s account; V2 only with FetchOwner', async () => {
    const app = await server.openApp();
    const root = await app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const created = await app.createAccount(root.value.caller, { id: PARTNER, partition: 'aws', name: 'partner' });
    assert.ok(created.ok, JSON.stringify(created));
    const owner = s3(server.admin);
    await owner.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await owner.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    await owner.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }] }) }));
    const partner = s3({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });

    for (const [who, c] of [['owner', owner], ['partner', partner]] as const) {
      assert.deepEqual((await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET }))).Contents?.map((o) => o.Owner?.ID), [OWNER], who);
      assert.deepEqual((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, FetchOwner: true }))).Contents?.map((o) => o.Owner?.ID), [OWNER], who);
      assert.deepEqual((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Owner), [undefined], who);
    }
  });
});
