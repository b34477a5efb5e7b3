/**
 * Review D, finding 4: CreatePolicy took any user or role path for a managed policy, so a policy ARN could hold `*`,
 * `?`, `${…}`, `:` or an empty segment (`arn:aws:iam::000000000000:policy/a*b/p`), which IAM refuses: a policy's path
 * is its `policyPathType`, `((/[A-Za-z0-9.,+@=_-]+)*)/`, and so is ListPolicies' PathPrefix. Real SDK v3 against a
 * real server.
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

test('CreatePolicy refuses a path IAM refuses for a policy, and creates nothing', async () => {
  for (const Path of ['/a*b/', '/${aws:username}/', '/a//b/', '/x:y/', '/q?/', '/team']) {
    const f = await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', Path, PolicyDocument: DOC })));
    assert.equal(f.code, 'ValidationError', Path);
    assert.match(f.message, /Path of a managed policy must be/);
  }
  assert.deepEqual((await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies, []);
});

test('a path of letters, digits and .,+@=_- segments is taken; ListPolicies filters by one', async () => {
  const p = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', Path: '/team.ml/v1+x@y=z_w-q/', PolicyDocument: DOC }));
  assert.equal(p.Policy?.Arn, 'arn:aws:iam::000000000000:policy/team.ml/v1+x@y=z_w-q/p');
  const listed = await iam.send(new I.ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/team.ml/' }));
  assert.deepEqual(listed.Policies?.map((x) => x.PolicyName), ['p']);
  assert.equal((await sdkFailure(iam.send(new I.ListPoliciesCommand({ PathPrefix: '/a*/' })))).code, 'ValidationError');
});
