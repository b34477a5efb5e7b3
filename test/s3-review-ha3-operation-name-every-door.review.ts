/**
 * Review ha, 3, against a real server: a resource policy on an S3 resource that writes an S3 API operation's name
 * as an action (`s3:ListObjectsV2`, `s3:HeadObject`…) is refused by every door, not by PutBucketPolicy alone
 * (review ha, 1): `PUT /v1/resource-policies/{resource}` and `POST /v1/apply` answer 400 POLICY_INVALID_ACTION with
 * S3's "Policy has invalid action", naming the statement and the action to write.
 *
 * What was wrong: those doors stored such a policy on `arn:aws:s3:::bucket` (or a prefix under it), where it governs
 * S3 requests exactly as a bucket policy does, and the statement matched no request: a Deny of `s3:ListObjectsV2`
 * to all but one role protected nothing, and `gatehouse apply` reported the configuration as in force.
 *
 * What is now so: refused, nothing of the set written. Policies on other resources (other services' actions are not
 * judged) and real S3 actions pass as before.
 *
 * Before the fix, the first two tests failed (the policies were stored).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'arn:aws:s3:::ha3-data';
const doc = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements });
const deny = (action: unknown, resource = `${BUCKET}/*`) => ({ Effect: 'Deny', Principal: '*', Action: action, Resource: resource });

describe('ha 3: an API operation name as an action, through the admin API and apply', () => {
  let server: TestServer;
  const put = (resource: string, document: unknown) => call(connectionTo(server.url, server.admin), 'PUT', ['resource-policies', resource], { body: { document } });
  const stored = async (resource: string): Promise<boolean> => (await call(connectionTo(server.url, server.admin), 'GET', ['resource-policies', resource], {})).ok;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('PUT /v1/resource-policies refuses it, naming the statement and the action to write, and stores nothing', async () => {
    for (const [resource, document, path, instead] of [
      [BUCKET, doc(deny('s3:GetObject'), deny(['s3:ListObjectsV2'], BUCKET)), 'Statement[1].Action', 's3:ListBucket'],
      [`${BUCKET}/team`, doc(deny('s3:HeadObject', `${BUCKET}/team/*`)), 'Statement[0].Action', 's3:GetObject'],
      [BUCKET, { Version: '2012-10-17', Statement: { Effect: 'Deny', Principal: '*', NotAction: 's3:copyobject', Resource: `${BUCKET}/*` } }, 'Statement.NotAction', 's3:PutObject'],
    ] as const) {
      const r = await put(resource, document);
      assert.equal(r.ok, false, JSON.stringify(document));
      if (r.ok) continue;
      assert.equal(r.httpStatus, 400, r.message);
      assert.equal(r.errors[0]?.code, 'POLICY_INVALID_ACTION', r.message);
      assert.match(r.errors[0]?.path ?? '', new RegExp(`${path.replace(/[[\].]/g, '\\$&')}$`), r.message);
      assert.match(r.message, /Policy has invalid action: .*names an S3 API operation/);
      assert.ok(r.message.includes(instead), r.message);
      assert.equal(await stored(resource), false, `nothing was stored on ${resource}`);
    }
  });

  it('apply refuses it too, and writes nothing of the set', async () => {
    const documents = [
      { apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'ok' }, spec: { resource: 'arn:aws:s3:::ha3-fine', document: doc(deny('s3:GetObject', 'arn:aws:s3:::ha3-fine/*')) } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'op' }, spec: { resource: 'arn:aws:s3:::ha3-apply', document: doc(deny('s3:ListObjects', 'arn:aws:s3:::ha3-apply')) } },
    ];
    const r = await call(connectionTo(server.url, server.admin), 'POST', ['apply'], { body: { documents } });
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) {
      assert.equal(r.httpStatus, 400, r.message);
      assert.match(r.message, /Policy has invalid action/);
    }
    assert.equal(await stored('arn:aws:s3:::ha3-fine'), false, 'no document of the refused apply was written');
    assert.equal(await stored('arn:aws:s3:::ha3-apply'), false);
  });

  it('real S3 actions, wildcards, and policies on other resources are stored as before', async () => {
    const ok = await put(BUCKET, doc(deny(['s3:GetObject', 's3:listbucket', 's3:List*'], '*')));
    assert.ok(ok.ok, JSON.stringify(ok));
    const sqs = await put('arn:aws:sqs:us-east-1:000000000000:ha3-queue', doc({ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:ha3-queue' }));
    assert.ok(sqs.ok, JSON.stringify(sqs));
  });
});
