/**
 * Review md, finding 2: the root account's principals manage every account through `gatehouse apply` (an Account
 * document, then its users, roles, workspaces and clusters in the same files: docs/documents.md; each step decided on
 * the root principal's own policies, `authorizeAcross`). A Cluster document of another account naming a role of that
 * account as its nodes' role (seed 003: cluster nodes with an instance role) was refused all the same: the PassRole that
 * writing a cluster asks (review jg, 1) was decided as a cross-account request, so the root admin, whose
 * AdministratorAccess allowed CreateRole and CreateCluster in that account, was told `not authorized to perform:
 * iam:PassRole … because no resource-based policy allows the iam:PassRole action`, and an organisation could not be
 * set up from its root credentials, though the same apply without the cluster went through. (In AWS an account's
 * administrator passes its own roles; Gatehouse's root principals act in each account as its administrator.) Now the
 * PassRole is decided on the root principal's policies as its other steps are: allowed to an administrator, still
 * refused to a root principal whose policies deny PassRole, and still refused to any other account's principals.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite), signing as the root account's admin and as a
 * root-account user denied PassRole.
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithKey, type Credentials } from './support/server.ts';

const nodeRole = (name: string, account: string): string => `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: ${name}, account: "${account}"}
spec: {trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}}
`;
const cluster = (account: string, role: string): string => `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu, account: "${account}"}
spec: {instanceRole: ${role}}
`;
const account = (id: string): string => `apiVersion: gatehouse.dev/v1
kind: Account
metadata: {name: "${id}"}
spec: {partition: aws, name: research}
`;

describe('review md2: the root admin creates a cluster in another account with a role of that account', () => {
  const ws = applyWorkspace('md2');
  const { cli, file } = ws;

  it('an account, its node role and its cluster in one apply: created, and applied again unchanged', async () => {
    const f = await file('new.yaml', [cluster('111122223333', 'node'), nodeRole('node', '111122223333'), account('111122223333')].join('---\n'));
    const applied = await cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /\+ create Cluster\/gpu\n/);
    const again = await cli('plan', '--exit-code', '-f', f);
    assert.equal(again.status, 0, again.out + again.err);
  });

  it('an account that exists: its cluster re-pointed at another of its roles', async () => {
    const f = await file('repoint.yaml', [account('111122223333'), nodeRole('node', '111122223333'), nodeRole('node2', '111122223333'), cluster('111122223333', 'arn:aws:iam::111122223333:role/node2')].join('---\n'));
    const applied = await cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /~ update Cluster\/gpu \(instanceRole\)/);
  });

  describe('a root-account user whose policies deny PassRole', () => {
    let ops: Credentials | undefined;
    before(async () => {
      ops = await userWithKey(ws.server, 'ops');
      const setup = await cli('apply', '-f', await file('ops.yaml', `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: ops}
spec:
  policies: [AdministratorAccess]
  inlinePolicies:
    no-pass: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "iam:PassRole", Resource: "*"}]}
`));
      assert.equal(setup.status, 0, setup.out + setup.err);
    });

    it('is still refused the PassRole, nothing written', async () => {
      const f = await file('denied.yaml', [account('111122223333'), nodeRole('node', '111122223333'), nodeRole('node2', '111122223333'), cluster('111122223333', 'node')].join('---\n'));
      const r = await cliAgainst(ws.server, ['apply', '-f', f], ops);
      assert.equal(r.status, 9, r.out + r.err);
      assert.match(r.err, /user\/ops is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role\/node .*explicit deny/);
    });
  });
});
