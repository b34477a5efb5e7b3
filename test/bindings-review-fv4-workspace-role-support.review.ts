/**
 * Review fv, 4: an IAM policy on a workspace took any role, though a binding there governs only what lies under the
 * workspace: its own ARN (reading it and its policy, submitting jobs to it and reaching its jobs) and, for
 * `workspace/<name>`, its default bucket's objects. A GCP user binding `roles/iam.serviceAccountUser` or
 * `roles/container.developer` on `workspace/ml` as on a project (to pass the workspace's roles, to reach its cluster)
 * had it stored and granted nothing, silently: roles and clusters sit under the account. Reviews fp, 1 and 3 refuse such
 * a binding on a role's ARN, a bucket, a model, a job and a cluster ("Role … is not supported for this resource", as GCP
 * answers); now a workspace too (`BINDINGS_INVALID_ROLE` on the binding's role, naming the account to bind on), through
 * the API and `apply`. Roles with a `resourcemanager.workspaces.*`, `ml.jobs.*` (or, on `workspace/<name>`, `storage.*`)
 * permission, and the basic roles, bind as before.
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix the first test failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const WS_ARN = `arn:aws:training::${ROOT}:workspace/ml`;
const ROLE_ARN = `arn:aws:iam::${ROOT}:role/trainer`;
const bind = (role: string) => [{ role, members: ['user:dev'] }];

describe('an IAM policy on a workspace takes only roles that grant something there', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const put = (resource: string, role: string) => v1('PUT', '/v1/iam-policies', { resource, bindings: bind(role) });
  const detailsOf = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? []);

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'dev' }));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const ws = await v1('PUT', '/v1/workspaces/ml', { members: [{ user: 'dev' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => server?.stop());

  test('roles/iam.serviceAccountUser and Kubernetes roles on a workspace are refused as not supported there', async () => {
    for (const resource of ['workspace/ml', WS_ARN]) {
      for (const role of ['roles/iam.serviceAccountUser', 'roles/container.developer']) {
        const r = await put(resource, role);
        assert.equal(r.status, 400, `${resource} ${role}: ${JSON.stringify(r.json)}`);
        assert.match(JSON.stringify(r.json), /is not supported for this resource/);
        assert.match(JSON.stringify(r.json), /account\/000000000000/, 'the advice names the account to bind on');
      }
    }
    // A bucket's roles reach the default bucket through `workspace/<name>`, never through the workspace's own ARN.
    assert.equal((await put(WS_ARN, 'roles/storage.objectViewer')).status, 400);
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'ml-pass' }, spec: { resource: 'workspace/ml', bindings: bind('roles/iam.serviceAccountUser') } };
    const applied = await v1('POST', '/v1/apply', { documents: [doc] });
    assert.equal(applied.status, 400, JSON.stringify(applied.json));
    assert.ok(detailsOf(applied.json).some((d) => d.path === 'spec.bindings[0].role' && /not supported for this resource/.test(d.message)), JSON.stringify(applied.json));
    // It did grant nothing: passing the role is refused whatever the workspace's policy says.
    const pass = await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/dev`, action: 'iam:PassRole', resource: ROLE_ARN });
    assert.equal(pass.json['decision'], 'ImplicitDeny', JSON.stringify(pass.json));
  });

  test('roles that apply under a workspace, and basic roles, bind as before', async () => {
    for (const [resource, role] of [['workspace/ml', 'roles/ml.developer'], ['workspace/ml', 'roles/storage.objectViewer'], ['workspace/ml', 'roles/viewer'], [WS_ARN, 'roles/ml.viewer'], [WS_ARN, 'roles/editor']] as const) {
      const r = await put(resource, role);
      assert.equal(r.status, 200, `${resource} ${role}: ${JSON.stringify(r.json)}`);
    }
    const create = await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/dev`, action: 'training:CreateJob', resource: WS_ARN });
    assert.equal(create.json['decision'], 'Allow', JSON.stringify(create.json));
  });
});
