/**
 * Review N, N10: access-entry writes carry the entry as condition keys, as EKS's access-entry actions carry
 * `eks:principalArn`, `eks:kubernetesGroups` and `eks:username`: `training:principalArn`, `training:kubernetesGroups`
 * (a list) and `training:username`. Before, `training:CreateAccessEntry` was decided on the cluster's ARN alone: whoever
 * could map one user into `devs` could map anyone, themselves included, into the group bound to cluster-admin, and no
 * policy could say otherwise. Both doors: `POST /v1/clusters/{c}/access-entries` and `apply` (`kind: AccessEntry`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let lead = { accessKeyId: '', secretAccessKey: '' };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const arn = (user: string) => `arn:aws:iam::${acct}:user/${user}`;

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'dev1', {}),
      doc('User', 'dev2', {}),
      doc('User', 'dev3', {}),
      doc('User', 'lead', {
        inlinePolicies: {
          'map-devs': {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['training:CreateAccessEntry', 'training:UpdateAccessEntry', 'training:DeleteAccessEntry'],
                Resource: cluster,
                Condition: { 'ForAllValues:StringEquals': { 'training:kubernetesGroups': ['devs', 'viewers'] }, StringLike: { 'training:principalArn': `arn:aws:iam::${acct}:user/dev*` }, Null: { 'training:username': 'true' } },
              },
              // apply reads an entry before writing it, on an ARN of its own (see the review-kube report).
              { Effect: 'Allow', Action: ['training:DescribeAccessEntry', 'training:ListAccessEntries'], Resource: '*' },
            ],
          },
        },
      }),
      doc('AccessEntry', 'dev3', { cluster: 'k1', principalArn: arn('dev3'), kubernetesGroups: ['admins'] }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'lead' });
  lead = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe('N10: access entries are decided with their principal, groups and username', () => {
  test('/v1: devs for a dev is allowed; admins, a username, or another principal are refused', async () => {
    const ok = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn: arn('dev1'), kubernetesGroups: ['devs'] });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    for (const body of [
      { principalArn: arn('dev2'), kubernetesGroups: ['devs', 'admins'] },
      { principalArn: arn('dev2'), kubernetesGroups: ['devs'], username: 'root-ish' },
      { principalArn: arn('lead'), kubernetesGroups: ['devs'] },
    ]) {
      const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', body);
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), /training:CreateAccessEntry/);
    }
  });

  test('apply: the same, and an entry in admins cannot be deleted or rewritten', async () => {
    const ok = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'dev2', { cluster: 'k1', principalArn: arn('dev2'), kubernetesGroups: ['viewers'] })] });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const up = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'dev2', { cluster: 'k1', principalArn: arn('dev2'), kubernetesGroups: ['admins'] })] });
    assert.equal(up.status, 403, JSON.stringify(up.json));
    assert.match(JSON.stringify(up.json), /training:UpdateAccessEntry/);
    const del = await gatehouseJson(server.url, lead, 'DELETE', `/v1/clusters/k1/access-entries/${encodeURIComponent(arn('dev3'))}`);
    assert.equal(del.status, 403, JSON.stringify(del.json));
    const delOwn = await gatehouseJson(server.url, lead, 'DELETE', `/v1/clusters/k1/access-entries/${encodeURIComponent(arn('dev1'))}`);
    assert.equal(delOwn.status, 200, JSON.stringify(delOwn.json));
  });
});
