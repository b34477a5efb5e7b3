/**
 * Review td, finding 2: `gatehouse plan --prune` (and `apply --prune`) listed every object of a kind in the files to find
 * what to delete, and planned each deletion, before asking whether the caller may list that kind: the listing
 * (`iam:ListPolicies`, `iam:ListUsers`, `training:ListWorkspaces`…) was decided on the finished plan, but a deletion's
 * refusal was answered first. A user allowed nothing, with one Policy document and `--prune`, read that managed policy
 * `secret-boundary-of-bob` exists and is the permissions boundary of user `bob-the-ceo` (DELETE_CONFLICT), as a workspace
 * with live jobs answers their ids. docs/decisions.md ("`apply`: a document owns its object": `--prune` deletes what the
 * files do not name, in the IAM API's terms, ListPolicies to see them); review td, 1 (what a plan reads is decided before it
 * answers). Now each kind's listing is decided before it is listed, and a caller refused it is told that alone. The real
 * CLI in process against a real server (SQLite).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithKey, userWithPolicy, type Credentials } from './support/server.ts';

const policy = (name: string) => `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: ${name}}
spec: {document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}}
`;

describe('review td2: --prune decides the listing before it answers with what it lists', () => {
  const w = applyWorkspace('td2');
  let nobody: Credentials;
  let lister: Credentials;
  before(async () => {
    const setup = await w.file('setup.yaml', `${policy('secret-boundary-of-bob')}---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: bob-the-ceo}
spec: {permissionsBoundary: secret-boundary-of-bob}
`);
    const applied = await w.cli('apply', '-f', setup);
    assert.equal(applied.status, 0, applied.out + applied.err);
    nobody = await userWithKey(w.server, 'nobody');
    lister = await userWithPolicy(w.server, 'lister', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:ListPolicies', 'iam:GetPolicy', 'iam:CreatePolicy', 'iam:DeletePolicy'], Resource: '*' }] }));
  });

  it('a caller not allowed iam:ListPolicies learns no policy, user or boundary from plan --prune', async () => {
    const r = await cliAgainst(w.server, ['plan', '--prune', '-f', await w.file('mine.yaml', policy('mine'))], nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.match(r.err, /iam:ListPolicies/);
    assert.doesNotMatch(r.out + r.err, /secret-boundary|bob-the-ceo|DELETE_CONFLICT/);
  });

  it('one allowed to list still gets the prune planned, and its refusal', async () => {
    const r = await cliAgainst(w.server, ['plan', '--prune', '-f', await w.file('mine2.yaml', policy('mine'))], lister);
    assert.equal(r.status, 7, r.out + r.err);
    assert.match(r.err, /`secret-boundary-of-bob` is deleted by --prune .* permissions boundary of user `bob-the-ceo`/);
    assert.doesNotMatch(r.err, /ListPolicies/);
  });
});
