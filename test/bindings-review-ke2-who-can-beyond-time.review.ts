/**
 * Review ke, 2: who-can asked at a time (`aws:CurrentTime` in its context, as simulate takes one, review ej, 2) decided
 * the account's own principals at that time, bindings' `request.time` conditions included, but listed in `grantedBeyond`
 * the bindings whose conditions held at the server's clock instead. Asked "who can read this model in 2031", an auditor
 * was shown the account's user allowed under a grant starting in 2030 and no one beyond, though the same binding lets
 * another account's service account in; and a grant that has expired by then still listed that service account. Now
 * `grantedBeyond` evaluates conditions at the question's time, as the decisions it stands beside.
 * Real server, SigV4-signed /v1/ calls, AWS SDK v3 IAM client. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222233334444';
const FROM_2030 = `arn:aws:training::${A}:model/from2030`;
const UNTIL_2030 = `arn:aws:training::${A}:model/until2030`;
const PARTNER = `serviceAccount:partner@${B}.iam.gatehouse.dev`;
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'hal' }));
  const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  const adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
  await server.iam(adminB).send(new I.CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  for (const [resource, title, expression] of [
    [FROM_2030, 'from 2030', 'request.time >= timestamp("2030-01-01T00:00:00Z")'],
    [UNTIL_2030, 'until 2030', 'request.time < timestamp("2030-01-01T00:00:00Z")'],
  ] as const) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:hal', PARTNER], condition: { title, expression } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
after(async () => {
  await server?.stop();
});

const in2031 = async (resource: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'training:GetModel', resource, context: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};
const names = (a: Record<string, unknown>): string[] => (a['allowed'] as { name: string }[]).map((p) => p.name);

test('a grant that starts before the question’s time lists the other account’s service account it names', async () => {
  const a = await in2031(FROM_2030);
  assert.ok(names(a).includes('hal'), `hal is allowed in 2031: ${JSON.stringify(a['allowed'])}`);
  assert.deepEqual(a['grantedBeyond'], [{ member: PARTNER, policy: FROM_2030, index: 0, role: 'roles/ml.viewer', conditional: true, conditions: ['request.time >= timestamp("2030-01-01T00:00:00Z")'] }]);
});

test('a grant that has expired by the question’s time lists no one beyond the account', async () => {
  const a = await in2031(UNTIL_2030);
  assert.ok(!names(a).includes('hal'), `hal is not allowed in 2031: ${JSON.stringify(a['allowed'])}`);
  assert.deepEqual(a['grantedBeyond'], []);
});
