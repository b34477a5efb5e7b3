/**
 * Review gx, 3: an `etag` that no read could have given — not base64 at all (`my-etag!`, an HTTP entity tag such as `W/"5f37"`, a value cut
 * short in a copy and paste: `BwXhq DFw0f0=`) — was answered as a stale one: 409 `ConcurrentModification`, "the policy
 * changed since it was read; read it again, reapply your change and retry", though nothing had changed and the writer
 * had never read that etag; a client that retries on 409 (as GCP's read-modify-write loop does on ABORTED) re-read and
 * overwrote, hiding its own bug. GCP's `Policy.etag` is `bytes` (google/iam/v1/policy.proto), sent as base64 in JSON:
 * a value that is not base64 is INVALID_ARGUMENT (400) at `etag`, not ABORTED. Now the shared parser refuses it
 * (`BINDINGS_INVALID_TYPE` at `etag`, `spec.etag` in `apply`), naming what an etag is; a base64 etag that is not the
 * current one is still `ETAG_MISMATCH` (409), and an empty one still means none.
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/gx3';
const BINDINGS = [{ role: 'roles/ml.viewer', members: ['user:dora'] }];
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  const first = await put({ bindings: BINDINGS });
  assert.equal(first.status, 200, JSON.stringify(first.json));
});
after(async () => {
  await server?.stop();
});

const put = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, ...body });
const details = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] }).details ?? []);

test('an etag that is not base64 is refused as malformed (400 at `etag`), not as stale', async () => {
  for (const etag of ['my-etag!', 'BwXhq DFw0f0=', 'BwXhqDFw0f0==', 'W/"5f3759df"']) {
    const r = await put({ etag, bindings: [] });
    assert.equal(r.status, 400, `${etag}: ${JSON.stringify(r.json)}`);
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_TYPE', etag);
    assert.equal(e?.path, 'etag', etag);
    assert.match(e?.message ?? '', /base64/, etag);
  }
  // Nothing was removed.
  const read = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(read.json['bindings'], BINDINGS);
});

test('a base64 etag that is not the current one is still stale (409), and `""` still none', async () => {
  const stale = await put({ etag: 'AAAAAAAAAAA=', bindings: BINDINGS });
  assert.equal(stale.status, 409, JSON.stringify(stale.json));
  assert.equal(details(stale.json)[0]?.code, 'ETAG_MISMATCH');
  assert.equal((await put({ etag: '', bindings: BINDINGS })).status, 200);
});

test('apply refuses a malformed `spec.etag` the same way', async () => {
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'gx3' }, spec: { resource: MODEL, etag: 'not an etag', bindings: BINDINGS } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = details(r.json).find((x) => x.path.endsWith('spec.etag'));
  assert.equal(e?.code, 'BINDINGS_INVALID_TYPE', JSON.stringify(r.json));
});
