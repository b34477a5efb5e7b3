/**
 * Stop 27 (review ak, 9, for IamPolicy): an IamPolicy is its resource's, but `--prune` found it by the document name
 * stored with it. A document renamed (same resource, same bindings) was followed by the prune of its old name, which
 * deleted the policy the document had just renamed: the binding it keeps was gone. Now the prune leaves a policy a
 * document names under another name. The /v1 client and the IAM policies API against a real server (SQLite).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const MODEL = 'arn:aws:training::000000000000:model/m';
const policy = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec: { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] } });

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

it('an IamPolicy document renamed under --prune keeps its bindings', async () => {
  const conn = () => connectionTo(s.url, s.admin);
  const apply = (documents: unknown[], options: Record<string, unknown> = {}) => call<{ changes: { action: string; kind: string; name: string }[] }>(conn(), 'POST', ['apply'], { body: { documents, ...options } });
  const bindings = async () => {
    const r = await call<{ bindings: unknown[] }>(conn(), 'GET', ['iam-policies'], { query: { resource: MODEL } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.bindings.length;
  };
  assert.ok((await apply([policy('old')])).ok);
  assert.equal(await bindings(), 1);
  const renamed = await apply([policy('new')], { prune: true });
  assert.ok(renamed.ok, JSON.stringify(renamed));
  assert.equal(renamed.value.changes.some((c) => c.action === 'delete'), false, JSON.stringify(renamed.value.changes));
  assert.equal(await bindings(), 1, 'the binding the renamed document keeps is still there');
});
