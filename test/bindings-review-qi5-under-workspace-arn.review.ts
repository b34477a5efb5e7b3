/**
 * Review qi, 5. A workspace's ARN has nothing under it: a workspace claims its own ARN and its default bucket, and its
 * jobs, models and clusters sit directly under the account (`…:job/<id>`), so no request names
 * `arn:aws:training::A:workspace/<W>/<anything>`. An IAM policy on such an ARN was still taken (`workspace/<W>/x` is
 * refused as no resource, its ARN form was not): `…:workspace/nosuch/jobs`, on a workspace that does not exist, passed
 * the check that a workspace's policy needs the workspace (that check reads `…:workspace/<W>` alone), was stored, and
 * granted nothing, silently, as a policy on a resource type's ARN or one ending in `/` did (reviews mk, 1; ai, 9).
 *
 * Now a policy with bindings on an ARN under a workspace's ARN is refused (BINDINGS_INVALID_RESOURCE at `resource`,
 * naming the workspace's ARN to attach it to) by `PUT /v1/iam-policies` and `gatehouse apply`; nothing is written.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/iam-policies` and `/v1/apply`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

type Detail = { code: string; path: string; message: string };

describe('bindings: nothing lies under a workspace’s ARN', () => {
  let s: TestServer;
  const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];
  const listed = async (): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'GET', '/v1/iam-policies')).json['iamPolicies'];

  before(async () => {
    s = await startTestServer();
    await userWithKey(s, 'qi5-dev');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'ws', {})] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(() => s?.stop());

  test('PUT /v1/iam-policies refuses an ARN under a workspace’s, naming the workspace’s', async () => {
    for (const [resource, own] of [
      [`arn:aws:training::${A}:workspace/ws/x`, `arn:aws:training::${A}:workspace/ws`],
      [`arn:aws:training::${A}:workspace/nosuch/jobs`, `arn:aws:training::${A}:workspace/nosuch`],
      [`acs:pai::${A}:workspace/ws/train/data`, `acs:pai::${A}:workspace/ws`],
    ] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.developer', members: ['user:qi5-dev'] }] });
      assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
      const d = details(r.json)[0];
      assert.equal(d?.code, 'BINDINGS_INVALID_RESOURCE', `${resource}: ${JSON.stringify(r.json)}`);
      assert.equal(d?.path, 'resource');
      assert.ok(d?.message.includes(`\`${own}\``), `${resource}: ${d?.message}`);
    }
    assert.deepEqual(await listed(), [], 'nothing was written');
  });

  test('apply refuses it at spec.resource, and applies nothing', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('User', 'qi5-new', {}), doc('IamPolicy', 'p', { resource: `arn:aws:training::${A}:workspace/ws/jobs`, bindings: [{ role: 'roles/ml.developer', members: ['user:qi5-dev'] }] })] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = details(r.json).find((x) => x.path === 'spec.resource');
    assert.equal(d?.code, 'BINDINGS_INVALID_RESOURCE', JSON.stringify(r.json));
    assert.deepEqual(await listed(), [], 'nothing was written');
  });

  test('the workspace’s own ARN is taken', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `arn:aws:training::${A}:workspace/ws`, bindings: [{ role: 'roles/ml.developer', members: ['user:qi5-dev'] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
});
