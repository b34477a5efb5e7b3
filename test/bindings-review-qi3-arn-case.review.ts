/**
 * Review qi, 3. An IAM policy attaches to an IAM user, group or role, a workspace or a cluster only by the entity's own
 * ARN (reviews aq, 2; fa, 2; fv, 1; jl, 2): another spelling governs no request and is refused, naming the ARN to write.
 * Case in the ARN's head or type went past it: `arn:aws:IAM::A:role/trainer`, `arn:AWS:iam::…`, `acs:RAM::…`,
 * `arn:aws:iam::A:Role/trainer`, `arn:aws:Training::A:workspace/ws`, `arn:aws:training::A:Cluster/cl` matched none of
 * the held kinds' patterns, so they were taken as ARNs of "what Gatehouse does not hold", stored unchecked (the role, the
 * workspace existing or not), and granted nothing: with `roles/owner` bound on `arn:aws:IAM::A:role/trainer`, passing
 * the role stayed ImplicitDeny (Allow on the role's own ARN). ARNs' partition, service and these resource types are
 * lower case in every request, as AWS and Alibaba Cloud write them; the resource type alone (`…:Role`) is already refused
 * whatever its case (review mk, 1).
 *
 * Now a policy with bindings on such an ARN is refused (BINDINGS_INVALID_RESOURCE at `resource`, naming the ARN in lower
 * case) by `PUT /v1/iam-policies` and `gatehouse apply` alike; nothing is written. Removing one stays possible.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/iam-policies`, `/v1/apply`
 * and `/v1/authorize`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

type Detail = { code: string; path: string; message: string };

describe('bindings: an ARN spelt in capitals where ARNs are lower case names nothing', () => {
  let s: TestServer;
  const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];
  const listed = async (): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'GET', '/v1/iam-policies')).json['iamPolicies'];
  const passRole = async (): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/qi3-dev`, action: 'iam:PassRole', resource: `arn:aws:iam::${A}:role/trainer` })).json['decision'];

  before(async () => {
    s = await startTestServer();
    await userWithKey(s, 'qi3-dev');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Role', 'trainer', { trustPolicy: trust }), doc('Workspace', 'ws', {}), doc('Cluster', 'cl', {})] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(() => s?.stop());

  test('PUT /v1/iam-policies refuses each, naming the ARN in lower case', async () => {
    for (const [resource, own] of [
      [`arn:aws:IAM::${A}:role/trainer`, `arn:aws:iam::${A}:role/trainer`],
      [`arn:AWS:iam::${A}:role/trainer`, `arn:aws:iam::${A}:role/trainer`],
      [`arn:aws:iam::${A}:Role/trainer`, `arn:aws:iam::${A}:role/trainer`],
      [`acs:RAM::${A}:role/trainer`, `acs:ram::${A}:role/trainer`],
      [`arn:aws:Training::${A}:workspace/ws`, `arn:aws:training::${A}:workspace/ws`],
      [`arn:aws:training::${A}:Cluster/cl`, `arn:aws:training::${A}:cluster/cl`],
      [`arn:aws:iam::${A}:USER/qi3-dev`, `arn:aws:iam::${A}:user/qi3-dev`],
    ] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/owner', members: ['user:qi3-dev'] }] });
      assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
      const d = details(r.json)[0];
      assert.equal(d?.code, 'BINDINGS_INVALID_RESOURCE', `${resource}: ${JSON.stringify(r.json)}`);
      assert.equal(d?.path, 'resource');
      assert.ok(d?.message.includes(`\`${own}\``), `${resource}: ${d?.message}`);
    }
    assert.deepEqual(await listed(), [], 'nothing was written');
    assert.equal(await passRole(), 'ImplicitDeny');
  });

  test('apply refuses it at spec.resource, and applies nothing', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('User', 'qi3-new', {}), doc('IamPolicy', 'p', { resource: `arn:aws:IAM::${A}:role/trainer`, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:qi3-dev'] }] })] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = details(r.json).find((x) => x.path === 'spec.resource');
    assert.equal(d?.code, 'BINDINGS_INVALID_RESOURCE', JSON.stringify(r.json));
    assert.deepEqual(await listed(), [], 'nothing was written');
  });

  test('the ARN as requests name it is taken, and grants', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `arn:aws:iam::${A}:role/trainer`, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:qi3-dev'] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await passRole(), 'Allow');
  });
});
