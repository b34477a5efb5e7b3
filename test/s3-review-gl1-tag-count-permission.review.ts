/**
 * Review gl, 1, against a real server with the real `@aws-sdk/client-s3`: GetObject and HeadObject tell an object's tag
 * count (`x-amz-tagging-count`, the SDK's `TagCount`) only to a caller that may read its tags, as S3 does.
 *
 * What was wrong: API_GetObject says of `x-amz-tagging-count` "The number of tags, if any, on the object, when you have
 * the relevant permission to read object tags". The gateway sent it to every reader: a principal allowed `s3:GetObject`
 * and refused `s3:GetObjectTagging` (or denied it outright, the usual way to keep tags that carry classifications or
 * owners from a reader) learned whether an object is tagged and how many tags it has, which its policies withhold.
 *
 * What is now so: the count is sent when the caller may `s3:GetObjectTagging` the object (with its tags as
 * `s3:ExistingObjectTag/*`, as GetObjectTagging is decided; `s3:GetObjectVersionTagging` for `versionId=null`), and
 * left out otherwise; the object itself is served as before.
 *
 * Before the fix, the reader without the tagging permission was told TagCount 2 (GET) and the header on HEAD.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { adminS3Client } from './support/s3.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'gl1-tagged';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let admin: S3.S3Client;
const clients: S3.S3Client[] = [];

/** A client of `credentials` that keeps the headers of each answer in `seen`. */
function client(credentials: Credentials, seen: { headers?: Record<string, string> }): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  c.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      seen.headers = (out.response as { headers: Record<string, string> }).headers;
      return out;
    },
    { step: 'deserialize', name: 'gl1Headers' },
  );
  clients.push(c);
  return c;
}

async function user(name: string, ...statements: object[]): Promise<Credentials> {
  const credentials = await userWithKey(server, name);
  await server.iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'read', PolicyDocument: doc(...statements) }));
  return credentials;
}

before(async () => {
  server = await startTestServer();
  admin = adminS3Client(server);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'model.pt', Body: 'weights', Tagging: 'classification=secret&owner=ml' }));
  await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'plain.txt', Body: 'text' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  admin?.destroy();
  await server?.stop();
});

describe('gl 1: x-amz-tagging-count goes only to who may read the tags', () => {
  const objects = `arn:aws:s3:::${BUCKET}/*`;

  it('a reader not allowed s3:GetObjectTagging (or denied it) reads the object without the tag count', async () => {
    const seen: { headers?: Record<string, string> } = {};
    const reader = client(await user('gl1-reader', { Effect: 'Allow', Action: 's3:GetObject', Resource: objects }), seen);
    const got = await reader.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }));
    assert.equal(await got.Body?.transformToString(), 'weights');
    assert.equal(got.TagCount, undefined);
    await reader.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }));
    assert.equal(seen.headers?.['x-amz-tagging-count'], undefined);

    const deniedSeen: { headers?: Record<string, string> } = {};
    const denied = client(await user('gl1-denied', { Effect: 'Allow', Action: 's3:GetObject*', Resource: objects }, { Effect: 'Deny', Action: 's3:GetObjectTagging', Resource: objects, Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'secret' } } }), deniedSeen);
    assert.equal((await denied.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }))).TagCount, undefined);
    await denied.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }));
    assert.equal(deniedSeen.headers?.['x-amz-tagging-count'], undefined);
  });

  it('a reader allowed s3:GetObjectTagging is told the count, on GET and HEAD; an untagged object has none', async () => {
    const seen: { headers?: Record<string, string> } = {};
    const tagReader = client(await user('gl1-tag-reader', { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging'], Resource: objects }), seen);
    assert.equal((await tagReader.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }))).TagCount, 2);
    await tagReader.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }));
    assert.equal(seen.headers?.['x-amz-tagging-count'], '2');
    assert.equal((await tagReader.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'plain.txt' }))).TagCount, undefined);
    // The bucket owner's root reads everything, the count included.
    assert.equal((await admin.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt' }))).TagCount, 2);
  });

  it('versionId=null is decided as s3:GetObjectVersionTagging', async () => {
    const versionless = client(await user('gl1-versionless', { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'], Resource: objects }), {});
    assert.equal((await versionless.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt', VersionId: 'null' }))).TagCount, undefined);
    const versioned = client(await user('gl1-versioned', { Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging'], Resource: objects }), {});
    assert.equal((await versioned.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'model.pt', VersionId: 'null' }))).TagCount, 2);
  });
});
