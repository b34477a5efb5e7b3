/**
 * Review tl, finding 2: a custom role (`kind: IamRole`) was planned before the caller was asked anything. Custom roles
 * have no read of their own (no route serves one; `apply` is their only door), yet a user allowed nothing planning a
 * guess of one was told `= unchanged` (exit 0) when the guess was right, and for any other guess was refused
 * `gatehouse:UpdateIamRole` where an id that does not exist is refused `gatehouse:CreateIamRole`: which custom roles an
 * account holds and, guess by guess, their permissions and title. Review td (docs/decisions.md "`apply` reads an
 * object only as the caller may read it") made every other kind decide the read a plan implies first, and an object
 * with no read of its own (a Kubernetes RBAC object, review td, 3) decided as applying it. Now a custom role's plan is
 * decided first as applying it: `gatehouse:CreateIamRole` or `gatehouse:UpdateIamRole` on its ARN
 * (docs/documents.md), asked the same whether the role exists or not; a caller allowed neither is told only that.
 * The real CLI in process against a real server (SQLite).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithKey, userWithPolicy, type Credentials } from './support/server.ts';

const role = (name: string, permissions: string, title: string) => `apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: ${name}}
spec: {permissions: [${permissions}], title: ${JSON.stringify(title)}}
`;
const STORED = role('merger', 'ml.models.predict, storage.objects.get', 'ACME deal');

describe('review tl2: a custom role is planned only for a caller who may apply it', () => {
  const w = applyWorkspace('tl2');
  let nobody: Credentials;
  let creator: Credentials;
  before(async () => {
    const applied = await w.cli('apply', '-f', await w.file('stored.yaml', STORED));
    assert.equal(applied.status, 0, applied.out + applied.err);
    nobody = await userWithKey(w.server, 'nobody');
    creator = await userWithPolicy(w.server, 'creator', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['gatehouse:CreateIamRole', 'gatehouse:UpdateIamRole'], Resource: '*' }] }));
  });
  const plan = async (file: string, text: string, who: Credentials) => cliAgainst(w.server, ['plan', '-f', await w.file(file, text)], who);

  it('a right guess is not confirmed by = unchanged to a user allowed nothing', async () => {
    const r = await plan('same.yaml', STORED, nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.doesNotMatch(r.out + r.err, /unchanged/);
  });

  it("a wrong guess does not show the stored role's permissions or title, and is answered as an absent role is", async () => {
    const r = await plan('other.yaml', role('merger', 'ml.models.get', 'x'), nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.doesNotMatch(r.out + r.err, /storage\.objects\.get|ml\.models\.predict|ACME/);
    const absent = await plan('absent.yaml', role('nosuch', 'ml.models.get', 'x'), nobody);
    assert.equal(absent.status, 9, absent.out + absent.err);
    const shape = (s: string) => (s.split('\n')[0] ?? '').replace(/\S+\.yaml/, 'F').replace(/merger|nosuch/g, 'R');
    assert.equal(shape(r.err), shape(absent.err));
  });

  it('a caller allowed to apply custom roles still plans them', async () => {
    const r = await plan('mine.yaml', STORED, creator);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /unchanged/);
  });
});
