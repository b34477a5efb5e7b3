/**
 * Review qi, 2. An IAM policy on an IAM user's or group's ARN took any role: `roles/ml.developer`,
 * `roles/storage.admin`, `roles/iam.serviceAccountUser` (what a GCP user binds on a service account) or a custom role
 * bound on `arn:aws:iam::A:user/alice` was stored, through `PUT /v1/iam-policies` and `gatehouse apply` alike, and
 * granted nothing: every request about a user or group (`iam:GetUser`, `iam:CreateAccessKey`, `iam:AddUserToGroup`…)
 * has no bindings permission and is decided by IAM policies alone, and no Gatehouse request names a user or group as
 * the resource of a bucket, model, job or cluster permission. The authorize API even answered Allow for `ml.models.get`
 * "on" the user, a question no enforcement point asks. GCP refuses a role none of whose permissions applies to the
 * resource ("Role … is not supported for this resource"), as Gatehouse already does on a role's ARN (review fp, 1) and
 * on buckets, models, jobs, clusters (review fp, 3) and workspaces (review fv, 4).
 *
 * Now a predefined or custom role bound on a user's or group's ARN is refused (BINDINGS_INVALID_ROLE at the binding's
 * role, saying that IAM decides requests about users and groups, and where to bind instead); nothing is written. Basic
 * roles bound as before (they apply anywhere; review rj, 1 refuses them there too), and a policy stored before is still
 * decided as written.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/iam-policies` and `/v1/apply`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const USER = `arn:aws:iam::${A}:user/qi2-alice`;
const GROUP = `arn:aws:iam::${A}:group/qi2-team`;

type Detail = { code: string; path: string; message: string };

describe("bindings: a role is bound on a user's or group's ARN only where it can grant", () => {
  let s: TestServer;
  const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];
  const policyOn = async (resource: string): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).json['bindings'];

  before(async () => {
    s = await startTestServer();
    await userWithKey(s, 'qi2-alice');
    await userWithKey(s, 'qi2-bob');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Group', metadata: { name: 'qi2-team' }, spec: {} }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(() => s?.stop());

  test('PUT /v1/iam-policies refuses a predefined role on a user or a group', async () => {
    for (const [resource, role] of [
      [USER, 'roles/ml.developer'],
      [USER, 'roles/iam.serviceAccountUser'],
      [USER, 'roles/storage.admin'],
      [GROUP, 'roles/ml.viewer'],
    ] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:qi2-bob'] }] });
      assert.equal(r.status, 400, `${resource} ${role}: ${JSON.stringify(r.json)}`);
      const d = details(r.json)[0];
      assert.equal(d?.code, 'BINDINGS_INVALID_ROLE', JSON.stringify(r.json));
      assert.equal(d?.path, 'bindings[0].role');
      assert.match(d?.message ?? '', new RegExp(`^role \`${role.replace(/\./g, '\\.')}\` is not supported for this resource: \`${resource}\` is an IAM ${resource === USER ? 'user' : 'group'}`));
      assert.match(d?.message ?? '', /decided by IAM policies alone/);
      assert.match(d?.message ?? '', new RegExp(`account/${A}`));
      assert.deepEqual(await policyOn(resource), [], 'nothing was written');
    }
  });

  test('apply refuses a custom role on a group, at the binding’s role, and applies nothing', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'qi2_reader' }, spec: { permissions: ['ml.models.get'] } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'on-team' }, spec: { resource: GROUP, bindings: [{ role: `accounts/${A}/roles/qi2_reader`, members: ['user:qi2-bob'] }] } },
      ],
    });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = details(r.json).find((x) => x.path === 'spec.bindings[0].role');
    assert.ok(d !== undefined && d.code === 'BINDINGS_INVALID_ROLE', JSON.stringify(r.json));
    assert.match(d.message, /is an IAM group/);
    assert.deepEqual(await policyOn(GROUP), [], 'nothing was written');
  });

  // Basic roles bound there too when this was written; review rj, 1 refuses them as well (they grant nothing there either).
  test('a basic role is refused there too (review rj, 1)', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: USER, bindings: [{ role: 'roles/viewer', members: ['user:qi2-bob'] }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(details(r.json)[0]?.code, 'BINDINGS_INVALID_ROLE', JSON.stringify(r.json));
  });
});
