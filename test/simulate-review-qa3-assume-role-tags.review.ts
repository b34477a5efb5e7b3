/**
 * Review qa, 3: STS decides AssumeRole (TagSession, SetSourceIdentity) on a role with the role's tags as
 * `aws:ResourceTag/K` (review cc, 8), and POST /v1/authorize asks it so, but the IAM simulator gave a role named as a
 * resource its tags for `iam:`/`ram:` actions only: with "Deny sts:AssumeRole where aws:ResourceTag/env is prod",
 * SimulatePrincipalPolicy answered `allowed` for sts:AssumeRole on the prod role, `aws:ResourceTag/env` reported
 * missing, while AssumeRole itself was refused AccessDenied.
 *
 * Contract: issue 8, "simulation … answering from the same code path as enforcement"; Service Authorization Reference,
 * STS `role` resource: condition key `aws:ResourceTag/${TagKey}` (not `iam:ResourceTag`); src/app/simulate.ts
 * `directoryFactsNamed` (the tags read for a caller allowed ListRoleTags on the role; review oc, 2).
 * SDK v3 (IAM and STS) against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { iamUserWith, sdkException, startTestServer, type TestServer } from './support/server.ts';

const ACCOUNT = '000000000000';
const DEV = `arn:aws:iam::${ACCOUNT}:user/dev`;
const PROD = `arn:aws:iam::${ACCOUNT}:role/prod-admin`;
const STAGING = `arn:aws:iam::${ACCOUNT}:role/staging-admin`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } } },
  ],
};

let server: TestServer;
let dev: Awaited<ReturnType<typeof iamUserWith>>;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'prod-admin', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'env', Value: 'prod' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'staging-admin', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'env', Value: 'staging' }] }));
  dev = await iamUserWith(iam, 'dev', POLICY);
});
after(async () => {
  await server?.stop();
});

describe('review qa, 3: sts:AssumeRole on a role is simulated with the role tags STS decides it with', () => {
  test('the prod role: AssumeRole is refused, and simulated explicitDeny with nothing missing', async () => {
    const refused = await sdkException(server.sts(dev).send(new AssumeRoleCommand({ RoleArn: PROD, RoleSessionName: 'review' })));
    assert.equal(refused.code, 'AccessDenied');
    const r = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: DEV, ActionNames: ['sts:AssumeRole'], ResourceArns: [PROD] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => [e.EvalDecision, e.MissingContextValues]), [['explicitDeny', []]]);
  });

  test('the staging role: AssumeRole succeeds, and is simulated allowed with nothing missing', async () => {
    await server.sts(dev).send(new AssumeRoleCommand({ RoleArn: STAGING, RoleSessionName: 'review' }));
    const r = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: DEV, ActionNames: ['sts:AssumeRole'], ResourceArns: [STAGING] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => [e.EvalDecision, e.MissingContextValues]), [['allowed', []]]);
  });
});
