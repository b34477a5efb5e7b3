/**
 * Review nt, 3: a condition comparing `resource.name` by `==` or `!=` with a name that exists, spelt otherwise than its
 * own, is refused (docs/semantics.md, "Conditions are a documented subset of CEL": "`==` or `!=` with the ARN of a user,
 * group, role, workspace or cluster that exists, spelt otherwise than its own (… a workspace's name in another case), is
 * refused as well, naming the ARN to write: requests name it by its own"; review jl, 2). The policy of a workspace is
 * read and set as `workspace/<name>` with the workspace's own name, whatever case the request gives (review gx, 1 and
 * fv, 7: `src/app/bindings.ts` `workspaceSpelling`), and that is the `resource.name` a binding granting
 * `resourcemanager.workspaces.setIamPolicy` is decided on. Only ARNs were checked, so an account's binding "every
 * workspace's policy but Secret's", `resource.name != "workspace/Secret"` for the workspace `secret`, was stored, held
 * for every request, and let its member set the policy of `secret` (granting itself anything there).
 *
 * Real server, SigV4-signed /v1/ calls (the admin API), AWS SDK v3 IAM client.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const WS_ADMIN = `accounts/${A}/roles/wsPolicyAdmin`;

describe('a condition naming a workspace as workspace/<name> in another case than its own', () => {
  let server: TestServer;
  let lead: Credentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const grant = (expression: string) => admin('PUT', '/v1/iam-policies', {
    resource: `account/${A}`,
    bindings: [{ role: WS_ADMIN, members: ['user:lead'], condition: { title: 'all but the secret workspace', expression } }],
  });

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

  test('the comparison is refused, naming the name to write, and nothing is stored', async () => {
    const r = await grant('resource.name != "workspace/Secret"');
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const e = ((r.json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.match(e?.message ?? '', /workspace\/secret/);
    const held = await admin('GET', `/v1/iam-policies?resource=${encodeURIComponent(`account/${A}`)}`);
    assert.deepEqual(held.json['bindings'], []);
    // Refused through apply too.
    const applied = await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'ws-admins' }, spec: { resource: `account/${A}`, bindings: [{ role: WS_ADMIN, members: ['user:lead'], condition: { title: 'all but the secret workspace', expression: 'resource.name != "workspace/Secret"' } }] } }] });
    assert.equal(applied.status, 400, JSON.stringify(applied.json));
    assert.match(JSON.stringify(applied.json), /workspace\/secret/);
  });

  test('written with its own name, the exclusion holds: the member sets the open workspace’s policy, not the secret one’s', async () => {
    const r = await grant('resource.name != "workspace/secret"');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const set = (ws: string) => gatehouseJson(server.url, lead, 'PUT', '/v1/iam-policies', { resource: `workspace/${ws}`, bindings: [{ role: 'roles/ml.developer', members: ['user:lead'] }] });
    assert.equal((await set('open')).status, 200);
    const refused = await set('Secret');
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.deepEqual((await admin('GET', '/v1/iam-policies?resource=workspace%2Fsecret')).json['bindings'], []);
  });
});
