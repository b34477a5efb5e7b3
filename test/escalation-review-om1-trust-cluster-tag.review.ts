/**
 * Review om, 1: a node's sessions carry the `gatehouse:cluster` session tag (src/core/jobs/jobs.ts `jobSessionTags`), and
 * a role's trust policy may accept the compute service only for nodes of some clusters (`aws:RequestTag/gatehouse:cluster`,
 * as issuance decides it: review hp, 7; reference policy-semantics.md, request tags in a trust policy). A user allowed to
 * write clusters, to start nodes and to pass any role (no `iam:AssociatedResourceArn` condition) writes the cluster the
 * trust names with the role as its instance role and starts a node there, which runs as the role (the third test walks
 * it). escalation-paths (review jb, 6; ob, 3) asked that cluster-write path for the first cluster the user may write only,
 * unless the user's own policies read `iam:AssociatedResourceArn`: the role's trust refused that first cluster's tag, and
 * the user was listed with no path, though the server let it through. Now each writable cluster is tried while a role
 * left to reach trusts nodes by their cluster tag, and the cluster names such a trust spells (`lab`, `team-*` read as
 * `team-new`) are among those tried, as the names the user's own policies spell are.
 * Real server (SQLite), SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trustFor = (clusters: string | string[], op = 'StringEquals') => doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { [op]: { 'aws:RequestTag/gatehouse:cluster': clusters } } });

describe('review om1: escalation-paths and a role trusting nodes of some clusters by their cluster tag', () => {
  let s: TestServer;
  let eve: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // `gpu-admin` trusts nodes of cluster team-gpu only; `lab-admin` those of a cluster not made yet.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'gpu-admin', AssumeRolePolicyDocument: trustFor('team-gpu') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'lab-admin', AssumeRolePolicyDocument: trustFor('lab-*', 'StringLike') }));
    for (const n of ['gpu-admin', 'lab-admin']) await iam.send(new I.PutRolePolicyCommand({ RoleName: n, PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    // Two clusters; `shared` is found first, and its tag is not one either trust accepts.
    for (const c of ['shared', 'team-gpu']) {
      const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/clusters/${c}`, {});
      assert.equal(put.status, 200, JSON.stringify(put.json));
    }
    // Writing an existing cluster asks UpdateCluster, a new one CreateCluster (review sb, 1).
    eve = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: ['training:CreateCluster', 'training:UpdateCluster', 'training:StartClusterNode', 'iam:PassRole'], Resource: '*' }));
  });
  after(() => s?.stop());

  const stepsOf = async (user: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/${user}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canBecome: { path: { to: string; how: string; via?: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  };

  it('a role trusting nodes of an existing cluster other than the first is reached through that cluster', async () => {
    const steps = await stepsOf('eve');
    // Before the fix: no step to gpu-admin.
    assert.ok(steps.some((st) => st.to === role('gpu-admin') && st.how === 'iam:PassRole to a cluster node' && st.via === `arn:aws:training::${A}:cluster/team-gpu`), JSON.stringify(steps));
  });

  it('a role trusting nodes of clusters not made yet is reached through a cluster of a name the trust spells', async () => {
    const steps = await stepsOf('eve');
    // Before the fix: no step to lab-admin.
    assert.ok(steps.some((st) => st.to === role('lab-admin') && st.how === 'iam:PassRole to a cluster node' && /:cluster\/lab-/.test(st.via ?? '')), JSON.stringify(steps));
  });

  it('the paths hold: eve writes team-gpu and lab-new with the roles and starts nodes that run as them', async () => {
    for (const [c, r] of [['team-gpu', 'gpu-admin'], ['lab-new', 'lab-admin']] as const) {
      const written = await gatehouseJson(s.url, eve, 'PUT', `/v1/clusters/${c}`, { instanceRole: r });
      assert.equal(written.status, 200, JSON.stringify(written.json));
      const node = await gatehouseJson(s.url, eve, 'POST', `/v1/clusters/${c}/nodes`, {});
      assert.equal(node.status, 201, JSON.stringify(node.json));
      assert.equal((node.json['job'] as { role: { arn: string } }).role.arn, role(r));
    }
    // And on the first cluster the trust refuses the node.
    const shared = await gatehouseJson(s.url, eve, 'PUT', '/v1/clusters/shared', { instanceRole: 'gpu-admin' });
    assert.equal(shared.status, 200, JSON.stringify(shared.json));
    const refused = await gatehouseJson(s.url, eve, 'POST', '/v1/clusters/shared/nodes', {});
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
  });
});
