/**
 * Review hs, 5. An OSS resource server asks the authorize API in OSS's own actions (Alibaba's RAM action names), and
 * a bucket's users are granted `roles/storage.objectAdmin` or `roles/storage.admin` by a binding. Only six `oss:`
 * actions had a bindings permission, so the object admin was refused (ImplicitDeny, "action `oss:AbortMultipartUpload`
 * has no bindings permission") what the same role grants on an S3 bucket: aborting a multipart upload
 * (`oss:AbortMultipartUpload`), listing its parts (`oss:ListParts`) or the bucket's uploads
 * (`oss:ListMultipartUploads`), reading or changing an object's tags (`oss:GetObjectTagging`, `oss:PutObjectTagging`,
 * `oss:DeleteObjectTagging`) or a version (`oss:GetObjectVersion`, `oss:DeleteObjectVersion`); and the bucket admin
 * could not create or delete the bucket (`oss:PutBucket`, `oss:DeleteBucket`). A question in the bindings' spelling on
 * an OSS object (`storage.multipartUploads.abort`) was decided by IAM as the S3 action, so a RAM policy allowing
 * `oss:AbortMultipartUpload` did not allow it, and an explicit Deny of it did not apply.
 *
 * Now those OSS actions need the permissions their S3 counterparts need (review hs, 2 for tags and versions), and a
 * question in the bindings' spelling on an OSS ARN is the OSS action.
 *
 * Before the fix 3 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundUsers } from './support/bound-users.ts';

const BUCKET = 'acs:oss:*:*:hs5-data';
const OBJECT = `${BUCKET}/checkpoints/step-100.bin`;

describe('bindings: storage roles grant OSS\'s own actions as they grant S3\'s', () => {
  const world = boundUsers({
    users: ['writer', 'reader', 'owner', 'ram-user'],
    policies: { 'ram-user': { uploads: [{ Effect: 'Allow', Action: ['oss:AbortMultipartUpload', 'oss:ListParts'], Resource: `${BUCKET}/*` }, { Effect: 'Deny', Action: 'oss:ListParts', Resource: `${BUCKET}/checkpoints/*` }] } },
    resource: BUCKET,
    bindings: [
      { role: 'roles/storage.objectAdmin', members: ['user:writer'] },
      { role: 'roles/storage.objectViewer', members: ['user:reader'] },
      { role: 'roles/storage.admin', members: ['user:owner'] },
    ],
  });
  const ask = (user: string, action: string, resource = OBJECT) => world().ask(user, action, resource);

  it('the object admin aborts uploads, lists parts and uploads, and reads and changes tags and versions', async () => {
    for (const action of ['oss:AbortMultipartUpload', 'oss:ListParts', 'oss:GetObjectTagging', 'oss:PutObjectTagging', 'oss:DeleteObjectTagging', 'oss:GetObjectVersion', 'oss:DeleteObjectVersion']) {
      const a = await ask('writer', action);
      assert.equal(a['decision'], 'Allow', `${action}: ${JSON.stringify(a)}`);
    }
    assert.equal((await ask('writer', 'oss:ListMultipartUploads', BUCKET))['decision'], 'Allow');
    // The bucket admin creates and deletes the bucket; the object admin does not.
    assert.equal((await ask('owner', 'oss:PutBucket', BUCKET))['decision'], 'Allow');
    assert.equal((await ask('owner', 'oss:DeleteBucket', BUCKET))['decision'], 'Allow');
    assert.equal((await ask('writer', 'oss:DeleteBucket', BUCKET))['decision'], 'ImplicitDeny');
  });

  it('the viewer reads tags and versions, and changes nothing', async () => {
    assert.equal((await ask('reader', 'oss:GetObjectTagging'))['decision'], 'Allow');
    assert.equal((await ask('reader', 'oss:GetObjectVersion'))['decision'], 'Allow');
    for (const action of ['oss:AbortMultipartUpload', 'oss:PutObjectTagging', 'oss:DeleteObjectVersion']) assert.equal((await ask('reader', action))['decision'], 'ImplicitDeny', action);
  });

  it('a question in the bindings\' spelling on an OSS object is the OSS action to IAM', async () => {
    assert.equal((await ask('ram-user', 'storage.multipartUploads.abort'))['decision'], 'Allow');
    const denied = await ask('ram-user', 'storage.multipartUploads.listParts');
    assert.equal(denied['decision'], 'ExplicitDeny', JSON.stringify(denied));
    assert.equal((await ask('ram-user', 'storage.multipartUploads.listParts', `${BUCKET}/other/x.bin`))['decision'], 'Allow');
  });
});
