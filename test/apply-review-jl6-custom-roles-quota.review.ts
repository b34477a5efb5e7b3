/**
 * Review jl, 6: custom roles (`kind: IamRole`) had no per-account quota, where users, groups, roles and managed
 * policies have theirs (`QUOTAS`, LIMIT_EXCEEDED) and GCP allows 300 custom roles a project (iam/quotas, "Limits":
 * "Custom roles for a project: 300"). One apply, or many, could store any number of them, each of up to 3,000
 * permissions, all loaded into memory at every reload of the bindings and listed by every prune. Now an apply that
 * would leave an account more than 300 is refused with `LIMIT_EXCEEDED` (409, `CustomRolesPerAccount`), counting
 * those it deletes, as the other quotas are.
 *
 * Before the fix the test failed.
 *
 * Real server, SigV4-signed `POST /v1/apply`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
const role = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions: ['ml.models.get'] } });
const roles = (from: number, count: number) => Array.from({ length: count }, (_, i) => role(`reader${from + i}`));
const apply = (documents: unknown[], prune = false) => gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents, prune });

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('an apply that would leave 301 custom roles in the account is refused, LIMIT_EXCEEDED', async () => {
  const r = await apply(roles(0, 300));
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
  const over = await apply(roles(300, 1));
  assert.equal(over.status, 409, JSON.stringify(over.json).slice(0, 300));
  assert.match(JSON.stringify(over.json), /LIMIT_EXCEEDED/);
  assert.match(JSON.stringify(over.json), /CustomRolesPerAccount: 300/);
});
