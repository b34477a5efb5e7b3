/**
 * Review ak, finding 5: what `plan` (and apply) accepted was not what apply did, or left a store the files no longer
 * matched:
 * - `--prune` deleting a managed policy that is the permissions boundary of a user the files do not name: the plan said
 *   `- delete Policy/bound` (exit 0), the apply failed at its DeletePolicy step (DELETE_CONFLICT);
 * - a Role's trust policy, a Workspace's members, a Cluster's mappings or an AccessEntry naming a user the same prune
 *   deletes: applied (`= unchanged` for the workspace and cluster), then rewritten as the user went (its unique id in
 *   the trust policy, the member and the mapping dropped, the entry left tied to no one), so the next plan showed
 *   updates, or refused the file;
 * - a Workspace member naming a user or group that does not exist: stored, so whoever was later created under that
 *   name became a member, its jobs given the default role (the rewrite at deletion exists to prevent that, review K1).
 *   A Cluster mapping may still name a group made later (starting a node needs PassRole on the role anyway).
 * Now each is refused by the plan with its document and path, and nothing changes. The /v1 client against a real
 * server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
const trusting = (user: string) => ({ trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::000000000000:user/${user}` }, Action: 'sts:AssumeRole' }] } });

describe('review ak5: plan refuses what apply would fail at or leave unlike the files', () => {
  let s: TestServer;
  type Answer = { changes: { action: string; kind: string; name: string }[] };
  const apply = (documents: unknown[], options: { prune?: boolean; dryRun?: boolean } = {}) => call<Answer>(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents, ...options } });
  const refusal = async (documents: unknown[], options: { prune?: boolean; dryRun?: boolean }) => {
    const r = await apply(documents, options);
    assert.ok(!r.ok, `refused: ${JSON.stringify(r)}`);
    return r.errors.map((e) => [e['document'], e['kind'], e.path, e.code, e.message]);
  };

  before(async () => {
    s = await startTestServer();
    const r = await apply([doc('Policy', 'bound', { document: POLICY }), doc('Policy', 'keep', { document: POLICY }), doc('User', 'bounded', { permissionsBoundary: 'bound' }), doc('User', 'bob'), doc('Group', 'team')]);
    assert.ok(r.ok, JSON.stringify(r));
  });
  after(() => s?.stop());

  it('pruning a policy that bounds a user the files do not name: the plan says so (it said `- delete`, then apply failed)', async () => {
    for (const dryRun of [true, false]) {
      assert.deepEqual(await refusal([doc('Policy', 'keep', { document: POLICY })], { prune: true, dryRun }), [
        [undefined, 'Policy', '', 'DELETE_CONFLICT', 'policy `bound` is deleted by --prune (no Policy document names it) but is the permissions boundary of user `bounded`, which the files do not name; give it a document without that boundary, or keep the policy'],
      ]);
    }
    // Named without the boundary, it goes: the boundary is removed before the policy is deleted.
    const r = await apply([doc('Policy', 'keep', { document: POLICY }), doc('User', 'bounded')], { prune: true, dryRun: true });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value.changes.some((c) => c.action === 'delete' && c.kind === 'Policy' && c.name === 'bound'));
  });

  it('a trust policy, workspace members and cluster mappings naming a user the same prune deletes are refused', async () => {
    const documents = [doc('User', 'bounded', { permissionsBoundary: 'bound' }), doc('Role', 'r', trusting('bob')), doc('Workspace', 'ws', { members: [{ user: 'bob' }, { group: 'team' }] }), doc('Cluster', 'c1', { mappings: [{ user: 'BOB', role: 'r' }] })];
    assert.deepEqual(await refusal(documents, { prune: true }), [
      [1, 'Role', 'spec.trustPolicy.Statement[0].Principal.AWS', 'INVALID_INPUT', 'user `bob` of account 000000000000 is deleted by --prune (no User document names it) but named here'],
      [2, 'Workspace', 'spec.members[0].user', 'INVALID_INPUT', 'user `bob` is deleted by --prune (no User document names it) but named here'],
      [3, 'Cluster', 'spec.mappings[0].user', 'INVALID_INPUT', 'user `BOB` is deleted by --prune (no User document names it) but named here'],
    ]);
    // Without --prune they apply, and applying them again changes nothing.
    assert.ok((await apply(documents)).ok);
    const again = await apply(documents, { dryRun: true });
    assert.ok(again.ok, JSON.stringify(again));
    assert.deepEqual(new Set(again.value.changes.map((c) => c.action)), new Set(['unchanged']));
    // The objects stored are refused the same way, unchanged as they are (before: `= unchanged`, then rewritten).
    assert.equal((await refusal(documents, { prune: true, dryRun: true })).length, 3);
  });

  it('an access entry mapping a user the same prune deletes is refused', async () => {
    const entry = { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'bob-entry' }, spec: { cluster: 'c1', principalArn: 'arn:aws:iam::000000000000:user/bob', kubernetesGroups: ['devs'] } };
    assert.deepEqual(await refusal([doc('User', 'bounded', { permissionsBoundary: 'bound' }), entry], { prune: true, dryRun: true }), [
      [1, 'AccessEntry', 'spec.principalArn', 'INVALID_INPUT', 'user `bob` of account 000000000000 is deleted by --prune (no User document names it) but mapped here'],
    ]);
    const r = await apply([doc('User', 'bounded', { permissionsBoundary: 'bound' }), doc('User', 'bob'), entry], { prune: true, dryRun: true });
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('a workspace member naming a user or group that does not exist is refused; a cluster mapping is not', async () => {
    assert.deepEqual(await refusal([doc('Workspace', 'ghosts', { members: [{ user: 'ghost' }, { group: 'phantoms' }, { user: 'bob' }] }), doc('Cluster', 'c2', { mappings: [{ group: 'phantoms', role: 'r' }] })], { dryRun: true }), [
      [0, 'Workspace', 'spec.members[0].user', 'NO_SUCH_ENTITY', 'user `ghost` does not exist in account 000000000000 and no User document names it; a user created later under the name would get what it is given here'],
      [0, 'Workspace', 'spec.members[1].group', 'NO_SUCH_ENTITY', 'group `phantoms` does not exist in account 000000000000 and no Group document names it; a group created later under the name would get what it is given here'],
    ]);
    assert.ok((await apply([doc('Cluster', 'c2', { mappings: [{ group: 'phantoms', role: 'r' }] })], { dryRun: true })).ok);
    // Created by the same apply, they count.
    const r = await apply([doc('Workspace', 'ghosts', { members: [{ user: 'ghost' }, { group: 'phantoms' }] }), doc('User', 'ghost'), doc('Group', 'phantoms')], { dryRun: true });
    assert.ok(r.ok, JSON.stringify(r));
  });
});
