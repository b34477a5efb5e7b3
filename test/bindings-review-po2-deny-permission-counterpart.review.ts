/**
 * Review po, 2 (after review ox, 5). A question in the bindings' spelling is the same request as the IAM actions it is
 * about, so an explicit deny of one of them applies to it (src/core/bindings/actions.ts, "explicit deny wins whatever the
 * spelling"; docs/semantics.md). `storage.multipartUploads.create` and `storage.buckets.update` have no action in the
 * tables, and were put to IAM in their own spelling, which no statement names but `*`: a user whose identity policy says
 * `Deny s3:*`, bound `roles/storage.admin` on a bucket, was answered Allow by the authorize API for both, though creating a
 * multipart upload is `s3:PutObject` (AWS S3 API Reference, CreateMultipartUpload, "Permissions": "You must have the
 * s3:PutObject permission") and changing a bucket's versioning or lifecycle `s3:PutBucketVersioning` /
 * `s3:PutLifecycleConfiguration`, which the same Deny refuses.
 *
 * Now each is asked as those actions of the resource's service (OSS's on an OSS bucket): a Deny of any holds, and IAM
 * allows the permission where it allows each. No binding grants the actions through them.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls, SDK v3 IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'arn:aws:s3:::po2-data';
const OBJECT = `${BUCKET}/ckpt/step-1.pt`;

describe('review po2: an explicit deny holds against storage.multipartUploads.create and storage.buckets.update', () => {
  let s: TestServer;
  let account: string;
  const ask = async (user: string, action: string, resource: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${account}:user/${user}`, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    const iam = s.iam();
    const deny = (Action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action, Resource: '*' }] });
    for (const [user, Action] of [['nos3', 's3:*'], ['noput', 's3:PutObject'], ['nolife', 's3:PutLifecycleConfiguration'], ['free', undefined]] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: user }));
      if (Action !== undefined) await iam.send(new I.PutUserPolicyCommand({ UserName: user, PolicyName: 'deny', PolicyDocument: deny(Action) }));
    }
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: BUCKET, bindings: [{ role: 'roles/storage.admin', members: ['user:nos3', 'user:noput', 'user:nolife', 'user:free'] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    await s?.stop();
  });

  it('a Deny of s3:* refuses both permissions, as it refuses the S3 actions they are', async () => {
    assert.equal((await ask('nos3', 's3:PutObject', OBJECT))['decision'], 'ExplicitDeny');
    const upload = await ask('nos3', 'storage.multipartUploads.create', OBJECT);
    assert.equal(upload['decision'], 'ExplicitDeny', JSON.stringify(upload));
    const update = await ask('nos3', 'storage.buckets.update', BUCKET);
    assert.equal(update['decision'], 'ExplicitDeny', JSON.stringify(update));
  });

  it('a Deny of one of the actions refuses its permission and no other', async () => {
    assert.equal((await ask('noput', 'storage.multipartUploads.create', OBJECT))['decision'], 'ExplicitDeny');
    assert.equal((await ask('noput', 'storage.buckets.update', BUCKET))['decision'], 'Allow');
    assert.equal((await ask('nolife', 'storage.buckets.update', BUCKET))['decision'], 'ExplicitDeny');
    assert.equal((await ask('nolife', 'storage.multipartUploads.create', OBJECT))['decision'], 'Allow');
  });

  it('without a Deny the binding grants both, and grants no S3 action through them', async () => {
    assert.equal((await ask('free', 'storage.multipartUploads.create', OBJECT))['decision'], 'Allow');
    assert.equal((await ask('free', 'storage.buckets.update', BUCKET))['decision'], 'Allow');
    assert.notEqual((await ask('free', 's3:PutBucketVersioning', BUCKET))['decision'], 'Allow');
  });
});
