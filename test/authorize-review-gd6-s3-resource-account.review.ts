/**
 * Review gd, 6. The S3 gateway decides every request with `s3:ResourceAccount`, the account that owns the bucket
 * (review aj, 5), on which the data-perimeter guard `Deny … StringNotEquals s3:ResourceAccount <our accounts>` is
 * written. The authorize API took that key from the asker's context alone, as it once took `aws:ResourceAccount`
 * (review bx, 1): asked about the account's own bucket without it, the guard denied (ExplicitDeny where the gateway
 * serves the object); asked about a partner's bucket with `{"s3:ResourceAccount": "<our account>"}`, the perimeter was
 * lifted (Allow where the gateway refuses).
 *
 * Now a question on an S3 ARN is decided with the bucket's owner as `s3:ResourceAccount` when Gatehouse knows it (the
 * gateway no longer passes it itself), and the asker's value is ignored and named in a note, as `aws:ResourceAccount`
 * is. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK and `/v1/authorize`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients } from './support/s3.ts';
import { createdAccount, sdkFailure, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const OTHER = '111111111111';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('authorize: s3:ResourceAccount is the bucket owner, as the S3 gateway decides', () => {
  let s: TestServer;
  let account: string;
  let perimeter: Credentials;
  const s3 = s3Clients(() => s);
  const ask = async (resource: string, context?: Record<string, string>) =>
    (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${account}:user/perimeter`, action: 's3:GetObject', resource, ...(context ? { context } : {}) })).json;

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    const partner = s3(await createdAccount(s, OTHER, 'partner'));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: 'gd6-own' }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: 'gd6-own', Key: 'k', Body: 'own' }));
    await partner.send(new S3.CreateBucketCommand({ Bucket: 'gd6-partner' }));
    await partner.send(new S3.PutObjectCommand({ Bucket: 'gd6-partner', Key: 'k', Body: 'partner' }));
    await partner.send(new S3.PutBucketPolicyCommand({ Bucket: 'gd6-partner', Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::gd6-partner/*' }) }));
    perimeter = await userWithPolicy(s, 'perimeter', doc(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      { Sid: 'Perimeter', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 's3:ResourceAccount': [account] } } },
    ));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('the gateway serves the own bucket and refuses the partner\'s', async () => {
    const own = await s3(perimeter).send(new S3.GetObjectCommand({ Bucket: 'gd6-own', Key: 'k' }));
    assert.equal(await own.Body?.transformToString(), 'own');
    assert.equal((await sdkFailure(s3(perimeter).send(new S3.GetObjectCommand({ Bucket: 'gd6-partner', Key: 'k' })))).code, 'AccessDenied');
  });

  it('the authorize API answers the same without the key in the context', async () => {
    assert.equal((await ask('arn:aws:s3:::gd6-own/k'))['decision'], 'Allow');
    assert.equal((await ask('arn:aws:s3:::gd6-partner/k'))['decision'], 'ExplicitDeny');
  });

  it('and an asker cannot say the partner\'s bucket is the account\'s own', async () => {
    const forged = await ask('arn:aws:s3:::gd6-partner/k', { 's3:ResourceAccount': account });
    assert.equal(forged['decision'], 'ExplicitDeny', JSON.stringify(forged));
    assert.ok((forged['diagnostics'] as string[]).some((d) => d.includes('`s3:ResourceAccount` ignored')), JSON.stringify(forged['diagnostics']));
    const other = await ask('arn:aws:s3:::gd6-own/k', { 'S3:ResourceAccount': OTHER });
    assert.equal(other['decision'], 'Allow', JSON.stringify(other));
  });
});
