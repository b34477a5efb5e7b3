/**
 * Review dl, 2: a policy read back answered the version it was written with, whatever its bindings: written as
 * `version: 3` (or 0) without a conditional binding, `GET /v1/iam-policies` answered 3 (or 0). GCP answers the
 * version the policy's bindings need — 3 with a conditional binding, else 1: "if you specify version 3, but the policy
 * has no conditional role bindings, the response uses version 1" (google/iam/v1 `GetPolicyOptions.
 * requested_policy_version`; `Policy.version`: valid values are 0, 1 and 3, 0 being the unset default). A client that
 * reads a version to decide whether conditions may be present got one that says nothing of the policy. Now the answer
 * is 3 when a binding is conditional, else 1, for any version written.
 * Real server, SigV4-signed /v1/ calls (`PUT` and `GET /v1/iam-policies`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/dl2';
const PLAIN = [{ role: 'roles/ml.viewer', members: ['user:dora'] }];
const CONDITIONAL = [{ role: 'roles/ml.developer', members: ['user:dora'], condition: { title: 'until 2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } }];

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
});
after(async () => {
  await server?.stop();
});

const put = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, ...body });
const read = async (): Promise<{ version: number; etag: string }> => {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as { version: number; etag: string };
};

test('a policy without a conditional binding reads as version 1, whatever version it was written with', async () => {
  for (const version of [3, 0, 1]) {
    const w = await put({ version, bindings: PLAIN });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    assert.equal((w.json as { version: number }).version, 1, `the write's answer, written as version ${version}`);
    assert.equal((await read()).version, 1, `read back, written as version ${version}`);
  }
});

test('a policy with a conditional binding reads as version 3, written with version 3 or none', async () => {
  for (const body of [{ version: 3, bindings: CONDITIONAL }, { bindings: CONDITIONAL }]) {
    assert.equal((await put(body)).status, 200);
    assert.equal((await read()).version, 3);
  }
});
