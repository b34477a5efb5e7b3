/**
 * Review vk, 1 (a lead of review vg): a simulation about a role named by its ARN decides for a session of it issued
 * "now" (`asNewSession`: the one a simulation describes, which a revoke-older-sessions Deny does not touch), but "now"
 * was the server's clock, not the simulation's. Asked at `aws:CurrentTime` 2031 about a role whose policy denies
 * sessions issued before 2030 (`DateLessThan aws:TokenIssueTime`, AWS's way to revoke them), the answer was
 * ExplicitDeny, for a session issued in 2026 and used in 2031, where every session a 2031 request can make (issued at
 * most 36 hours before) is allowed; asked at a time in the past, a session issued after its own request was decided.
 * Now the new session is issued at the simulation's time (`aws:CurrentTime` or `aws:EpochTime`), the server's clock
 * when none is given, as before. Real server, SDK v3 IAM, SigV4-signed POST /v1/simulate.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/Trainer';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review vk1: a simulated role session is issued at the simulation\'s time', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(
      new I.PutRolePolicyCommand({
        RoleName: 'Trainer',
        PolicyName: 'p',
        PolicyDocument: doc(
          { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
          // Sessions issued before 2030 revoked.
          { Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } } },
        ),
      }),
    );
  });
  after(() => s?.stop());

  const simulate = async (context: Record<string, string>): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, s.admin), 'POST', ['simulate'], { body: { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.decision;
  };

  it('at aws:CurrentTime 2031, a session issued then is past the revocation: Allow', async () => {
    assert.equal(await simulate({ 'aws:CurrentTime': '2031-01-01T00:00:00Z' }), 'Allow');
  });

  it('at aws:EpochTime 2031 too', async () => {
    assert.equal(await simulate({ 'aws:EpochTime': String(Date.UTC(2031, 0, 1) / 1000) }), 'Allow');
  });

  it('with no time given, the session is issued at the server\'s clock (before 2030): ExplicitDeny, as before', async () => {
    assert.ok(Date.now() < Date.UTC(2030, 0, 1), 'this test assumes the clock reads before 2030');
    assert.equal(await simulate({}), 'ExplicitDeny');
  });
});
