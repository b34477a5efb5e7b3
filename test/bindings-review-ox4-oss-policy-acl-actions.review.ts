/**
 * Review ox, 4. An OSS resource server asks the authorize API in OSS's own action names (Alibaba's RAM actions). Review
 * hs, 5 gave the OSS names of the multipart, tagging, version and bucket create/delete actions the permissions of their
 * S3 counterparts, but not those of a bucket's policy, ACL, versioning and location, nor an object's ACL, which review
 * hs, 6 (and ox, 1) mapped for S3. So a bucket's `roles/storage.admin` was refused (ImplicitDeny, "action
 * `oss:PutBucketPolicy` has no bindings permission") `oss:GetBucketPolicy`, `oss:PutBucketPolicy`,
 * `oss:DeleteBucketPolicy`, `oss:GetBucketAcl`, `oss:PutBucketAcl`, `oss:GetBucketVersioning` and `oss:GetBucketLocation`,
 * and its `roles/storage.objectAdmin` `oss:GetObjectAcl` and `oss:PutObjectAcl`, all of which the same roles grant on an S3
 * bucket. And a question in the bindings' spelling on an OSS bucket (`storage.buckets.setIamPolicy`) was put to IAM as
 * `s3:PutBucketPolicy`, the only action of the permission, so a RAM policy denying `oss:PutBucketPolicy` on the bucket did
 * not apply and the binding's grant answered Allow.
 *
 * Now those OSS actions (Alibaba OSS, "RAM Policy" action list) need the permissions of their S3 counterparts, and the
 * policy ones are their permission's own OSS actions, so the bindings' spelling on an OSS ARN is the OSS action to IAM.
 *
 * Before the fix 2 of 2 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundUsers } from './support/bound-users.ts';

const BUCKET = 'acs:oss:*:*:ox4-data';
const OBJECT = `${BUCKET}/checkpoints/step-100.bin`;

describe("review ox4: storage roles grant OSS's policy and ACL actions as they grant S3's", () => {
  // A bucket admin by binding whose own policies deny changing the bucket's policy, in OSS's words.
  const world = boundUsers({
    users: ['owner', 'writer', 'reader', 'guarded'],
    policies: { guarded: { 'no-policy-changes': [{ Effect: 'Deny', Action: ['oss:PutBucketPolicy', 'oss:DeleteBucketPolicy'], Resource: BUCKET }] } },
    resource: BUCKET,
    bindings: [
      { role: 'roles/storage.admin', members: ['user:owner', 'user:guarded'] },
      { role: 'roles/storage.objectAdmin', members: ['user:writer'] },
      { role: 'roles/storage.objectViewer', members: ['user:reader'] },
    ],
  });
  const ask = (user: string, action: string, resource: string) => world().ask(user, action, resource);

  it('the bucket admin manages the policy and ACLs, the object admin the object ACL; a viewer neither', async () => {
    for (const action of ['oss:GetBucketPolicy', 'oss:PutBucketPolicy', 'oss:DeleteBucketPolicy', 'oss:GetBucketAcl', 'oss:PutBucketAcl', 'oss:GetBucketVersioning', 'oss:GetBucketLocation']) {
      const a = await ask('owner', action, BUCKET);
      assert.equal(a['decision'], 'Allow', `${action}: ${JSON.stringify(a)}`);
    }
    for (const action of ['oss:GetObjectAcl', 'oss:PutObjectAcl']) {
      const a = await ask('writer', action, OBJECT);
      assert.equal(a['decision'], 'Allow', `${action}: ${JSON.stringify(a)}`);
    }
    assert.equal((await ask('writer', 'oss:PutBucketPolicy', BUCKET))['decision'], 'ImplicitDeny');
    for (const action of ['oss:GetObjectAcl', 'oss:PutObjectAcl']) assert.equal((await ask('reader', action, OBJECT))['decision'], 'ImplicitDeny', action);
  });

  it("a RAM deny of oss:PutBucketPolicy holds against the binding, in OSS's words and in the bindings' spelling", async () => {
    assert.equal((await ask('guarded', 'oss:PutBucketPolicy', BUCKET))['decision'], 'ExplicitDeny');
    const spelled = await ask('guarded', 'storage.buckets.setIamPolicy', BUCKET);
    assert.equal(spelled['decision'], 'ExplicitDeny', JSON.stringify(spelled));
    // What it does not deny, the binding still grants.
    assert.equal((await ask('guarded', 'storage.buckets.getIamPolicy', BUCKET))['decision'], 'Allow');
  });
});
