/**
 * Review rg, 2: a group named in another case was decided by the authorize API and the IAM simulators on the ARN as
 * written, while the IAM Query API finds a group without regard to case and decides AddUserToGroup, PutGroupPolicy…
 * on its stored ARN: `iam:AddUserToGroup` on `…:group/ADMINS` answered Allow past a Deny naming `…:group/admins` that
 * AddUserToGroup (GroupName `ADMINS`) enforces. Review rg, 1 did this for users, roles and managed policies, which
 * carry tags; a group carries none, so it was left on the path that reads no directory entity.
 *
 * Contract: IAM's names are unique without regard to case (src/app/directory.ts `authorizeOn`); the authorize API and
 * the simulator answer as enforcement decides (DESIGN.md: "it decides every access request the same way"; docs/
 * decisions.md, review rg, 1). Now both find the group as the Query API does, from the live state once loaded, and
 * decide on its stored ARN; the simulators answer under the name asked.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { authorizeDecision } from './support/authorize-api.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const POLICY = doc(
  { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
  { Effect: 'Deny', Action: ['iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: [`arn:aws:iam::${ROOT}:group/admins`, `arn:aws:iam::${ROOT}:group/team/ops`] },
);
/** Each group written in another case than the directory stores it (`ops` at path `/team/`). */
const ADMINS = `arn:aws:iam::${ROOT}:group/ADMINS`;
const OPS = `arn:aws:iam::${ROOT}:group/team/Ops`;
const QUESTIONS = [['iam:AddUserToGroup', ADMINS], ['iam:PutGroupPolicy', OPS]] as const;

let server: TestServer;
let iam: I.IAMClient;
let alice: I.IAMClient;

simulateWorld('gh-review-rg2-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateGroupCommand({ GroupName: 'admins' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'ops', Path: '/team/' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: POLICY }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = server.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
});

const results = (r: I.SimulatePrincipalPolicyCommandOutput | I.SimulateCustomPolicyCommandOutput) => (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision]);

describe('review rg, 2: a group named in another case is decided as the Query API decides it', () => {
  test('enforcement: both calls, naming the group in another case, are refused', async () => {
    await assert.rejects(alice.send(new I.AddUserToGroupCommand({ GroupName: 'ADMINS', UserName: 'alice' })), { name: 'AccessDenied' });
    await assert.rejects(alice.send(new I.PutGroupPolicyCommand({ GroupName: 'Ops', PolicyName: 'x', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) })), { name: 'AccessDenied' });
  });

  test('the authorize API answers ExplicitDeny to both', async () => {
    for (const [action, resource] of QUESTIONS) {
      assert.equal(await authorizeDecision(server, { principal: ALICE, action, resource }), 'ExplicitDeny', `${action} on ${resource}`);
    }
  });

  test('SimulatePrincipalPolicy and SimulateCustomPolicy answer explicitDeny, under the name asked', async () => {
    const expected = QUESTIONS.map(([action, resource]) => [action, resource, 'explicitDeny']);
    const principal = [];
    const custom = [];
    for (const [action, resource] of QUESTIONS) {
      principal.push(...results(await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: [action], ResourceArns: [resource] }))));
      custom.push(...results(await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: [action], ResourceArns: [resource] }))));
    }
    assert.deepEqual(principal, expected);
    assert.deepEqual(custom, expected);
  });
});
