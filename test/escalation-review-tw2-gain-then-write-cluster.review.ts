/**
 * Review tw, 2: a principal allowed to write a cluster (`training:CreateCluster` of a new one, `training:UpdateCluster`
 * of one that exists: review jb, 6 and sb, 1) and to start its nodes, and to add itself to a group whose policy allows
 * `iam:PassRole` on a role trusting the compute service (or to attach to itself a managed policy that does, by
 * `iam:PolicyARN`), sets the role as the cluster's instance role and starts a node as it; escalation-paths listed no
 * path to the role: a gain before PassRole was asked for the node roles of clusters as they stand only (review tg, 4;
 * docs/decisions.md "Left: the same before a cluster written"). The write asks PassRole of the writer's own policies, a
 * group's and an attached policy's included (src/app/jobs.ts `clusterWriteRefusal`; reference/policy-semantics.md §A),
 * so the step now names the gain, the write and the node's start. A principal without the gain is still no path.
 * Taken for real: the write refused, the user joins the group, writes the cluster and starts a node as the role. Real
 * server (SQLite), SDK v3 IAM, admin API.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { pathsReport, pathTo, reachedThrough, serviceRole } from './support/escalation.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const NODEADM = `arn:aws:iam::${A}:role/nodeadm`;
const PASSNODE = `arn:aws:iam::${A}:policy/passnode`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });

describe('review tw2: a group joined or a policy attached, then a cluster written and a node started', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'nodeadm', 'compute.gatehouse.dev');
    await serviceRole(iam, 'plain', 'compute.gatehouse.dev');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'passers' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'passers', PolicyName: 'pass', PolicyDocument: policy(allow('iam:PassRole', NODEADM)) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'passnode', PolicyDocument: policy(allow('iam:PassRole', NODEADM)) }));
    const start = allow('training:StartClusterNode', `arn:aws:training::${A}:cluster/*`);
    const users: Record<string, object[]> = {
      // cal creates a cluster after joining the group; ada rewrites k1 after attaching passnode; cy has no gain.
      cal: [start, allow('training:CreateCluster', `arn:aws:training::${A}:cluster/*`), allow('iam:AddUserToGroup', `arn:aws:iam::${A}:group/passers`)],
      ada: [start, allow('training:UpdateCluster', `arn:aws:training::${A}:cluster/k1`), allow('iam:AttachUserPolicy', user('ada'), { ArnEquals: { 'iam:PolicyARN': PASSNODE } })],
      cy: [start, allow(['training:CreateCluster', 'training:UpdateCluster'], `arn:aws:training::${A}:cluster/*`)],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'plain' } });
    assert.ok(put.ok, JSON.stringify(put));
  });
  after(() => s?.stop());

  it('a group joined (cal) or a policy attached (ada), then the cluster written and a node started', async () => {
    assert.deepEqual(pathTo(await pathsReport(s, user('cal')), NODEADM), ['iam:PassRole+iam:AddUserToGroup+training:CreateCluster+training:StartClusterNode']);
    assert.deepEqual(pathTo(await pathsReport(s, user('ada')), NODEADM), ['iam:PassRole+iam:AttachUserPolicy+training:UpdateCluster+training:StartClusterNode']);
  });

  it('no path without a gain (cy)', async () => {
    assert.equal(pathTo(await pathsReport(s, user('cy')), NODEADM), undefined);
  });

  it("who-can: nodeadm's rights are reached through cal and ada, not cy", async () => {
    const through = await reachedThrough(s, 's3:GetObject', 'arn:aws:s3:::any/k', 'nodeadm');
    for (const n of ['cal', 'ada']) assert.ok(through.includes(n), `${n} in ${through.join(', ')}`);
    assert.ok(!through.includes('cy'), through.join(', '));
  });

  it('the step is real: the write refused, cal joins the group, writes the cluster, a node starts as the role', async () => {
    const as = connectionTo(s.url, keys['cal'] as Credentials);
    const refused = await call(as, 'PUT', ['clusters', 'cal-c'], { body: { instanceRole: 'nodeadm' } });
    assert.ok(!refused.ok && refused.httpStatus === 403, JSON.stringify(refused));
    await s.iam(keys['cal']).send(new I.AddUserToGroupCommand({ GroupName: 'passers', UserName: 'cal' }));
    const written = await call(as, 'PUT', ['clusters', 'cal-c'], { body: { instanceRole: 'nodeadm' } });
    assert.ok(written.ok, JSON.stringify(written));
    const node = await call<{ role?: string; roleArn?: string }>(as, 'POST', ['clusters', 'cal-c', 'nodes'], { body: {} });
    assert.ok(node.ok, JSON.stringify(node));
    assert.match(JSON.stringify(node.value), /role\/nodeadm/);
  });
});
