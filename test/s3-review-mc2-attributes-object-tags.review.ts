/**
 * Review mc, 2, against a real server with `@aws-sdk/client-s3`: the authorize API decides `s3:GetObjectAttributes`
 * (and `s3:GetObjectVersionAttributes`) on an object of the S3 gateway with the object's stored tags, as the gateway
 * decides GetObjectAttributes.
 *
 * What was wrong: review ls, 1 made the gateway serve GetObjectAttributes, deciding `s3:GetObject` and
 * `s3:GetObjectAttributes` each with the object's tags as `s3:ExistingObjectTag/*`; but the authorize API's list of the
 * actions S3 gives that key to (review kd, 1) did not name the Attributes actions, so a question about one of them on a
 * gateway object was decided without any tag at all, and a note said, wrongly, that S3 decides it without the object's
 * tags. A Deny on `s3:ExistingObjectTag/classification` that the gateway applies to a secret object was lifted
 * (Allow under an unconditional grant, where GetObjectAttributesCommand is AccessDenied), and the team's Allow on `s3:ExistingObjectTag/team` never
 * applied (ImplicitDeny, where the gateway answers the attributes).
 *
 * What S3 does: object tags are conditions of the object read operations (Amazon S3 User Guide, "Tagging and access
 * control policies"; only PUT Object and DELETE Object are without `s3:ExistingObjectTag`), and GetObjectAttributes is
 * one ("you need the s3:GetObject and s3:GetObjectAttributes permissions", API_GetObjectAttributes); the gateway decides
 * both with the tags (docs/decisions.md), and the authorize API answers as the gateway decides (review kd, 1).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const BUCKET = 'mc2-data';
const ALICE = 'arn:aws:iam::000000000000:user/mc2-alice';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let alice: Credentials;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

interface Answer { decision: string; diagnostics: string[] }
async function ask(action: string, key: string, context?: Record<string, unknown>): Promise<Answer> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ALICE, action, resource: `arn:aws:s3:::${BUCKET}/${key}`, ...(context ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}
const attributes = (key: string) => new S3.GetObjectAttributesCommand({ Bucket: BUCKET, Key: key, ObjectAttributes: ['ObjectSize'] });

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'mc2-alice' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'mc2-alice',
    PolicyName: 'abac',
    PolicyDocument: doc(
      { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
      { Sid: 'Shared', Effect: 'Allow', Action: ['s3:GetObjectAttributes', 's3:GetObjectVersionAttributes'], Resource: `arn:aws:s3:::${BUCKET}/shared/*` },
      { Sid: 'Team', Effect: 'Allow', Action: ['s3:GetObjectAttributes', 's3:GetObjectVersionAttributes'], Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'eng' } } },
      { Sid: 'Secret', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'secret' } } },
    ),
  }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mc2-alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await s3().send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'eng/design', Body: 'e', Tagging: 'team=eng' }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shared/secret', Body: 's', Tagging: 'classification=secret' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('mc2: s3:GetObjectAttributes is decided with the object\'s tags, as the gateway decides it', () => {
  it('the Deny the secret object\'s tag brings applies to the question, as to GetObjectAttributes', async () => {
    // `shared/` is granted without condition: only the object's tag refuses it.
    assert.equal((await failure(s3(alice).send(attributes('shared/secret')))).code, 'AccessDenied');
    const a = await ask('s3:GetObjectAttributes', 'shared/secret');
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
    assert.equal((await ask('s3:GetObjectVersionAttributes', 'shared/secret', { 's3:ExistingObjectTag/classification': 'open' })).decision, 'ExplicitDeny');
  });

  it('the team\'s Allow on its object\'s tag applies to a question without tags, as the gateway answers the attributes', async () => {
    assert.equal((await s3(alice).send(attributes('eng/design'))).ObjectSize, 1);
    const a = await ask('s3:GetObjectAttributes', 'eng/design');
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
  });

  it('the asker\'s tags are said to be replaced by the object\'s, not ignored as for an action without them', async () => {
    const a = await ask('s3:GetObjectAttributes', 'eng/design', { 's3:ExistingObjectTag/team': 'finance' });
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes('`s3:ExistingObjectTag/team`') && d.includes('replaced')), JSON.stringify(a.diagnostics));
  });
});
