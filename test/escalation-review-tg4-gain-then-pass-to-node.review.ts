/**
 * Review tg, 4: a user allowed `training:StartClusterNode` on a cluster whose instance role trusts the compute service,
 * and allowed to add itself to a group whose policy allows `iam:PassRole` on that role (or to attach to itself a
 * managed policy that does, by `iam:PolicyARN`), joins (attaches), starts a node and acts as the role; escalation-paths
 * listed no path to the role: the node step asked PassRole with the user's current policies only (the job's twin,
 * review tg, 2; docs/decisions.md, review sx, 2 "Left: joining a group to pass a role to a job, a node or a pod").
 * A member is decided with its groups' and attached policies (reference/policy-semantics.md §A.1), so the node step is
 * now also asked with the policy the join or attachment adds: `iam:PassRole`, `iam:AddUserToGroup` (or
 * `iam:AttachUserPolicy`), `training:StartClusterNode`. A user without the join is still no path. Taken for real: the
 * node refused before, the user joins, the node starts. Real server (SQLite), SDK v3 IAM, admin API.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { passRoleGrants, pathSteps, serviceRole, usersWithKeys, type HowStep } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const NODEADM = `arn:aws:iam::${A}:role/nodeadm`;
const CLUSTER = `arn:aws:training::${A}:cluster/c1`;
const PASSERS = `arn:aws:iam::${A}:group/passers`;
const PASSNODE = `arn:aws:iam::${A}:policy/passnode`;
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review tg4: joining a group or attaching a policy, then passing a role to a cluster node', () => {
  let s: TestServer;
  let keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'nodeadm', 'compute.gatehouse.dev');
    await passRoleGrants(iam, NODEADM, 'passnode');
    const start = allow('training:StartClusterNode', CLUSTER);
    const users: Record<string, object[]> = {
      kay: [start, allow('iam:AddUserToGroup', PASSERS)],
      max: [start, allow('iam:AttachUserPolicy', user('max'), { ArnEquals: { 'iam:PolicyARN': PASSNODE } })],
      lou: [start],
    };
    keys = await usersWithKeys(iam, users);
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'c1', { instanceRole: 'nodeadm' })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const toNodeadm = (name: string): Promise<readonly HowStep[] | undefined> => pathSteps(s, user(name), NODEADM);

  it('a group joined, or a policy attached to oneself, then PassRole to a node of the cluster', async () => {
    assert.deepEqual((await toNodeadm('kay'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a cluster node', ['iam:PassRole', 'iam:AddUserToGroup', 'training:StartClusterNode'], CLUSTER]]);
    assert.deepEqual((await toNodeadm('max'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a cluster node', ['iam:PassRole', 'iam:AttachUserPolicy', 'training:StartClusterNode'], CLUSTER]]);
  });

  it('no path without the join (lou)', async () => {
    assert.equal(await toNodeadm('lou'), undefined);
  });

  it('the step is real: the node refused, kay joins passers, the node starts', async () => {
    const refused = await gatehouseJson(s.url, keys['kay'] as Credentials, 'POST', '/v1/clusters/c1/nodes', {});
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    await s.iam(keys['kay']).send(new I.AddUserToGroupCommand({ GroupName: 'passers', UserName: 'kay' }));
    const started = await gatehouseJson(s.url, keys['kay'] as Credentials, 'POST', '/v1/clusters/c1/nodes', {});
    assert.equal(started.status, 201, JSON.stringify(started.json));
  });
});
