/**
 * Review iu, 1: three IAM actions took an ARN of any length and decided on it before checking it: ListEntitiesForPolicy's
 * PolicyArn, SimulatePrincipalPolicy's and GetContextKeysForPrincipalPolicy's PolicySourceArn. A principal with a key
 * and no permission at all sent a 300,000-character ARN and got it back whole in the AccessDenied (300 KB), and the
 * refusal was recorded with it twice (the record's resource and its reason): 600 KB of audit log, kept for ever, per
 * request of 300 KB (×2). Review gm (4, 5) bounded the names and PolicyArn of the directory's actions so that nothing
 * longer than IAM allows is "decided, echoed or recorded"; these three were left out. IAM's API model bounds each of them
 * (`arnType`, at most 2,048 characters) and refuses a longer one with ValidationError. Now they are checked before the
 * decision, as the others are: 400 ValidationError naming the parameter, the value not echoed, nothing recorded. A
 * PolicySourceArn that is no entity ARN is refused quoting at most its first 80 characters (it quoted all of it).
 * Real server, SDK v3.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, userWithKey, type TestServer } from './support/server.ts';

let server: TestServer;
let nobody: I.IAMClient;

before(async () => {
  server = await startTestServer();
  nobody = server.iam(await userWithKey(server, 'nobody'));
});
after(async () => {
  await server?.stop();
});

const LONG = 'A'.repeat(300_000);

test('an over-long ARN from a principal with no permission is a ValidationError, neither echoed nor recorded', async () => {
  const calls: [string, string, () => Promise<unknown>][] = [
    ['iam:ListEntitiesForPolicy', 'policyArn', () => nobody.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::000000000000:policy/${LONG}` }))],
    ['iam:SimulatePrincipalPolicy', 'policySourceArn', () => nobody.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::000000000000:user/${LONG}`, ActionNames: ['s3:GetObject'] }))],
    ['iam:GetContextKeysForPrincipalPolicy', 'policySourceArn', () => nobody.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::000000000000:role/${LONG}` }))],
  ];
  for (const [action, field, call] of calls) {
    const r = await sdkFailure(call());
    assert.equal(r.code, 'ValidationError', `${action}: ${r.message.slice(0, 200)}`);
    assert.equal(r.status, 400, action);
    assert.match(r.message, new RegExp(`'${field}'.*length less than or equal to 2048`), action);
    assert.ok(r.message.length < 500, `${action}: the answer is ${r.message.length} characters`);
  }
  const records = await auditRecords(server, { principal: 'arn:aws:iam::000000000000:user/nobody' });
  const large = records.filter((x) => JSON.stringify(x).length > 10_000).map((x) => `${x.action}: ${JSON.stringify(x).length} characters`);
  assert.deepEqual(large, [], 'no record holds the over-long ARN');
});

test('a PolicySourceArn that names no user, group or role is refused quoting only its beginning', async () => {
  const r = await sdkFailure(server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:s3:::${'b'.repeat(1500)}`, ActionNames: ['s3:GetObject'] })));
  assert.equal(r.status, 400);
  assert.match(r.message, /PolicySourceArn/);
  assert.ok(r.message.length < 400, `the answer is ${r.message.length} characters`);
  // Within the bound, an ARN still reaches the decision and the lookup: a user that does not exist is NoSuchEntity.
  const missing = await sdkFailure(server.iam().send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/ghost' })));
  assert.equal(missing.code, 'NoSuchEntity', missing.message);
});
