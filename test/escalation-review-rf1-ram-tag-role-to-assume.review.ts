/**
 * Review rf, 1: escalation-paths followed re-tagging a role to meet the caller's own tag condition (review ii, 8) in
 * `aws` accounts only. In an `acs` account AssumeRole is decided with the role's tags too (src/app/sts.ts; RAM's
 * `acs:ResourceTag/K` reads them, as `aws:ResourceTag/K` does, docs/semantics.md "Conditions"; reference
 * policy-semantics.md §A.2 global keys), and `ram:TagResources` sets them (docs/semantics.md, review qn, 1): a RAM user
 * allowed `sts:AssumeRole` on roles tagged `team=ml` and allowed to tag roles retags an administrator role and becomes
 * it, yet the report (DESIGN.md: the auditor asks "which paths let a principal gain more rights") listed no step — the
 * code skipped the step for `acs` accounts on the belief that RAM has no such key. Now the step is listed there too, with
 * `ram:TagRole` first among its actions, and it is the one the server then lets the user take.
 * Real server (SQLite), an `acs` account, SDK v3 IAM and STS, the admin API as the CLI signs it.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000871';
const ROLE = `acs:ram::${ACS}:role/boss`;
const v1 = (...Statement: object[]) => ({ Version: '1', Statement });
const assumeTagged = (key: string) => ({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { [key]: 'ml' } } });
const tagRoles = { Effect: 'Allow', Action: 'ram:TagResources', Resource: `acs:ram::${ACS}:role/*` };

interface Step {
  readonly how: string;
  readonly to: string;
  readonly actions: readonly string[];
}

describe('review rf1: an acs role retagged to meet the caller’s acs:ResourceTag condition, then assumed', () => {
  let s: TestServer;
  let admin: Credentials;
  const keys: Record<string, Credentials> = {};

  const stepsTo = async (user: string): Promise<Step[]> => {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${ACS}:user/${user}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const become = (r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome ?? [];
    return become.find((b) => b.principal === ROLE)?.path ?? [];
  };

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'boss', AssumeRolePolicyDocument: JSON.stringify(v1({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } })) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'boss', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
    keys['tagger'] = await iamUserWith(iam, 'tagger', v1(assumeTagged('acs:ResourceTag/team'), tagRoles));
    keys['aws-spelled'] = await iamUserWith(iam, 'aws-spelled', v1(assumeTagged('aws:ResourceTag/team'), tagRoles));
    keys['guarded'] = await iamUserWith(iam, 'guarded', v1(assumeTagged('acs:ResourceTag/team'), tagRoles, { Effect: 'Deny', Action: 'ram:TagResources', Resource: ROLE }));
  });
  after(() => s?.stop());

  it('lists ram:TagRole then sts:AssumeRole for a condition on acs:ResourceTag, and the server lets the user take it', async () => {
    const path = await stepsTo('tagger');
    assert.equal(path.length, 1, JSON.stringify(path));
    assert.deepEqual([path[0]?.how, path[0]?.to, path[0]?.actions], ['sts:AssumeRole', ROLE, ['ram:TagRole', 'sts:AssumeRole']]);
    const sts = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: keys['tagger']! });
    await assert.rejects(sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'before' })), /AccessDenied/);
    await s.iam(keys['tagger']).send(new I.TagRoleCommand({ RoleName: 'boss', Tags: [{ Key: 'team', Value: 'ml' }] }));
    const taken = await sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'after' }));
    assert.ok(taken.Credentials?.AccessKeyId);
    await s.iam(admin).send(new I.UntagRoleCommand({ RoleName: 'boss', TagKeys: ['team'] }));
  });

  it('lists it for the condition in AWS’s spelling too, which the engine reads alike in an acs account', async () => {
    const path = await stepsTo('aws-spelled');
    assert.deepEqual(path.map((p) => p.actions), [['ram:TagRole', 'sts:AssumeRole']], JSON.stringify(path));
  });

  it('lists nothing for a user whose Deny ram:TagResources on the role keeps it from retagging it', async () => {
    assert.deepEqual(await stepsTo('guarded'), []);
  });
});
