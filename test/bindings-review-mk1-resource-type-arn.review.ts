/**
 * Review mk, 1: an IAM policy on a resource type's ARN without a name (`arn:aws:training::A:cluster`) governed every cluster, existing or not.
 *
 * A policy's chain is its resource's ARN and the `/`-prefixes of its resource part (src/app/resource-tree.ts
 * `governingArns`), so `arn:aws:training::A:cluster` — the resource type of `arn:aws:training::A:cluster/gpu`, no resource
 * at all (an ARN's resource part is `resource-type/resource-id`; GCP's `…/clusters` collection takes no policy) — was taken
 * as the parent of every cluster, workspace ARN, job or model of the account. `PUT /v1/iam-policies` stored a policy there
 * without the existence check a cluster's ARN gets (review is, 3: a policy set on `…:cluster/gpu` before the cluster
 * existed came with the cluster made later), and its bindings then granted on every cluster of the account, on one made
 * later under any name, and survived deleting them all: `training:GetCluster` on `…:cluster/future` answered Allow. On an
 * IAM type (`arn:aws:iam::A:role`) such a policy governed nothing, silently (an IAM entity's ARN has no parent). Now a policy
 * with bindings on such an ARN is refused (400 `BINDINGS_INVALID_RESOURCE` at `resource`, through the API and `apply`),
 * naming the ARN to write (`…:cluster/<name>`) or `account/<id>`; a policy on `…:model/` no longer suggests `…:model`.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * Real server (SQLite), AWS SDK v3 IAM client, SigV4-signed /v1/ calls as the root admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const EVE = `arn:aws:iam::${ROOT}:user/eve`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account: ROOT }, spec });

describe('an IAM policy on a resource type’s ARN without a name', () => {
  let s: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
    assert.equal((await v1('PUT', '/v1/clusters/gpu', {})).status, 200);
  });
  after(() => s?.stop());

  test('PUT on a type’s ARN is refused at `resource`, naming what to write; nothing is written and nothing is granted', async () => {
    for (const [resource, role, hint] of [
      [`arn:aws:training::${ROOT}:cluster`, 'roles/container.clusterViewer', `arn:aws:training::${ROOT}:cluster/<name>`],
      [`arn:aws:training::${ROOT}:workspace`, 'roles/ml.developer', `arn:aws:training::${ROOT}:workspace/<name>`],
      [`arn:aws:training::${ROOT}:job`, 'roles/ml.viewer', `arn:aws:training::${ROOT}:job/<name>`],
      [`acs:pai::${ROOT}:model`, 'roles/ml.viewer', `acs:pai::${ROOT}:model/<name>`],
      [`arn:aws:iam::${ROOT}:role`, 'roles/iam.serviceAccountUser', `arn:aws:iam::${ROOT}:role/<name>`],
    ] as const) {
      const put = await v1('PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:eve'] }] });
      assert.equal(put.status, 400, `${resource}: ${JSON.stringify(put.json)}`);
      const e = detail(put.json);
      assert.equal(e?.code, 'BINDINGS_INVALID_RESOURCE', resource);
      assert.equal(e?.path, 'resource');
      assert.ok(e?.message.includes(`\`${hint}\``) && e.message.includes(`account/${ROOT}`), `${resource}: ${e?.message}`);
      const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
      assert.deepEqual(got.json['bindings'] ?? [], [], `nothing was written on ${resource}: ${JSON.stringify(got.json)}`);
    }
    for (const cluster of ['gpu', 'future']) {
      const answer = await v1('POST', '/v1/authorize', { principal: EVE, action: 'training:GetCluster', resource: `arn:aws:training::${ROOT}:cluster/${cluster}` });
      assert.notEqual(answer.json['decision'], 'Allow', `${cluster}: ${JSON.stringify(answer.json)}`);
    }
  });

  test('apply refuses it at `spec.resource`, and writes nothing', async () => {
    const applied = await v1('POST', '/v1/apply', { documents: [doc('IamPolicy', 'all-clusters', { resource: `arn:aws:training::${ROOT}:cluster`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:eve'] }] })] });
    assert.equal(applied.status, 400, JSON.stringify(applied.json));
    const e = detail(applied.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_RESOURCE');
    assert.equal(e?.path, 'spec.resource');
    const answer = await v1('POST', '/v1/authorize', { principal: EVE, action: 'training:GetCluster', resource: `arn:aws:training::${ROOT}:cluster/later` });
    assert.notEqual(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  });

  test('a cluster’s own ARN and the account still take the binding; `…:model/` points at the account, not at `…:model`', async () => {
    const own = await v1('PUT', '/v1/iam-policies', { resource: `arn:aws:training::${ROOT}:cluster/gpu`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:eve'] }] });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const answer = await v1('POST', '/v1/authorize', { principal: EVE, action: 'training:GetCluster', resource: `arn:aws:training::${ROOT}:cluster/gpu` });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
    const slash = await v1('PUT', '/v1/iam-policies', { resource: `arn:aws:training::${ROOT}:model/`, bindings: [{ role: 'roles/ml.viewer', members: ['user:eve'] }] });
    assert.equal(slash.status, 400, JSON.stringify(slash.json));
    const m = detail(slash.json)?.message ?? '';
    assert.ok(m.includes(`account/${ROOT}`) && !m.includes(`\`arn:aws:training::${ROOT}:model\``), m);
  });
});
