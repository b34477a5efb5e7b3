import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPUTE_SERVICE, COMPUTE_SERVICE_ACS, trustFix } from './jobs.ts';

test('trustFix names the service the role must trust, in the message and in the statement to add', () => {
  const role = 'arn:aws:iam::111122223333:role/node';
  assert.equal(
    trustFix('aws', role),
    `the trust policy of role ${role} does not allow the training service training.gatehouse.dev to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"training.gatehouse.dev"}}`,
  );
  // A pod or a node: the compute service, in both places (the statement named the training service).
  const compute = trustFix('aws', role, COMPUTE_SERVICE);
  assert.match(compute, /does not allow the compute service compute\.gatehouse\.dev to assume it/);
  assert.match(compute, /"Principal":\{"Service":"compute\.gatehouse\.dev"\}/);
  assert.equal(compute.includes('training'), false);
  const acs = trustFix('acs', 'acs:ram::111122223333:role/node', COMPUTE_SERVICE_ACS);
  assert.match(acs, /the compute service ecs\.aliyuncs\.com .*"Principal":\{"Service":\["ecs\.aliyuncs\.com"\]\}/);
});
