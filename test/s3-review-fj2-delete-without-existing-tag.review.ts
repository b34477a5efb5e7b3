/**
 * Review fj, 2, against a real server with the real `@aws-sdk/client-s3`: DeleteObject, and each key of DeleteObjects,
 * is decided without `s3:ExistingObjectTag`, as S3 decides it.
 *
 * S3 does not give that key to deletes: "When granting permissions for the PUT Object and DELETE Object operations, this
 * condition key is not supported. That is, you cannot create a policy to grant or deny a user permissions to delete or
 * overwrite an object based on its existing tags" (S3 User Guide, "Tagging and access control policies"); the Service
 * Authorization Reference lists no `s3:ExistingObjectTag` for `s3:DeleteObject` or `s3:DeleteObjectVersion`, where it
 * does for GetObject and the tagging actions.
 *
 * What was wrong: the gateway read the object's tags into the `s3:DeleteObject` decision. Under the usual ABAC grant —
 * `s3:GetObject` and `s3:DeleteObject` on `bucket/*` when `s3:ExistingObjectTag/team` is the caller's team, which in S3
 * lets the team read its objects and delete none (the condition's key is absent from every delete) — a team member
 * deleted the team's objects here, by DeleteObject and by DeleteObjects: a grant S3 says a policy cannot make.
 *
 * What is now so: a delete is decided on the bucket's owner, the action (`s3:DeleteObjectVersion` with `versionId=null`)
 * and the request's keys alone, so that grant refuses it (AccessDenied, the object kept), and a Deny conditioned on an
 * object's tags does not apply to deletes, as in S3. Reads keep the key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'fj2-shared';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function userWith(name: string, ...statements: object[]): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

const keys = async (): Promise<string[]> => ((await s3().send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key ?? '').sort();

before(async () => {
  server = await startTestServer();
  await s3().send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of ['a/1', 'a/2', 'a/3']) await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key, Tagging: 'team=a&retain=true' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('2: deletes are decided without s3:ExistingObjectTag', () => {
  it('a grant conditioned on the object\'s tags lets its holder read the objects and delete none of them', async () => {
    const team = s3(
      await userWith('fj2-alice', { Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'a' } } }),
    );
    assert.equal(await (await team.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'a/1' }))).Body?.transformToString(), 'a/1');

    const one = await failure(team.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/1' })));
    assert.equal(one.code, 'AccessDenied');
    assert.equal(one.status, 403);
    assert.match(one.message, /s3:DeleteObject on resource: "arn:aws:s3:::fj2-shared\/a\/1"/);
    // `versionId=null` is decided as s3:DeleteObjectVersion, which no statement grants.
    assert.equal((await failure(team.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/1', VersionId: 'null' })))).code, 'AccessDenied');

    const many = await team.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a/2' }, { Key: 'a/3' }] } }));
    assert.deepEqual(many.Deleted ?? [], []);
    assert.deepEqual((many.Errors ?? []).map((e) => [e.Key, e.Code]), [['a/2', 'AccessDenied'], ['a/3', 'AccessDenied']]);
    assert.deepEqual(await keys(), ['a/1', 'a/2', 'a/3']);
  });

  it('a Deny conditioned on the object\'s tags applies to its reads, not to deletes, as in S3', async () => {
    const ops = s3(
      await userWith(
        'fj2-bob',
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] },
        { Effect: 'Deny', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/retain': 'true' } } },
      ),
    );
    assert.equal((await failure(ops.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'a/3' })))).code, 'AccessDenied');
    await ops.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/3' }));
    const many = await ops.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a/2' }] } }));
    assert.deepEqual((many.Deleted ?? []).map((d) => d.Key), ['a/2']);
    assert.deepEqual(await keys(), ['a/1']);
  });
});
