/**
 * Review fv, 2: deleting a workspace left the IAM policy on its ARN behind when the name was spelt in another case,
 * and a workspace created again under the name inherited its grants. The store finds a workspace whatever the case of
 * its name, so `DELETE /v1/workspaces/ML` deletes the workspace `ml`, but its IAM policies were removed by the name as
 * given: the policy on `arn:aws:training::A:workspace/ml` stayed, and the next workspace `ml` let the old policy's
 * members submit jobs there (the pre-grant that deleting a workspace takes its policies away to prevent, review B6).
 * The same for a policy on another spelling of the workspace's ARN (written before review fv, 1 refused it, or left by
 * a `PUT /v1/workspaces/ML` over `ml`, which renamed it before review fv, 6). Now every ARN spelling of the workspace's
 * name loses its policy with it.
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix both tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const arnOf = (name: string): string => `arn:aws:training::${ROOT}:workspace/${name}`;

describe('deleting a workspace removes the IAM policy on its ARN whatever the case of the name', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const createJob = (name: string) => v1('POST', '/v1/authorize', { principal: ALICE, action: 'training:CreateJob', resource: arnOf(name) });
  const bindingsOn = async (resource: string): Promise<unknown> => {
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    const r = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    return r.status === 404 ? [] : r.json['bindings'];
  };

  /** Workspace `name` with alice as member, and roles/ml.developer bound to her on its ARN: she may submit jobs. */
  async function workspaceWithPolicy(name: string): Promise<void> {
    const ws = await v1('PUT', `/v1/workspaces/${name}`, { members: [{ user: 'alice' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const put = await v1('PUT', '/v1/iam-policies', { resource: arnOf(name), bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal((await createJob(name)).json['decision'], 'Allow');
  }

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  });
  after(() => server?.stop());

  test('deleted by its name in another case', async () => {
    await workspaceWithPolicy('vision');
    const del = await v1('DELETE', '/v1/workspaces/VISION');
    assert.equal(del.status, 204, JSON.stringify(del.json));
    assert.deepEqual(await bindingsOn(arnOf('vision')), [], 'the policy went with the workspace');
    const again = await v1('PUT', '/v1/workspaces/vision', { members: [{ user: 'alice' }] });
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const answer = await createJob('vision');
    assert.equal(answer.json['decision'], 'ImplicitDeny', JSON.stringify(answer.json));
  });

  test('written again in another case, then deleted', async () => {
    await workspaceWithPolicy('speech');
    const renamed = await v1('PUT', '/v1/workspaces/SPEECH', { members: [{ user: 'alice' }] });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
    const del = await v1('DELETE', '/v1/workspaces/SPEECH');
    assert.equal(del.status, 204, JSON.stringify(del.json));
    assert.deepEqual(await bindingsOn(arnOf('speech')), [], 'the policy on the old spelling went with the workspace');
    const again = await v1('PUT', '/v1/workspaces/speech', { members: [{ user: 'alice' }] });
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const answer = await createJob('speech');
    assert.equal(answer.json['decision'], 'ImplicitDeny', JSON.stringify(answer.json));
  });
});
