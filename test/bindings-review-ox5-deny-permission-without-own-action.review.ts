/**
 * Review ox, 5. A question in the bindings' spelling is the same request as the IAM actions that need the permission, so
 * an explicit deny of one of them applies to it (reviews B4 and ej, 6; src/core/bindings/actions.ts: "explicit deny wins
 * whatever the spelling"). But IAM was asked only the permission's own actions (`storage.objects.get` → `s3:GetObject`),
 * and a permission whose every IAM action is a related one — `storage.objects.update` (`s3:PutObjectTagging`…),
 * `storage.objects.setIamPolicy` (`s3:PutObjectAcl`…), `storage.objects.getIamPolicy` (`s3:GetObjectAcl`…) — was put to
 * IAM in its own spelling, which no statement names but `*`. So a user whose identity policy says `Deny s3:*`, bound
 * `roles/storage.admin` on a bucket, was answered Allow by the authorize API for `storage.objects.update`,
 * `storage.objects.setIamPolicy` and `storage.objects.getIamPolicy` on its objects, while `s3:PutObjectTagging`,
 * `s3:PutObjectAcl` and `s3:GetObjectAcl`, the requests they are, were ExplicitDeny, and the S3 gateway refuses them.
 *
 * Now a permission with no action of its own is the request of the related actions that need it (those of the resource's
 * service): an explicit deny of one applies, and IAM allows it where it allows each of them, as for own actions.
 *
 * Before the fix 2 of 2 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundUsers } from './support/bound-users.ts';

const BUCKET = 'arn:aws:s3:::ox5-data';
const OBJECT = `${BUCKET}/models/m.bin`;

describe('review ox5: an explicit deny holds against a permission whose IAM actions are all related ones', () => {
  const world = boundUsers({
    users: ['nos3', 'noacl'],
    policies: { nos3: { deny: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }, noacl: { deny: [{ Effect: 'Deny', Action: 's3:PutObjectAcl', Resource: '*' }] } },
    resource: BUCKET,
    bindings: [{ role: 'roles/storage.admin', members: ['user:nos3', 'user:noacl'] }],
  });
  const ask = (user: string, action: string, resource = OBJECT) => world().ask(user, action, resource);

  it('a Deny of s3:* refuses the permissions as it refuses the S3 actions they are', async () => {
    for (const [permission, action] of [['storage.objects.update', 's3:PutObjectTagging'], ['storage.objects.setIamPolicy', 's3:PutObjectAcl'], ['storage.objects.getIamPolicy', 's3:GetObjectAcl']] as const) {
      assert.equal((await ask('nos3', action))['decision'], 'ExplicitDeny', action);
      const a = await ask('nos3', permission);
      assert.equal(a['decision'], 'ExplicitDeny', `${permission}: ${JSON.stringify(a)}`);
    }
  });

  it('a Deny of one related action refuses its permission and no other', async () => {
    assert.equal((await ask('noacl', 'storage.objects.setIamPolicy'))['decision'], 'ExplicitDeny');
    assert.equal((await ask('noacl', 'storage.objects.getIamPolicy'))['decision'], 'Allow');
    assert.equal((await ask('noacl', 'storage.objects.update'))['decision'], 'Allow');
  });
});
