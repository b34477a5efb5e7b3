/**
 * Review gb, 3: in an `acs` account the training service answers to two names, `pai.aliyuncs.com` and
 * `training.gatehouse.dev` (DESIGN.md "Service principals"), and the compute service to `ecs.aliyuncs.com` and
 * `compute.gatehouse.dev`: a role trusting either is trusted. PassRole was decided with the first name only
 * (`acs:Service` / `iam:PassedToService` = `pai.aliyuncs.com`), so a Deny an admin wrote with the name the design
 * pins (`"acs:Service": "training.gatehouse.dev"`, "no role may be passed to training jobs") did not apply: the
 * submitter passed the role all the same, and a node was started the same way past a Deny on `compute.gatehouse.dev`.
 * Now an explicit deny for any name of the service refuses, as a Deny spelling the role or the action in the other
 * dialect does (review U, U1); the Allow is still decided on the service's first name. escalation-paths asks the same.
 *
 * Real server (SQLite), `gatehouse accounts create` through the CLI, IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser, SUBMITTER, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654321';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });

describe('review gb3: a Deny of PassRole naming the service by its other name applies', () => {
  let s: TestServer;
  let admin: Credentials;
  let carol: Credentials;
  let dave: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }) }));
    // carol may pass roles, but never to training jobs, as the design names the service.
    carol = await ramUser(iam, 'carol', ...SUBMITTER, { Effect: 'Deny', Action: 'ram:PassRole', Resource: '*', Condition: { StringEquals: { 'acs:Service': 'training.gatehouse.dev' } } });
    // dave may pass roles, but never to cluster nodes, as the design names the compute service.
    dave = await ramUser(iam, 'dave', ...SUBMITTER, { Effect: 'Deny', Action: 'ram:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' } } });
    await visionAndGpu(s, admin, A, ['carol', 'dave']);
  });
  after(() => s?.stop());

  it('a job submitted with a role by a user denied PassRole to training.gatehouse.dev is refused', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
    // Not denied for the compute service: dave passes the role to a training job.
    const ok = await gatehouseJson(s.url, dave, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
  });

  it('a node started by a user denied PassRole to compute.gatehouse.dev is refused', async () => {
    const r = await gatehouseJson(s.url, dave, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
    const ok = await gatehouseJson(s.url, carol, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
  });

  it('escalation-paths lists no step the Deny on the service’s other name refuses, and keeps the ones it does not', async () => {
    const paths = async (user: string): Promise<{ to: string; how: string }[]> => {
      const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${A}:user/${user}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const reached = (r.json['reports'] as { canBecome: { principal: string; path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? [];
      return reached.flatMap((b) => b.path.map((st) => ({ to: st.to, how: st.how })));
    };
    const carols = await paths('carol');
    assert.ok(!carols.some((st) => st.to === role('trainer') && st.how === 'iam:PassRole to a training job'), JSON.stringify(carols));
    assert.ok(carols.some((st) => st.to === role('nodeadm') && st.how === 'iam:PassRole to a cluster node'), JSON.stringify(carols));
    const daves = await paths('dave');
    assert.ok(daves.some((st) => st.to === role('trainer') && st.how === 'iam:PassRole to a training job'), JSON.stringify(daves));
    assert.ok(!daves.some((st) => st.to === role('nodeadm') && st.how === 'iam:PassRole to a cluster node'), JSON.stringify(daves));
  });
});
