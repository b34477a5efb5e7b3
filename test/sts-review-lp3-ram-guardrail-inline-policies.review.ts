/**
 * Review lp, 3: RAM has no inline policies: a RAM principal gets a policy only by `AttachPolicyToUser` (…Group, …Role),
 * the operations RAM's API reference lists for it, so a RAM administrator keeps users from granting themselves more
 * with `Deny ram:AttachPolicyToUser`, `ram:AttachPolicyToGroup`, `ram:AttachPolicyToRole` (since review lp, 2 that Deny
 * holds against the IAM API's AttachUserPolicy…). But Gatehouse's IAM API also takes inline policies in an `acs`
 * account, decided as `ram:PutUserPolicy`, `ram:PutRolePolicy`, `ram:PutGroupPolicy`: names RAM has not, which no RAM
 * guardrail can name. A RAM user under that guardrail (with `ram:*` otherwise) wrote itself an inline policy allowing
 * `*` and was an administrator.
 *
 * Now putting or deleting an inline policy is decided under RAM's attach (detach) name as well, for its Deny only: a
 * Deny of `ram:AttachPolicyToUser` refuses PutUserPolicy; an Allow of it grants no inline policy (docs/semantics.md).
 * Through `@aws-sdk/client-iam` against a real server on 127.0.0.1. Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000853';
const EVERYTHING = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

describe('lp3: RAM’s attach guardrail holds against inline policies', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  let guarded: I.IAMClient;
  let attacher: I.IAMClient;

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await acsAccount(s, ACS));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'staff' }));
    guarded = s.iam(await ramUser(admin, 'alice', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: ['ram:AttachPolicyToUser', 'ram:AttachPolicyToRole', 'ram:AttachPolicyToGroup'], Resource: '*' }));
    attacher = s.iam(await ramUser(admin, 'bob', { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: '*' }));
  });
  after(async () => {
    await s?.stop();
  });

  it('a Deny of ram:AttachPolicyToUser refuses PutUserPolicy, and the user gains nothing', async () => {
    await refused(guarded.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'mine', PolicyDocument: EVERYTHING })), 'PutUserPolicy');
    const listed = await admin.send(new I.ListUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(listed.PolicyNames, ['p']);
  });

  it('Deny ram:AttachPolicyToRole and ToGroup refuse PutRolePolicy and PutGroupPolicy', async () => {
    await refused(guarded.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'mine', PolicyDocument: EVERYTHING })), 'PutRolePolicy');
    await refused(guarded.send(new I.PutGroupPolicyCommand({ GroupName: 'staff', PolicyName: 'mine', PolicyDocument: EVERYTHING })), 'PutGroupPolicy');
  });

  it('an Allow of ram:AttachPolicyToUser grants no inline policy', async () => {
    await refused(attacher.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'mine', PolicyDocument: EVERYTHING })), 'PutUserPolicy by an attacher');
  });
});
