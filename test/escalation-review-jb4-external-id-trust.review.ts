/**
 * Review jb, 4: escalation-paths decided AssumeRole under a trust policy that asks for an external id
 * (`StringEquals sts:ExternalId`, AWS's guard against the confused deputy) with no external id, so a role whose
 * trust policy gives it to the account's principals that pass `x-123` was a path to no one — here a role allowed
 * everything, reached by a user allowed `sts:AssumeRole`, answered `canBecome: []`, `anyRight: false`. The external id
 * is the caller's to give, as the session name is (review eq, 5): the trust policy names its value, and AWS says it is
 * not treated as a secret. Each value a trust policy (or the principal's own policies) compares `sts:ExternalId` with
 * is now asked, and the step names it; a role that another condition gates (a source IP) stays gated. Each answer is
 * taken for real with STS: refused without the external id, the role assumed with it, and its rights used. Before
 * the fix 1 of 2 tests failed. Real server (SQLite), SDK v3 IAM and STS, the admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (condition: object) => doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: condition });

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { how: string; to: string; reasons: readonly string[] }[] }[];
  readonly anyRight: boolean;
}

describe('review jb4: an external id a trust policy names is the assumer\'s to give', () => {
  let s: TestServer;
  let eve: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    eve = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vendor', AssumeRolePolicyDocument: trust({ StringEquals: { 'sts:ExternalId': 'x-123' } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'office', AssumeRolePolicyDocument: trust({ IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } }) }));
    for (const r of ['vendor', 'office']) await iam.send(new I.PutRolePolicyCommand({ RoleName: r, PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
  });
  after(() => s?.stop());

  const report = async (): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user('eve') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };

  it('the role is reached with the external id its trust policy names, and the step says so; STS agrees', async () => {
    const r = await report();
    const path = r.canBecome.find((b) => b.principal === role('vendor'))?.path;
    assert.ok(path, JSON.stringify(r));
    assert.deepEqual(path.map((st) => st.how), ['sts:AssumeRole']);
    assert.ok(path[0]?.reasons.some((x) => /with the external id x-123/.test(x)), JSON.stringify(path));
    assert.equal(r.anyRight, true);
    const sts = s.sts(eve);
    assert.equal(await errorName(sts.send(new S.AssumeRoleCommand({ RoleArn: role('vendor'), RoleSessionName: 'jb4' }))), 'AccessDenied');
    const got = await sts.send(new S.AssumeRoleCommand({ RoleArn: role('vendor'), RoleSessionName: 'jb4', ExternalId: 'x-123' }));
    const c = got.Credentials;
    const users = await s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new I.ListUsersCommand({}));
    assert.ok((users.Users ?? []).some((u) => u.UserName === 'eve'));
  });

  it('a role a source IP gates stays gated without that context, as STS refuses it from here', async () => {
    const r = await report();
    // Only through vendor (allowed everything, it may rewrite office's trust policy), never by a step of eve's own.
    const path = r.canBecome.find((b) => b.principal === role('office'))?.path;
    assert.ok(path === undefined || (path.length === 2 && path[0]?.how === 'sts:AssumeRole' && path[1]?.how === 'iam:UpdateAssumeRolePolicy'), JSON.stringify(path));
    assert.equal(await errorName(s.sts(eve).send(new S.AssumeRoleCommand({ RoleArn: role('office'), RoleSessionName: 'jb4' }))), 'AccessDenied');
  });
});
