/**
 * Review hh, finding 2: `gatehouse apply --prune` deleting a group also removed every member from it, in the same
 * transaction, and a member is a change to the user (`groups` is a User document's field: what it is given through its
 * groups). A user the files name says so in its own line (`~ update User/x (groups)`, its RemoveUserFromGroup), but
 * a user they do not name (the files hold Groups and Roles, the users are managed elsewhere) had none: the plan said
 * `- delete Group/ops` and the apply then took `ops`'s permissions from `bob`, which a `plan` of bob's own file showed
 * only afterwards as `~ update User/bob (groups)`. A pruned managed policy lists the principals it is detached from
 * (review Z, 4) and a pruned principal the objects that forget it (review eo, 1); a pruned group now lists its members
 * the same way, in plan, apply and `--json`. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const group = (name: string) => `apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: ${name}}
spec: {policies: [ReadOnlyAccess]}
`;
const user = (name: string, groups: string) => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: ${name}}
spec: {groups: [${groups}]}
`;

describe('review hh2: a pruned group lists the users it is taken from', () => {
  const w = applyWorkspace('hh2');
  let groups: string;
  before(async () => {
    const setup = await w.cli('apply', '-f', await w.file('setup.yaml', [group('ops'), group('keep'), user('bob', 'ops, keep'), user('carol', 'ops'), user('dave', 'keep')].join('---\n')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    groups = await w.file('groups.yaml', group('keep'));
  });

  it('plan and apply --prune list `~ update User/<member> (groups)` for each member of the pruned group', async () => {
    const plan = await w.cli('plan', '--prune', '-f', groups);
    assert.equal(plan.status, 0, plan.out + plan.err);
    // Before: only `- delete Group/ops`.
    assert.match(plan.out, /- delete Group\/ops\n/);
    assert.match(plan.out, /~ update User\/bob \(groups\)\n/);
    assert.match(plan.out, /~ update User\/carol \(groups\)\n/);
    assert.doesNotMatch(plan.out, /User\/dave/);
    assert.match(plan.out, /plan: 0 to create, 2 to update, 1 to delete, 1 unchanged/);

    const json = await w.cli('plan', '--prune', '--json', '-f', groups);
    const changes = (JSON.parse(json.out) as { changes: { action: string; kind: string; name: string; fields: string[] }[] }).changes;
    assert.deepEqual(
      changes.filter((c) => c.kind === 'User').map((c) => `${c.action} ${c.name} ${c.fields.join(',')}`),
      ['update bob groups', 'update carol groups'],
    );

    const apply = await w.cli('apply', '--prune', '-f', groups);
    assert.equal(apply.status, 0, apply.out + apply.err);
    assert.match(apply.out, /~ update User\/bob \(groups\)\n/);
    assert.match(apply.out, /applied: 0 created, 2 updated, 1 deleted, 1 unchanged/);
  });

  it('what the plan said is what was done: bob keeps only `keep`, carol has no group', async () => {
    const after = await w.cli('plan', '--exit-code', '-f', await w.file('users.yaml', [user('bob', 'keep'), user('carol', '')].join('---\n')));
    assert.equal(after.status, 0, after.out + after.err);
  });
});
