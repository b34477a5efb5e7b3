/**
 * Review cn, 3: a session whose managed session policy (`PolicyArns`) was created through another instance a moment
 * before, used on an instance that has not heard of the policy yet. That instance took the policy it did not hold for
 * one that no longer exists, and narrowed the session to nothing: the session's every request was AccessDenied there
 * until its next refresh (the role, its trust and its rights all allowed it). A principal or a session key this
 * instance does not hold makes it read the change log once before counting it as gone; a session's managed policy
 * did not. Now it does too: a policy created through A, AssumeRole through A naming it, and the session's request on B
 * at once is allowed, as the same request on A is.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema); B follows no changes by itself (no
 * notification, no poll), as in the instant before its refresh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Caller } from '../src/app/principals.ts';
import { contextOf, evaluate } from '../src/core/iam/index.ts';
import { twoAppsOnPostgres } from './support/pg-two-apps.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a managed session policy made through another instance a moment before (review cn, 3)', { skip, timeout: 60_000 }, () => {
  it('narrows the session as its document says on every instance, not to nothing', async () => {
    const { a, b, admin, close } = await twoAppsOnPostgres('cn3');
    try {
      const d = a.directory;
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
      const s3All = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
      assert.ok((await d.createRole(admin, { roleName: 'reader', assumeRolePolicyDocument: trust })).ok);
      assert.ok((await d.putInlinePolicy(admin, 'role', { name: 'reader', policyName: 's3', policyDocument: s3All })).ok);
      // B has heard of the role (its refresh ran), not of what A does next.
      await b.refresh();
      const made = await d.createPolicy(admin, { policyName: 'only-data', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }) });
      assert.ok(made.ok);
      const issued = await a.sts.assumeRole(admin, { roleArn: 'arn:aws:iam::000000000000:role/reader', roleSessionName: 'etl', policyArns: [made.value.arn], tags: [], transitiveTagKeys: [] });
      assert.ok(issued.ok, JSON.stringify(issued));
      const { accessKeyId, sessionToken } = issued.value.credentials;
      const decide = async (on: typeof a, resource: string): Promise<string> => {
        const r = await on.authenticate(accessKeyId, sessionToken);
        assert.ok(r.ok, JSON.stringify(r));
        const caller: Caller = r.value.caller;
        return evaluate({ principal: caller.principal, action: 's3:GetObject', resource, resourceAccount: '000000000000', context: contextOf({}), time: Date.now() }, caller.policies).decision;
      };
      assert.equal(await decide(a, 'arn:aws:s3:::data/x'), 'Allow', 'on A, which made the policy');
      assert.equal(await decide(b, 'arn:aws:s3:::data/x'), 'Allow', 'on B, which had not heard of the policy');
      assert.equal(await decide(b, 'arn:aws:s3:::other/x'), 'ImplicitDeny', 'and narrowed by it');
    } finally {
      await close();
    }
  });
});
