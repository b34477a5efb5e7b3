/**
 * Review rt, 2: SimulateCustomPolicy and SimulatePrincipalPolicy looked a `CallerArn` up exactly, so a user named in
 * another case (`…:user/ALICE` for `alice`) was simulated as a user the directory does not hold: without her tags and
 * unique id, on an ARN her policies' conditions do not name. A Deny on `aws:PrincipalTag/team` answered `allowed`
 * (the tag reported missing) while alice's own call is refused and the authorize API, asked about `…:user/ALICE`,
 * answers ExplicitDeny, having found her as the Query API finds a user.
 *
 * Contract: IAM's names are unique without regard to case and the Query API finds a user so (docs/decisions.md, review
 * rg, 1, which did this for the resources a simulation names); DESIGN.md: "it decides every access request the same
 * way … explains every decision"; a CallerArn's user is simulated with its tags and id for a caller that may simulate
 * that user (docs/decisions.md, review oc, 1), which still holds, decided on her stored ARN. Now the CallerArn's user
 * is found as the Query API finds it and simulated as stored. SDK v3 against a real server.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { authorizeDecision } from './support/authorize-api.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
/** Alice may list users, except while she is tagged team=red, as she is. */
const POLICY = doc(
  { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
  { Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } },
);

let server: TestServer;
let iam: I.IAMClient;
let alice: I.IAMClient;
let prober: I.IAMClient;

simulateWorld('gh-review-rt2-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'red' }] }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify(POLICY) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = server.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
  // May simulate anyone but alice: her tags are not its to read, in whatever case it names her.
  prober = server.iam(await iamUserWith(iam, 'prober', doc(
    { Effect: 'Allow', Action: ['iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'], Resource: '*' },
    { Effect: 'Deny', Action: ['iam:SimulatePrincipalPolicy', 'iam:ListUserTags', 'iam:GetUser'], Resource: ALICE },
  )));
});

const results = (r: { EvaluationResults?: I.EvaluationResult[] | undefined }) => (r.EvaluationResults ?? []).map((e) => [e.EvalDecision, e.MissingContextValues ?? []]);
const custom = (client: I.IAMClient, callerArn: string) =>
  client.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(POLICY)], ActionNames: ['iam:ListUsers'], CallerArn: callerArn }));

describe('review rt, 2: a CallerArn naming a user in another case is that user', () => {
  test('enforcement refuses alice, and the authorize API answers ExplicitDeny about …:user/ALICE', async () => {
    await assert.rejects(alice.send(new I.ListUsersCommand({})), { name: 'AccessDenied' });
    assert.equal(await authorizeDecision(server, { principal: `arn:aws:iam::${ROOT}:user/ALICE`, action: 'iam:ListUsers', resource: '*' }), 'ExplicitDeny');
  });

  test('SimulateCustomPolicy with CallerArn …:user/ALICE answers explicitDeny, her tag read', async () => {
    assert.deepEqual(results(await custom(iam, `arn:aws:iam::${ROOT}:user/ALICE`)), [['explicitDeny', []]]);
  });

  test('SimulatePrincipalPolicy of alice with CallerArn …:user/Alice answers explicitDeny, her tag read', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: ['iam:ListUsers'], CallerArn: `arn:aws:iam::${ROOT}:user/Alice` }));
    assert.deepEqual(results(r), [['explicitDeny', []]]);
  });

  test('a caller refused SimulatePrincipalPolicy on alice still learns none of her tags by naming her in another case', async () => {
    assert.deepEqual(results(await custom(prober, `arn:aws:iam::${ROOT}:user/ALICE`)), [['allowed', ['aws:PrincipalTag/team']]]);
  });
});
