/**
 * Review gl, 4. The authorize API answers a question about reading or changing a bucket's policy
 * (`s3:GetBucketPolicy`, `s3:PutBucketPolicy`, `s3:DeleteBucketPolicy`) by a principal of another account than the
 * bucket's owner as the S3 gateway enforces it: not allowed, whatever the policies say.
 *
 * What was wrong: S3 lets only principals of the owner's account use those three operations ("If you have the correct
 * permissions, but you're not using an identity that belongs to the bucket owner's account, Amazon S3 returns a 405
 * Method Not Allowed error"), and the gateway does so (review aj, 2). The authorize API decided the question on the
 * policies alone: a partner's user whose own policy allows `s3:*` and whom the bucket policy grants `s3:*Policy` was
 * answered Allow for `s3:PutBucketPolicy` on a bucket whose policy the gateway never lets it change. A resource server
 * or an auditor asking "may it change that policy?" was told yes.
 *
 * What is now so: such a question is answered ImplicitDeny (`deniedBy: resource`), saying that only principals of the
 * owner's account may read or change the bucket's policy; the owner's own principals are answered as before, and
 * the other actions the bucket policy grants the partner (`s3:GetObject`) too. The gateway still answers 405.
 *
 * Before the fix the partner's questions were answered Allow. Real server on 127.0.0.1 (SQLite), the S3 gateway through
 * the AWS SDK and `/v1/authorize`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { createdAccount, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const PARTNER = '111111111111';
const BUCKET = 'gl4-partner-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('authorize: a bucket\'s policy is its owner\'s account\'s to read and change, as the S3 gateway enforces', () => {
  let s: TestServer;
  let account: string;
  let partner: Credentials;
  let ops: Credentials;
  const s3 = s3Clients(() => s);
  const ask = async (as: Credentials, principal: string, action: string, resource = `arn:aws:s3:::${BUCKET}`) =>
    (await gatehouseJson(s.url, as, 'POST', '/v1/authorize', { principal, action, resource })).json;

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    partner = await createdAccount(s, PARTNER, 'partner');
    ops = await userWithPolicy(s, 'gl4-ops', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), 'all');
    await s3(partner).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(partner).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'data' }));
    await s3(partner).send(new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/gl4-ops` }, Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:GetObject'], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }),
    }));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('the gateway refuses the partner\'s user the bucket policy (405) and serves it the objects', async () => {
    assert.deepEqual((await s3Refusal(s3(ops).send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET })))).slice(0, 2), ['MethodNotAllowed', 405]);
    assert.deepEqual((await s3Refusal(s3(ops).send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET })))).slice(0, 2), ['MethodNotAllowed', 405]);
    assert.equal(await (await s3(ops).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).Body?.transformToString(), 'data');
  });

  it('the authorize API answers the same: not allowed to read or change the policy, allowed the object', async () => {
    const user = `arn:aws:iam::${account}:user/gl4-ops`;
    for (const action of ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:deletebucketpolicy']) {
      const a = await ask(s.admin, user, action);
      assert.equal(a['decision'], 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
      assert.equal(a['deniedBy'], 'resource');
      assert.ok((a['reasons'] as string[]).some((r) => r.includes(`only principals of account ${PARTNER}`)), JSON.stringify(a['reasons']));
    }
    assert.equal((await ask(s.admin, user, 's3:GetObject', `arn:aws:s3:::${BUCKET}/k`))['decision'], 'Allow');
  });

  it('the owner\'s own principals are answered as before', async () => {
    for (const action of ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy']) {
      assert.equal((await ask(partner, `arn:aws:iam::${PARTNER}:user/admin`, action))['decision'], 'Allow', action);
    }
  });
});
