/**
 * Review fv, 7: who may set or read the IAM policy of `workspace/<name>` was decided on the workspace ARN of the name as
 * written, but the policy is kept and looked up without case: it is the stored workspace's whatever the spelling. IAM
 * matches ARNs with case, so a user allowed `gatehouse:SetIamPolicy` only on `arn:aws:training::A:workspace/Team-*` set
 * the IAM policy of the workspace `team-secret` through `workspace/Team-Secret` — binding itself
 * `roles/storage.objectAdmin` there reaches every object of that workspace's default bucket — through the API and
 * `apply` alike, and read it the same way. Now `workspace/<name>` is decided, stored and answered as the stored
 * workspace's own name (`workspace/team-secret`).
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix the first test failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const ROOT = '000000000000';
const arnOf = (name: string): string => `arn:aws:training::${ROOT}:workspace/${name}`;
const grab = [{ role: 'roles/storage.objectAdmin', members: ['user:mallory'] }];

describe('the IAM policy of workspace/<name> is managed as the stored workspace’s', () => {
  let server: TestServer;
  let mallory: ServiceCredentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const asMallory = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, mallory, method, path, body);

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'mallory' }));
    const own = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['gatehouse:SetIamPolicy', 'gatehouse:GetIamPolicy', 'training:CreateWorkspace'], Resource: arnOf('Team-*') }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'own-team-workspaces', PolicyDocument: JSON.stringify(own) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey;
    mallory = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const ws = await admin('PUT', '/v1/workspaces/team-secret', { members: [], defaultBucket: 'arn:aws:s3:::secret-data' });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => server?.stop());

  test('another spelling of a workspace the user may not manage is refused, through the API and apply', async () => {
    const put = await asMallory('PUT', '/v1/iam-policies', { resource: 'workspace/Team-Secret', bindings: grab });
    assert.equal(put.status, 403, JSON.stringify(put.json));
    const got = await asMallory('GET', '/v1/iam-policies?resource=workspace/Team-Secret');
    assert.equal(got.status, 403, JSON.stringify(got.json));
    const applied = await asMallory('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'grab' }, spec: { resource: 'workspace/Team-Secret', bindings: grab } }] });
    assert.equal(applied.status, 403, JSON.stringify(applied.json));
    assert.deepEqual((await admin('GET', '/v1/iam-policies?resource=workspace/team-secret')).json['bindings'], [], 'nothing was written');
    const read = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/mallory`, action: 's3:GetObject', resource: 'arn:aws:s3:::secret-data/x' });
    assert.equal(read.json['decision'], 'ImplicitDeny', JSON.stringify(read.json));
  });

  test('a policy written in another spelling is the workspace’s, stored and answered by its own name', async () => {
    const put = await admin('PUT', '/v1/iam-policies', { resource: 'workspace/TEAM-SECRET', bindings: [{ role: 'roles/ml.viewer', members: ['user:mallory'] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json['resource'], 'workspace/team-secret');
    assert.equal((await admin('GET', '/v1/iam-policies?resource=workspace/Team-Secret')).json['resource'], 'workspace/team-secret');
    // Mallory's own workspaces, as before.
    assert.equal((await asMallory('PUT', '/v1/workspaces/Team-Mine', { members: [] })).status, 200);
    assert.equal((await asMallory('PUT', '/v1/iam-policies', { resource: 'workspace/Team-Mine', bindings: [{ role: 'roles/ml.viewer', members: ['user:mallory'] }] })).status, 200);
  });
});
