/**
 * Review gf, finding 3: a user, group or role deleted through the IAM API is recorded with what forgot it in the same
 * transaction (`detail.after.policiesForgettingIt`: the roles whose trust policies, the resource and IAM policies, the
 * workspaces and clusters that named it; docs/decisions.md, "A deleted user or role is forgotten", review K1: "a
 * deleted group (`DeleteGroup`, `apply --prune`) likewise … The deletion's audit record lists the workspaces with the
 * policies"). The same deletion by `gatehouse apply --prune` rewrote the same objects, yet its record said `after: null`
 * and nothing more: an auditor asking why bucket `gf3-data`'s policy now holds an `AIDA…` id, or why a user left
 * workspace `ml`, found no record naming it. Now the apply's DeleteUser, DeleteRole and DeleteGroup records carry
 * `after.policiesForgettingIt` as the IAM API's do. The real CLI in process against a real server on 127.0.0.1 (SQLite),
 * its audit log read as the root admin.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { auditRecords } from './support/server.ts';

const A = '000000000000';
// Objects naming user `ux`, group `gx` and role `rx`, kept in a file of their own (kinds the pruning files lack).
const OWNERS = `apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: data}
spec:
  resource: arn:aws:s3:::gf3-data
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: ["arn:aws:iam::${A}:user/ux", "arn:aws:iam::${A}:role/rx"]}, Action: "s3:GetObject", Resource: "arn:aws:s3:::gf3-data/*"}]}
---
apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: ml}
spec: {members: [{user: ux}, {group: gx}]}
`;
const PRINCIPALS = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: ux}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: keeper}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: gx}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: gkeep}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: rx}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
`;
// Keeps `keeper`, `gkeep` and `rkeep`: `ux`, `gx` and `rx` are pruned.
const KEEP = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: keeper}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: gkeep}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: rkeep}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
`;

describe('review gf3: an apply --prune deletion records what forgot the principal', () => {
  const ws = applyWorkspace('gf3');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('principals.yaml', PRINCIPALS), await file('owners.yaml', OWNERS));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('DeleteUser, DeleteGroup and DeleteRole carry after.policiesForgettingIt, as the IAM API records them', async () => {
    const apply = await cli('apply', '--prune', '-f', await file('keep.yaml', KEEP));
    assert.equal(apply.status, 0, apply.out + apply.err);
    assert.match(apply.out, /- delete User\/ux\n/);
    assert.match(apply.out, /- delete Group\/gx\n/);
    assert.match(apply.out, /- delete Role\/rx\n/);
    const after = async (action: string, resource: string): Promise<unknown> => {
      const records = await auditRecords(ws.server, { kind: 'change', action });
      const r = records.find((x) => x.resource === resource);
      assert.ok(r, `no ${action} record of ${resource}`);
      return (r.detail as { after?: unknown }).after;
    };
    assert.deepEqual(await after('iam:DeleteUser', `arn:aws:iam::${A}:user/ux`), { policiesForgettingIt: { trustPolicies: [], resourcePolicies: ['arn:aws:s3:::gf3-data'], iamPolicies: [], workspaces: [`${A}/ml`], clusters: [] } });
    assert.deepEqual(await after('iam:DeleteRole', `arn:aws:iam::${A}:role/rx`), { policiesForgettingIt: { trustPolicies: [], resourcePolicies: ['arn:aws:s3:::gf3-data'], iamPolicies: [], workspaces: [], clusters: [] } });
    const group = (await after('iam:DeleteGroup', `arn:aws:iam::${A}:group/gx`)) as { policiesForgettingIt?: { workspaces?: unknown } };
    assert.deepEqual(group.policiesForgettingIt?.workspaces, [`${A}/ml`]);
  });
});
