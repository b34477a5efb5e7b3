/**
 * Review kj, 2: who-can's `grantedBeyond` (bindings granting to principals it does not enumerate: `allUsers`, another
 * account's `serviceAccount:`, `principal://` subjects) did not say whether the binding grants only under a condition,
 * while each principal in `allowed` carries `conditional`/`conditions` (review dv, 1) and each resource policy's grant
 * beyond the account does too (review du, 3). A partner's service account bound "until the end of the contract" read
 * as bound for good, in the JSON, in `gatehouse who-can` and in the console alike.
 *
 * What is now so: each grantedBeyond entry carries `conditional` (the binding has a condition, which holds at the
 * question's time, or it would not be listed) and `conditions` (its CEL expression; none when unconditional), and the
 * CLI appends ` if <expression>` to the binding as it does to a principal's row (the console, likewise, an `if` line).
 *
 * Before the fix 2 of 2 tests failed. Real server, SigV4-signed /v1/ calls, the CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222233334444';
const MODEL = `arn:aws:training::${A}:model/kj2`;
const PARTNER = `serviceAccount:partner@${B}.iam.gatehouse.dev`;
const UNTIL = 'request.time < timestamp("2100-01-01T00:00:00Z")';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  const adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
  await server.iam(adminB).send(new I.CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['allUsers'] },
      { role: 'roles/ml.developer', members: [PARTNER], condition: { title: 'contract', expression: UNTIL } },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

test('each grantedBeyond entry says whether its binding grants only under a condition, and which', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'training:GetModel', resource: MODEL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json['grantedBeyond'], [
    { member: 'allUsers', policy: MODEL, index: 0, role: 'roles/ml.viewer', conditional: false, conditions: [] },
    { member: PARTNER, policy: MODEL, index: 1, role: 'roles/ml.developer', conditional: true, conditions: [UNTIL] },
  ]);
});

test('gatehouse who-can prints the condition of a conditional binding beyond the account, and none for the other', async () => {
  const cli = await cliAgainst(server, ['who-can', '--action', 'training:GetModel', '--resource', MODEL]);
  assert.equal(cli.status, 0, cli.out + cli.err);
  const row = (member: string): string => cli.out.split('\n').find((l) => l.startsWith(member)) ?? '';
  assert.ok(row(PARTNER).endsWith(`bindings[1] of the policy on ${MODEL} if ${UNTIL}`), cli.out);
  assert.ok(row('allUsers').endsWith(`bindings[0] of the policy on ${MODEL}`), cli.out);
});
