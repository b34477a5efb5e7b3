/**
 * Review jr, 1: reviews jl, 1 and 8 refuse a condition comparing `resource.name` with a literal no request the policy
 * governs can have, but on `account/<id>` and `workspace/<name>` (where GCP-style conditions are most often written)
 * they checked only the account an ARN names. A literal that is no ARN at all was still stored:
 * `!resource.name.startsWith("model/secret")` (the resource part without its ARN head, as jl 1's object key) on the
 * account's policy was true for every request, and granted `model/secret` with the rest (fail open); `resource.name ==
 * "models/m"` silently granted nothing. Every request's `resource.name` there is an ARN (`arn:…`, `acs:…`),
 * `account/<id>` or `workspace/<name>`; a write (API, `apply`) now refuses `==`, `!=` and `startsWith` with a literal
 * none of these can be or start with, at the literal's column.
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
const reads = async (model: string) => (await api('POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/dora`, action: 'training:GetModel', resource: `arn:aws:training::${A}:model/${model}` })).json['decision'];

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  const ws = await api('PUT', '/v1/workspaces/ml', { members: [{ user: 'dora' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

test('a literal no ARN, account or workspace name can be or start with is refused on the account’s and a workspace’s policy', async () => {
  for (const resource of [`account/${A}`, 'workspace/ml']) {
    const r = await put(resource, '!resource.name.startsWith("model/secret")');
    assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION', resource);
    assert.equal(e?.path, 'bindings[0].condition.expression', resource);
    assert.equal(e?.column, 27, resource);
    assert.match(e?.message ?? '', /an ARN/, resource);
    for (const expression of ['resource.name == "models/m"', '"data" != resource.name', 'resource.name.startsWith("ARN:aws:s3:::data/")']) {
      const again = await put(resource, expression);
      assert.equal(again.status, 400, `${resource} ${expression}: ${JSON.stringify(again.json)}`);
      assert.equal(details(again.json)[0]?.code, 'BINDINGS_INVALID_CONDITION', `${resource} ${expression}`);
    }
  }
  assert.notEqual(await reads('secret'), 'Allow');
  const applied = await api('POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'acct' }, spec: { resource: `account/${A}`, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { title: 'not secret', expression: '!resource.name.startsWith("model/secret")' } }] } }],
  });
  assert.equal(applied.status, 400, JSON.stringify(applied.json));
  assert.match(JSON.stringify(applied.json), /BINDINGS_INVALID_CONDITION/);
});

test('what a request there can be named is taken, and decides as meant', async () => {
  for (const expression of ['resource.name.startsWith("arn:aws:s3:::data/")', 'resource.name.startsWith("ar")', 'resource.name.startsWith("")', 'resource.name.startsWith("acs:oss:*:*:data/")', `resource.name == "account/${A}"`, 'resource.name != "workspace/ml"', 'resource.name.startsWith("work")', 'resource.name.endsWith("/secret")']) {
    const r = await put(`account/${A}`, expression);
    assert.equal(r.status, 200, `${expression}: ${JSON.stringify(r.json)}`);
  }
  const r = await put(`account/${A}`, `!resource.name.startsWith("arn:aws:training::${A}:model/secret")`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await reads('public'), 'Allow');
  assert.notEqual(await reads('secret'), 'Allow');
});
