/**
 * Review ku, 2: in an `acs` account the training service answers to two names (`pai.aliyuncs.com`,
 * `training.gatehouse.dev`) and the compute service to two (`ecs.aliyuncs.com`, `compute.gatehouse.dev`); PassRole was
 * decided once for each name and any explicit deny refused (review gb, 3). That is right for a Deny that names the
 * service (`StringEquals acs:Service training.gatehouse.dev`), and wrong for the guard RAM's documentation teaches, a Deny
 * of PassRole to every service but one: `StringNotEquals {"acs:Service": "pai.aliyuncs.com"}` matched when the request
 * was asked under the other name, so a user allowed to pass roles only to PAI could submit no training job with a role
 * at all (403 `check permission for ram role failed`), and likewise a node past `StringNotEquals ecs.aliyuncs.com`.
 * The service now holds its names together: a negated operator matches only when no name of the service is among its
 * values (the request is "passed to pai.aliyuncs.com", whatever other name it also has), a positive one when any is,
 * as before; a guard naming another service still refuses. escalation-paths answers the same way.
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4). Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser, SUBMITTER, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654322';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });

describe('review ku2: a Deny of PassRole to every service but one lets that one through', () => {
  let s: TestServer;
  let admin: Credentials;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }) }));
    const onlyTo = (key: string, service: string) => ({ Effect: 'Deny', Action: 'ram:PassRole', Resource: '*', Condition: { StringNotEquals: { [key]: service } } });
    // Roles only to PAI (as RAM spells it), only to the training service (as the design spells it), only to ECS.
    keys['pat'] = await ramUser(iam, 'pat', ...SUBMITTER, onlyTo('acs:Service', 'pai.aliyuncs.com'));
    keys['tom'] = await ramUser(iam, 'tom', ...SUBMITTER, onlyTo('iam:PassedToService', 'training.gatehouse.dev'));
    keys['eli'] = await ramUser(iam, 'eli', ...SUBMITTER, { Effect: 'Deny', Action: 'ram:PassRole', Resource: '*', Condition: { StringNotLike: { 'acs:Service': 'ecs.*' } } });
    await visionAndGpu(s, admin, A, ['pat', 'tom', 'eli']);
  });
  after(() => s?.stop());

  const submit = (who: string) => gatehouseJson(s.url, keys[who] as Credentials, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
  const node = (who: string) => gatehouseJson(s.url, keys[who] as Credentials, 'POST', '/v1/clusters/gpu/nodes', { imds: false });

  it('a user denied PassRole to every service but the training service submits a job with a role', async () => {
    for (const who of ['pat', 'tom']) {
      const r = await submit(who);
      assert.equal(r.status, 201, `${who}: ${JSON.stringify(r.json)}`);
    }
    // The guard still refuses another service: eli passes roles only to ECS.
    const r = await submit('eli');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
  });

  it('a user denied PassRole to every service but ECS starts a node; one allowed only the training service does not', async () => {
    const r = await node('eli');
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const refused = await node('pat');
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
  });

  it('escalation-paths: the training role is reachable by pat, not by eli', async () => {
    const paths = async (user: string): Promise<{ to: string; how: string }[]> => {
      const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${A}:user/${user}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const reached = (r.json['reports'] as { canBecome: { principal: string; path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? [];
      return reached.flatMap((b) => b.path.map((st) => ({ to: st.to, how: st.how })));
    };
    const pats = await paths('pat');
    assert.ok(pats.some((st) => st.to === role('trainer') && st.how === 'iam:PassRole to a training job'), JSON.stringify(pats));
    const elis = await paths('eli');
    assert.ok(!elis.some((st) => st.to === role('trainer') && st.how === 'iam:PassRole to a training job'), JSON.stringify(elis));
    assert.ok(elis.some((st) => st.to === role('nodeadm') && st.how === 'iam:PassRole to a cluster node'), JSON.stringify(elis));
  });
});
