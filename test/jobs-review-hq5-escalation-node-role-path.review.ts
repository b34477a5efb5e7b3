/**
 * Review hq, 5: a cluster's instance role given by ARN names the role with its path (review hp, 1: a node whose
 * instance role is `role/sandbox/finance-admin` does not start as `role/finance-admin`; pods alike, review hq, 1).
 * escalation-paths still found the node's role by its name alone and listed a path to `role/finance-admin` through a
 * node of such a cluster, which node start refuses (`does not exist`). Now it finds the role as node start does
 * (`roleNamedBy`): an ARN at another path names no role, a bare name the role at its path. Real server (SQLite), SDK
 * v3 IAM, the admin API as the CLI signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const ROLE = (pathAndName: string) => `arn:aws:iam::${A}:role/${pathAndName}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' });

describe('review hq5: escalation-paths finds a node role as node start does', () => {
  let s: TestServer;
  let nina: Credentials;
  let steps: { to: string; how: string; via?: string }[] = [];
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'finance-admin', AssumeRolePolicyDocument: trust }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'gpu-node', Path: '/nodes/', AssumeRolePolicyDocument: trust }));
    nina = await userWithKey(s, 'nina');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'nina', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['training:StartClusterNode', 'iam:PassRole'], Resource: '*' }) }));
    for (const [name, instanceRole] of [['wrong-path', ROLE('sandbox/finance-admin')], ['by-arn', ROLE('nodes/gpu-node')]] as const) {
      const c = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/clusters/${name}`, { instanceRole });
      assert.equal(c.status, 200, JSON.stringify(c.json));
    }
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/nina` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string; via?: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  });
  after(() => s?.stop());

  it('node start refuses the ARN at another path', async () => {
    const r = await gatehouseJson(s.url, nina, 'POST', '/v1/clusters/wrong-path/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: string }).message), /does not exist/);
  });

  it('and escalation-paths lists no path to the role of that name through it', () => {
    // Before the fix: a step to role/finance-admin via cluster/wrong-path.
    assert.ok(!steps.some((st) => st.to === ROLE('finance-admin')), JSON.stringify(steps));
  });

  it('the role named by its ARN with its path is listed', () => {
    assert.ok(steps.some((st) => st.to === ROLE('nodes/gpu-node') && /cluster node/.test(st.how)), JSON.stringify(steps));
  });
});
