/**
 * Review rf, 3: escalation-paths followed what the caller of AssumeRole passes besides the session name — session tags a
 * trust policy asks for (review ii, 2), a source identity it compares (ii, 3), session tags that become the session's
 * principal tags a role's Allows grant by (ii, 1) — in `aws` accounts only, on the belief that "RAM's AssumeRole passes
 * no session tags" (docs/decisions.md). But Gatehouse's AssumeRole takes `Tags` and `SourceIdentity` for a role of an
 * `acs` account as well (src/app/sts.ts; its Alibaba STS takes `SourceIdentity` too, docs/decisions.md), decided under
 * the role's RAM trust policy with `acs:RequestTag/K` and `sts:SourceIdentity`, and a session so tagged carries the tags
 * as `acs:PrincipalTag/K`. So a RAM user got into roles, and gained rights, that the report (DESIGN.md: the auditor's
 * "which paths let a principal gain more rights") did not list. The steps and the gain are now followed in both
 * partitions; each listed one is taken for real; a user denied `sts:TagSession` still gets none of the session-tag ones.
 * Real server (SQLite), an `acs` account, SDK v3 IAM and STS, the admin API as the CLI signs it.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000873';
const role = (n: string) => `acs:ram::${ACS}:role/${n}`;
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;
const v1 = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const trust = (actions: string[], Condition?: object) => v1({ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Action: actions, ...(Condition ? { Condition } : {}) });

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { actions: readonly string[] }[] }[];
  readonly canGain: readonly { gain: { principal: string; action: string; gives: string } }[];
}

describe('review rf3: session tags and a source identity passed to AssumeRole in an acs account', () => {
  let s: TestServer;
  let admin: Credentials;
  const keys: Record<string, Credentials> = {};
  const report = async (name: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };
  const firstStep = (r: Report, to: string) => r.canBecome.find((b) => b.principal === to)?.path[0]?.actions;
  const sts = (name: string) => new S.STSClient({ endpoint: s.url, region: 'cn-hangzhou', credentials: keys[name]! });

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops-tagged', AssumeRolePolicyDocument: trust(['sts:AssumeRole', 'sts:TagSession'], { StringEquals: { 'acs:RequestTag/team': 'ops' } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops-bot', AssumeRolePolicyDocument: trust(['sts:AssumeRole', 'sts:SetSourceIdentity'], { StringEquals: { 'sts:SourceIdentity': 'ops-bot' } }) }));
    for (const r of ['ops-tagged', 'ops-bot']) await iam.send(new I.AttachRolePolicyCommand({ RoleName: r, PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'leveled', AssumeRolePolicyDocument: trust(['sts:AssumeRole', 'sts:TagSession']) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'leveled', PolicyName: 'abac', PolicyDocument: v1({ Effect: 'Allow', Action: 'ram:*', Resource: '*', Condition: { StringEquals: { 'acs:PrincipalTag/level': 'admin' } } }) }));
    const assume = { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: '*' };
    keys['u'] = await iamUserWith(iam, 'u', JSON.parse(v1(assume)));
    keys['untagging'] = await iamUserWith(iam, 'untagging', JSON.parse(v1({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }, { Effect: 'Deny', Action: 'sts:TagSession', Resource: '*' })));
  });
  after(() => s?.stop());

  it('a role whose RAM trust asks for a session tag is reached with it, and the user assumes it so', async () => {
    assert.deepEqual(firstStep(await report('u'), role('ops-tagged')), ['sts:AssumeRole', 'sts:TagSession']);
    const c = await sts('u').send(new S.AssumeRoleCommand({ RoleArn: role('ops-tagged'), RoleSessionName: 'rf3', Tags: [{ Key: 'team', Value: 'ops' }] }));
    assert.ok(c.Credentials?.AccessKeyId);
  });

  it('a role whose RAM trust compares sts:SourceIdentity is reached with that identity, and the user assumes it so', async () => {
    assert.deepEqual(firstStep(await report('u'), role('ops-bot')), ['sts:AssumeRole', 'sts:SetSourceIdentity']);
    const c = await sts('u').send(new S.AssumeRoleCommand({ RoleArn: role('ops-bot'), RoleSessionName: 'rf3', SourceIdentity: 'ops-bot' }));
    assert.ok(c.Credentials?.AccessKeyId);
  });

  it('session tags a role’s Allows grant by (acs:PrincipalTag) are a gain over it, and the session so tagged uses it', async () => {
    const gains = (await report('u')).canGain.map((g) => [g.gain.principal, g.gain.action, g.gain.gives]);
    assert.ok(gains.some(([p, a, g]) => p === role('leveled') && a === 'sts:TagSession' && g === 'tags'), JSON.stringify(gains));
    const c = (await sts('u').send(new S.AssumeRoleCommand({ RoleArn: role('leveled'), RoleSessionName: 'rf3', Tags: [{ Key: 'level', Value: 'admin' }] }))).Credentials;
    const listed = await s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new I.ListUsersCommand({}));
    assert.ok((listed.Users ?? []).some((u) => u.UserName === 'u'));
  });

  it('a user denied sts:TagSession gets neither the session-tag step nor the gain', async () => {
    const r = await report('untagging');
    assert.equal(firstStep(r, role('ops-tagged')), undefined);
    assert.ok(!r.canGain.some((g) => g.gain.action === 'sts:TagSession'), JSON.stringify(r.canGain));
  });
});
