/**
 * Review ko, 2: a cluster is decided on its ARN in its account's dialect only, whichever spelling a request uses: the
 * clusters API decides `training:GetCluster` (bindings included) on `arn:aws:training::A:cluster/c` of an `aws`
 * account, and the Kubernetes door and the authorize API read `arn:aws-cn:training::A:cluster/c/…` and
 * `acs:pai::A:cluster/c/…` as that ARN (review kl, 1). A binding condition is refused when it compares `resource.name`
 * with a role's, workspace's or job's ARN in another partition or dialect (reviews ie, 2 to 4), but a cluster's was
 * stored as written: `roles/container.clusterViewer` under `!resource.name.startsWith("arn:aws-cn:training::A:cluster/secret")`
 * held for every cluster, and its member read the `secret-…` clusters it was written to keep from them (fail open). Now a
 * write refuses it at the literal, naming the `arn:aws:` ARN to write, as for workspaces and jobs.
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; /v1/iam-policies as the root admin, GET /v1/clusters/{name} signed with gil's own key (SDK v3 SignatureV4).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { details } from './support/bindings-conditions.ts';

const ROOT = '000000000000';

describe('a binding condition comparing a cluster’s resource.name with another partition’s or dialect’s ARN', () => {
  let s: TestServer;
  let gil = { accessKeyId: '', secretAccessKey: '' };
  const put = (expression: string) =>
    gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:gil'], condition: { title: 'not secret', expression } }] });

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'gil' }));
    const k = await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'gil' }));
    gil = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    const doc = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('secret-1'), doc('open-1')] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  test('`!resource.name.startsWith("arn:aws-cn:training::A:cluster/secret")` is refused, and gil does not read secret-1', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws-cn:training::${ROOT}:cluster/secret")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.match(e?.message ?? '', new RegExp(`write \`arn:aws:training::${ROOT}:cluster/secret\``), 'it names the ARN to write');
    assert.equal((await gatehouseJson(s.url, gil, 'GET', '/v1/clusters/secret-1')).status, 403);
  });

  test('the `acs:pai::` spelling of an `aws` account’s cluster is refused too', async () => {
    const r = await put(`!resource.name.startsWith("acs:pai::${ROOT}:cluster/secret")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(details(r.json)[0]?.message ?? '', /decided on their `arn:aws:training:…` ARNs/);
  });

  test('the cluster’s own ARN is taken and decides as meant', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws:training::${ROOT}:cluster/secret")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await gatehouseJson(s.url, gil, 'GET', '/v1/clusters/open-1')).status, 200);
    assert.equal((await gatehouseJson(s.url, gil, 'GET', '/v1/clusters/secret-1')).status, 403);
  });
});
