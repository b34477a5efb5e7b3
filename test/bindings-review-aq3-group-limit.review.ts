/**
 * Review aq, 3: GCP's allow policies name at most 250 groups ("the bindings in a Policy can refer to up to 1,500
 * principals; up to 250 of these principals can be Google groups", google/iam/v1/policy.proto; each group counted once
 * however often it appears). Gatehouse checked the 1,500 members and not this: a policy of 1,000 distinct groups was
 * accepted, one GCP refuses — and every reload reads the memberships of every group a policy names. Now the parser
 * refuses the first group past 250 (BINDINGS_TOO_LARGE at `bindings[i].members[j]`, said once), at every door (PUT
 * /v1/iam-policies, apply); a group named again does not count again.
 * Core parser, and a real server (SigV4-signed /v1/ calls).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIamPolicy } from '../src/core/bindings/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const groups = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `group:g${from + i}`);

test('the 251st distinct group is refused, once, at its path; a group repeated counts once', () => {
  const r = parseIamPolicy({ bindings: [{ role: 'roles/ml.viewer', members: groups(200) }, { role: 'roles/ml.developer', members: [...groups(40), ...groups(60, 200)] }] });
  assert.ok(!r.ok, 'accepted');
  assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_TOO_LARGE', 'bindings[1].members[90]']]);
  assert.match(r.errors[0]?.message ?? '', /at most 250 groups \(each counts once, however often it appears\); `group:g250` is group 251/);
  // 250 distinct groups, some of them named in several bindings, are within the limit.
  assert.ok(parseIamPolicy({ bindings: [{ role: 'roles/ml.viewer', members: groups(250) }, { role: 'roles/ml.developer', members: groups(250) }] }).ok);
});

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('PUT /v1/iam-policies and apply refuse it', async () => {
  const resource = 'arn:aws:training::000000000000:model/aq3';
  const bindings = [{ role: 'roles/ml.viewer', members: groups(251) }];
  const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
  assert.equal(put.status, 400, JSON.stringify(put.json).slice(0, 400));
  const d = (put.json['error'] as { details: { code: string; path: string }[] }).details;
  assert.deepEqual(d.map((e) => [e.code, e.path]), [['BINDINGS_TOO_LARGE', 'bindings[0].members[250]']]);
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'aq3' }, spec: { resource, bindings } };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(applied.status, 400, JSON.stringify(applied.json).slice(0, 400));
  const a = (applied.json['error'] as { details: { code: string; path: string }[] }).details;
  assert.deepEqual(a.map((e) => [e.code, e.path]), [['BINDINGS_TOO_LARGE', 'spec.bindings[0].members[250]']]);
});
