/**
 * Review qa, 1: GetContextKeysForPrincipalPolicy left out the condition keys of the entity's permissions boundary. A
 * user whose boundary allows only `aws:RequestedRegion` eu-west-1 was simulated with that boundary (SimulatePrincipalPolicy
 * reads it, and MissingContextValues named `aws:RequestedRegion`), but the keys call that exists to say what to put in
 * ContextEntries did not name it: a caller supplying every key it answered got implicitDeny, the boundary's condition
 * never met, and no hint why.
 *
 * Contract: IAM API_GetContextKeysForPrincipalPolicy: "Gets a list of all of the context keys referenced in all the IAM
 * policies that are attached to the specified IAM entity … use GetContextKeysForPrincipalPolicy to understand what key
 * names and values you must supply when you call SimulatePrincipalPolicy"; the boundary is attached to the entity
 * (PutUserPermissionsBoundary, AttachedPermissionsBoundary) and the simulation evaluates it (src/app/simulate.ts
 * `simulatePrincipalPolicy`), so its keys are keys the simulation must be given. docs/decisions.md, "IAM's simulators".
 * SDK v3 against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCOUNT = '000000000000';
const USER = `arn:aws:iam::${ACCOUNT}:user/bo`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/runner`;
const IDENTITY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ml' } } }] });
const BOUNDARY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });

let server: TestServer;
let boundaryArn: string;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  boundaryArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'eu-only', PolicyDocument: BOUNDARY }))).Policy?.Arn as string;
  await iam.send(new I.CreateUserCommand({ UserName: 'bo', PermissionsBoundary: boundaryArn }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bo', PolicyName: 'reads', PolicyDocument: IDENTITY }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'runner', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: boundaryArn }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'runner', PolicyName: 'reads', PolicyDocument: IDENTITY }));
});
after(async () => {
  await server?.stop();
});

describe('review qa, 1: the keys of a principal policy include its permissions boundary', () => {
  for (const [kind, arn] of [['user', USER], ['role', ROLE]] as const) {
    test(`a ${kind}: every key the simulation reports missing is one GetContextKeysForPrincipalPolicy names`, async () => {
      const iam = server.iam();
      const keys = (await iam.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn }))).ContextKeyNames ?? [];
      assert.deepEqual(keys, ['aws:PrincipalTag/team', 'aws:RequestedRegion']);
      const sim = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: ['s3:GetObject'] }));
      const missing = sim.EvaluationResults?.[0]?.MissingContextValues ?? [];
      for (const k of missing) assert.ok(keys.includes(k), `${k} is missing in the simulation but not among the keys`);
      // Supplying every key named, with the values the policies ask for, allows.
      const given = await iam.send(
        new I.SimulatePrincipalPolicyCommand({
          PolicySourceArn: arn,
          ActionNames: ['s3:GetObject'],
          ContextEntries: [
            { ContextKeyName: 'aws:PrincipalTag/team', ContextKeyType: 'string', ContextKeyValues: ['ml'] },
            { ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: ['eu-west-1'] },
          ],
        }),
      );
      assert.equal(given.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    });
  }
});
