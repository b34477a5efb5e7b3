/**
 * Review db, 3: who-can answered "who can read this bucket?" with the account's own users and roles only. A bucket
 * policy granting `Principal: "*"` (anyone) or another account listed the same principals as one granting nothing
 * beyond the account, and the note said only that principals of other accounts are not listed: the exposure an auditor
 * asks the question for (Access Analyzer's finding) was not in the answer, as bindings to `allUsers` were not before
 * review ai, 8. The answer now lists `grantedByResourcePolicy`: `*` or the other account's principal each Allow
 * statement grants the question to (decided by the engine with the policies as they stand, conditions included, the
 * foreign account's own side taken as allowing), named in the note and printed by `gatehouse who-can`. The cross-account
 * grant is then taken for real: a user of that account reads the object through the S3 gateway. Real server, SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const B = '222233334444';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review db3: who-can names the grants of resource policies beyond the account', () => {
  let s: TestServer;
  let reader: Credentials;
  const s3Of = (who: Credentials) => new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
  before(async () => {
    s = await startTestServer();
    const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    const adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const iamB = s.iam(adminB);
    await iamB.send(new I.CreateUserCommand({ UserName: 'reader' }));
    await iamB.send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    const k = (await iamB.send(new I.CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey;
    reader = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    const admin = s3Of(s.admin);
    for (const bucket of ['db3-pub', 'db3-shared', 'db3-own', 'db3-office']) {
      await admin.send(new S3.CreateBucketCommand({ Bucket: bucket }));
      await admin.send(new S3.PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    }
    const policies: Record<string, object> = {
      'db3-pub': { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::db3-pub/*' },
      'db3-shared': { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::db3-shared/*' },
      'db3-own': { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::db3-own/*' },
      'db3-office': { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::db3-office/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    };
    for (const [bucket, st] of Object.entries(policies)) await admin.send(new S3.PutBucketPolicyCommand({ Bucket: bucket, Policy: doc(st) }));
    // The server refreshes its resource policies within a 250 ms tick.
    await new Promise((r) => setTimeout(r, 400));
  });
  after(() => s?.stop());

  const whoCan = async (bucket: string, context?: object): Promise<{ grantedByResourcePolicy: { principal: string; policy: string; statement: number }[]; note: string }> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/k`, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as never;
  };

  it('a bucket open to anyone, or to another account, says so; one granting another action, or a condition unmet, does not', async () => {
    const pub = await whoCan('db3-pub');
    assert.deepEqual(pub.grantedByResourcePolicy, [{ principal: '*', policy: 'resource policy of arn:aws:s3:::db3-pub', statement: 0, conditional: false, conditions: [], unless: [] }]);
    assert.match(pub.note, /resource policies also grant it to anyone \(\*/);
    const shared = await whoCan('db3-shared');
    assert.deepEqual(shared.grantedByResourcePolicy.map((g) => g.principal), [`arn:aws:iam::${B}:root`]);
    assert.match(shared.note, /resource policies also grant it to principals of other accounts/);
    assert.deepEqual((await whoCan('db3-own')).grantedByResourcePolicy, []);
    assert.deepEqual((await whoCan('db3-office')).grantedByResourcePolicy, [], 'no source IP in the question');
    assert.deepEqual((await whoCan('db3-office', { 'aws:SourceIp': '10.1.2.3' })).grantedByResourcePolicy.map((g) => g.principal), ['*']);
  });

  it('the grant is real: a user of the other account reads the object; gatehouse who-can prints it', async () => {
    const got = await s3Of(reader).send(new S3.GetObjectCommand({ Bucket: 'db3-shared', Key: 'k' }));
    assert.equal(await got.Body?.transformToString(), 'x');
    await assert.rejects(s3Of(reader).send(new S3.GetObjectCommand({ Bucket: 'db3-own', Key: 'k' })));
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::db3-shared/k']);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /also granted by resource policies to principals not listed above/);
    assert.match(cli.out, new RegExp(`^arn:aws:iam::${B}:root +0 of the resource policy of arn:aws:s3:::db3-shared$`, 'm'));
  });
});
