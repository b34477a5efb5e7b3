/**
 * Review my, 1: SimulatePrincipalPolicy answered implicitDeny for `ram:AttachUserPolicy` (the name the IAM API decides AttachUserPolicy under in an `acs` account) for a RAM user allowed `ram:AttachPolicyToUser`, RAM's own name for it, while the same user's AttachUserPolicy call succeeds and POST /v1/authorize answers Allow.
 *
 * The IAM API grants a `ram:` call by an Allow of RAM's own name too (src/app/principals.ts `decideAdmin`, `ramOwnName`;
 * review lp, 2), and so does the authorize API; the simulator's `adminDecision` applied only the other-dialect Deny, so
 * it told an auditor the user could not do what enforcement lets it do. Now it grants as the IAM API grants: the Allow of
 * RAM's own name is an Allow, reported with its statement. SDK v3 against a real server.
 * Before the fix 1 of 2 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import type { Credentials, TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ACS = '222233334444';
const CAROL = `acs:ram::${ACS}:user/carol`;
const DAVE = `acs:ram::${ACS}:user/dave`;

let server: TestServer;
let root: Credentials;
let carol: Credentials;

simulateWorld('gh-review-my1-', (world) => {
  server = world.server;
}, async () => {
  root = await acsAccount(server, ACS);
  const iam = server.iam(root);
  carol = await ramUser(iam, 'carol', { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: '*' });
  await iam.send(new I.CreateUserCommand({ UserName: 'dave' }));
});

describe('review my, 1: the simulator grants a RAM call by RAM’s own name, as the IAM API does', () => {
  test('enforcement: carol attaches a policy to dave, and the authorize API says Allow', async () => {
    await server.iam(carol).send(new I.AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: 'acs:ram::system:policy/ReadOnlyAccess' }));
    assert.equal(await authorizeDecision(server, { principal: CAROL, action: 'ram:AttachUserPolicy', resource: DAVE }, root), 'Allow');
  });

  test('SimulatePrincipalPolicy of ram:AttachUserPolicy: allowed, by the statement allowing ram:AttachPolicyToUser', async () => {
    const r = await server.iam(root).send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: CAROL, ActionNames: ['ram:AttachUserPolicy', 'ram:DetachUserPolicy'], ResourceArns: [DAVE] }));
    const got = (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalDecision, (e.MatchedStatements ?? []).map((m) => `${m.SourcePolicyId}/${m.SourcePolicyType}`)]);
    assert.deepEqual(got, [
      ['ram:AttachUserPolicy', 'allowed', ['p/user']],
      ['ram:DetachUserPolicy', 'implicitDeny', []],
    ]);
  });
});
