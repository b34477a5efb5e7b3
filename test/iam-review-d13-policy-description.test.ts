/**
 * Review D, finding 13: CreatePolicy checked its Description with a role's rule (printable Latin-1 only), so
 * `只读访问` or `Lecture seule — données` (an em dash) was ValidationError, where IAM takes any text of at most 1,000
 * characters for a managed policy (`policyDescriptionType` has no pattern; a role's Description keeps its Latin-1
 * pattern). Now a policy's Description is refused only for characters XML cannot carry back. Real SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

test('a managed policy takes a Description in any script and gives it back', async () => {
  for (const [name, Description] of [['zh', '只读访问 OSS'], ['fr', 'Lecture seule — données'], ['emoji', 'read 📖']]) {
    const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: DOC, Description }));
    assert.equal(created.Policy?.Description, Description);
    assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: created.Policy!.Arn! }))).Policy?.Description, Description);
  }
});

test('what XML cannot carry, or over 1,000 characters, is refused; a role keeps its narrower rule', async () => {
  for (const Description of ['a\u0001b', 'x'.repeat(1001)]) {
    assert.equal((await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: DOC, Description })))).code, 'ValidationError', JSON.stringify(Description.slice(0, 8)));
  }
  assert.equal((await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Description: '只读' })))).code, 'ValidationError');
});
