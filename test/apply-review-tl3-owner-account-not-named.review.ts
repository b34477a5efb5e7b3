/**
 * Review tl, finding 3: a tenant attaching a policy to a resource another tenant owns (`kind: ResourcePolicy` or
 * `kind: IamPolicy` in `gatehouse apply`, `PUT /v1/resource-policies/{resource}`, `PUT /v1/iam-policies`) was refused
 * "resource arn:aws:s3:::b-private belongs to account 222222222222": the owner's account id, told to any tenant that
 * guesses a bucket or ARN name, though a tenant is shown no other account (docs/decisions.md: `accounts list` shows a
 * tenant only its own, review gn, 5; apply refuses another account before it is looked up, review td, 5) and S3 refuses
 * PutBucketPolicy on another's bucket with a bare AccessDenied (policy-semantics.md: the bucket's owner is the resource
 * account). Now the refusal says the resource belongs to another account; the owner is named only to root-account
 * principals, and the root account itself (whose id is fixed and public) as before. The real CLI and admin API in
 * process against a real server (SQLite).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { accountAdmin, cliAgainst, type Credentials } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const B = '222222222222';
const resourcePolicy = (resource: string) => `apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: mine}
spec:
  resource: ${resource}
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::${B}:root"}, Action: "s3:GetObject", Resource: "${resource}/*"}]}
`;
const iamPolicy = (resource: string) => `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: mine}
spec:
  resource: ${resource}
  bindings: [{role: roles/storage.objectViewer, members: [allUsers]}]
`;

describe("review tl3: a resource's owner account is not named to another tenant", () => {
  const w = applyWorkspace('tl3');
  let a: Credentials;
  before(async () => {
    a = await accountAdmin(w.server, '111111111111', 'aws');
    const b = await accountAdmin(w.server, B, 'aws');
    const owned = await cliAgainst(w.server, ['apply', '-f', await w.file('b.yaml', resourcePolicy('arn:aws:s3:::b-private'))], b);
    assert.equal(owned.status, 0, owned.out + owned.err);
  });

  it("apply of a ResourcePolicy or IamPolicy on B's resource does not name B to tenant A", async () => {
    for (const [file, text] of [['rp.yaml', resourcePolicy('arn:aws:s3:::b-private')], ['ip.yaml', iamPolicy('arn:aws:s3:::b-private')]] as const) {
      const r = await cliAgainst(w.server, ['plan', '-f', await w.file(file, text)], a);
      assert.equal(r.status, 9, r.out + r.err);
      assert.match(r.err, /another account/);
      assert.doesNotMatch(r.out + r.err, /222222222222/);
    }
  });

  it("nor do PUT /v1/resource-policies and PUT /v1/iam-policies", async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-private/*' }] });
    const rp = await gatehouseJson(w.server.url, a, 'PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::b-private')}`, { document: doc });
    assert.equal(rp.status, 403, JSON.stringify(rp.json));
    assert.doesNotMatch(JSON.stringify(rp.json), /222222222222/);
    const ip = await gatehouseJson(w.server.url, a, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::b-private', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] });
    assert.equal(ip.status, 403, JSON.stringify(ip.json));
    assert.doesNotMatch(JSON.stringify(ip.json), /222222222222/);
  });

  it('the root admin is still told whose it is', async () => {
    const r = await w.cli('plan', '-f', await w.file('root.yaml', resourcePolicy('arn:aws:s3:::b-private')));
    assert.equal(r.status, 9, r.out + r.err);
    assert.match(r.err, /belongs to account 222222222222/);
  });
});
