/**
 * Review tg, 3: AttachUserPolicy (and AttachGroupPolicy, AttachRolePolicy, DetachUserPolicy, GetPolicy,
 * PutUserPermissionsBoundary) given a PolicyArn of legal length that is no policy's ARN (a user's ARN, CDK's ARN nested
 * in an ARN, a bucket's ARN) answered 404 NoSuchEntity "Policy … does not exist" (Detach: "is not attached"), which
 * says the ARN is well formed and names no policy: Terraform and the SDKs' callers read NoSuchEntity as "not there
 * (yet)" (eventual consistency retries, a detach treated as done), where IAM answers 400 InvalidInput
 * `ARN … is not valid.` (the IAM API reference's AttachUserPolicy lists InvalidInput for "an invalid … value supplied
 * for an input parameter"; aws-samples/aws-cdk-examples#287, hashicorp/terraform-provider-aws#1337 quote IAM's
 * answer). A value under 20 characters stays ValidationError (the length constraint), a well-formed policy ARN naming
 * nothing stays NoSuchEntity. Real server (SQLite), SDK v3 IAM in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const refusal = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> => {
  try {
    await p;
  } catch (e) {
    const x = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: x.name, status: x.$metadata?.httpStatusCode, message: x.message };
  }
  assert.fail('the call succeeded');
};

describe('review tg3: a PolicyArn that is no policy ARN is InvalidInput, not NoSuchEntity', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'u' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'g' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] }) }));
  });
  after(() => s?.stop());

  const bad = [`arn:aws:iam::${A}:user/u`, 'arn:aws:iam::aws:policy/arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:s3:::a-bucket-of-mine/key'];

  it('Attach…Policy of each of them: 400 InvalidInput naming the ARN', async () => {
    const iam = s.iam();
    for (const arn of bad) {
      for (const call of [iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arn })), iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'g', PolicyArn: arn })), iam.send(new I.AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: arn }))]) {
        const r = await refusal(call);
        assert.equal(r.name, 'InvalidInputException', `${arn}: ${JSON.stringify(r)}`);
        assert.equal(r.status, 400);
        assert.match(r.message, /^ARN .* is not valid\. PolicyArn must be the ARN of a managed policy/);
      }
    }
  });

  it('DetachUserPolicy, GetPolicy and PutUserPermissionsBoundary alike', async () => {
    const iam = s.iam();
    for (const arn of bad) {
      for (const call of [iam.send(new I.DetachUserPolicyCommand({ UserName: 'u', PolicyArn: arn })), iam.send(new I.GetPolicyCommand({ PolicyArn: arn })), iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'u', PermissionsBoundary: arn }))]) {
        const r = await refusal(call);
        assert.equal(r.name, 'InvalidInputException', `${arn}: ${JSON.stringify(r)}`);
        assert.equal(r.status, 400);
      }
    }
  });

  it('unchanged: a short value is ValidationError, a policy ARN naming nothing NoSuchEntity, a real one attaches', async () => {
    const iam = s.iam();
    assert.equal((await refusal(iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn: 'ReadOnlyAccess' })))).name, 'ValidationError');
    for (const arn of [`arn:aws:iam::${A}:policy/nope`, 'arn:aws:iam::aws:policy/Nope', `arn:aws:iam::${A}:policy/team/nope`]) {
      const r = await refusal(iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arn })));
      assert.equal(r.name, 'NoSuchEntityException', arn);
      assert.equal(r.status, 404);
    }
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new I.DetachUserPolicyCommand({ UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  });
});
