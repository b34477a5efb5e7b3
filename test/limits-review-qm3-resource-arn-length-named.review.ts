/**
 * A simulation's ResourceArns member over IAM's length is refused as the rule it breaks, naming which member (review qm,
 * 3). Before, any entry of 0 or more than 2,048 characters, among up to 1,000, was `InvalidInput` "ResourceArns: each
 * entry must be 1 to 2048 characters": not the `ValidationError` IAM answers for its model's length constraint and
 * docs/errors.md lists for a length rule, and it did not say which entry, nor how long it was.
 *
 * Against a real `gatehouse server` (test/support/server.ts) with the AWS SDK v3 IAM client, SimulateCustomPolicy and
 * SimulatePrincipalPolicy: the 3rd of 3 ResourceArns at 2,100 characters, and an empty 2nd, are ValidationError naming
 * `ResourceArns.member.N` and the length, the value itself not quoted.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let userArn: string;
const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
const long = `arn:aws:s3:::bucket/${'k'.repeat(2080)}`;

before(async () => {
  server = await startTestServer();
  userArn = (await server.iam().send(new CreateUserCommand({ UserName: 'qm3-user' }))).User!.Arn!;
});

after(async () => {
  await server?.stop();
});

describe('ResourceArns length refusals (review qm, 3)', () => {
  it('names the member over 2,048 characters, as ValidationError, in both calls', async () => {
    const resources = ['arn:aws:s3:::bucket/a', 'arn:aws:s3:::bucket/b', long];
    const message = `1 validation error detected: Value at 'resourceArns.member.3' failed to satisfy constraint: Member must have length less than or equal to 2048 (it is ${long.length} characters)`;
    assert.deepEqual(await sdkFailure(server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: ['s3:GetObject'], ResourceArns: resources }))), { code: 'ValidationError', message, status: 400 });
    assert.deepEqual(await sdkFailure(server.iam().send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: ['s3:GetObject'], ResourceArns: resources }))), { code: 'ValidationError', message, status: 400 });
  });

  it('names an empty member', async () => {
    const failure = await sdkFailure(server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::bucket/a', ''] })));
    assert.deepEqual(failure, { code: 'ValidationError', message: "1 validation error detected: Value at 'resourceArns.member.2' failed to satisfy constraint: Member must have length greater than or equal to 1", status: 400 });
  });
});
