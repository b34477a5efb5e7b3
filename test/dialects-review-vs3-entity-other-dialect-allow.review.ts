/**
 * Review vs, 3. The IAM Query API decides a call on a user, group or role on the entity's ARN in its account's dialect
 * (`acs:ram::A:user/bob` in an `acs` account, `arn:aws:iam::A:user/<path>bob` in an `aws` one), reading a Deny of the
 * other dialect's spelling too, while "an Allow grants nothing" there (docs/semantics.md, dialects review is, 5:
 * `arn:aws:iam::A:user/carol` ≡ `acs:ram::A:user/carol`). The authorize API and IAM's simulators decided a question
 * asked on the other spelling as asked, so an Allow naming only that spelling answered Allow (simulated `allowed`) where
 * the call is refused, and an Allow of the account's own spelling ImplicitDeny where it succeeds: in an `acs` account, a
 * RAM user allowed `ram:*` on `arn:aws:iam::A:user/*` was answered Allow for `ram:DeleteUser` on
 * `arn:aws:iam::A:user/bob`, and `GetUser` on bob is refused it. Roles were decided on their canonical ARN for PassRole
 * and AssumeRole only (review U), not for the Query API's calls on them.
 *
 * Now a question on a stored user, group or role of either dialect's spelling is decided on its ARN in its account's
 * dialect (its stored path and name), as a name in another case already was (review rg, 1), an explicit deny naming the
 * ARN as asked still refusing; the simulator so for a caller that may read the entity, as for the case. Real server
 * (SQLite), SDK v3 IAM, SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { ramUser } from './support/alibaba-world.ts';
import { accountAdmin, errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604070';
const ROOT = '000000000000';
const AWS = `arn:aws:iam::${A}`;
const OWN = `acs:ram::${A}`;
const ENTITIES = ['user/bob', 'role/r', 'group/g'];

let s: TestServer;
let admin: Credentials;
let iam: I.IAMClient;
const keys: Record<string, Credentials> = {};

async function answers(asker: Credentials, sdk: I.IAMClient, principal: string, action: string, resource: string): Promise<[unknown, string | undefined]> {
  const a = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(a.status, 200, JSON.stringify(a.json));
  const r = await sdk.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: [action], ResourceArns: [resource] }));
  assert.equal(r.EvaluationResults?.[0]?.EvalResourceName, resource);
  return [a.json['decision'], r.EvaluationResults?.[0]?.EvalDecision];
}
const actionOn = (entity: string): string => `ram:Get${entity.startsWith('user') ? 'User' : entity.startsWith('role') ? 'Role' : 'Group'}`;

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  iam = s.iam(admin);
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'g' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }] }) }));
  keys['awsspelling'] = await ramUser(iam, 'awsspelling', { Effect: 'Allow', Action: 'ram:*', Resource: ENTITIES.map((e) => `${AWS}:${e}`) });
  keys['ownspelling'] = await ramUser(iam, 'ownspelling', { Effect: 'Allow', Action: 'ram:*', Resource: ENTITIES.map((e) => `${OWN}:${e}`) });
  keys['denied'] = await ramUser(iam, 'denied', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: 'ram:DeleteUser', Resource: `${AWS}:user/bob` });
});
after(() => {
  iam?.destroy();
  return s?.stop();
});

describe('review vs, 3: a question on a user, group or role in the other dialect is decided as the Query API decides the call', () => {
  it('acs account: an Allow of AWS’s spelling alone is refused by the Query API, and answered so in either spelling', async () => {
    const sdk = s.iam(keys['awsspelling']);
    try {
      assert.equal(await errorName(sdk.send(new I.GetUserCommand({ UserName: 'bob' }))), 'AccessDenied');
      assert.equal(await errorName(sdk.send(new I.GetRoleCommand({ RoleName: 'r' }))), 'AccessDenied');
    } finally {
      sdk.destroy();
    }
    for (const entity of ENTITIES) {
      for (const head of [AWS, OWN]) {
        assert.deepEqual(await answers(admin, iam, `${OWN}:user/awsspelling`, actionOn(entity), `${head}:${entity}`), ['ImplicitDeny', 'implicitDeny'], `${head}:${entity}`);
      }
    }
    assert.deepEqual(await answers(admin, iam, `${OWN}:user/awsspelling`, 'ram:DeleteUser', `${AWS}:user/bob`), ['ImplicitDeny', 'implicitDeny']);
  });

  it('acs account: an Allow of the account’s own spelling is allowed by the Query API, and answered so in either spelling', async () => {
    const sdk = s.iam(keys['ownspelling']);
    try {
      assert.equal(await errorName(sdk.send(new I.GetUserCommand({ UserName: 'bob' }))), 'no error');
    } finally {
      sdk.destroy();
    }
    for (const entity of ENTITIES) {
      for (const head of [AWS, OWN]) {
        assert.deepEqual(await answers(admin, iam, `${OWN}:user/ownspelling`, actionOn(entity), `${head}:${entity}`), ['Allow', 'allowed'], `${head}:${entity}`);
      }
    }
  });

  it('an explicit deny naming the ARN as asked still refuses', async () => {
    assert.deepEqual(await answers(admin, iam, `${OWN}:user/denied`, 'ram:DeleteUser', `${AWS}:user/bob`), ['ExplicitDeny', 'explicitDeny']);
    assert.deepEqual(await answers(admin, iam, `${OWN}:user/denied`, 'ram:DeleteUser', `${OWN}:user/bob`), ['ExplicitDeny', 'explicitDeny']);
    assert.deepEqual(await answers(admin, iam, `${OWN}:user/denied`, 'ram:GetUser', `${AWS}:user/bob`), ['Allow', 'allowed']);
  });

  it('aws account: RAM’s spelling of a user at a path is decided on its stored ARN', async () => {
    const root = s.iam();
    try {
      await root.send(new I.CreateUserCommand({ UserName: 'vs3-carol', Path: '/team/' }));
      const ramOnly = await userWithPolicy(s, 'vs3-ramonly', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: `acs:ram::${ROOT}:user/vs3-carol` }] }));
      const sdk = s.iam(ramOnly);
      try {
        assert.equal(await errorName(sdk.send(new I.GetUserCommand({ UserName: 'vs3-carol' }))), 'AccessDenied');
      } finally {
        sdk.destroy();
      }
      assert.deepEqual(await answers(s.admin, root, `arn:aws:iam::${ROOT}:user/vs3-ramonly`, 'iam:GetUser', `acs:ram::${ROOT}:user/vs3-carol`), ['ImplicitDeny', 'implicitDeny']);
      assert.deepEqual(await answers(s.admin, root, `arn:aws:iam::${ROOT}:user/vs3-ramonly`, 'iam:GetUser', `arn:aws:iam::${ROOT}:user/team/vs3-carol`), ['ImplicitDeny', 'implicitDeny']);
    } finally {
      root.destroy();
    }
  });
});
