/**
 * Review qs, 3: a workspace has two names a request can give it — `workspace/<name>` and its ARN
 * (`arn:aws:training::A:workspace/<name>`, `acs:pai::A:workspace/<name>`) — and a binding's condition saw `resource.name`
 * as the request spelt it. So an account's "every workspace's policy but Secret's" was passed by the other spelling:
 * written `resource.name != "workspace/secret"` (the form docs/semantics.md and review nt, 3 name), its member set the
 * IAM policy of `arn:aws:training::A:workspace/secret` (granting itself anything there); written with the ARN, it set the
 * policy of `workspace/secret`. A grant written `resource.name == "workspace/open"` did not hold for the ARN. GCP gives a
 * resource one name (policy-semantics.md §A.4, `resource.name`), so an exclusion holds however the request names it.
 * Now `resource.name` of a workspace is each of its names: `==`, `startsWith`, `endsWith` and the orderings hold when they
 * hold for one of them, `!=` only when the literal is none of them.
 * Real server, SigV4-signed /v1/ calls (the admin API), AWS SDK v3 IAM client. Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const WS_ADMIN = `accounts/${A}/roles/wsPolicyAdmin`;
const arn = (name: string) => `arn:aws:training::${A}:workspace/${name}`;

describe('a condition on resource.name holds for a workspace whichever of its names the request gives', () => {
  let server: TestServer;
  let lead: Credentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const grant = async (expression: string) => {
    const r = await admin('PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role: WS_ADMIN, members: ['user:lead'], condition: { title: 'some workspaces', expression } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const set = async (resource: string) => (await gatehouseJson(server.url, lead, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:lead'] }] })).status;

  before(async () => {
    server = await startTestServer();
    lead = await iamUserWith(server.iam(), 'lead', undefined);
    for (const name of ['secret', 'open']) {
      const ws = await admin('PUT', `/v1/workspaces/${name}`, { members: [{ user: 'lead' }] });
      assert.ok(ws.status < 300, JSON.stringify(ws.json));
    }
    const role = await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'wsPolicyAdmin' }, spec: { permissions: ['resourcemanager.workspaces.getIamPolicy', 'resourcemanager.workspaces.setIamPolicy'] } }] });
    assert.equal(role.status, 200, JSON.stringify(role.json));
  });
  after(() => server?.stop());

  test('an exclusion written as workspace/<name> holds for the workspace’s ARN', async () => {
    await grant('resource.name != "workspace/secret"');
    assert.equal(await set('workspace/open'), 200);
    assert.equal(await set(arn('open')), 200);
    assert.equal(await set('workspace/secret'), 403);
    assert.equal(await set(arn('secret')), 403);
  });

  test('an exclusion written as the ARN holds for workspace/<name>', async () => {
    await grant(`resource.name != "${arn('secret')}" && !resource.name.startsWith("${arn('secret')}/")`);
    assert.equal(await set('workspace/open'), 200);
    assert.equal(await set(arn('secret')), 403);
    assert.equal(await set('workspace/secret'), 403);
  });

  test('a grant written as workspace/<name> holds for the workspace’s ARN, and for no other workspace', async () => {
    await grant('resource.name == "workspace/open"');
    assert.equal(await set(arn('open')), 200);
    assert.equal(await set('workspace/open'), 200);
    assert.equal(await set(arn('secret')), 403);
    assert.equal(await set('workspace/secret'), 403);
  });
});
