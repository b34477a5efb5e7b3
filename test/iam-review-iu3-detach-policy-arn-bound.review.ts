/**
 * Review iu, 3: DetachUserPolicy, DetachGroupPolicy and DetachRolePolicy took a PolicyArn of any length. Attach…Policy
 * and the boundary calls refuse one over IAM's 2,048 characters before anything is decided (review gm, 4), but detaching
 * never looks the policy up: it decided on the entity, then the store's NoSuchEntity quoted the ARN whole, and the
 * change's audit record kept it. A user allowed iam:* on its own user only (`user/${aws:username}`) wrote 300 KB of
 * audit log, kept for ever, with each DetachUserPolicy of a 300,000-character ARN. Now the three refuse it first, as
 * attaching does: 400 ValidationError in IAM's words, the ARN not quoted, nothing decided or recorded. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

let server: TestServer;
let self: I.IAMClient;

const OWN_USER = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::000000000000:user/${aws:username}' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const LONG_ARN = `arn:aws:iam::000000000000:policy/${'A'.repeat(300_000)}`;

before(async () => {
  server = await startTestServer();
  self = server.iam(await userWithPolicy(server, 'alice', OWN_USER));
  const admin = server.iam();
  await admin.send(new I.CreateGroupCommand({ GroupName: 'team' }));
  await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
});
after(async () => {
  await server?.stop();
});

test('an over-long PolicyArn to detach is a ValidationError, neither echoed nor recorded', async () => {
  const admin = server.iam();
  const calls: [string, () => Promise<unknown>][] = [
    ['DetachUserPolicy (own user)', () => self.send(new I.DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: LONG_ARN }))],
    ['DetachGroupPolicy', () => admin.send(new I.DetachGroupPolicyCommand({ GroupName: 'team', PolicyArn: LONG_ARN }))],
    ['DetachRolePolicy', () => admin.send(new I.DetachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: LONG_ARN }))],
  ];
  for (const [label, call] of calls) {
    const r = await sdkFailure(call());
    assert.equal(r.code, 'ValidationError', `${label}: ${r.code} ${r.message.slice(0, 200)}`);
    assert.equal(r.status, 400, label);
    assert.match(r.message, /'policyArn'.*length less than or equal to 2048/, label);
    assert.ok(r.message.length < 400, `${label}: the answer is ${r.message.length} characters`);
  }
  const records = await auditRecords(server, {});
  const large = records.filter((x) => JSON.stringify(x).length > 10_000).map((x) => `${x.action}: ${JSON.stringify(x).length} characters`);
  assert.deepEqual(large, [], 'no audit record holds the over-long ARN');
});

test('within the bound, detaching answers as before', async () => {
  const admin = server.iam();
  await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  await admin.send(new I.DetachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  const again = await sdkFailure(admin.send(new I.DetachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })));
  assert.equal(again.code, 'NoSuchEntity', again.message);
});
