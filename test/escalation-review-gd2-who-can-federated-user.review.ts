/**
 * Review gd, 2. A bucket policy may name a federated user of the account by its ARN
 * (`arn:aws:sts::A:federated-user/reporter`): that grants the federated session alone, without identity or session
 * policy (reference §A.1.2, "federated-user session"), and any user allowed `sts:GetFederationToken` on that ARN may
 * open such a session. Who-can listed the account's users, roles and the role sessions a resource policy names, never
 * a federated user: asked who may read the bucket, it answered the admin alone, while `broker`, a user with no S3
 * right at all, read it through GetFederationToken.
 *
 * Now each federated user of the account that a resource policy governing the resource names is asked about by its
 * ARN (kind `federated-user`), and lists in `through` the users that may open its session (allowed
 * `sts:GetFederationToken` on it, their own policies not denying the question), in the API and the CLI. Real server on
 * 127.0.0.1 (SQLite), the S3 gateway and STS through the AWS SDK, `/v1/who-can` and `gatehouse who-can`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'gd2-reports';
const OBJECT = `arn:aws:s3:::${BUCKET}/q1.csv`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

interface Through { principal: string; kind: string; name: string; path: { how: string; to: string }[] }
interface Reacher { kind: string; name: string; principal: string; through?: Through[] }

describe('who-can: a federated user a bucket policy names, and who may open its session', () => {
  let s: TestServer;
  let account: string;
  let reporter: string;
  let broker: Credentials;
  const s3 = (c: Credentials) => new S3Client({ endpoint: s.running.s3Url, region: REGION, credentials: c, forcePathStyle: true, maxAttempts: 1 });

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    reporter = `arn:aws:sts::${account}:federated-user/reporter`;
    const admin = s3(s.admin);
    try {
      await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'q1.csv', Body: 'revenue,1' }));
      await admin.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc({ Effect: 'Allow', Principal: { AWS: reporter }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }));
    } finally {
      admin.destroy();
    }
    // broker may mint federation tokens and nothing else; outsider may mint them only under other names; denied may
    // mint this one, but its own Deny of S3 binds its federated sessions too.
    broker = await userWithKey(s, 'broker');
    await userWithKey(s, 'outsider');
    await userWithKey(s, 'denied');
    const iam = s.iam();
    await iam.send(new PutUserPolicyCommand({ UserName: 'broker', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }) }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'outsider', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${account}:federated-user/ops-*` }) }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'denied', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*' }) }));
  });
  after(() => s?.stop());

  it('broker, with no S3 right, reads the object through a federated session', async () => {
    const t = await s.sts(broker).send(new GetFederationTokenCommand({ Name: 'reporter' }));
    const c = t.Credentials;
    const fed = s3({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    try {
      const o = await fed.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'q1.csv' }));
      assert.equal(await o.Body?.transformToString(), 'revenue,1');
    } finally {
      fed.destroy();
    }
  });

  it('denied, whose own policy denies S3, is refused through its federated session', async () => {
    const iam = s.iam();
    const k = await userWithKey(s, 'denied-key-holder');
    await iam.send(new PutUserPolicyCommand({ UserName: 'denied-key-holder', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*' }) }));
    const t = await s.sts(k).send(new GetFederationTokenCommand({ Name: 'reporter' }));
    const c = t.Credentials;
    const fed = s3({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    try {
      await assert.rejects(fed.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'q1.csv' })), (e: Error) => e.name === 'AccessDenied');
    } finally {
      fed.destroy();
    }
  });

  it('who-can lists the federated user, with the users that may open its session', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const allowed = r.json['allowed'] as Reacher[];
    const fed = allowed.find((a) => a.principal === reporter);
    assert.ok(fed, `the federated user is listed: ${JSON.stringify(allowed.map((a) => a.principal))}`);
    assert.equal(fed.kind, 'federated-user');
    assert.equal(fed.name, 'reporter');
    const through = fed.through ?? [];
    assert.deepEqual(through.map((t) => t.name).sort(), ['admin', 'broker'], JSON.stringify(through));
    assert.ok(through.some((t) => t.name === 'broker' && t.kind === 'user' && t.path[0]?.how === 'sts:GetFederationToken' && t.path[0]?.to === reporter), JSON.stringify(through));
    assert.ok(!through.some((t) => t.name === 'outsider'), 'outsider may not mint reporter');
    assert.ok(!through.some((t) => t.name === 'denied' || t.name === 'denied-key-holder'), 'their own Deny binds their federated sessions');
    assert.match(String(r.json['note']), /federated user/);
  });

  it('gatehouse who-can prints it, and the path through GetFederationToken', async () => {
    const r = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /federated-user\s+reporter/);
    assert.match(r.out, /broker .*-\(sts:GetFederationToken\)->/);
  });
});
