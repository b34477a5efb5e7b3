/**
 * Review hq, 3: PassRole granted by `roles/iam.serviceAccountUser` (a binding naming the user, not its session) is cut
 * by the user's permissions boundary and session policy (review cb, 3; S, S4). In an `acs` account the training
 * service is `pai.aliyuncs.com` and `training.gatehouse.dev`, the compute service `ecs.aliyuncs.com` and
 * `compute.gatehouse.dev`, and an IAM Allow of PassRole by any of them counts, a Deny by any of them refuses (review hp,
 * 6; gb, 3). The binding's cut was decided under the first name alone: a boundary allowing PassRole to
 * `training.gatehouse.dev` (the name DESIGN.md pins, which the role trusts) cut the binding's grant, so the user was
 * refused every job and node that the same boundary lets an IAM Allow through. Now the limits are decided over every
 * name, as the IAM decision is: an Allow by any name lets the grant through, a Deny by any name cuts it (a boundary's
 * Deny by either name already refused before the binding was asked: kept so). Real server (SQLite), SDK v3 IAM, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit, podCreate, reviewedUser } from './support/admission.ts';
import { acsAccount, ramUser, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654323';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const TRAINING = { Effect: 'Allow', Action: ['training:*'], Resource: '*' };
const passTo = (effect: string, service: string) => ({ Effect: effect, Action: 'ram:PassRole', Resource: '*', Condition: { StringEquals: { 'acs:Service': service } } });

describe('review hq3: the limits on a binding-granted PassRole are decided under every name of the service', () => {
  let s: TestServer;
  let admin: Credentials;
  let gina: Credentials;
  let hal: Credentials;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['training.gatehouse.dev'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['compute.gatehouse.dev'] } }) }));
    // A boundary allowing PassRole to the services by the names DESIGN.md pins.
    const designNames = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'design-names', PolicyDocument: policy(TRAINING, passTo('Allow', 'training.gatehouse.dev'), passTo('Allow', 'compute.gatehouse.dev')) }))).Policy!.Arn!;
    // A boundary allowing everything but PassRole to the training service by that name.
    const noTraining = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'no-training', PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }, passTo('Deny', 'training.gatehouse.dev')) }))).Policy!.Arn!;
    // No IAM PassRole at all: the binding alone grants it.
    gina = await ramUser(iam, 'gina', TRAINING);
    hal = await ramUser(iam, 'hal', TRAINING);
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'gina', PermissionsBoundary: designNames }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'hal', PermissionsBoundary: noTraining }));
    await visionAndGpu(s, admin, A, ['gina', 'hal']);
    for (const r of ['trainer', 'nodeadm']) {
      const bound = await gatehouseJson(s.url, admin, 'PUT', '/v1/iam-policies', { resource: role(r), bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:gina', 'user:hal'] }] });
      assert.equal(bound.status, 200, JSON.stringify(bound.json));
    }
    // A cluster of the account whose pods gina creates, naming the node role.
    const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account: A }, spec });
    const applied = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'pods', {}), doc('AccessEntry', 'gina', { cluster: 'pods', principalArn: `acs:ram::${A}:user/gina`, kubernetesGroups: ['devs'] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const config = await gatehouseJson(s.url, admin, 'POST', '/v1/clusters/pods/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
  });
  after(() => s?.stop());

  it("a boundary allowing PassRole by the service's other name lets the binding's grant through: a job and a node", async () => {
    const job = await gatehouseJson(s.url, gina, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    // Before the fix: 403 `… bindings: …, but the permissions boundary does not allow this request …`.
    assert.equal(job.status, 201, JSON.stringify(job.json));
    const node = await gatehouseJson(s.url, gina, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(node.status, 201, JSON.stringify(node.json));
  });

  it("and a pod naming the role the compute service takes is admitted", async () => {
    const r = await admit(s.url, 'pods', bearer, podCreate(A, 'gina', 'p1', role('nodeadm'), await reviewedUser(s.url, 'pods', bearer, gina)));
    // Before the fix: refused, `… but the permissions boundary does not allow this request …`.
    assert.equal(r['allowed'], true, JSON.stringify(r));
  });

  it("a boundary denying PassRole by the service's other name cuts the binding's grant", async () => {
    const job = await gatehouseJson(s.url, hal, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    // Refused before the binding is asked (the IAM decision sees the boundary's Deny by either name): kept so.
    assert.equal(job.status, 403, JSON.stringify(job.json));
    assert.match(JSON.stringify(job.json), /check permission for ram role failed: .*explicitly denied by a boundary policy/);
    // The compute service is not denied: a node starts.
    const node = await gatehouseJson(s.url, hal, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(node.status, 201, JSON.stringify(node.json));
  });
});
