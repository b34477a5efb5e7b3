/**
 * A simulation's work is bounded by the engine's steps, counted, not by the clock (review qm, 1). Bounded by 2 s of
 * wall time, the same SimulateCustomPolicy was answered on an idle host and refused on a loaded one (the L7 test's
 * 1,000 pairs failed at load 16), and the bound was looked at only between decisions: one decision over policies the
 * caller wrote (4 × 1,031 statements of `arn:aws:s3:**::*a*b*c*d*N` against a 2,026-character resource) ran to its end
 * however long it took.
 *
 * - the engine's steps (src/core/iam/work.ts) are the same for the same question, and grow with input × pattern;
 * - against a real `gatehouse server` (test/support/server.ts) with the AWS SDK v3 IAM client: one decision that needs
 *   more than the 200,000,000 steps a simulation may take is stopped in its middle, LimitExceeded naming the bound and
 *   "after 0 of 1 decisions", whatever the host's load (the count, not the time, decides).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import * as engine from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
// Each statement's `**` in the region segment keeps it on the set-of-positions matcher: ~54,000 steps a statement here.
const slowPolicy = (statements: number): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: statements }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:**::*a*b*c*d*${i}` })) });
const long = `arn:aws:s3:::${'abcd'.repeat(502)}`;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

describe('simulation steps (review qm, 1)', () => {
  it('counts the same steps for the same question, input × pattern', () => {
    const { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } = engine;
    const engineSteps = (engine as { engineSteps?: () => number }).engineSteps;
    assert.ok(engineSteps !== undefined, 'the engine counts its steps');
    const parsed = parsePolicy(slowPolicy(10), { kind: 'identity' });
    assert.ok(parsed.ok);
    const set = { identity: [compilePolicy(parsed.value, 'slow')] };
    const p = principalFromArn('arn:aws:iam::123456789012:user/u');
    assert.ok(p.ok);
    const steps = (resource: string): number => {
      const before = engineSteps();
      evaluate({ principal: p.value, action: 's3:GetObject', resource, context: contextOf({}), time: 0 }, set, { explain: true });
      return engineSteps() - before;
    };
    const once = steps(`${long}0`);
    assert.equal(steps(`${long}0`), once, 'the same question, the same steps');
    // 10 statements, each walking its ~26 pattern steps over each of the 2,027 code units.
    assert.ok(once > 10 * 2027 * 20, `${once} steps`);
    const half = steps(`arn:aws:s3:::${'abcd'.repeat(251)}0`);
    assert.ok(half < once * 0.6 && half > once * 0.4, `${half} steps for half the input, ${once} for all of it`);
  });

  it('stops one decision past the bound in its middle, whatever the time', async () => {
    const slow = slowPolicy(1031);
    const failure = await sdkFailure(server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [slow, slow, slow, slow], ActionNames: ['s3:GetObject'], ResourceArns: [`${long}0`] })));
    assert.deepEqual(failure, {
      code: 'LimitExceeded',
      message: 'the simulation needs more than 200,000,000 steps of the policy engine, the most one may take (a second or two of work), and was stopped after 0 of 1 decisions; ask about fewer actions or resources, or simulate smaller policies',
      status: 409,
    });
  });
});
