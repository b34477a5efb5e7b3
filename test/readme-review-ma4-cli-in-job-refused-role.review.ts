/**
 * Review `readme`, ma4: README §4 says the `gatehouse` CLI in a rank, given no keys, signs as the job's session from its
 * container endpoint; docs/errors.md gives that endpoint's refusal when the job's role no longer trusts the training
 * service (409 `AccessDenied`, "`gatehouse credentials --job` exits 9", review km, 2) and says exit 10 means "the
 * server is unreachable or unavailable; retrying may succeed". The CLI in the rank (`gatehouse whoami`, `authorize`,
 * `iam …`: client.ts `jobSession`) mapped every answer but 404/410 and 401/403 to 10: the role's trust policy refusing
 * the job was said to be an outage to retry, and a 400 likewise, where `credentials --job`, reading the same endpoint,
 * exits 9 (AccessDenied), 7 (another 409) and 8 (another 4xx). Now both map the endpoint's answer alike. In process,
 * with the environment a rank gets, against a real server on 127.0.0.1.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

let world: JobsWorld;
let rank: Record<string, string>;

before(async () => {
  world = await startJobsWorld('gh-review-ma4-');
  // alice's job, submitted while its role trusts the training service; no session is issued until a rank asks.
  const submitted = await call<{ job: { id: string }; environment: Record<string, string> }>({ ...world.admin, credentials: world.alice }, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN, imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  rank = { ...submitted.value.environment, HOME: world.home };
  assert.ok(rank['GATEHOUSE_JOB_ID'] && rank['AWS_CONTAINER_CREDENTIALS_FULL_URI'], JSON.stringify(submitted.value.environment));
  // Then the role stops trusting the service.
  const iam = new I.IAMClient({ endpoint: world.admin.endpoint.origin, region: 'us-east-1', credentials: world.adminKeys });
  await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  iam.destroy();
});
after(async () => world.close());

test('ma4: credentials --job in the rank: the role no longer trusting the service is AccessDenied, exit 9', async () => {
  const r = await gatehouseInProcess(['credentials', '--job'], rank);
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stderr, /cannot be assumed for it/);
});

test('ma4: gatehouse whoami in the rank exits as credentials --job does (9), not 10 (an outage to retry)', async () => {
  const r = await gatehouseInProcess(['whoami'], rank);
  assert.match(r.stderr, /cannot be assumed for it/);
  assert.equal(r.code, 9, r.stderr);
});
