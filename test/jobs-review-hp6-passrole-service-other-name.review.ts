/**
 * Review hp, 6: in an `acs` account the training service is `training.gatehouse.dev` as well as `pai.aliyuncs.com`,
 * and the compute service `compute.gatehouse.dev` as well as `ecs.aliyuncs.com` (DESIGN.md "Service principals"): a
 * role trusting either name is trusted (review gj, 4), and a Deny of PassRole naming either refuses (review gb, 3). An
 * Allow was decided on the first name alone, so a RAM user allowed `ram:PassRole` on the condition
 * `acs:Service = training.gatehouse.dev` (the name the design pins, the one a role of the same account trusts) was
 * refused every submission, `check permission for ram role failed`, and a node's start on
 * `iam:PassedToService = compute.gatehouse.dev` the same. Now PassRole to a service known by several names is allowed
 * when the caller's policies allow it by any of them and deny it by none; an Allow for another service's name still
 * allows nothing. escalation-paths asks the same. Real server (SQLite), SDK v3 IAM, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654322';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const TRAINING = { Effect: 'Allow', Action: ['training:*'], Resource: '*' };
const passTo = (key: string, service: string) => ({ Effect: 'Allow', Action: 'ram:PassRole', Resource: '*', Condition: { StringEquals: { [key]: service } } });

describe('review hp6: PassRole allowed by the name the design pins for the service, in an acs account', () => {
  let s: TestServer;
  let admin: Credentials;
  let erin: Credentials;
  let fred: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['training.gatehouse.dev'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['compute.gatehouse.dev'] } }) }));
    // erin may pass roles to the training and compute services, named as DESIGN.md names them.
    erin = await ramUser(iam, 'erin', TRAINING, passTo('acs:Service', 'training.gatehouse.dev'), passTo('iam:PassedToService', 'compute.gatehouse.dev'));
    // fred may pass roles to the compute service only.
    fred = await ramUser(iam, 'fred', TRAINING, passTo('acs:Service', 'compute.gatehouse.dev'));
    await visionAndGpu(s, admin, A, ['erin', 'fred']);
  });
  after(() => s?.stop());

  it('a job is submitted with the role', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    // Before the fix: 403 `check permission for ram role failed: … is not allowed to perform ram:PassRole …`.
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });

  it('a node is started with the cluster role', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });

  it("an Allow for another service's name passes nothing to training jobs", async () => {
    const r = await gatehouseJson(s.url, fred, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
    const node = await gatehouseJson(s.url, fred, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(node.status, 201, JSON.stringify(node.json));
  });

  it('escalation-paths lists the job step', async () => {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${A}:user/erin` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
    assert.ok(steps.some((st) => st.to.endsWith(':role/trainer') && /training job/.test(st.how)), JSON.stringify(steps));
  });
});
