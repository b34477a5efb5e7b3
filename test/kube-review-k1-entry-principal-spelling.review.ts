/**
 * Review K, K1: `training:principalArn` is the principal's own ARN, whatever spelling of it the entry was written with.
 * An access entry is filed without case (`entryKey`) and a role's entry is found by its ARN with or without its path
 * (EKS matches roles without path), so `arn:aws:iam::A:user/LEAD` and `arn:aws:iam::A:role/ops` (for role
 * `/team/ops`) map `lead` and `ops`; but the condition key carried the spelling as written, so a Deny on
 * `training:principalArn` `…:user/lead` or `…:role/team/ops` (ARN conditions compare with case) was sidestepped by
 * another spelling, and the lead mapped themself into `admins`. Now the key holds the ARN the directory gives the
 * principal (its name's case, its path), on `/v1` and in `apply`, for creation, update and deletion.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let lead = { accessKeyId: '', secretAccessKey: '' };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const trust = () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'dev1', {}),
      doc('User', 'lead', {
        inlinePolicies: {
          'map-others': {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['training:CreateAccessEntry', 'training:UpdateAccessEntry', 'training:DeleteAccessEntry', 'training:DescribeAccessEntry', 'training:ListAccessEntries'], Resource: '*' },
              {
                Effect: 'Deny',
                Action: ['training:CreateAccessEntry', 'training:UpdateAccessEntry', 'training:DeleteAccessEntry'],
                Resource: cluster,
                Condition: { StringEquals: { 'training:principalArn': [`arn:aws:iam::${acct}:user/lead`, `arn:aws:iam::${acct}:role/team/ops`] } },
              },
            ],
          },
        },
      }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  await server.iam().send(new CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: JSON.stringify(trust()) }));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'lead' });
  lead = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe('K1: an access entry is decided on its principal, not on the spelling of its ARN', () => {
  test('/v1: the denied principals in another case or without their path are refused; another principal is not', async () => {
    for (const principalArn of [`arn:aws:iam::${acct}:user/LEAD`, `arn:aws:iam::${acct}:user/lead`, `arn:aws:iam::${acct}:role/ops`, `arn:aws:iam::${acct}:role/team/OPS`]) {
      const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn, kubernetesGroups: ['admins'] });
      assert.equal(r.status, 403, `${principalArn}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /training:CreateAccessEntry/);
    }
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.deepEqual(list.json['accessEntries'], []);
    const ok = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/DEV1`, kubernetesGroups: ['devs'] });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
  });

  test('apply: the same for creation, and an entry of the denied principal is neither rewritten nor deleted', async () => {
    const created = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'me', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/Lead`, kubernetesGroups: ['admins'] })] });
    assert.equal(created.status, 403, JSON.stringify(created.json));
    // An entry the admin made for the role, written without its path: the lead may neither rewrite nor delete it.
    const own = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ops`, kubernetesGroups: ['viewers'] })] });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const up = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ops`, kubernetesGroups: ['admins'] })] });
    assert.equal(up.status, 403, JSON.stringify(up.json));
    assert.match(JSON.stringify(up.json), /training:UpdateAccessEntry/);
    const del = await gatehouseJson(server.url, lead, 'DELETE', `/v1/clusters/k1/access-entries/${encodeURIComponent(`arn:aws:iam::${acct}:role/ops`)}`);
    assert.equal(del.status, 403, JSON.stringify(del.json));
  });
});
