/**
 * Review jl, 8: a binding on `account/A` or `workspace/<name>` (of A) governs only requests on A's resources: an ARN
 * that names another account (`arn:aws:training::B:model/m`, `arn:aws:iam::B:role/r`) is decided with B's policies,
 * never A's. Yet a condition of A's comparing `resource.name` with such an ARN was stored, and was the same for every
 * request: `!resource.name.startsWith("arn:aws:training::111111111111:model/secret")` (an account id mistyped, or
 * copied from another account's policy) granted A's `model/secret` too, and the positive form nothing, silently. As
 * review jl, 1 refuses such literals on a policy attached to an ARN, a write (API, `apply`) now refuses `==`, `!=` and
 * `startsWith` of `resource.name` with an ARN naming another account than the policy's, at the literal's column. ARNs
 * naming no account (buckets) and A's own are taken.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { details } from './support/bindings-conditions.ts';

const A = '000000000000';
let server: TestServer;
const api = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
const put = (resource: string, expression: string) => api('PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { title: 'not secret', expression } }] });

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  const ws = await api('PUT', '/v1/workspaces/ml', { members: [{ user: 'dora' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

test('an ARN of another account in a condition of the account’s or a workspace’s policy is refused, and grants nothing', async () => {
  for (const resource of [`account/${A}`, 'workspace/ml']) {
    const r = await put(resource, '!resource.name.startsWith("arn:aws:training::111111111111:model/secret")');
    assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION', resource);
    assert.equal(e?.path, 'bindings[0].condition.expression', resource);
    assert.equal(e?.column, 27, resource);
    assert.match(e?.message ?? '', /111111111111/, resource);
  }
  const secret = await api('POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/dora`, action: 'training:GetModel', resource: `arn:aws:training::${A}:model/secret` });
  assert.notEqual(secret.json['decision'], 'Allow');
});

test('the account’s own ARNs and ARNs naming no account are taken', async () => {
  for (const expression of [`!resource.name.startsWith("arn:aws:training::${A}:model/secret")`, 'resource.name.startsWith("arn:aws:s3:::data/")', 'resource.name.startsWith("arn:aws:training::")']) {
    const r = await put(`account/${A}`, expression);
    assert.equal(r.status, 200, `${expression}: ${JSON.stringify(r.json)}`);
  }
});
