/**
 * Dialects review vp, finding 2: both dialects are accepted everywhere (DESIGN.md), so a RAM user of an `acs` account may
 * hold a policy in AWS's (`Version: 2012-10-17`). A default-role job carries its owner's table statements in its session
 * policy (src/app/jobs.ts `defaultSessionPolicy`), which in an `acs` account was always written in RAM's `Version: "1"`:
 * a copied Deny with an operator RAM's language lacks (reference §A.2: no `…IfExists`, `Null`, `Arn*`) left the session
 * policy unreadable, and an unreadable session policy denies everything it governs. The owner read its tables, and every
 * default-role job it submitted was denied every table and its own workspace's bucket, submission answering success.
 * Now the owner's statements in AWS's dialect are carried in AWS's, which holds RAM's too. Real server (SQLite), an `acs`
 * account made by the CLI, SDK v3 IAM, the authorize API as the owner and as the job's session.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { connectionAs, decisionFor, defaultRoleJob } from './support/default-role-jobs.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000762';
const PAYROLL = 'acs:odps:*:*:projects/payroll/tables/salaries';
const OPEN = 'acs:odps:*:*:projects/open/tables/t';
const BUCKET = 'acs:oss:*:*:vp2-data';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test("an acs owner's AWS-dialect Deny with IfExists: its default-role job reads what the owner reads, and not what the Deny refuses", async () => {
  const admin = await acsAccount(s, ACS);
  const iam = s.iam(admin);
  await iam.send(new I.CreateUserCommand({ UserName: 'vp2' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'vp2',
    PolicyName: 'p',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' },
        { Effect: 'Allow', Action: 'odps:*', Resource: '*' },
        // Payroll only for audits: a request that says no purpose is refused too.
        { Effect: 'Deny', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/payroll/*', Condition: { StringNotEqualsIfExists: { 'odps:Purpose': 'audit' } } },
      ],
    }),
  }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'vp2' }))).AccessKey;
  const owner = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  const put = await call(connectionAs(s, admin), 'PUT', ['workspaces', 'vp2-ws'], { body: { members: [{ user: 'vp2' }], defaultBucket: BUCKET } });
  assert.ok(put.ok, put.ok ? '' : put.message);
  assert.equal(await decisionFor(s, owner, 'odps:Read', OPEN), 'Allow');
  assert.equal(await decisionFor(s, owner, 'odps:Read', PAYROLL), 'ExplicitDeny');

  const { creds: job } = await defaultRoleJob(s, owner, 'vp2-ws');
  // Before the fix: ExplicitDeny, by the unreadable session policy.
  assert.equal(await decisionFor(s, job, 'odps:Read', OPEN), 'Allow', 'the job was denied a table its owner reads');
  assert.equal(await decisionFor(s, job, 'oss:GetObject', `${BUCKET}/k`), 'Allow', "the job was denied its workspace's bucket");
  assert.equal(await decisionFor(s, job, 'odps:Read', PAYROLL), 'ExplicitDeny');
});
