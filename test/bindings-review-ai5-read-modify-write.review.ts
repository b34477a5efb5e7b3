/**
 * Review ai, 5: the read-modify-write loop through the API refused what the API itself answered. `GET
 * /v1/iam-policies?resource=R` answers `{resource, account, version, bindings, etag}`; a client that edits the bindings
 * and PUTs that object back (as a GCP client sends back the policy getIamPolicy gave it) got 400 "unknown field
 * `account`". The CLI's `iam-policy set` dropped the field itself; the API did not. `account` is now accepted on a
 * write when it names the account the policy belongs to, and refused on `account` otherwise (nothing written). The
 * loop also carries a deleted principal's `deleted:user:…?uid=…` member and a condition back unchanged.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/m5';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  for (const u of ['dora', 'eve', 'fred']) await server.iam().send(new I.CreateUserCommand({ UserName: u }));
});
after(async () => {
  await server?.stop();
});

const get = async (): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

test('what GET answers, edited, is accepted by PUT with its etag; a deleted member and a condition go back as they were', async () => {
  const set = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['user:dora', 'user:eve'] },
      { role: 'roles/ml.developer', members: ['user:eve'], condition: { title: 'until 2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } },
    ],
  });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  await server.iam().send(new I.DeleteUserCommand({ UserName: 'eve' }));
  const read = await get();
  const bindings = read['bindings'] as { role: string; members: string[] }[];
  assert.match(bindings[0]?.members[1] ?? '', /^deleted:user:eve\?uid=AIDA/);

  const edited = { ...read, bindings: [...bindings, { role: 'roles/ml.viewer', members: ['user:fred'] }] };
  const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', edited);
  assert.equal(put.status, 200, JSON.stringify(put.json));
  assert.deepEqual(put.json['bindings'], edited.bindings);

  // The same loop again with the old etag is stale, as ever.
  const stale = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', edited);
  assert.equal(stale.status, 409, JSON.stringify(stale.json));
});

test('an `account` other than the policy\'s own is refused on `account`, and nothing changes', async () => {
  const read = await get();
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { ...read, account: '111111111111' });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const detail = (r.json['error'] as { details: { path: string; message: string }[] }).details[0];
  assert.equal(detail?.path, 'account');
  assert.match(detail?.message ?? '', /belongs to account 000000000000/);
  for (const account of [5, null]) {
    const bad = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { ...read, account });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
  }
  assert.equal((await get())['etag'], read['etag']);
});
