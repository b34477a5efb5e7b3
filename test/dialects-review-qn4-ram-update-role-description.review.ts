/**
 * Review qn, 4: RAM changes a role's description with `UpdateRole` (`NewDescription`; RAM API reference, api-ram-2015-
 * 05-01-updaterole, "RAM authorization": `ram:UpdateRole`); it has no UpdateRoleDescription. In an `acs` account the IAM
 * API's UpdateRoleDescription — the call Terraform's aws_iam_role makes for a description change — was decided as
 * `ram:UpdateRoleDescription` only: a RAM user granted `ram:UpdateRole`, as RAM's docs teach, was refused it, and the
 * guardrail `Deny ram:UpdateRole` on a role, which already refused UpdateRole and UpdateAssumeRolePolicy there (review
 * lp, 2), let its description be rewritten. Now UpdateRoleDescription is decided under `ram:UpdateRole` as well, as the
 * calls of review lp, 2 are (a Deny naming it refuses; in an `acs` account an Allow naming it grants). IAM's own names
 * are as review fo, 2 made them: `iam:UpdateRole` neither grants nor denies `iam:UpdateRoleDescription`.
 * `@aws-sdk/client-iam` against a real server on 127.0.0.1.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000856';
const TRUST = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] });

describe('qn4: UpdateRoleDescription is RAM’s UpdateRole', () => {
  let s: TestServer;
  let admin: I.IAMClient;

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };
  const description = async (role: string): Promise<string | undefined> => (await admin.send(new I.GetRoleCommand({ RoleName: role }))).Role?.Description;

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await acsAccount(s, ACS));
    for (const r of ['prod', 'dev']) await admin.send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST, Description: `${r} role` }));
  });
  after(async () => {
    await s?.stop();
  });

  it('an Allow of ram:UpdateRole grants UpdateRoleDescription in an acs account', async () => {
    const bob = s.iam(await ramUser(admin, 'bob', { Effect: 'Allow', Action: 'ram:UpdateRole', Resource: `acs:ram::${ACS}:role/dev` }));
    await bob.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'dev', Description: 'changed by bob' }));
    assert.equal(await description('dev'), 'changed by bob');
  });

  it('a Deny of ram:UpdateRole on a role refuses UpdateRoleDescription there', async () => {
    const alice = s.iam(await ramUser(admin, 'alice', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: 'ram:UpdateRole', Resource: `acs:ram::${ACS}:role/prod` }));
    await refused(alice.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'prod', Description: 'rewritten' })), 'UpdateRoleDescription');
    assert.equal(await description('prod'), 'prod role');
    await alice.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'dev', Description: 'changed by alice' }));
    assert.equal(await description('dev'), 'changed by alice');
  });

  it('in an aws account iam:UpdateRole neither grants nor refuses UpdateRoleDescription (review fo, 2)', async () => {
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::000000000000:root' } }] }) }));
    const carol = s.iam(await iamUserWith(iam, 'carol', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:UpdateRole', Resource: '*' }] }));
    await refused(carol.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'x' })), 'UpdateRoleDescription allowed iam:UpdateRole only');
    const dan = s.iam(await iamUserWith(iam, 'dan', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:UpdateRole', Resource: '*' }] }));
    await dan.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'by dan' }));
  });
});
