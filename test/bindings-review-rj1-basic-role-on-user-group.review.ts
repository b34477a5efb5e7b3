/**
 * Review rj, 1. A basic role (`roles/owner`, `roles/editor`, `roles/viewer`) bound on an IAM user's or group's ARN was
 * stored, through `PUT /v1/iam-policies` and `gatehouse apply` alike, and granted nothing: requests about a user or a
 * group (`iam:GetUser`, `iam:CreateAccessKey`, `iam:AddUserToGroup`…) have no bindings permission and are decided by IAM
 * policies alone (review qi, 2, which refused every other role there and let basic roles through only because they
 * "apply anywhere"). `roles/owner` on `arn:aws:iam::A:user/alice` for `user:bob` reads as "bob owns alice", and bob
 * still could not read alice, list her keys or make one (no role holds an `iam.users.*` permission). Contract:
 * policy-semantics.md §A.4 (a binding grants its role's permissions on the resource and what lies under it; nothing lies
 * under a user and none of those permissions is about one); GCP refuses a role "not supported for this resource", basic
 * roles included (it refuses them even on a bucket), and has no user or group resource to bind on at all; review qi, 2
 * refused every other role there for this reason (docs/decisions.md).
 *
 * Now a basic role on a user's or group's ARN is refused as any other role there is (BINDINGS_INVALID_ROLE at the
 * binding's role, "is not supported for this resource"); nothing is written. Basic roles still bind on every resource
 * where they can grant (a role's ARN, a bucket, the account), and a policy stored before is still decided as written.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/iam-policies` and `/v1/apply`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const USER = `arn:aws:iam::${A}:user/rj1-alice`;
const GROUP = `arn:aws:iam::${A}:group/rj1-team`;
const ROLE = `arn:aws:iam::${A}:role/rj1-trainer`;

type Detail = { code: string; path: string; message: string };

describe("bindings: a basic role is not bound on a user's or group's ARN, where it grants nothing", () => {
  let s: TestServer;
  const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];
  const policyOn = async (resource: string): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).json['bindings'];

  before(async () => {
    s = await startTestServer();
    await userWithKey(s, 'rj1-alice');
    await userWithKey(s, 'rj1-bob');
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'Group', metadata: { name: 'rj1-team' }, spec: {} },
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'rj1-trainer' }, spec: { trustPolicy: trust } },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(() => s?.stop());

  test('PUT /v1/iam-policies refuses roles/owner, roles/editor and roles/viewer on a user or a group', async () => {
    for (const [resource, role] of [
      [USER, 'roles/owner'],
      [USER, 'roles/editor'],
      [GROUP, 'roles/viewer'],
      [GROUP, 'roles/owner'],
    ] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:rj1-bob'] }] });
      assert.equal(r.status, 400, `${resource} ${role}: ${JSON.stringify(r.json)}`);
      const d = details(r.json)[0];
      assert.equal(d?.code, 'BINDINGS_INVALID_ROLE', JSON.stringify(r.json));
      assert.equal(d?.path, 'bindings[0].role');
      assert.match(d?.message ?? '', new RegExp(`^role \`${role}\` is not supported for this resource: \`${resource}\` is an IAM ${resource === USER ? 'user' : 'group'}`));
      assert.match(d?.message ?? '', /decided by IAM policies alone/);
      assert.deepEqual(await policyOn(resource), [], 'nothing was written');
    }
  });

  test('apply refuses roles/owner on a user, at the binding’s role, and applies nothing', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'on-alice' }, spec: { resource: USER, bindings: [{ role: 'roles/owner', members: ['user:rj1-bob'] }] } }],
    });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = details(r.json).find((x) => x.path === 'spec.bindings[0].role');
    assert.ok(d !== undefined && d.code === 'BINDINGS_INVALID_ROLE', JSON.stringify(r.json));
    assert.match(d.message, /is an IAM user/);
    assert.deepEqual(await policyOn(USER), [], 'nothing was written');
  });

  test('a basic role still binds where it grants: a role’s ARN, the account', async () => {
    for (const resource of [ROLE, `account/${A}`]) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/viewer', members: ['user:rj1-bob'] }] });
      assert.equal(r.status, 200, `${resource}: ${JSON.stringify(r.json)}`);
    }
  });
});
