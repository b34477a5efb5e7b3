/**
 * Review ph, 4: the escalation-paths report missed every path of a user or role whose IAM path holds `*` or `?` (a path
 * IAM allows: `/` then any printable ASCII then `/`, CreateUser API reference) that goes through a trust policy naming
 * it: a role it may create (iam:CreateRole) or whose trust policy it may rewrite (iam:UpdateAssumeRolePolicy), then
 * assume. The report decides that step under a trust policy naming the principal by its ARN (src/app/escalation.ts
 * `assumedUnderOwnTrust`), path and all — `arn:aws:iam::A:user/x*y/climber` — which the policy parser refuses as a
 * partial wildcard, so the step was never found: a user allowed to create a role and attach AdministratorAccess to it
 * was reported with anyRight false, while it could do just that, naming itself in the trust policy by its ARN without
 * the path (the engine matches a user or role principal by account and name whatever the path). The auditor's question
 * "which paths let a principal gain more rights" (DESIGN.md) was answered "none". Now the trust policy the report
 * decides under names the principal by its pathless ARN when its path holds `*` or `?`. Real server, the /v1 client for
 * the report, SDK v3 for the path itself.
 * Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const CLIMBER = `arn:aws:iam::${A}:user/x*y/climber`;
interface Report {
  readonly canBecome: readonly { principal: string; kind: string; path: readonly { how: string; actions: readonly string[] }[] }[];
  readonly anyRight: boolean;
}
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

test('a user at a path with `*` who may create a role and attach any policy to it is reported as reaching any right, as it does', async () => {
  const iam = s.iam();
  const key = await iamUserWith(iam, 'climber', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:CreateRole', 'iam:AttachRolePolicy'], Resource: '*' }] }, { Path: '/x*y/' });
  const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: CLIMBER } });
  assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
  const report = r.value.reports[0] as Report;
  const made = report.canBecome.find((b) => b.kind === 'role');
  assert.ok(made, JSON.stringify(report));
  assert.deepEqual(made.path.map((st) => [st.how, st.actions]), [['iam:CreateRole', ['iam:CreateRole', 'sts:AssumeRole']]]);
  assert.equal(report.anyRight, true);

  // The path is real: a trust policy naming the user without its path, AdministratorAccess, and the role assumed.
  const own = s.iam(key);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/climber` }, Action: 'sts:AssumeRole' }] });
  await own.send(new I.CreateRoleCommand({ RoleName: 'summit', AssumeRolePolicyDocument: trust }));
  await own.send(new I.AttachRolePolicyCommand({ RoleName: 'summit', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  const c = (await s.sts(key).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/summit`, RoleSessionName: 'top' }))).Credentials;
  await s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new I.CreateUserCommand({ UserName: 'anyone' }));
});
