/**
 * Review ai, 2: a version 1 write carrying the etag of a policy with conditional bindings was accepted, and the
 * conditions were gone. GCP's `Policy.version` (google/iam/v1/policy.proto; policy-semantics.md §A.4): any operation
 * that affects conditional role bindings must specify version 3, including "removing any role binding, with or
 * without a condition, from a policy that includes conditions"; only a write *without* an etag may overwrite a
 * version 3 policy with a version 1 one. A read-modify-write by a client that speaks version 1 (it sends
 * `version: 1` and the etag it read) is now refused, naming `version`, through the API and `gatehouse apply`; without
 * an etag it overwrites, as GCP; version 3 or no version writes as before.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls (`PUT /v1/iam-policies`, `POST /v1/apply`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/m2';
const CONDITIONAL = [
  { role: 'roles/ml.viewer', members: ['user:carl'] },
  { role: 'roles/ml.developer', members: ['user:carl'], condition: { title: 'until 2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } },
];

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'carl' }));
});
after(async () => {
  await server?.stop();
});

const put = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, ...body });
const get = async (): Promise<{ etag: string; version: number; bindings: unknown[] }> => {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as { etag: string; version: number; bindings: unknown[] };
};

test('PUT: version 1 with the etag of a conditional policy is refused on `version`; nothing changes', async () => {
  assert.equal((await put({ version: 3, bindings: CONDITIONAL })).status, 200);
  const read = await get();
  assert.equal(read.version, 3);
  for (const version of [1, 0]) {
    const r = await put({ version, etag: read.etag, bindings: [{ role: 'roles/ml.viewer', members: ['user:carl'] }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const detail = (r.json['error'] as { details: { path: string; message: string }[] }).details[0];
    assert.equal(detail?.path, 'version');
    assert.match(detail?.message ?? '', /conditional binding.*version 3/);
  }
  const after = await get();
  assert.equal(after.etag, read.etag, 'nothing was written');
  assert.equal(after.bindings.length, 2);
  // Version 3 (or none) with the etag writes; version 1 without an etag overwrites, as GCP allows.
  const v3 = await put({ version: 3, etag: read.etag, bindings: CONDITIONAL });
  assert.equal(v3.status, 200, JSON.stringify(v3.json));
  const v1 = await put({ version: 1, bindings: [{ role: 'roles/ml.viewer', members: ['user:carl'] }] });
  assert.equal(v1.status, 200, JSON.stringify(v1.json));
  assert.equal((await get()).version, 1);
});

test('apply: spec.version 1 with the etag of a conditional policy is refused on spec.version', async () => {
  assert.equal((await put({ version: 3, bindings: CONDITIONAL })).status, 200);
  const { etag } = await get();
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'm2' }, spec: { resource: MODEL, version: 1, etag, bindings: [{ role: 'roles/ml.viewer', members: ['user:carl'] }] } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const detail = (r.json['error'] as { details: { path: string; message: string }[] }).details[0];
  assert.match(detail?.path ?? '', /spec\.version$/);
  assert.match(detail?.message ?? '', /conditional binding.*version 3/);
  assert.equal((await get()).etag, etag, 'nothing was written');
});
