/**
 * SimulateCustomPolicy and SimulatePrincipalPolicy decide at most 1,000 action and resource pairs, within a bound on the
 * engine's work (review limits, L7; counted in steps, not timed: review qm, 1). Before, every ActionNames × ResourceArns pair was evaluated with its explanation and built before the
 * page was cut: 300 × 300 (26 KB of request) took 9 s and 660 MB, and the caller, who also writes the policies, could
 * make each decision cost hundreds of milliseconds.
 *
 * Against a real `gatehouse server` (test/support/server.ts) with the AWS SDK v3 IAM client:
 *
 * - 1,000 pairs are answered; 1,001 (40 × 25 + 1, or 1,001 actions with the default resource) are refused with
 *   ValidationError naming the counts, by both calls, before anything is evaluated;
 * - policies that make each decision slow are refused with LimitExceeded once the simulation has taken 200,000,000
 *   steps of the engine, not run to the end: after the first decision, whatever the host's load (it asserted a time
 *   before, and failed on a loaded host).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let userArn: string;
const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
const actions = (n: number): string[] => Array.from({ length: n }, (_, i) => `s3:Action${i}`);
const resources = (n: number): string[] => Array.from({ length: n }, (_, i) => `arn:aws:s3:::bucket/${i}`);

before(async () => {
  server = await startTestServer();
  const u = await server.iam().send(new CreateUserCommand({ UserName: 'l7-user' }));
  userArn = u.User!.Arn!;
});

after(async () => {
  await server?.stop();
});

describe('simulation bounds (review limits, L7)', () => {
  it('answers 1,000 action and resource pairs', async () => {
    const out = await server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: actions(40), ResourceArns: resources(25) }));
    assert.equal(out.EvaluationResults?.length, 1000);
    assert.ok(out.EvaluationResults!.every((r) => r.EvalDecision === 'allowed'));
  });

  it('refuses more than 1,000 pairs with ValidationError, in both calls', async () => {
    const custom = await sdkFailure(server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: actions(40), ResourceArns: resources(26) })));
    assert.deepEqual(custom, {
      code: 'ValidationError',
      message: 'a simulation decides at most 1000 action and resource pairs; ActionNames (40) × ResourceArns (26) asks for 1040: split it into several calls',
      status: 400,
    });
    const principal = await sdkFailure(server.iam().send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: actions(1001) })));
    assert.deepEqual(principal, {
      code: 'ValidationError',
      message: 'a simulation decides at most 1000 action and resource pairs; ActionNames (1001) × ResourceArns (0) asks for 1001: split it into several calls',
      status: 400,
    });
  });

  it('stops a simulation past its steps with LimitExceeded', async () => {
    // Each decision walks 2 × 1,031 statements of `*a*b*c*d*N` against a 2,026-character resource, matched as a set of
    // positions (the `**` of the region segment, whose first `*` may not cross `:`, keeps it off the allocation-free
    // matcher, which answers these at once): input × pattern each, ~112,000,000 steps a decision. Without the bound the
    // 8 decisions take seconds.
    const statements = Array.from({ length: 1031 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:**::*a*b*c*d*${i}` }));
    const slow = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const long = `arn:aws:s3:::${'abcd'.repeat(502)}`;
    const failure = await sdkFailure(server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [slow, slow], ActionNames: ['s3:GetObject'], ResourceArns: Array.from({ length: 8 }, (_, i) => `${long}${i}`) })));
    assert.deepEqual(failure, {
      code: 'LimitExceeded',
      message: 'the simulation needs more than 200,000,000 steps of the policy engine, the most one may take (a second or two of work), and was stopped after 1 of 8 decisions; ask about fewer actions or resources, or simulate smaller policies',
      status: 409,
    });
  });
});
