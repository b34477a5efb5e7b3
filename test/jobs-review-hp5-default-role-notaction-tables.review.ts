/**
 * Review hp, 5: a default-role job reaches "tables with exactly the permissions the job owner has on them" (issue
 * "Training jobs"; DESIGN.md seed 1), its session policy carrying the owner's table statements. An owner allowed
 * tables by a `NotAction` statement, as AWS's PowerUserAccess (`Allow NotAction iam:*, organizations:*, account:*`)
 * and every "all but IAM" policy grant them, had none of it copied: only `Action` lists were read, so the owner's
 * default-role job could read no table the owner could. Now an Allow with `NotAction` copies the table services its
 * `NotAction` leaves whole (`odps:*`, `tables:*`), narrowed to those services as any Allow is; a service it excludes
 * in part is not copied (never more than the owner), nor is anything else it allows (the job still reaches only the
 * workspace's bucket). Real server (SQLite), SDK v3 IAM, the authorize API as the session and as the owner.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { decisionFor, defaultRoleJob, workspaceUser } from './support/default-role-jobs.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SUBMIT = { Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' };
const ODPS = 'arn:aws:odps:::project/p1/table/t';
const TABLES = 'arn:aws:tables:::project/p1/table/t';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

/** A workspace user `name` with `statements` inline, and a default-role job of theirs. */
async function ownerAndJob(name: string, ...statements: object[]): Promise<{ owner: Credentials; job: Credentials }> {
  const owner = await workspaceUser(s, name, (iam) => iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(SUBMIT, ...statements) })));
  return { owner, job: (await defaultRoleJob(s, owner, `${name}-ws`)).creds };
}

describe('review hp5: a default-role job gets the table rights an owner has through NotAction', () => {
  test("an owner with PowerUserAccess's statement: the job reads the tables the owner reads, and no more of S3", async () => {
    const { owner, job } = await ownerAndJob('power', { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' });
    for (const [action, resource] of [['odps:GetTable', ODPS], ['tables:GetTable', TABLES], ['tables:PutTableData', TABLES]] as const) {
      assert.equal(await decisionFor(s, owner, action, resource), 'Allow', `owner ${action}`);
      // Before the fix: ImplicitDeny, the owner's NotAction Allow not copied.
      assert.equal(await decisionFor(s, job, action, resource), 'Allow', `job ${action}`);
    }
    // The rest of what the statement allows stays the owner's: the job reaches only its workspace's bucket.
    assert.equal(await decisionFor(s, owner, 's3:GetObject', 'arn:aws:s3:::other-bucket/k'), 'Allow');
    assert.equal(await decisionFor(s, job, 's3:GetObject', 'arn:aws:s3:::other-bucket/k'), 'ImplicitDeny');
    assert.equal(await decisionFor(s, job, 's3:GetObject', 'arn:aws:s3:::power-data/k'), 'Allow');
  });

  test("the statement's Resource and Condition narrow the copy as they narrow the owner", async () => {
    const { owner, job } = await ownerAndJob('scoped', { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:odps:::project/p1/*' });
    assert.equal(await decisionFor(s, job, 'odps:GetTable', ODPS), 'Allow');
    assert.equal(await decisionFor(s, owner, 'odps:GetTable', 'arn:aws:odps:::project/p2/table/t'), 'ImplicitDeny');
    assert.equal(await decisionFor(s, job, 'odps:GetTable', 'arn:aws:odps:::project/p2/table/t'), 'ImplicitDeny');
  });

  test('a NotAction that excludes table actions: never more than the owner', async () => {
    const { owner, job } = await ownerAndJob('partial', { Effect: 'Allow', NotAction: ['iam:*', 'odps:Delete*'], Resource: '*' });
    assert.equal(await decisionFor(s, owner, 'odps:DeleteTable', ODPS), 'ImplicitDeny');
    assert.equal(await decisionFor(s, job, 'odps:DeleteTable', ODPS), 'ImplicitDeny');
    // The service it leaves whole is copied.
    assert.equal(await decisionFor(s, job, 'tables:GetTable', TABLES), 'Allow');
    // A NotAction naming every action allows nothing, to either.
    const none = await ownerAndJob('nothing', { Effect: 'Allow', NotAction: '*', Resource: '*' });
    assert.equal(await decisionFor(s, none.job, 'tables:GetTable', TABLES), 'ImplicitDeny');
  });
});
