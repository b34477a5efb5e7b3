/**
 * Review jl, 5: GCP allows at most 20 role bindings in a policy that grant the same role to the same member under
 * different condition expressions (iam/quotas, "Limits": "Role bindings in a policy that include the same role and the
 * same member, but different condition expressions: 20"); Gatehouse took any number, up to the 1,500-member limit, so
 * one user could be given one role under 1,500 conditions that every decision of theirs evaluated, in a policy no GCP
 * tool could write back. Now the 21st such binding is refused, `BINDINGS_TOO_LARGE` at its member, saying which role and
 * member and how many; the same role to other members, other roles, and bindings repeating an expression are not
 * counted.
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
const put = (bindings: unknown[]) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings });
const until = (i: number, role = 'roles/ml.viewer', member = 'user:dora') => ({ role, members: [member], condition: { title: `until ${i}`, expression: `request.time < timestamp("${2030 + i}-01-01T00:00:00Z")` } });

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
});
after(async () => {
  await server?.stop();
});

test('a 21st binding of one role to one member under another condition is refused at its member', async () => {
  const twentyOne = Array.from({ length: 21 }, (_, i) => until(i));
  const r = await put(twentyOne);
  assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
  const [e] = details(r.json);
  assert.equal(e?.code, 'BINDINGS_TOO_LARGE');
  assert.equal(e?.path, 'bindings[20].members[0]');
  assert.match(e?.message ?? '', /roles\/ml\.viewer/);
  assert.match(e?.message ?? '', /user:dora/);
  assert.match(e?.message ?? '', /20/);
});

test('20 are taken, and other members, other roles and a repeated expression do not count', async () => {
  const bindings = [
    ...Array.from({ length: 20 }, (_, i) => until(i)),
    until(20, 'roles/ml.viewer', 'user:eve'),
    until(21, 'roles/storage.objectViewer'),
    { ...until(0), condition: { title: 'again', expression: until(0).condition.expression } },
  ];
  const r = await put(bindings);
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
});
