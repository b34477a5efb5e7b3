/**
 * Review fm, finding 4 (following finding 1): `gatehouse escalation-paths` (the auditor's "which paths let a principal
 * gain more rights") asked whether a role trusts the training service with no context, as job submission did before
 * finding 1. A role whose trust is guarded as AWS recommends (`StringEquals aws:SourceAccount <account>`, `ArnLike
 * aws:SourceArn arn:aws:training::<account>:job/*`) runs the account's jobs since that fix, so a user allowed to pass it
 * and to submit jobs comes to act as it; the report left that path out, and an auditor read such a role as out of the
 * user's reach. Now the question is asked with the `aws:SourceAccount` and `aws:SourceArn` (any job of the account)
 * a submission is decided with; a guard naming another account still keeps the role off the report. Real server
 * (SQLite), SDK v3 IAM, the admin API as the CLI signs it, the CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
let server: TestServer;

async function role(name: string, Condition: object): Promise<void> {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' }, Condition }] };
  await server.iam().send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
}

before(async () => {
  server = await startTestServer();
  await role('guarded-account', { StringEquals: { 'aws:SourceAccount': A } });
  await role('guarded-arn', { ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:job/*` } });
  await role('other-account', { StringEquals: { 'aws:SourceAccount': '111122223333' } });
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  const submit = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', 'training:CreateJob'], Resource: '*' }] };
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'submit', PolicyDocument: JSON.stringify(submit) }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/fm4', { members: [{ user: 'dev' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

test('fm4: escalation-paths reports the roles a guarded trust lets the user’s jobs run as', async () => {
  const r = await cliAgainst(server, ['escalation-paths', '--principal', `arn:aws:iam::${A}:user/dev`, '--json']);
  assert.equal(r.status, 0, r.err);
  const report = (JSON.parse(r.out) as { reports: { canBecome: { principal: string; path: { how: string }[] }[] }[] }).reports[0];
  const reached = new Map((report?.canBecome ?? []).map((c) => [c.principal, c.path.map((s) => s.how)]));
  assert.deepEqual(reached.get(`arn:aws:iam::${A}:role/guarded-account`), ['iam:PassRole to a training job']);
  assert.deepEqual(reached.get(`arn:aws:iam::${A}:role/guarded-arn`), ['iam:PassRole to a training job']);
  assert.equal(reached.has(`arn:aws:iam::${A}:role/other-account`), false);
});
