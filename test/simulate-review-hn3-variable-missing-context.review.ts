/**
 * Review hn, 3: a simulation did not say which keys a policy variable waited on. For a role without tag `team`,
 * `Allow s3:GetObject arn:aws:s3:::home/${aws:PrincipalTag/team}/*` simulated on `arn:aws:s3:::home/ml/x` answered
 * implicitDeny with MissingContextValues empty, at the top and in ResourceSpecificResults, though a ContextEntry
 * `aws:PrincipalTag/team` = `ml` allows it: the key is "required by the included input policies but … not provided"
 * (IAM's EvaluationResult). So was a variable in a condition's value (`StringEquals s3:prefix ${aws:PrincipalTag/team}`).
 * Now a statement whose resource matches once its unresolved variables are supplied counts as applying, and the keys
 * of the variables it cannot resolve (with no default) are missing, as its condition keys are. A statement about
 * another resource, a variable with a default, and a key the principal has are not missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROLE = 'arn:aws:iam::000000000000:role/teamer';
const POLICY = doc([
  { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:PrincipalTag/team}/*' },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::home', Condition: { StringLike: { 's3:prefix': '${aws:PrincipalTag/team}/*' } } },
  { Effect: 'Allow', Action: 's3:PutObject', Resource: "arn:aws:s3:::drop/${aws:PrincipalTag/desk, 'shared'}/*" },
]);

describe('review hn3: MissingContextValues names the keys of unresolved policy variables', () => {
  let s: TestServer;
  const simulate = async (action: string, resource: string, entries: I.ContextEntry[] = [], source = ROLE) => {
    const r = await s.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: source, ActionNames: [action], ResourceArns: [resource], ContextEntries: entries }));
    const e = r.EvaluationResults?.[0];
    assert.ok(e);
    return { decision: e.EvalDecision, missing: e.MissingContextValues ?? [], specific: e.ResourceSpecificResults?.[0]?.MissingContextValues ?? [] };
  };
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'teamer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }]) }));
    await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'teamer', PolicyName: 'home', PolicyDocument: POLICY }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'tagged', Tags: [{ Key: 'team', Value: 'ml' }] }));
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'tagged', PolicyName: 'home', PolicyDocument: POLICY }));
  });
  after(async () => {
    await s.stop();
  });

  it('a variable in Resource that the principal cannot resolve is missing', async () => {
    assert.deepEqual(await simulate('s3:GetObject', 'arn:aws:s3:::home/ml/x'), { decision: 'implicitDeny', missing: ['aws:PrincipalTag/team'], specific: ['aws:PrincipalTag/team'] });
    const given = await simulate('s3:GetObject', 'arn:aws:s3:::home/ml/x', [{ ContextKeyName: 'aws:PrincipalTag/team', ContextKeyType: 'string', ContextKeyValues: ['ml'] }]);
    assert.deepEqual(given, { decision: 'allowed', missing: [], specific: [] });
  });

  it("a variable in a condition's value is missing beside the condition's key", async () => {
    const r = await simulate('s3:ListBucket', 'arn:aws:s3:::home', [{ ContextKeyName: 's3:prefix', ContextKeyType: 'string', ContextKeyValues: ['ml/a'] }]);
    assert.deepEqual(r, { decision: 'implicitDeny', missing: ['aws:PrincipalTag/team'], specific: ['aws:PrincipalTag/team'] });
    assert.deepEqual((await simulate('s3:ListBucket', 'arn:aws:s3:::home')).missing, ['s3:prefix', 'aws:PrincipalTag/team']);
  });

  it('not missing: another resource, a variable with a default, a tag the principal has', async () => {
    assert.deepEqual((await simulate('s3:GetObject', 'arn:aws:s3:::elsewhere/x')).missing, []);
    assert.deepEqual(await simulate('s3:PutObject', 'arn:aws:s3:::drop/shared/x'), { decision: 'allowed', missing: [], specific: [] });
    assert.deepEqual(await simulate('s3:GetObject', 'arn:aws:s3:::home/ml/x', [], 'arn:aws:iam::000000000000:user/tagged'), { decision: 'allowed', missing: [], specific: [] });
  });
});
