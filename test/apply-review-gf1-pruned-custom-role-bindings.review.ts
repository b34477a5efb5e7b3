/**
 * Review gf, finding 1: `gatehouse apply --prune` deleting a custom role (`kind: IamRole`) also removed, in the same
 * transaction, its bindings from every IAM policy of the account (forgetCustomRole, review ai, 3), and an IAM policy
 * left without bindings went with them; yet `plan --prune` and the apply's output said only `- delete IamRole/<id>`.
 * The IAM policies (kinds the files need not contain) changed unsaid, as a pruned principal's did before review eo, 1:
 * a reviewer of the plan could not see that user `alice` would lose her grants on the account. Now each is listed,
 * `~ update IamPolicy/<name> (bindings)`, or `- delete IamPolicy/<name>` for one left empty, in plan, apply and
 * `--json`. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ALL = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: alice}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: svc}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: predictor}
spec: {permissions: [ml.models.predict, iam.serviceAccounts.actAs]}
---
apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: keeper}
spec: {permissions: [ml.models.predict]}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-account}
spec:
  resource: account/000000000000
  bindings:
  - {role: accounts/000000000000/roles/predictor, members: ["user:alice"]}
  - {role: accounts/000000000000/roles/keeper, members: ["user:alice"]}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-svc}
spec:
  resource: "arn:aws:iam::000000000000:role/svc"
  bindings:
  - {role: accounts/000000000000/roles/predictor, members: ["user:alice"]}
`;

// Only the custom roles: `predictor` is pruned; the IAM policies are not a kind of these files.
const ROLES_ONLY = `apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: keeper}
spec: {permissions: [ml.models.predict]}
`;

interface Change {
  action: string;
  kind: string;
  name: string;
  fields: string[];
}

describe('review gf1: the IAM policies a pruned custom role is removed from are listed', () => {
  let s: TestServer;
  let dir: string;
  let all: string;
  let roles: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-gf1-'));
    all = join(dir, 'all.yaml');
    roles = join(dir, 'roles.yaml');
    await writeFile(all, ALL);
    await writeFile(roles, ROLES_ONLY);
    const applied = await cli('apply', '-f', all);
    assert.equal(applied.status, 0, applied.out + applied.err);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plan --prune lists the policy that loses the binding and the one left empty', async () => {
    const plan = await cli('plan', '--prune', '-f', roles);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /- delete IamRole\/predictor\n/);
    assert.match(plan.out, /~ update IamPolicy\/on-account \(bindings\)\n/);
    assert.match(plan.out, /- delete IamPolicy\/on-svc\n/);
    assert.match(plan.out, /plan: 0 to create, 1 to update, 2 to delete, 1 unchanged/);
  });

  it('the apply says the same as the plan, and does it', async () => {
    const apply = await cli('apply', '--prune', '--json', '-f', roles);
    assert.equal(apply.status, 0, apply.out + apply.err);
    const changes = (JSON.parse(apply.out) as { changes: Change[] }).changes.map((c) => `${c.action} ${c.kind}/${c.name} ${c.fields.join(',')}`);
    assert.deepEqual(changes.sort(), ['delete IamPolicy/on-svc ', 'delete IamRole/predictor ', 'unchanged IamRole/keeper ', 'update IamPolicy/on-account bindings']);
    // What it said is what the store now holds: the whole set plans the binding and the policy back.
    const back = await cli('plan', '-f', all);
    assert.equal(back.status, 0, back.out + back.err);
    assert.match(back.out, /~ update IamPolicy\/on-account \(bindings\)\n\s+\+ bindings\[accounts\/000000000000\/roles\/predictor\]: "user:alice"/);
    assert.match(back.out, /\+ create IamPolicy\/on-svc\n/);
  });
});
