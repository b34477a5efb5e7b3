/**
 * Review D, finding 14: CreatePolicy with Tags answered success and dropped them: managed policies carry no tags in
 * Gatehouse (no TagPolicy or ListPolicyTags), so the caller, told the policy was created as asked, had a policy
 * without the tags it sent (say the `owner` its clean-up jobs select by). Now tags asked for are refused (InvalidInput,
 * naming the first key) and nothing is created; without Tags CreatePolicy is as before. Real SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

test('CreatePolicy with Tags is refused and creates nothing', async () => {
  const f = await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'tagged', PolicyDocument: DOC, Tags: [{ Key: 'owner', Value: 'ml' }] })));
  assert.equal(f.code, 'InvalidInput');
  assert.match(f.message, /managed policies carry no tags.*`owner`/);
  assert.deepEqual((await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies, []);
});

test('without Tags it is created as before', async () => {
  assert.equal((await iam.send(new I.CreatePolicyCommand({ PolicyName: 'plain', PolicyDocument: DOC }))).Policy?.PolicyName, 'plain');
});
