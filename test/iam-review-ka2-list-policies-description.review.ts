/**
 * Review ka, 2: ListPolicies answered each managed policy's Description, which IAM leaves out of that listing ("This
 * element is included in the response to the GetPolicy operation. It is not included in the response to the
 * ListPolicies operation", Policy in the IAM API reference). So a caller with only iam:ListPolicies read the description
 * of every policy, a Deny on iam:GetPolicy for `policy/restricted/*` notwithstanding, as review D11 found of users' tags
 * in ListUsers. Now ListPolicies answers no Description; GetPolicy, CreatePolicy and GetAccountAuthorizationDetails
 * still do. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;
let lister: I.IAMClient;
let arn = '';

const DESCRIPTION = 'grants the incident team break-glass access to the payroll buckets';
const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'break-glass', Path: '/restricted/', PolicyDocument: doc, Description: DESCRIPTION }));
  assert.equal(created.Policy?.Description, DESCRIPTION, 'CreatePolicy answers the description');
  arn = created.Policy?.Arn ?? '';
  lister = server.iam(
    await iamUserWith(iam, 'lister', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ListPolicies', 'iam:GetPolicy'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:GetPolicy', Resource: 'arn:aws:iam::*:policy/restricted/*' },
      ],
    }),
  );
});
after(async () => {
  await server?.stop();
});

test('ListPolicies answers no Description, so iam:ListPolicies does not read what a Deny on iam:GetPolicy hides', async () => {
  assert.equal((await sdkFailure(lister.send(new I.GetPolicyCommand({ PolicyArn: arn })))).code, 'AccessDenied');
  for (const client of [lister, iam]) {
    const listed = (await client.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [];
    const mine = listed.find((p) => p.Arn === arn);
    assert.ok(mine, 'the policy is listed');
    assert.equal(mine.Description, undefined);
    assert.equal(mine.PolicyName, 'break-glass');
  }
  const builtins = (await lister.send(new I.ListPoliciesCommand({ Scope: 'AWS' }))).Policies ?? [];
  assert.ok(builtins.length > 0);
  assert.ok(builtins.every((p) => p.Description === undefined), 'nor of a built-in policy');
});

test('GetPolicy and GetAccountAuthorizationDetails still answer the description', async () => {
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.Description, DESCRIPTION);
  const details = await iam.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
  assert.equal(details.Policies?.find((p) => p.Arn === arn)?.Description, DESCRIPTION);
});
