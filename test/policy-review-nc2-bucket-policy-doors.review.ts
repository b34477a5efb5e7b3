/**
 * Policy review nc, 2: `PUT /v1/resource-policies` and `apply` stored bucket policies that PutBucketPolicy refuses, whose statements never apply.
 * Before the fix 3 of 3 tests failed.
 *
 * A bucket policy is one document behind two APIs (docs/decisions.md, "One bucket policy, two APIs"). S3's
 * PutBucketPolicy refuses, as S3 does, a statement whose action is not `s3:` (MalformedPolicy "Policy has invalid
 * action") and one whose every action is decided on another kind of resource than its every `Resource` names
 * ("Action does not apply to any resource(s) in statement": `s3:GetObject` on `arn:aws:s3:::bucket`, the bucket
 * itself, which no GetObject ever names). The admin API and `gatehouse apply` took both, answered 200, and the
 * statement matched no request: a Deny written that way looked in force, was listed by `resource-policies get`, and
 * denied nothing, so the object it was written to protect was read. Every door now refuses them, naming the JSON path
 * of the offending element (the `Resource`s themselves stay `coversNothing`'s to judge there, so policy review S30's
 * mixed lists are still taken; its case of `s3:GetObject` on the bucket's own ARN is this finding and now asks
 * `s3:ListBucket`). Real server, the admin API, apply and the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const BUCKET = 'nc2-data';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
let s: TestServer;

/** A Deny meant to keep alice out of the bucket's objects, written on the bucket's own ARN. */
const denyOnBucketArn = { Version: '2012-10-17', Statement: [{ Sid: 'KeepAliceOut', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 's3:GetObject', Resource: BUCKET_ARN }] };
const otherService = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: ['s3:GetObject', 'ec2:TerminateInstances'], Resource: `${BUCKET_ARN}/*` }] };

const put = (document: unknown) => gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET_ARN)}`, { document });
const apply = (document: unknown) =>
  gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'nc2' }, spec: { resource: BUCKET_ARN, document } }] });
const detailPaths = (json: Record<string, unknown>): string[] => ((json['error'] as { details?: { path?: string }[] } | undefined)?.details ?? []).map((d) => d.path ?? '');

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
});
after(() => s?.stop());

describe('every door refuses a bucket policy statement that can never apply (review nc, 2)', () => {
  it('PUT /v1/resource-policies refuses an object action whose only Resource is the bucket, at its Action', async () => {
    const r = await put(denyOnBucketArn);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.deepEqual(detailPaths(r.json), ['document.Statement[0].Action']);
    assert.match(JSON.stringify(r.json), /Action does not apply to any resource\(s\) in statement/);
    // Nothing was stored: alice's read is decided by her own policy, as before.
    const d = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/alice`, action: 's3:GetObject', resource: `${BUCKET_ARN}/k` });
    assert.equal(d.json['decision'], 'Allow', JSON.stringify(d.json));
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', `/v1/resource-policies/${encodeURIComponent(BUCKET_ARN)}`)).status, 404);
  });

  it('PUT /v1/resource-policies refuses another service’s action in a bucket policy', async () => {
    const r = await put(otherService);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.deepEqual(detailPaths(r.json), ['document.Statement[0].Action']);
    assert.match(JSON.stringify(r.json), /ec2:TerminateInstances.*is not an S3 action/);
  });

  it('apply refuses both, at spec.document', async () => {
    const r = await apply(denyOnBucketArn);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.deepEqual(detailPaths(r.json), ['spec.document.Statement[0].Action']);
    const o = await apply(otherService);
    assert.equal(o.status, 400, JSON.stringify(o.json));
    assert.deepEqual(detailPaths(o.json), ['spec.document.Statement[0].Action']);
  });
});
