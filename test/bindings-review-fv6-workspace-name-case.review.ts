/**
 * Review fv, 6: `PUT` and `DELETE /v1/workspaces/<name>` with the name in another case than the stored workspace's acted
 * on that workspace (the store finds it whatever the case) but were decided, and written, under the name as asked. So a
 * user allowed `training:CreateWorkspace` and `training:DeleteWorkspace` on `workspace/Team-*` overwrote — members,
 * default bucket — and deleted the workspace `team-secret` through `/v1/workspaces/Team-Secret`, which IAM (matching
 * ARNs with case) does not let it touch; and an administrator's `PUT /v1/workspaces/ML` over `ml` renamed the workspace,
 * so the IAM policy on `…:workspace/ml` stopped governing it, silently (jobs by its members were refused), where `apply`
 * keeps the stored name. Now both are also decided on the stored workspace's own ARN (as `GET` is), and a write keeps
 * the stored name.
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix both tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const ROOT = '000000000000';
const arnOf = (name: string): string => `arn:aws:training::${ROOT}:workspace/${name}`;

describe('a workspace named in another case is the stored workspace, decided on its own ARN', () => {
  let server: TestServer;
  let mallory: ServiceCredentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const asMallory = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, mallory, method, path, body);

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.CreateUserCommand({ UserName: 'mallory' }));
    const own = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:CreateWorkspace', 'training:DeleteWorkspace'], Resource: arnOf('Team-*') }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'own-team-workspaces', PolicyDocument: JSON.stringify(own) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey;
    mallory = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(() => server?.stop());

  test('a user allowed on Team-* neither overwrites nor deletes the workspace team-secret', async () => {
    const ws = await admin('PUT', '/v1/workspaces/team-secret', { members: [{ user: 'alice' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const put = await asMallory('PUT', '/v1/workspaces/Team-Secret', { members: [{ user: 'mallory' }] });
    assert.equal(put.status, 403, JSON.stringify(put.json));
    const del = await asMallory('DELETE', '/v1/workspaces/Team-Secret');
    assert.equal(del.status, 403, JSON.stringify(del.json));
    const read = await admin('GET', '/v1/workspaces/team-secret');
    assert.deepEqual(read.json, { account: ROOT, name: 'team-secret', members: [{ user: 'alice' }] });
    // Its own workspaces, as before.
    assert.equal((await asMallory('PUT', '/v1/workspaces/Team-Mine', { members: [{ user: 'mallory' }] })).status, 200);
    assert.equal((await asMallory('DELETE', '/v1/workspaces/Team-Mine')).status, 204);
  });

  test('a write in another case keeps the name, and the IAM policy on the workspace’s ARN keeps governing it', async () => {
    assert.equal((await admin('PUT', '/v1/workspaces/ml', { members: [{ user: 'alice' }] })).status, 200);
    const policy = await admin('PUT', '/v1/iam-policies', { resource: arnOf('ml'), bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] });
    assert.equal(policy.status, 200, JSON.stringify(policy.json));
    const again = await admin('PUT', '/v1/workspaces/ML', { members: [{ user: 'alice' }] });
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json['name'], 'ml', 'the workspace keeps its name');
    assert.equal((await admin('GET', '/v1/workspaces/ml')).json['name'], 'ml');
    const answer = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'training:CreateJob', resource: arnOf('ml') });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  });
});
