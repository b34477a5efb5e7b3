/**
 * Review cc, 6 (left by review bz): escalation-paths did not count writing a resource policy as a gain. A user allowed
 * `s3:PutBucketPolicy` on a bucket of the account (the S3 gateway), or `gatehouse:PutResourcePolicy` on a resource
 * (PUT /v1/resource-policies), writes a policy granting itself (or a principal it acts as) every action on it and what
 * lies under it: the report said nothing. It now lists the gain (`gives: resource`) for each bucket the account owns
 * and each resource it holds a policy on; a user allowed neither gets none. The gain is then taken: the user writes
 * the bucket policy and reads an object it could not. Real server, SDK v3 IAM and S3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BUCKET = 'arn:aws:s3:::cc6-data';
const MODEL = `arn:aws:ml::${A}:model/m1`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review cc6: writing a resource policy', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  const s3Of = (who: Credentials) => new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await s3Of(s.admin).send(new S3.CreateBucketCommand({ Bucket: 'cc6-data' }));
    await s3Of(s.admin).send(new S3.PutObjectCommand({ Bucket: 'cc6-data', Key: 'secret', Body: 'x' }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['resource-policies', MODEL], { body: { document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'ml:DeleteModel', Resource: MODEL }] } } });
    assert.ok(put.ok, put.ok ? '' : put.message);
    const users: Record<string, object[]> = {
      bucketWriter: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: BUCKET }],
      policyWriter: [{ Effect: 'Allow', Action: 'gatehouse:PutResourcePolicy', Resource: MODEL }],
      reader: [{ Effect: 'Allow', Action: ['s3:GetBucketPolicy', 'gatehouse:GetResourcePolicy'], Resource: '*' }],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('a bucket policy or a resource policy the user may write is a gain on that resource; reading them is not', async () => {
    assert.deepEqual((await gainsOf('bucketWriter')).map((g) => [g.by, g.principal, g.action, g.resource, g.gives]), [[user('bucketWriter'), user('bucketWriter'), 's3:PutBucketPolicy', BUCKET, 'resource']]);
    assert.deepEqual((await gainsOf('policyWriter')).map((g) => [g.action, g.resource, g.gives]), [['gatehouse:PutResourcePolicy', MODEL, 'resource']]);
    assert.deepEqual(await gainsOf('reader'), []);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('bucketWriter')]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /any right a resource policy grants/);
  });

  it('the gain is real: the user writes the bucket policy and reads what it could not', async () => {
    const mine = s3Of(keys['bucketWriter'] as Credentials);
    await assert.rejects(mine.send(new S3.GetObjectCommand({ Bucket: 'cc6-data', Key: 'secret' })));
    await mine.send(new S3.PutBucketPolicyCommand({ Bucket: 'cc6-data', Policy: doc({ Effect: 'Allow', Principal: { AWS: user('bucketWriter') }, Action: 's3:*', Resource: [BUCKET, `${BUCKET}/*`] }) }));
    const got = await mine.send(new S3.GetObjectCommand({ Bucket: 'cc6-data', Key: 'secret' }));
    assert.equal(await got.Body?.transformToString(), 'x');
  });
});
