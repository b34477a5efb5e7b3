/**
 * Review ax, finding 1: `aws:PrincipalIsAWSService` and `aws:PrincipalServiceName` were never in the request context.
 * Callers may not supply them (they describe the principal: src/app/authorize.ts strips them), and the engine did not
 * derive them either, so every request decided as if the key were absent:
 * - the usual "deny everyone else" of a bucket policy, `Deny` `Principal: "*"` with `Bool aws:PrincipalIsAWSService
 *   false` and `ArnNotEquals aws:PrincipalArn [the allowed role]` (k9 security's generated policies, AWS's data
 *   perimeter examples), never applied: a positive operator on an absent key is false. A user the bucket owner meant to
 *   shut out read the bucket on its identity policy (authorize: Allow; AWS: ExplicitDeny);
 * - the carve-out for services, `BoolIfExists aws:PrincipalIsAWSService false`, held for the training service as well
 *   (IfExists on an absent key is true), so a bucket granting the service by name denied it (ExplicitDeny; AWS: Allow),
 *   and `aws:PrincipalServiceName` could not name it.
 * AWS: the key is present in every signed request, `true` for a service principal, `false` for every other one
 * (reference_policies_condition-keys.html#condition-keys-principalisawsservice); `aws:PrincipalServiceName` is the
 * service principal's name. Now the engine derives both (src/core/iam/principal.ts); an anonymous request has neither.
 * Real server (SQLite), IAM through @aws-sdk/client-iam, the authorize API signed with SigV4.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const BUCKET = 'arn:aws:s3:::perimeter';
const doc = (...Statement: unknown[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement });
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  const reads = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'reads', PolicyDocument: reads }));
  const trust = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
  await iam.send(new CreateRoleCommand({ RoleName: 'pipeline', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'pipeline', PolicyName: 'reads', PolicyDocument: reads }));
});
after(() => s?.stop());

const put = async (document: unknown): Promise<void> => {
  const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, { document });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};
const ask = async (principal: string, action: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource: `${BUCKET}/k` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

describe('aws:PrincipalIsAWSService and aws:PrincipalServiceName are derived from the principal (review ax, 1)', () => {
  it('a Deny of everyone but one role, on `Bool aws:PrincipalIsAWSService false`, applies to the others', async () => {
    await put(doc({
      Sid: 'DenyEveryoneElse',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [BUCKET, `${BUCKET}/*`],
      Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' }, ArnNotEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${ROOT}:role/pipeline`] } },
    }));
    const alice = await ask(`arn:aws:iam::${ROOT}:user/alice`, 's3:GetObject');
    assert.equal(alice['decision'], 'ExplicitDeny', JSON.stringify(alice));
    const pipeline = await ask(`arn:aws:sts::${ROOT}:assumed-role/pipeline/run-1`, 's3:GetObject');
    assert.equal(pipeline['decision'], 'Allow', JSON.stringify(pipeline));
  });

  it('the carve-out `BoolIfExists … false` lets a service the policy grants through, and aws:PrincipalServiceName names it', async () => {
    await put(doc(
      { Sid: 'Service', Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 's3:PutObject', Resource: `${BUCKET}/*`, Condition: { StringEquals: { 'aws:PrincipalServiceName': 'training.gatehouse.dev' } } },
      { Sid: 'OnlyOurs', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BUCKET}/*`, Condition: { StringNotEqualsIfExists: { 'aws:PrincipalAccount': ROOT }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } } },
    ));
    const service = await ask('training.gatehouse.dev', 's3:PutObject');
    assert.equal(service['decision'], 'Allow', JSON.stringify(service));
    const other = await ask('compute.gatehouse.dev', 's3:PutObject');
    assert.equal(other['decision'], 'ImplicitDeny', JSON.stringify(other));
  });
});
