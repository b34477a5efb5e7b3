/**
 * Review td, finding 4: `gatehouse plan` of a ResourcePolicy or an IamPolicy document answered with what is stored
 * without asking whether the caller may read it. A user allowed nothing was told `= unchanged` when its guess of a
 * bucket's policy or of an IAM policy's bindings was right (who may read the bucket, who is bound where), and a stale
 * `spec.etag` was refused quoting the policy's current etag. Reading them is a permission of its own: `GET
 * /v1/resource-policies/{resource}` asks `gatehouse:GetResourcePolicy` on the resource, `iam-policy get` asks
 * `gatehouse:GetIamPolicy` (docs/decisions.md, bindings); review td, 1 (what a plan reads is decided before it answers).
 * Now each is decided before the document is planned, and a caller refused it is told that alone. The real CLI in
 * process against a real server (SQLite).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithKey, userWithPolicy, type Credentials } from './support/server.ts';

const ALICE = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: alice}
spec: {}
`;
const bucketPolicy = (user: string) => `apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: reads}
spec:
  resource: "arn:aws:s3:::td4-data"
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:user/${user}"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::td4-data/*"}]}
`;
const iamPolicy = (member: string, etag = '') => `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: viewers}
spec:
  resource: account/000000000000
${etag === '' ? '' : `  etag: "${etag}"\n`}  bindings: [{role: roles/viewer, members: ["user:${member}"]}]
`;

describe('review td4: resource and IAM policies are read in a plan only as the caller may read them', () => {
  const w = applyWorkspace('td4');
  let nobody: Credentials;
  let reader: Credentials;
  before(async () => {
    const applied = await w.cli('apply', '-f', await w.file('setup.yaml', `${ALICE}---\n${bucketPolicy('alice')}---\n${iamPolicy('alice')}`));
    assert.equal(applied.status, 0, applied.out + applied.err);
    nobody = await userWithKey(w.server, 'nobody');
    reader = await userWithPolicy(w.server, 'reader', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['gatehouse:GetResourcePolicy', 'gatehouse:GetIamPolicy'], Resource: '*' }] }));
  });
  const plan = async (file: string, text: string, who: Credentials) => cliAgainst(w.server, ['plan', '-f', await w.file(file, text)], who);

  it("a right guess of a bucket's policy is not confirmed to a user allowed nothing", async () => {
    const r = await plan('bucket.yaml', bucketPolicy('alice'), nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.match(r.err, /gatehouse:GetResourcePolicy/);
    assert.doesNotMatch(r.out, /unchanged/);
  });

  it("nor one of an IAM policy's bindings, nor its etag", async () => {
    const same = await plan('iam.yaml', iamPolicy('alice'), nobody);
    assert.equal(same.status, 9, same.out + same.err);
    assert.match(same.err, /gatehouse:GetIamPolicy/);
    assert.doesNotMatch(same.out, /unchanged/);
    const stale = await plan('stale.yaml', iamPolicy('alice', 'AAAAAAAAAAA='), nobody);
    assert.equal(stale.status, 9, stale.out + stale.err);
    assert.doesNotMatch(stale.err, /etag is now|ETAG_MISMATCH/);
  });

  it('one allowed to read them is answered as before', async () => {
    const bucket = await plan('bucket2.yaml', bucketPolicy('alice'), reader);
    assert.equal(bucket.status, 0, bucket.out + bucket.err);
    assert.match(bucket.out, /= unchanged ResourcePolicy\/reads/);
    const stale = await plan('stale2.yaml', iamPolicy('alice', 'AAAAAAAAAAA='), reader);
    assert.equal(stale.status, 7, stale.out + stale.err);
    assert.match(stale.err, /etag is now/);
  });
});
