/**
 * Review iu, 4: the IAM enum parameters that review hw, 5 did not touch quoted a refused value whole: ListPolicies' and
 * ListEntitiesForPolicy's PolicyUsageFilter, ListEntitiesForPolicy's EntityFilter and GetAccountAuthorizationDetails'
 * Filter. Any principal with a key (the check comes before the decision) sent a 300,000-character value and got a
 * 300 KB ValidationError back, where ListVirtualMFADevices' AssignmentStatus (hw, 5) and every name (review gm) quote
 * at most 80 characters and say how long the value was. Now these quote the same way; the answer still names the
 * parameter and the values it takes, in IAM's words. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const LONG = 'Permissions'.repeat(30_000);
const POLICY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

test('an over-long enum value is refused quoting only its beginning and its length', async () => {
  const calls: [string, string, () => Promise<unknown>][] = [
    ['ListPolicies PolicyUsageFilter', 'policyUsageFilter', () => iam.send(new I.ListPoliciesCommand({ PolicyUsageFilter: LONG as I.PolicyUsageType }))],
    ['ListEntitiesForPolicy PolicyUsageFilter', 'policyUsageFilter', () => iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PolicyUsageFilter: LONG as I.PolicyUsageType }))],
    ['ListEntitiesForPolicy EntityFilter', 'entityFilter', () => iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: LONG as I.EntityType }))],
    ['GetAccountAuthorizationDetails Filter', 'filter', () => iam.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: [LONG as I.EntityType] }))],
  ];
  for (const [label, field, call] of calls) {
    const r = await sdkFailure(call());
    assert.equal(r.code, 'ValidationError', `${label}: ${r.code}`);
    assert.equal(r.status, 400, label);
    assert.match(r.message, new RegExp(`at '${field}' failed to satisfy constraint`), label);
    assert.match(r.message, /\(330000 characters\)/, label);
    assert.ok(r.message.length < 500, `${label}: the answer is ${r.message.length} characters`);
  }
});

test('a short wrong value is still quoted whole, with the values to choose from', async () => {
  const r = await sdkFailure(iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: 'Users' as I.EntityType })));
  assert.equal(r.code, 'ValidationError');
  assert.match(r.message, /Value 'Users' at 'entityFilter'.*\[User, Role, Group, LocalManagedPolicy, AWSManagedPolicy\]/);
  const f = await sdkFailure(iam.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['User', 'Roles' as I.EntityType] })));
  assert.match(f.message, /Value '\[Roles\]' at 'filter'/);
});
