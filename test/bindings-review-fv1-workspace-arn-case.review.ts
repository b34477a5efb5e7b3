/**
 * Review fv, 1: an IAM policy on a workspace's ARN spelt in another case than the workspace's name
 * (`arn:aws:training::A:workspace/ML` for the workspace `ml`) was stored, though it governs nothing: requests, jobs and
 * the workspace's claim on its default bucket all name the workspace by its own ARN, so the policy granted nothing,
 * silently; deleting the workspace took away only the policies on its own ARN, so one created later as `ML` inherited
 * the stale grant (the pre-grant that review aq, 2 refuses for a workspace that does not exist). The store finds a
 * workspace whatever the case of its name, and only the existence was checked. Now such a policy is refused as one on
 * an IAM entity by another ARN than its own is (`NO_SUCH_ENTITY` at `resource`, naming the ARN to attach to), through
 * the API and `apply` alike; `workspace/<name>` keeps matching the name without case, as it is looked up.
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix the first test failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OWN = `arn:aws:training::${ROOT}:workspace/ml`;
const OTHER_CASE = `arn:aws:training::${ROOT}:workspace/ML`;
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const bindings = [{ role: 'roles/ml.developer', members: ['user:alice'] }];

describe('an IAM policy on a workspace attaches to the workspace’s own ARN', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const errorOf = (json: Record<string, unknown>) => (json['error'] as { code?: string; message?: string; details?: { code: string; path: string; message: string }[] } | undefined);

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
    const ws = await v1('PUT', '/v1/workspaces/ml', { members: [{ user: 'alice' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => server?.stop());

  test('the ARN in another case is refused through the API and apply, naming the workspace’s ARN', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: OTHER_CASE, bindings });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    assert.match(JSON.stringify(put.json), /NoSuchEntity|NO_SUCH_ENTITY/);
    assert.ok(JSON.stringify(put.json).includes(`\`${OWN}\``), JSON.stringify(put.json));
    const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(OTHER_CASE)}`);
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    assert.equal(got.status, 404, 'nothing was written: ' + JSON.stringify(got.json));

    const applied = await v1('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'ws-ml' }, spec: { resource: OTHER_CASE, bindings } }] });
    assert.equal(applied.status, 404, JSON.stringify(applied.json));
    const e = errorOf(applied.json)?.details?.find((x) => x.path === 'spec.resource');
    assert.ok(e !== undefined && e.code === 'NO_SUCH_ENTITY' && e.message.includes(OWN), JSON.stringify(applied.json));
  });

  test('the workspace’s own ARN, and workspace/<name> in any case, are accepted and grant', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: OWN, bindings });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const answer = await v1('POST', '/v1/authorize', { principal: ALICE, action: 'training:CreateJob', resource: OWN });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
    const named = await v1('PUT', '/v1/iam-policies', { resource: 'workspace/ML', bindings: [{ role: 'roles/ml.viewer', members: ['user:alice'] }] });
    assert.equal(named.status, 200, JSON.stringify(named.json));
  });
});
