/**
 * Policy review vp, finding 1: a `NotResource` pattern whose policy variable has no value "cannot say what it excludes:
 * an `Allow` statement with it grants nothing" (docs/semantics.md, policy variables; reference §A.1.6, policy review
 * C4). A default-role job's session policy carries its owner's table Allows bound to the owner
 * (src/core/iam/bind-principal.ts, review X, X2), "never more than the owner" (review S, S3). Binding left such a
 * pattern out, as a pattern that matches nothing, and a `NotResource` with nothing left became `Resource: *`: an owner
 * granted `odps:*` on every project but the one its tag names, and untagged, got nothing; its job got every table.
 * Now an Allow whose `NotResource` reads a principal variable the owner has no value for (and no default) is not
 * copied, as it grants the owner nothing. Real server (SQLite), SDK v3 IAM, the authorize API as owner and as job.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { decisionFor, defaultRoleJob, workspaceUser } from './support/default-role-jobs.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SUBMIT = { Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' };
const ALL_BUT_TAGGED = { Effect: 'Allow', Action: 'odps:*', NotResource: 'arn:aws:odps:::project/${aws:PrincipalTag/restricted}/*' };
const TABLE = 'arn:aws:odps:::project/payroll/table/salaries';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test("an Allow whose NotResource reads a tag the owner lacks grants the owner's job nothing, as it grants the owner", async () => {
  const owner = await workspaceUser(s, 'vp1', (iam) => iam.send(new I.PutUserPolicyCommand({ UserName: 'vp1', PolicyName: 'p', PolicyDocument: doc(SUBMIT, ALL_BUT_TAGGED) })));
  assert.equal(await decisionFor(s, owner, 'odps:GetTable', TABLE), 'ImplicitDeny');
  const { creds: job } = await defaultRoleJob(s, owner, 'vp1-ws');
  // Before the fix: Allow (the copy was `Allow odps:* Resource *`).
  assert.equal(await decisionFor(s, job, 'odps:GetTable', TABLE), 'ImplicitDeny', "the job read a table its owner may not");
});

test('tagged, the owner and its job are granted all but the project the tag names', async () => {
  const owner = await workspaceUser(s, 'vp1t', async (iam) => {
    await iam.send(new I.TagUserCommand({ UserName: 'vp1t', Tags: [{ Key: 'restricted', Value: 'payroll' }] }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'vp1t', PolicyName: 'p', PolicyDocument: doc(SUBMIT, ALL_BUT_TAGGED) }));
  });
  const { creds: job } = await defaultRoleJob(s, owner, 'vp1t-ws');
  for (const who of [owner, job]) {
    assert.equal(await decisionFor(s, who, 'odps:GetTable', TABLE), 'ImplicitDeny');
    assert.equal(await decisionFor(s, who, 'odps:GetTable', 'arn:aws:odps:::project/open/table/t'), 'Allow');
  }
});
