/**
 * Review gf, finding 4: a resource has one resource-based policy (a bucket one bucket policy), and an IamPolicy document
 * naming a resource another IamPolicy document names is refused ("one document per resource"). Two ResourcePolicy
 * documents on one resource were not: both were planned and applied as `+ create`, the later overwrote the earlier (its
 * statements silently gone), and every apply of the same files after that planned `~ update ResourcePolicy/<first>
 * (document, name)` and flipped the policy back and forth, so `apply` twice was never a no-op and `plan --exit-code`
 * always reported drift. Now the later document is refused at its `spec.resource`, naming the earlier one, and nothing
 * changes. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const policy = (name: string, action: string): string => `apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: ${name}}
spec:
  resource: "arn:aws:s3:::gf4-data"
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:user/alice"}, Action: "${action}", Resource: "arn:aws:s3:::gf4-data/*"}]}
`;
const ALICE = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: alice}
spec: {}
`;

describe('review gf4: two ResourcePolicy documents on one resource are refused', () => {
  const { cli, file } = applyWorkspace('gf4');
  before(async () => {
    const applied = await cli('apply', '-f', await file('alice.yaml', ALICE));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('plan and apply refuse the second, at its spec.resource, and nothing changes', async () => {
    const a = await file('reads.yaml', policy('reads', 's3:GetObject'));
    const b = await file('writes.yaml', policy('writes', 's3:PutObject'));
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '-f', a, b);
      assert.equal(r.status, 8, r.out + r.err);
      assert.match(r.err, /writes\.yaml:5:3: document 1 \(ResourcePolicy writes\): spec\.resource: ResourcePolicy `reads` also sets the policy of arn:aws:s3:::gf4-data; one document per resource/);
      assert.doesNotMatch(r.err, /reads\.yaml/);
    }
    const nothing = await cli('plan', '-f', a);
    assert.equal(nothing.status, 0, nothing.out + nothing.err);
    assert.match(nothing.out, /\+ create ResourcePolicy\/reads\n/);
  });

  it('one document per resource applies, and applied again is a no-op', async () => {
    const one = await file('one.yaml', policy('reads', 's3:GetObject'));
    const apply = await cli('apply', '-f', one);
    assert.equal(apply.status, 0, apply.out + apply.err);
    const again = await cli('plan', '--exit-code', '-f', one);
    assert.equal(again.status, 0, again.out + again.err);
  });
});
