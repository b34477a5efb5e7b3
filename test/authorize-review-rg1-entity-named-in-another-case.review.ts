/**
 * Review rg, 1: a user, role or managed policy named in another case was decided by the authorize API and the IAM
 * simulator on the ARN as written, and (a policy, and in the simulator a user or role) without the entity's tags, while
 * the IAM Query API finds it without regard to case and decides on its stored ARN with its tags: `iam:GetPolicy` on
 * `…:policy/mypolicy` answered Allow past a Deny on `aws:ResourceTag/protected` that GetPolicy enforces on `MyPolicy`,
 * and `iam:GetUser` on `…:user/CAROL` past a Deny naming `…:user/carol`.
 *
 * Contract: IAM's names are unique without regard to case and a policy's ARN is resolved so (docs/decisions.md,
 * review rc, 2; src/app/directory.ts `visiblePolicy`, `authorizeOn`); the authorize API and the simulator supply the
 * directory's tags and decide as the Query API does (docs/decisions.md, "Managed policies carry tags", reviews I, I2
 * and J, j4); DESIGN.md: "it decides every access request the same way". Now both find the entity as the Query API
 * does and decide on its stored ARN with its facts (the authorize API's diagnostics say so); the simulator still
 * answers with the resource name as asked.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
/** The three resources, each written in another case than the directory stores it. */
const POLICY = `arn:aws:iam::${ROOT}:policy/mypolicy`;
const BOB = `arn:aws:iam::${ROOT}:user/BOB`;
const CAROL = `arn:aws:iam::${ROOT}:user/Carol`;
const QUESTIONS = [['iam:GetPolicy', POLICY], ['iam:GetUser', BOB], ['iam:GetUser', CAROL]] as const;

let server: TestServer;
let iam: I.IAMClient;
let alice: I.IAMClient;

simulateWorld('gh-review-rg1-', (world) => {
  ({ server, iam } = world);
}, async () => {
  const protectedTag = [{ Key: 'protected', Value: 'true' }];
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'MyPolicy', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), Tags: protectedTag }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob', Tags: protectedTag }));
  await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'reader',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
      { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
      { Effect: 'Deny', Action: 'iam:GetUser', Resource: `arn:aws:iam::${ROOT}:user/carol` },
    ),
  }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = server.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
});

describe('review rg, 1: an entity named in another case is decided as the Query API decides it', () => {
  test('enforcement: each call, naming the entity in another case, is refused', async () => {
    await assert.rejects(alice.send(new I.GetPolicyCommand({ PolicyArn: POLICY })), { name: 'AccessDenied' });
    await assert.rejects(alice.send(new I.GetUserCommand({ UserName: 'BOB' })), { name: 'AccessDenied' });
    await assert.rejects(alice.send(new I.GetUserCommand({ UserName: 'Carol' })), { name: 'AccessDenied' });
  });

  test('the authorize API answers ExplicitDeny to each, and says which ARN it decided on', async () => {
    for (const [action, resource] of QUESTIONS) {
      assert.equal(await authorizeDecision(server, { principal: ALICE, action, resource }), 'ExplicitDeny', `${action} on ${resource}`);
    }
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 'iam:GetPolicy', resource: POLICY });
    const diagnostics = r.json['diagnostics'] as string[];
    assert.ok(diagnostics.some((d) => d.startsWith(`decided on \`arn:aws:iam::${ROOT}:policy/MyPolicy\` (asked as \`${POLICY}\`)`)), JSON.stringify(diagnostics));
  });

  test('SimulatePrincipalPolicy answers explicitDeny to each, under the resource name asked', async () => {
    const answers = [];
    for (const [action, resource] of QUESTIONS) {
      const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: [action], ResourceArns: [resource] }));
      answers.push(...(r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision, e.MissingContextValues ?? []]));
    }
    assert.deepEqual(answers, QUESTIONS.map(([action, resource]) => [action, resource, 'explicitDeny', []]));
  });
});
