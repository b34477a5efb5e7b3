/**
 * Review cb, finding 11 (left by review cj): an unknown field in the spec of a kind whose name starts with a vowel was
 * refused as "the spec of a AccessEntry". Now "an AccessEntry" (and "an IamPolicy"); "a Role" as before. Real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.stop());

const refusal = async (kind: string, spec: Record<string, unknown>): Promise<string> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name: 'x' }, spec }] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  return JSON.stringify(r.json);
};

describe('cb11: the article before a kind in an unknown-field refusal', () => {
  it('an AccessEntry, an IamPolicy, a Role', async () => {
    assert.match(await refusal('AccessEntry', { cluster: 'k1', principalArn: 'arn:aws:iam::000000000000:user/admin', kubernetesGroup: ['x'] }), /the spec of an AccessEntry/);
    assert.match(await refusal('IamPolicy', { resource: 'account/000000000000', bindings: [], etagg: 'x' }), /the spec of an IamPolicy/);
    assert.match(await refusal('Role', { trustPolicyy: {} }), /the spec of a Role/);
  });
});
