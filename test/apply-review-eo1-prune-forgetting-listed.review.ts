/**
 * Review eo, finding 1: `gatehouse apply --prune` deleting a user, group or role also rewrote, in the same
 * transaction, every object that named it (src/app/forget-principal.ts: other roles' trust policies, resource policies,
 * IAM policy bindings, workspace members, cluster mapping rules; an IAM policy on the entity's own ARN was removed),
 * yet neither `plan --prune` nor the apply's output had a line for any of them: the plan said `- delete User/ux` and
 * the apply then changed a Role, a ResourcePolicy, two IamPolicies, a Workspace and a Cluster besides, as a `plan` of
 * the files that own those objects showed afterwards. docs/documents.md: "`plan` and `apply` print a line for each
 * object"; the plan must match what the apply does (review Z, finding 4 fixed the same for a pruned managed policy's
 * principals, a kind the files may not contain). Now each such object is listed as `~ update <Kind>/<name> (field)`
 * (`- delete` for the policy on the entity's own ARN), in plan, apply and `--json`. All 3 tests failed before the fix.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { storeIamPolicy } from './support/stored-iam-policy.ts';

const TEAM = '111122223333';

// What names user `ux`, group `gx` and (in account TEAM) role `rz`, kept in files of their own.
const OWNERS = `apiVersion: gatehouse.dev/v1
kind: Account
metadata: {name: "${TEAM}"}
spec: {partition: aws}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: gx}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: ux}
spec: {groups: [gx]}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: keeper}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: node}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: rx}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:user/ux"}, Action: "sts:AssumeRole"}]}
---
apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: data-bucket}
spec:
  resource: arn:aws:s3:::eo1-data
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:user/ux"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::eo1-data/*"}]}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: viewers}
spec:
  resource: account/000000000000
  bindings: [{role: roles/viewer, members: ["user:ux", "group:gx", "user:keeper"]}]
---
apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: wsx}
spec:
  members: [{group: gx}, {user: ux}, {user: keeper}]
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: cx}
spec:
  instanceRole: node
  mappings: [{group: gx, role: node}]
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: rz, account: "${TEAM}"}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: kept, account: "${TEAM}"}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: team-bucket, account: "${TEAM}"}
spec:
  resource: arn:aws:s3:::eo1-team
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::${TEAM}:role/rz"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::eo1-team/*"}]}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: acting, account: "${TEAM}"}
spec:
  resource: account/${TEAM}
  bindings: [{role: roles/iam.serviceAccountUser, members: ["serviceAccount:rz@${TEAM}.iam.gatehouse.dev"]}]
`;

// Users and groups only: `ux` and `gx` are pruned, nothing else is named.
const PEOPLE = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: keeper}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: gkeep}
spec: {}
`;

// Roles of account TEAM only: `rz` is pruned.
const TEAM_ROLES = `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: kept, account: "${TEAM}"}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
`;

/** The output's object lines, without what each update lists under it (review no, 1 added those: tested there). */
const objectLines = (out: string): string[] => out.split('\n').slice(0, -2).filter((l) => !l.startsWith('      '));

const PEOPLE_PLAN = [
  'account 000000000000',
  '  = unchanged User/keeper',
  '  + create Group/gkeep',
  '  - delete User/ux',
  '  ~ update Role/rx (trustPolicy)',
  '  ~ update ResourcePolicy/data-bucket (document)',
  '  ~ update IamPolicy/viewers (bindings)',
  '  - delete IamPolicy/on-ux',
  '  ~ update Workspace/wsx (members)',
  '  - delete Group/gx',
  '  ~ update Cluster/cx (mappings)',
];

describe('review eo1: what a pruned user, group or role is forgotten by is in the plan', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-eo1-'));
    await writeFile(join(dir, 'owners.yaml'), OWNERS);
    await writeFile(join(dir, 'people.yaml'), PEOPLE);
    await writeFile(join(dir, 'team-roles.yaml'), TEAM_ROLES);
    const applied = await cli('apply', '-f', join(dir, 'owners.yaml'));
    assert.equal(applied.status, 0, applied.err);
    // The policy on ux's own ARN, stored as before review rj, 1 (which refuses any role there): the prune deletes it.
    await storeIamPolicy(s, '000000000000', 'arn:aws:iam::000000000000:user/ux', [{ role: 'roles/viewer', members: ['user:keeper'] }], 'on-ux');
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plan --prune lists every object a pruned user and group are forgotten by', async () => {
    const r = await cli('plan', '--prune', '-f', join(dir, 'people.yaml'));
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(objectLines(r.out), PEOPLE_PLAN);
    assert.match(r.out, /^plan: 1 to create, 5 to update, 3 to delete, 1 unchanged/m);
    const json = JSON.parse((await cli('plan', '--prune', '--json', '-f', join(dir, 'people.yaml'))).out) as { changes: { action: string; kind: string; name: string; fields: string[]; diff?: unknown }[] };
    const { diff, ...workspace } = json.changes.find((c) => c.kind === 'Workspace') ?? {};
    assert.deepEqual(workspace, { action: 'update', kind: 'Workspace', account: '000000000000', name: 'wsx', fields: ['members'] });
    // What it loses (review no, 1).
    assert.deepEqual(diff, [
      { op: '-', path: 'members[2]', before: { user: 'ux' } },
      { op: '-', path: 'members[0]', before: { group: 'gx' } },
    ]);
  });

  it('apply --prune says the same, and each object listed is the one it changed', async () => {
    const r = await cli('apply', '--prune', '-f', join(dir, 'people.yaml'));
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(objectLines(r.out), PEOPLE_PLAN);
    assert.match(r.out, /^applied: 1 created, 5 updated, 3 deleted, 1 unchanged/m);
    // The files that own them now differ from exactly those objects: the apply changed them.
    const owners = await cli('plan', '-f', join(dir, 'owners.yaml'));
    const changed = owners.out.split('\n').filter((l) => /^ {2}[~+-] /.test(l));
    assert.deepEqual(changed.sort(), [
      '  + create Group/gx',
      '  + create User/ux',
      '  ~ update Cluster/cx (mappings)',
      '  ~ update IamPolicy/viewers (bindings)',
      '  ~ update ResourcePolicy/data-bucket (document)',
      '  ~ update Role/rx (trustPolicy)',
      '  ~ update Workspace/wsx (members)',
    ]);
  });

  it('a pruned role: the resource policies and bindings naming it, in its account', async () => {
    const r = await cli('plan', '--prune', '-f', join(dir, 'team-roles.yaml'));
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(objectLines(r.out), [
      `account ${TEAM}`,
      '  = unchanged Role/kept',
      '  - delete Role/rz',
      '  ~ update ResourcePolicy/team-bucket (document)',
      '  ~ update IamPolicy/acting (bindings)',
    ]);
  });
});
