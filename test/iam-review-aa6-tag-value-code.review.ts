/**
 * Review aa6: TagPolicy (new, be8b128), TagRole and TagUser answer LimitExceeded for a tag VALUE that is merely
 * malformed (a character outside IAM's set, or over 256 characters): the refusal's message is checked for the words
 * "at most" to tell the 50-tag limit apart, and the value's message ("must be at most 256 letters, digits, spaces or
 * `_.:/=+-@`") has them too. IAM answers such a value with a validation error (400), and LimitExceeded is for the
 * tag count; a tool reading the code (Terraform's provider, a retry policy) takes it for a quota. Real server, SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });

describe('review aa6: a malformed tag value is a validation error, not LimitExceeded', () => {
  let s: TestServer;
  let policyArn: string;
  before(async () => {
    s = await startTestServer();
    policyArn = (await s.iam().send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: doc }))).Policy?.Arn ?? '';
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
  });
  after(() => s?.stop());

  it('TagPolicy and TagRole with a value holding `#`, or of 257 characters', async () => {
    for (const Value of ['a#b', 'x'.repeat(257)]) {
      const p = await sdkFailure(s.iam().send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'k', Value }] })));
      const r = await sdkFailure(s.iam().send(new I.TagRoleCommand({ RoleName: 'r', Tags: [{ Key: 'k', Value }] })));
      // Before: LimitExceeded (409) for both.
      assert.notEqual(p.code, 'LimitExceeded', `TagPolicy: ${JSON.stringify(p)}`);
      assert.notEqual(r.code, 'LimitExceeded', `TagRole: ${JSON.stringify(r)}`);
      assert.equal(p.status, 400);
    }
    // The 51st tag is over the limit, and that is LimitExceeded.
    await s.iam().send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }));
    assert.equal((await sdkFailure(s.iam().send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'one-more', Value: 'v' }] })))).code, 'LimitExceeded');
  });
});
