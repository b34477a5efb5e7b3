/**
 * Review hs, 3: an IAM policy's `etag` is `bytes` (google/iam/v1/policy.proto), and proto3's JSON mapping reads a bytes
 * field in "either standard or URL-safe base64 encoding with/without paddings"; Gatehouse accepts those forms as an etag
 * (review gx, 3), but then compared the text sent with the text it answered. So a client whose JSON library writes bytes
 * back unpadded or URL-safe (`mtcf0F7uPfk` for `mtcf0F7uPfk=`, `-`/`_` for `+`/`/`) — the etag it read, unchanged as
 * bytes — was refused 409 ETAG_MISMATCH "stale: the policy changed since it was read", though nothing had changed; a
 * read-modify-write loop that retries on that conflict retried forever. Now an etag is compared as the bytes it encodes,
 * through `PUT /v1/iam-policies` and `gatehouse apply` alike: any base64 spelling of the current etag writes, and an etag
 * of an earlier state, in any spelling, is still stale.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/hs3';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  for (const u of ['dora', 'eve', 'finn']) await server.iam().send(new I.CreateUserCommand({ UserName: u }));
});
after(async () => {
  await server?.stop();
});

const put = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, ...body });
const read = async () => (await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`)).json;
const binding = (user: string) => [{ role: 'roles/ml.viewer', members: [`user:${user}`] }];
/** The same bytes, written without padding and in the URL-safe alphabet. */
const urlSafe = (etag: string) => etag.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const unpadded = (etag: string) => etag.replace(/=+$/, '');

test('the current etag sent unpadded writes', async () => {
  const etag = (await read())['etag'] as string;
  assert.match(etag, /=$/, 'an 8-byte etag is answered padded');
  const r = await put({ etag: unpadded(etag), bindings: binding('dora') });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual((await read())['bindings'], binding('dora'));
});

test('the current etag sent URL-safe writes, through the API and apply', async () => {
  const etag = (await read())['etag'] as string;
  const r = await put({ etag: urlSafe(etag), bindings: binding('eve') });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const now = (await read())['etag'] as string;
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'hs3' }, spec: { resource: MODEL, etag: urlSafe(now), bindings: binding('finn') } };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  assert.deepEqual((await read())['bindings'], binding('finn'));
});

test('an earlier etag is still stale in any spelling, and nothing changes', async () => {
  const before = (await read())['etag'] as string;
  assert.equal((await put({ etag: before, bindings: binding('dora') })).status, 200);
  for (const etag of [before, unpadded(before), urlSafe(before)]) {
    const r = await put({ etag, bindings: binding('eve') });
    assert.equal(r.status, 409, `${etag}: ${JSON.stringify(r.json)}`);
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'hs3' }, spec: { resource: MODEL, etag, bindings: binding('eve') } };
    assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] })).status, 409, etag);
  }
  assert.deepEqual((await read())['bindings'], binding('dora'));
});
