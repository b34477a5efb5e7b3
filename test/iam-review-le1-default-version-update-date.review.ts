/**
 * Review le, finding le1: SetDefaultPolicyVersion moved the policy's UpdateDate to the time of the call. IAM's
 * Policy.UpdateDate is the date the policy was created while it has one version, else the date its most recent
 * version was created (botocore's IAM model, `Policy.UpdateDate`): choosing another default version, to roll back or
 * forward, creates no version and leaves it where it was. A tool that reads UpdateDate to tell whether a policy's
 * documents changed (drift checks, caches keyed on it) saw a change where none was made. Now SetDefaultPolicyVersion
 * leaves UpdateDate alone; CreatePolicyVersion still moves it. SDK v3 against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const arnOf = (name: string) => `arn:aws:iam::${ROOT}:policy/${name}`;
const updateDate = async (PolicyArn: string) => (await iam.send(new I.GetPolicyCommand({ PolicyArn }))).Policy?.UpdateDate?.toISOString();
const versionDate = async (PolicyArn: string, VersionId: string) =>
  (await iam.send(new I.GetPolicyVersionCommand({ PolicyArn, VersionId }))).PolicyVersion?.CreateDate?.toISOString();

describe('SetDefaultPolicyVersion leaves the policy\'s UpdateDate where the newest version put it', () => {
  test('rolling forward to a version made earlier: UpdateDate stays that version\'s CreateDate', async () => {
    const PolicyArn = arnOf('forward');
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'forward', PolicyDocument: doc('s3:GetObject') }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: false }));
    const v2 = await versionDate(PolicyArn, 'v2');
    assert.equal(await updateDate(PolicyArn), v2, 'CreatePolicyVersion moves UpdateDate to the new version\'s date');
    await sleep(1000); // dates are in whole seconds: a second later is another date
    await iam.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn, VersionId: 'v2' }));
    assert.equal(await updateDate(PolicyArn), v2);
    const listed = (await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies?.find((p) => p.PolicyName === 'forward');
    assert.equal(listed?.DefaultVersionId, 'v2');
    assert.equal(listed?.UpdateDate?.toISOString(), v2, 'ListPolicies answers the same date');
  });

  test('rolling back to v1 of a policy: UpdateDate stays the newest version\'s CreateDate, not the call\'s time', async () => {
    const PolicyArn = arnOf('back');
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'back', PolicyDocument: doc('s3:GetObject') }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: doc('s3:*'), SetAsDefault: true }));
    const v2 = await versionDate(PolicyArn, 'v2');
    await sleep(1000);
    await iam.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn, VersionId: 'v1' }));
    assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn }))).Policy?.DefaultVersionId, 'v1');
    assert.equal(await updateDate(PolicyArn), v2);
  });
});
