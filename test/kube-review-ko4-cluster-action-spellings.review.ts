/**
 * Review ko, 4: the clusters API and the cluster doors (access entries, webhook config, RBAC apply) decide a cluster's
 * own actions (`training:GetCluster`, `training:CreateAccessEntry`…) on its ARN in its account's dialect,
 * `arn:aws:training::A:cluster/c` in an `aws` account. The authorize API read a Kubernetes question in another spelling
 * on that ARN (review kl, 1), and a workspace's or job's question too (review ad, 2), but decided a cluster's own action
 * as asked: on `arn:aws-cn:training::A:cluster/secret-1` or `acs:pai::A:cluster/secret-1` no Deny written on the
 * cluster's ARN applied, and it answered Allow for what the clusters API refuses. Now such a question is decided on the
 * cluster's own ARN, an explicit deny of the ARN as asked still refusing, with a diagnostic naming the ARN decided on.
 * Before the fix 1 of 3 tests failed (the `acs:pai::` spelling was already read as the `arn:aws:` one).
 *
 * Real server; /v1/authorize as the root admin, GET /v1/clusters/{name} signed with gil's own key (SDK v3 SignatureV4).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const GIL = `arn:aws:iam::${ROOT}:user/gil`;

describe('the authorize API decides a cluster’s own action on its own ARN, whichever spelling asks', () => {
  let s: TestServer;
  let gil = { accessKeyId: '', secretAccessKey: '' };
  const asked = async (action: string, resource: string) => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: GIL, action, resource })).json;

  before(async () => {
    s = await startTestServer();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['training:GetCluster', 'training:CreateAccessEntry'], Resource: '*' },
        { Sid: 'NotSecret', Effect: 'Deny', Action: ['training:GetCluster', 'training:CreateAccessEntry'], Resource: `arn:aws:training::${ROOT}:cluster/secret-*` },
      ],
    };
    await s.iam().send(new I.CreateUserCommand({ UserName: 'gil' }));
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'gil', PolicyName: 'clusters', PolicyDocument: JSON.stringify(policy) }));
    const k = await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'gil' }));
    gil = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    const doc = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('secret-1'), doc('open-1')] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  test('the clusters API refuses gil secret-1, and the authorize API says so on its own ARN', async () => {
    assert.equal((await gatehouseJson(s.url, gil, 'GET', '/v1/clusters/secret-1')).status, 403);
    assert.equal((await gatehouseJson(s.url, gil, 'GET', '/v1/clusters/open-1')).status, 200);
    assert.equal((await asked('training:GetCluster', `arn:aws:training::${ROOT}:cluster/secret-1`))['decision'], 'ExplicitDeny');
  });

  test('asked as arn:aws-cn:training:: it is ExplicitDeny too, naming the ARN decided on', async () => {
    const r = await asked('training:GetCluster', `arn:aws-cn:training::${ROOT}:cluster/secret-1`);
    assert.equal(r['decision'], 'ExplicitDeny', JSON.stringify(r));
    assert.ok((r['diagnostics'] as string[]).some((d) => d.includes(`decided on the cluster’s ARN \`arn:aws:training::${ROOT}:cluster/secret-1\``)), JSON.stringify(r['diagnostics']));
    assert.equal((await asked('training:CreateAccessEntry', `arn:aws-cn:training::${ROOT}:cluster/secret-1`))['decision'], 'ExplicitDeny');
    assert.equal((await asked('training:GetCluster', `arn:aws-cn:training::${ROOT}:cluster/open-1`))['decision'], 'Allow');
  });

  test('and asked as acs:pai::', async () => {
    assert.equal((await asked('training:GetCluster', `acs:pai::${ROOT}:cluster/secret-1`))['decision'], 'ExplicitDeny');
  });
});
