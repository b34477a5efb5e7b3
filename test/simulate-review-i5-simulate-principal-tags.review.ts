/**
 * Review I, I5: the IAM Query API decides every action on a user or role with its tags (`aws:ResourceTag/K`,
 * `iam:ResourceTag/K`; review T2), but SimulatePrincipalPolicy authorized itself on the simulated entity without them:
 * a delegated auditor allowed `iam:GetRole` and `iam:SimulatePrincipalPolicy` on roles tagged `team=ml` could read
 * such a role, and was refused simulating it. Real server (SQLite) on 127.0.0.1, SDK v3 IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });

describe('SimulatePrincipalPolicy is decided with the simulated entity\'s tags (review I5)', () => {
  let s: TestServer;
  let auditor: I.IAMClient;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ml', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'ops' }] }));
    await iam.send(new I.CreateUserCommand({ UserName: 'auditor' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'auditor', PolicyName: 'abac', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:GetRole', 'iam:SimulatePrincipalPolicy'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey;
    auditor = s.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
  });
  after(() => s?.stop());

  it('a role tagged team=ml: read and simulated; team=ops: refused both', async () => {
    assert.equal((await auditor.send(new I.GetRoleCommand({ RoleName: 'ml' }))).Role?.RoleName, 'ml');
    const sim = await auditor.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:role/ml`, ActionNames: ['s3:GetObject'] }));
    assert.equal(sim.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.equal((await sdkFailure(auditor.send(new I.GetRoleCommand({ RoleName: 'ops' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(auditor.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:role/ops`, ActionNames: ['s3:GetObject'] })))).code, 'AccessDenied');
    // A role that does not exist is refused as before, whatever its name.
    assert.equal((await sdkFailure(auditor.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:role/none`, ActionNames: ['s3:GetObject'] })))).code, 'AccessDenied');
  });
});
