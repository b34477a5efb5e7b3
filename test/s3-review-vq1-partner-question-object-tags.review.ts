/**
 * Review vq, 1, against a real server with the real `@aws-sdk/client-s3`: the bucket's owner asking the authorize API
 * about a partner account's principal, on an object of its own gateway bucket, is answered with the object's stored
 * tags as `s3:ExistingObjectTag/<key>`, as the gateway decides that partner's request.
 *
 * What was wrong: the stored tags replaced the asker's only when the principal asked about was of the bucket's account
 * (review kd, 1). A resource server of the owner deciding on a partner its bucket policy names (the usual "share with
 * the partner account the objects tagged share=yes" statement, which `mayAsk` lets the owner ask about) was answered
 * with the tags it wrote: without them, ImplicitDeny for an object the partner's GetObject reads at the gateway; with
 * `share: yes` claimed, Allow for an object tagged share=no, which the gateway refuses. The same question, asked of
 * the authorize API and sent to the gateway, had opposite answers. Who-can already decided such grants with the
 * stored tags (review kj, 3).
 *
 * What is now so: the object's stored tags are decided with when the bucket is the principal's account's or the
 * asker's own (its tags are its to read); a question about its own principal on another account's object still keeps
 * that account's tags untold (review kd, 1).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { createdAccount, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';

const OWNER = '555566667777';
const PARTNER = '888899990000';
const BUCKET = 'vq1-shared';
const READER = `arn:aws:iam::${PARTNER}:user/vq1-reader`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let owner: Credentials;
let reader: Credentials;
const s3 = s3Clients(() => server);

interface Answer { decision: string; diagnostics: string[] }
async function ask(path: string, key: string, context?: Record<string, unknown>): Promise<Answer> {
  const r = await gatehouseJson(server.url, owner, 'POST', path, { principal: READER, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`, ...(context ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

before(async () => {
  server = await startTestServer();
  owner = await createdAccount(server, OWNER, 'vq1-owner');
  const partnerRoot = await createdAccount(server, PARTNER, 'vq1-partner');
  reader = await userWithPolicy({ url: server.url, admin: partnerRoot }, 'vq1-reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
  const o = s3(owner);
  await o.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await o.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shared', Body: 'yes', Tagging: 'share=yes' }));
  await o.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'no', Tagging: 'share=no' }));
  await o.send(new S3.PutBucketPolicyCommand({
    Bucket: BUCKET,
    Policy: doc({ Sid: 'Partner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/share': 'yes' } } }),
  }));
});

after(async () => {
  s3.destroyAll();
  await server?.stop();
});

describe('vq1: the owner asking about a partner\'s principal on its object is answered with the object\'s tags', () => {
  it('an object tagged share=yes: the partner reads it at the gateway, and the question without tags is Allow', async () => {
    assert.equal(await (await s3(reader).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shared' }))).Body?.transformToString(), 'yes');
    const a = await ask('/v1/authorize', 'shared');
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    assert.equal((await ask('/v1/simulate', 'shared')).decision, 'Allow');
  });

  it('an object tagged share=no: the gateway refuses, and a question claiming share=yes is not Allow', async () => {
    const [name, status] = await s3Refusal(s3(reader).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'kept' })));
    assert.deepEqual([name, status], ['AccessDenied', 403]);
    const a = await ask('/v1/authorize', 'kept', { 's3:ExistingObjectTag/share': 'yes' });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes('`s3:ExistingObjectTag/share`') && d.includes('replaced')), JSON.stringify(a.diagnostics));
  });

  it('a batch decides each question with the object\'s tags', async () => {
    const r = await gatehouseJson(server.url, owner, 'POST', '/v1/authorize:batch', { requests: [
      { principal: READER, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/kept`, context: { 's3:ExistingObjectTag/share': 'yes' } },
      { principal: READER, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/shared` },
    ] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual((r.json['results'] as Answer[]).map((x) => x.decision), ['ImplicitDeny', 'Allow']);
  });
});
