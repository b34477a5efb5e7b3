/**
 * Review ku, 3: a PassRole granted by `roles/iam.serviceAccountUser` (a binding) is cut by the user's permissions
 * boundary, decided once for each name of the service in an `acs` account, a Deny by any name cutting (review hq, 3). A
 * boundary holding the guard RAM teaches, a Deny of PassRole to every service but one (`StringNotEquals {"acs:Service":
 * "pai.aliyuncs.com"}`), matched under the training service's other name, `training.gatehouse.dev`, and cut the grant
 * for the very service it lets through: the user, bound the role, was refused every training job with it (403 `…
 * bindings: …, but the permissions boundary does not allow this request`). As the IAM decision now is (review ku, 2), a
 * Deny found under one name cuts only if it holds with every name at once; a boundary guard naming another service
 * (`ecs.*`) still cuts the grant. Real server (SQLite), SDK v3 IAM, admin API (SigV4). Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654324';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const TRAINING = { Effect: 'Allow', Action: ['training:*'], Resource: '*' };
const onlyTo = (op: string, service: string) => ({ Effect: 'Deny', Action: 'ram:PassRole', Resource: '*', Condition: { [op]: { 'acs:Service': service } } });

describe('review ku3: a boundary passing roles to every service but one cuts no binding grant for that one', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }) }));
    const boundary = async (name: string, guard: object) => (await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }, guard) }))).Policy!.Arn!;
    const onlyPai = await boundary('only-pai', onlyTo('StringNotEquals', 'pai.aliyuncs.com'));
    const onlyEcs = await boundary('only-ecs', onlyTo('StringNotLike', 'ecs.*'));
    // No IAM PassRole at all: the binding alone grants it.
    for (const [user, b] of [['pat', onlyPai], ['eli', onlyEcs]] as const) {
      keys[user] = await ramUser(iam, user, TRAINING);
      await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: user, PermissionsBoundary: b }));
    }
    await visionAndGpu(s, admin, A, ['pat', 'eli']);
    for (const r of ['trainer', 'nodeadm']) {
      const bound = await gatehouseJson(s.url, admin, 'PUT', '/v1/iam-policies', { resource: role(r), bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:pat', 'user:eli'] }] });
      assert.equal(bound.status, 200, JSON.stringify(bound.json));
    }
  });
  after(() => s?.stop());

  const submit = (who: string) => gatehouseJson(s.url, keys[who] as Credentials, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
  const node = (who: string) => gatehouseJson(s.url, keys[who] as Credentials, 'POST', '/v1/clusters/gpu/nodes', { imds: false });

  it('a user bound the role, whose boundary passes roles only to PAI, submits a training job with it', async () => {
    const r = await submit('pat');
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });

  it('a boundary passing roles only to ECS cuts the training job and lets the node start', async () => {
    const r = await submit('eli');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
    const n = await node('eli');
    assert.equal(n.status, 201, JSON.stringify(n.json));
    const refused = await node('pat');
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
  });
});
