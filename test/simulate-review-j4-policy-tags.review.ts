/**
 * Review J, finding j4: IAM SimulatePrincipalPolicy and SimulateCustomPolicy decided an `iam:` action on a managed
 * policy's ARN without the policy's tags, while the Query API enforces it with them as `aws:ResourceTag/K` and
 * `iam:ResourceTag/K` (review Q, q5): with a Deny of iam:DeletePolicy on `aws:ResourceTag/protected = true`, DeletePolicy
 * of a protected policy is AccessDenied and the simulator said `allowed`, listing the tag as a missing context value.
 * The users and roles a simulation names were simulated without their tags likewise (the Query API decides with them,
 * review T, T2). Now the simulator supplies the tags of the policies, users and roles of the account that its
 * ResourceArns name in their canonical spelling, for every iam:/ram: action but PassRole; ContextEntries naming the same
 * keys still override them (DESIGN.md, "Errors"). SDK v3 and the Debian aws CLI against a real server.
 *
 * `gatehouse simulate`, `POST /v1/simulate` and `/v1/authorize` decide through src/app/authorize.ts, which read the
 * directory's facts for users and roles only; they now read a managed policy's tags too (applied at integration from
 * review J's report; test/simulate-review-aa4-policy-tags-authorize.review.ts is the same finding for /v1/authorize).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const arn = (kind: string, name: string) => `arn:aws:iam::${ROOT}:${kind}/${name}`;
const GUARD = doc(
  { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
  { Effect: 'Deny', Action: ['iam:DeletePolicy', 'iam:DeleteUser', 'iam:DeleteRole'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
);
const TRUST = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });

let server: TestServer;
let iam: I.IAMClient;
let ops: Credentials;
let home: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  home = await mkdtemp(join(tmpdir(), 'gh-review-j4-'));
  const body = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'guarded', PolicyDocument: body, Tags: [{ Key: 'protected', Value: 'true' }] }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'loose', PolicyDocument: body }));
  await iam.send(new I.CreateUserCommand({ UserName: 'kept', Tags: [{ Key: 'protected', Value: 'true' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'kept-role', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'protected', Value: 'true' }] }));
  await iam.send(new I.CreateUserCommand({ UserName: 'ops' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'guard', PolicyDocument: GUARD }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'ops' }))).AccessKey!;
  ops = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const decisions = (r: I.SimulatePrincipalPolicyCommandOutput) => (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision, e.MissingContextValues ?? []]);

describe('review J, j4: simulation supplies the tags of the policies, users and roles it names', () => {
  test('the Query API refuses DeletePolicy of the protected policy; SimulatePrincipalPolicy says explicitDeny, nothing missing', async () => {
    assert.equal((await sdkFailure(server.iam(ops).send(new I.DeletePolicyCommand({ PolicyArn: arn('policy', 'guarded') })))).code, 'AccessDenied');
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ops'), ActionNames: ['iam:DeletePolicy', 'iam:GetPolicy'], ResourceArns: [arn('policy', 'guarded'), arn('policy', 'loose')] }));
    assert.deepEqual(decisions(r), [
      ['iam:DeletePolicy', arn('policy', 'guarded'), 'explicitDeny', []],
      ['iam:DeletePolicy', arn('policy', 'loose'), 'allowed', []],
      ['iam:GetPolicy', arn('policy', 'guarded'), 'allowed', []],
      ['iam:GetPolicy', arn('policy', 'loose'), 'allowed', []],
    ]);
  });

  test("users' and roles' tags too, as the Query API decides DeleteUser and DeleteRole; not for PassRole", async () => {
    assert.equal((await sdkFailure(server.iam(ops).send(new I.DeleteUserCommand({ UserName: 'kept' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(server.iam(ops).send(new I.DeleteRoleCommand({ RoleName: 'kept-role' })))).code, 'AccessDenied');
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ops'), ActionNames: ['iam:DeleteUser', 'iam:DeleteRole'], ResourceArns: [arn('user', 'kept'), arn('role', 'kept-role')] }));
    assert.deepEqual(decisions(r).filter(([a, res]) => (a === 'iam:DeleteUser') === String(res).includes(':user/')), [
      ['iam:DeleteUser', arn('user', 'kept'), 'explicitDeny', []],
      ['iam:DeleteRole', arn('role', 'kept-role'), 'explicitDeny', []],
    ]);
  });

  test('ContextEntries naming the key override the directory; a spelling that is not the canonical ARN gets no tags', async () => {
    const given = await iam.send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: arn('user', 'ops'),
        ActionNames: ['iam:DeletePolicy'],
        ResourceArns: [arn('policy', 'guarded')],
        ContextEntries: [{ ContextKeyName: 'aws:ResourceTag/protected', ContextKeyValues: ['false'], ContextKeyType: 'string' }],
      }),
    );
    assert.equal(given.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    const elsewhere = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ops'), ActionNames: ['iam:DeletePolicy'], ResourceArns: [`arn:aws:iam::${ROOT}:policy/other/guarded`] }));
    assert.deepEqual(decisions(elsewhere), [['iam:DeletePolicy', `arn:aws:iam::${ROOT}:policy/other/guarded`, 'allowed', ['aws:ResourceTag/protected']]]);
  });

  test('SimulateCustomPolicy too', async () => {
    const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [GUARD], ActionNames: ['iam:DeletePolicy'], ResourceArns: [arn('policy', 'guarded'), arn('policy', 'loose')] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => e.EvalDecision), ['explicitDeny', 'allowed']);
  });

  test('the Debian aws CLI: simulate-principal-policy on the protected policy', { skip: awsCliMissing() }, async () => {
    const r = await awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', 'simulate-principal-policy', '--policy-source-arn', arn('user', 'ops'), '--action-names', 'iam:DeletePolicy', '--resource-arns', arn('policy', 'guarded')], awsCliEnv(home, server.admin));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { EvaluationResults: { EvalDecision: string; MissingContextValues: string[] }[] };
    assert.equal(out.EvaluationResults[0]?.EvalDecision, 'explicitDeny');
    assert.deepEqual(out.EvaluationResults[0]?.MissingContextValues, []);
  });

  test('POST /v1/simulate and gatehouse simulate answer ExplicitDeny too', async () => {
    const asked = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: arn('user', 'ops'), action: 'iam:DeletePolicy', resource: arn('policy', 'guarded') });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    assert.equal(asked.json['decision'], 'ExplicitDeny', JSON.stringify(asked.json));
    const loose = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: arn('user', 'ops'), action: 'iam:DeletePolicy', resource: arn('policy', 'loose') });
    assert.equal(loose.json['decision'], 'Allow', JSON.stringify(loose.json));
    const cli = await cliAgainst(server, ['simulate', '--as', arn('user', 'ops'), '--action', 'iam:DeletePolicy', '--resource', arn('policy', 'guarded')]);
    assert.match(cli.out, /^ExplicitDeny/, cli.out + cli.err);
  });
});
