/**
 * Review fv, 8: `PUT /v1/clusters/<name>` with the name in another case than the stored cluster's rewrote that cluster
 * (the store finds it whatever the case) but was decided, and written, under the name as asked, as workspaces were
 * (review fv, 6). A user allowed `training:CreateCluster` only on `cluster/Team-*` rewrote the cluster `team-gpu` — its
 * instance role, compute configs and the mappings that choose a role by user — through `/v1/clusters/Team-GPU`, which IAM
 * (matching ARNs with case) does not let it touch; and the write renamed the cluster, so the IAM policy on
 * `…:cluster/team-gpu` (review fv, 3) and IAM statements on its ARN stopped governing it, where `apply` keeps the stored
 * name. Now it is also decided on the stored cluster's own ARN, and keeps the stored name.
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix both tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const ROOT = '000000000000';
const arnOf = (name: string): string => `arn:aws:training::${ROOT}:cluster/${name}`;

describe('a cluster named in another case is the stored cluster, decided on its own ARN', () => {
  let server: TestServer;
  let mallory: ServiceCredentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.CreateUserCommand({ UserName: 'mallory' }));
    const own = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateCluster', Resource: arnOf('Team-*') }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'own-team-clusters', PolicyDocument: JSON.stringify(own) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey;
    mallory = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(() => server?.stop());

  test('a user allowed on Team-* does not rewrite the cluster team-gpu', async () => {
    assert.equal((await admin('PUT', '/v1/clusters/team-gpu', {})).status, 200);
    const put = await gatehouseJson(server.url, mallory, 'PUT', '/v1/clusters/Team-GPU', {});
    assert.equal(put.status, 403, JSON.stringify(put.json));
    assert.equal((await admin('GET', '/v1/clusters/team-gpu')).json['name'], 'team-gpu');
    assert.equal((await gatehouseJson(server.url, mallory, 'PUT', '/v1/clusters/Team-Mine', {})).status, 200, 'its own clusters, as before');
  });

  test('a write in another case keeps the name, and the IAM policy on the cluster’s ARN keeps governing it', async () => {
    assert.equal((await admin('PUT', '/v1/clusters/gpu', {})).status, 200);
    const policy = await admin('PUT', '/v1/iam-policies', { resource: arnOf('gpu'), bindings: [{ role: 'roles/container.clusterViewer', members: ['user:alice'] }] });
    assert.equal(policy.status, 200, JSON.stringify(policy.json));
    const again = await admin('PUT', '/v1/clusters/GPU', {});
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json['name'], 'gpu', 'the cluster keeps its name');
    const answer = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'training:GetCluster', resource: arnOf((await admin('GET', '/v1/clusters/gpu')).json['name'] as string) });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  });
});
