/**
 * Review ms, finding 1: `apply --prune` kept, for ever, the old object of a document that moved to another resource or principal under its name: a ResourcePolicy `data` moved from bucket-a to bucket-b, an IamPolicy from one workspace to another, an AccessEntry from role `a` to role `b`.
 * These kinds are their resource's (or their cluster's and principal's), not their document name's (docs/decisions.md:
 * "a ResourcePolicy by its resource, an AccessEntry by cluster and principal, an IamPolicy by its resource"), but the
 * prune skipped every stored object whose name a document uses: bucket-a kept its Allow for role `reader`, workspace
 * `old` its binding, role `a` its Kubernetes groups, and `plan --prune --exit-code` said the store matched the files.
 * Terraform replaces such an object (`bucket`, `principal_arn` force a new resource: the old one is destroyed). Now a
 * stored object of such a name that no document claims is pruned (`- delete`) beside the document's `+ create`, and only
 * that one: two stored under one name were each planned as a deletion of the first. The real CLI against a real server.
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const TRUST = '{trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:root"}, Action: "sts:AssumeRole"}]}}';
const role = (name: string): string => `apiVersion: gatehouse.dev/v1\nkind: Role\nmetadata: {name: ${name}}\nspec: ${TRUST}\n`;
const doc = (kind: string, name: string, spec: string): string => `apiVersion: gatehouse.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const bucketPolicy = (bucket: string): string =>
  doc('ResourcePolicy', 'data', `  resource: arn:aws:s3:::${bucket}\n  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:role/reader"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::${bucket}/*"}]}\n`);

describe('review ms1: --prune deletes the old object of a document moved to another resource or principal', () => {
  const { cli, file } = applyWorkspace('ms1');

  it('a ResourcePolicy moved from bucket-a to bucket-b: bucket-a loses its policy', async () => {
    const setup = await cli('apply', '-f', await file('roles.yaml', role('reader')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const first = await cli('apply', '--prune', '-f', await file('rp-a.yaml', bucketPolicy('bucket-a')));
    assert.equal(first.status, 0, first.out + first.err);
    const moved = await file('rp-b.yaml', bucketPolicy('bucket-b'));
    const plan = await cli('plan', '--prune', '-f', moved);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /\+ create ResourcePolicy\/data\n\s+- delete ResourcePolicy\/data\n/);
    const applied = await cli('apply', '--prune', '-f', moved);
    assert.equal(applied.status, 0, applied.out + applied.err);
    const list = await cli('resource-policies', 'list');
    assert.equal(list.status, 0, list.out + list.err);
    assert.doesNotMatch(list.out, /bucket-a/);
    assert.match(list.out, /bucket-b/);
    const again = await cli('plan', '--prune', '--exit-code', '-f', moved);
    assert.equal(again.status, 0, again.out + again.err);
  });

  it('an IamPolicy moved from workspace old to workspace new: old loses its binding', async () => {
    const setup = await cli('apply', '-f', await file('ws.yaml', `${doc('User', 'dana', '  {}\n')}---\n${doc('Workspace', 'old', '  {}\n')}---\n${doc('Workspace', 'new', '  {}\n')}`));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const policy = (ws: string): string => doc('IamPolicy', 'ws-devs', `  resource: workspace/${ws}\n  bindings: [{role: roles/ml.developer, members: ["user:dana"]}]\n`);
    const first = await cli('apply', '--prune', '-f', await file('ip-old.yaml', policy('old')));
    assert.equal(first.status, 0, first.out + first.err);
    const moved = await file('ip-new.yaml', policy('new'));
    const applied = await cli('apply', '--prune', '-f', moved);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /- delete IamPolicy\/ws-devs\n/);
    const old = await cli('iam-policy', 'get', 'workspace/old', '--json');
    assert.equal(old.status, 0, old.out + old.err);
    assert.doesNotMatch(old.out, /user:dana/);
    const kept = await cli('iam-policy', 'get', 'workspace/new', '--json');
    assert.match(kept.out, /user:dana/);
    const again = await cli('plan', '--prune', '--exit-code', '-f', moved);
    assert.equal(again.status, 0, again.out + again.err);
  });

  it('an AccessEntry moved from role a to role b: role a is no longer mapped', async () => {
    const setup = await cli('apply', '-f', await file('k.yaml', `${role('a')}---\n${role('b')}---\n${doc('Cluster', 'hp', '  {}\n')}`));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const entry = (r: string): string => doc('AccessEntry', 'scientist', `  cluster: hp\n  principalArn: arn:aws:iam::000000000000:role/${r}\n  kubernetesGroups: [cluster-admins]\n`);
    const first = await cli('apply', '--prune', '-f', await file('ae-a.yaml', entry('a')));
    assert.equal(first.status, 0, first.out + first.err);
    const moved = await file('ae-b.yaml', entry('b'));
    const applied = await cli('apply', '--prune', '-f', moved);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /- delete AccessEntry\/scientist\n/);
    const list = await cli('kube', 'access-entry', 'list', '--cluster', 'hp');
    assert.equal(list.status, 0, list.out + list.err);
    assert.doesNotMatch(list.out, /role\/a\b/);
    assert.match(list.out, /role\/b\b/);
    const again = await cli('plan', '--prune', '--exit-code', '-f', moved);
    assert.equal(again.status, 0, again.out + again.err);
  });
});
