/**
 * Review pa, 1: the decisions the S3 gateway and the authorize API record about the caller itself carried no source
 * IP. A request to the S3 gateway refused by a policy's `NotIpAddress aws:SourceIp` Deny was recorded `ExplicitDeny`
 * with the reason "explicit deny in an identity-based policy" and no address at all, so an auditor could not tell from
 * where the refused request came, the one fact the decision turned on; an allowed GetObject (CloudTrail's data event,
 * which carries `sourceIPAddress`) named its key but not its address. Only the refusals the gateway decides itself
 * (`s3: …`) and the failed signatures had it.
 *
 * The contract: issue 7 (the audit log says "who did what … from which job"; every denial "with its explanation"), and
 * docs/decisions.md, "Every record says who acted and from where; a refusal no use case records is recorded at the
 * edge" (`sourceIp`, CloudTrail's `sourceIPAddress`, the TCP peer as `aws:SourceIp` is, on every record of what a
 * caller did). Now a decision about the caller that made the request (the S3 gateway's, an authorize-API question
 * about the asker itself) records the address the request came from; a question about another principal still does
 * not (the asker's address is not that principal's), nor one decided on a relayed `principalProof`. Real server on
 * 127.0.0.1, the AWS SDK v3's S3 client, the authorize API signed as the CLI signs it.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { adminS3Client, s3ClientAs, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

interface Rec {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision?: string;
  readonly sourceIp?: string;
  readonly accessKeyId?: string;
  readonly detail: Record<string, unknown>;
}

const BUCKET = 'pa1-bucket';

describe('review pa1: decisions about the requester record its source IP', () => {
  let s: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    const admin = adminS3Client(s);
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello' }));
    // Alice may read from the office only: the AWS User Guide's "deny based on the source IP" shape.
    alice = await userWithPolicy(
      s,
      'alice-pa1',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 'gatehouse:Authorize'], Resource: '*' },
          { Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*`, Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } },
        ],
      }),
    );
    bob = await userWithPolicy(s, 'bob-pa1', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
  });
  after(async () => {
    await s?.stop();
  });

  async function records(principal: string, action: string): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?principal=${encodeURIComponent(principal)}&action=${encodeURIComponent(action)}&limit=1000`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    return (q.json as { records: Rec[] }).records;
  }

  it('an S3 request denied by a NotIpAddress aws:SourceIp Deny is recorded with the address it came from', async () => {
    const c = s3ClientAs(s, alice);
    const [name, status] = await s3Refusal(c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret/plan' })));
    assert.deepEqual([name, status], ['AccessDenied', 403]);
    c.destroy();
    const denied = (await records('arn:aws:iam::000000000000:user/alice-pa1', 's3:GetObject')).filter((r) => r.resource === `arn:aws:s3:::${BUCKET}/secret/plan`);
    assert.equal(denied.length, 1, JSON.stringify(denied));
    assert.equal(denied[0]?.decision, 'ExplicitDeny');
    assert.equal(denied[0]?.accessKeyId, alice.accessKeyId);
    assert.equal(denied[0]?.sourceIp, '127.0.0.1', JSON.stringify(denied[0]));
  });

  it('an allowed S3 GetObject (a data event) is recorded with its address', async () => {
    const c = s3ClientAs(s, bob);
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.equal(await got.Body?.transformToString(), 'hello');
    c.destroy();
    const allowed = (await records('arn:aws:iam::000000000000:user/bob-pa1', 's3:GetObject')).filter((r) => r.resource === `arn:aws:s3:::${BUCKET}/k`);
    assert.equal(allowed.length, 1, JSON.stringify(allowed));
    assert.equal(allowed[0]?.decision, 'Allow');
    assert.equal(allowed[0]?.sourceIp, '127.0.0.1', JSON.stringify(allowed[0]));
  });

  it('an authorize-API question about the asker itself is recorded with the asker\'s address', async () => {
    const r = await gatehouseJson(s.url, alice, 'POST', '/v1/authorize', { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/x` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny');
    const recs = (await records('arn:aws:iam::000000000000:user/alice-pa1', 's3:PutObject')).filter((x) => x.resource === `arn:aws:s3:::${BUCKET}/x`);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]?.sourceIp, '127.0.0.1', JSON.stringify(recs[0]));
  });

  it('a question about another principal does not give that principal the asker\'s address', async () => {
    const r = await gatehouseJson(s.url, alice, 'POST', '/v1/authorize', { principal: 'arn:aws:iam::000000000000:user/bob-pa1', action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/y` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const recs = (await records('arn:aws:iam::000000000000:user/bob-pa1', 's3:DeleteObject')).filter((x) => x.resource === `arn:aws:s3:::${BUCKET}/y`);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]?.sourceIp, undefined, JSON.stringify(recs[0]));
    assert.equal(recs[0]?.detail['askedBy'], 'arn:aws:iam::000000000000:user/alice-pa1');
  });
});
