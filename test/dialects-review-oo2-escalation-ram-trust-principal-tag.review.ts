/**
 * Dialects review oo, finding 2: escalation-paths lists, as a way to a role, tagging oneself with the principal tags
 * the role's trust policy asks for and then assuming it (review cc, 5; docs/decisions.md "principal tags an actor may
 * set on itself to meet a trust policy"). It was asked only in `aws` accounts: a RAM trust policy that admits the
 * account's users carrying `acs:PrincipalTag/team = ops` (RAM's spelling, which the engine reads as the `aws:` key,
 * docs/semantics.md "Conditions"; review on, 4 read it for the Allow side of a principal's own policies), and a RAM
 * user allowed `ram:TagUser` on itself, which tags itself and is then let assume the role (checked for real through
 * the IAM API and the authorize API), was reported unable to reach it. Now the way is asked in `acs` accounts too.
 * Real server (SQLite), an `acs` account made by the CLI, SDK v3 IAM, the authorize and escalation-paths APIs.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000972';
const role = (n: string) => `acs:ram::${ACS}:role/${n}`;
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;
const trust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Condition: { StringEquals: { 'acs:PrincipalTag/team': 'ops' } } }] });

describe('review oo2: a RAM user that may tag itself with the tag a RAM trust policy asks for', () => {
  let s: TestServer;
  let root: Credentials;
  let carolKey: Credentials;
  before(async () => {
    s = await startTestServer();
    root = await acsAccount(s, ACS);
    const admin = s.iam(root);
    await admin.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: trust }));
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    carolKey = await ramUser(admin, 'carol', { Effect: 'Allow', Action: 'ram:TagUser', Resource: user('carol') }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
  });
  after(() => s?.stop());

  it('is reported to reach the role by tagging itself, as it does for real', async () => {
    const r = await gatehouseJson(s.url, root, 'POST', '/v1/escalation-paths', { principal: user('carol') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { principal: string; canBecome: { principal: string; path: { how: string; actions: string[] }[] }[] }[];
    const ways = (reports[0]?.canBecome ?? []).filter((b) => b.path.length === 1).map((b) => `${b.principal} ${b.path.map((p) => `${p.how} [${p.actions.join(', ')}]`).join(' ')}`);
    assert.deepEqual(ways, [`${role('ops')} sts:AssumeRole [ram:TagUser, sts:AssumeRole]`]);
    // The way is real: carol tags itself, and is then let assume the role.
    const decision = async (): Promise<unknown> => (await gatehouseJson(s.url, root, 'POST', '/v1/authorize', { principal: user('carol'), action: 'sts:AssumeRole', resource: role('ops') })).json['decision'];
    assert.equal(await decision(), 'ImplicitDeny');
    await s.iam(carolKey).send(new I.TagUserCommand({ UserName: 'carol', Tags: [{ Key: 'team', Value: 'ops' }] }));
    assert.equal(await decision(), 'Allow');
  });
});
