/**
 * Review lp, 2: in an `acs` account the IAM API's policy calls were decided under IAM's action names in RAM's service,
 * `ram:AttachUserPolicy`, `ram:AttachRolePolicy`, `ram:DetachUserPolicy`, `ram:UpdateAssumeRolePolicy`…, which RAM has
 * none of. RAM's own names for those operations are `ram:AttachPolicyToUser`, `ram:AttachPolicyToRole`,
 * `ram:AttachPolicyToGroup`, `ram:DetachPolicyFromUser` (…Group, …Role), `ram:ListPoliciesForUser` (…Group, …Role), and
 * a role's trust policy is changed by `ram:UpdateRole` (`NewAssumeRolePolicyDocument`) — the RAM API reference's
 * "RAM authorization" tables (alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-attachpolicytorole,
 * …-detachpolicyfromuser, …-detachpolicyfromrole, …-updaterole). So the guardrail a RAM administrator writes against
 * privilege escalation, `Deny ram:AttachPolicyToUser` / `ram:AttachPolicyToRole` / `ram:UpdateRole`, never matched:
 * a RAM user under it attached any policy to itself and rewrote a role's trust policy through the IAM API; and a user
 * granted `ram:AttachPolicyToUser`, as RAM's docs teach, was refused.
 *
 * Now each such call is decided under RAM's own name as well, in either partition: a Deny naming it refuses, and in an
 * `acs` account an Allow naming it grants (it is that account's own dialect). Through `@aws-sdk/client-iam` against a
 * real server on 127.0.0.1, and the authorize API (`/v1/authorize`), which escalation paths ask, answering alike. Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000852';

describe('lp2: RAM’s own action names decide the IAM API’s policy calls', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  let guarded: I.IAMClient;
  let granted: I.IAMClient;
  let grantedKey: Credentials;
  let policyArn = '';

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };

  before(async () => {
    s = await startTestServer();
    const root: Credentials = await acsAccount(s, ACS);
    admin = s.iam(root);
    const made = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'everything', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    policyArn = made.Policy?.Arn ?? assert.fail('no policy ARN');
    await admin.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    // A RAM administrator kept from granting itself more: every ram: action but attaching policies and editing roles.
    guarded = s.iam(await ramUser(admin, 'alice', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: ['ram:AttachPolicyToUser', 'ram:AttachPolicyToRole', 'ram:AttachPolicyToGroup', 'ram:UpdateRole'], Resource: '*' }));
    grantedKey = await ramUser(admin, 'bob', { Effect: 'Allow', Action: ['ram:AttachPolicyToUser', 'ram:DetachPolicyFromUser', 'ram:ListPoliciesForUser', 'gatehouse:Authorize'], Resource: '*' });
    granted = s.iam(grantedKey);
  });
  after(async () => {
    await s?.stop();
  });

  it('a Deny of ram:AttachPolicyToUser / ToRole refuses AttachUserPolicy and AttachRolePolicy', async () => {
    await refused(guarded.send(new I.AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: policyArn })), 'AttachUserPolicy');
    await refused(guarded.send(new I.AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: policyArn })), 'AttachRolePolicy');
    const attached = await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(attached.AttachedPolicies ?? [], []);
    // What the Deny does not name is still allowed by ram:*.
    await guarded.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'ml' }] }));
  });

  it('a Deny of ram:UpdateRole refuses UpdateAssumeRolePolicy', async () => {
    const open = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:user/alice`] } }] });
    await refused(guarded.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ops', PolicyDocument: open })), 'UpdateAssumeRolePolicy');
  });

  it('an Allow of ram:AttachPolicyToUser, DetachPolicyFromUser and ListPoliciesForUser grants those calls', async () => {
    await granted.send(new I.AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: policyArn }));
    const listed = await granted.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'bob' }));
    assert.deepEqual(listed.AttachedPolicies?.map((p) => p.PolicyArn), [policyArn]);
    await granted.send(new I.DetachUserPolicyCommand({ UserName: 'bob', PolicyArn: policyArn }));
  });

  it('the authorize API (which escalation paths ask) answers as the IAM API decides', async () => {
    const ask = async (action: string): Promise<unknown> => (await gatehouseJson(s.url, grantedKey, 'POST', '/v1/authorize', { action, resource: `acs:ram::${ACS}:user/bob` })).json['decision'];
    assert.equal(await ask('ram:AttachUserPolicy'), 'Allow');
    assert.equal(await ask('ram:AttachRolePolicy'), 'ImplicitDeny');
  });
});
