/**
 * Review gk, 3: a principal got a second access entry in a cluster by its ARN spelt with (or without) its path. An entry
 * is found by the role's or user's ARN with its path first, then without it (EKS matches roles without path;
 * `entryCandidates`), and EKS keeps one entry per principal and cluster (CreateAccessEntry answers ResourceInUseException
 * when there is one). Gatehouse checked only the key of the spelling given: with an entry for `…:role/ops` (role `ops` at
 * `/team/`, groups `viewers`), `POST /v1/clusters/k1/access-entries` for `…:role/team/ops` with `admins` made a second
 * entry, which won at authentication and in the authorize API. A caller allowed `training:CreateAccessEntry` but denied
 * `training:UpdateAccessEntry` thereby changed an existing principal's groups; `apply` did the same, and listing showed
 * two entries of one role under one name. Now a principal that has an entry under another spelling of its ARN is refused
 * another (409 EntityAlreadyExists on `/v1`, an error at `spec.principalArn` in `apply`), naming the entry to change.
 *
 * Real server: SigV4-signed `/v1/` calls (the root admin and a delegate), IAM SDK v3, the authorize API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const RBAC = 'rbac.authorization.k8s.io';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('a principal has one access entry per cluster, whatever spelling of its ARN', () => {
  let server: TestServer;
  let acct = '';
  let lead: ServiceCredentials;
  const role = (path: string, name: string): string => `arn:aws:iam::${acct}:role${path}${name}`;
  const canReadSecrets = async (roleName: string): Promise<string> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${acct}:assumed-role/${roleName}/s1`, action: 'kubernetes:get', resource: `arn:aws:training::${acct}:cluster/k1/namespaces/ml/secrets/db` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'] as string;
  };

  before(async () => {
    server = await startTestServer();
    acct = server.adminFile.AccountId;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: trust }));
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ci', Path: '/build/', AssumeRolePolicyDocument: trust }));
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('User', 'lead', {
          inlinePolicies: {
            onboard: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['training:CreateAccessEntry', 'training:ListAccessEntries', 'training:DescribeAccessEntry'], Resource: '*' },
                { Effect: 'Deny', Action: ['training:UpdateAccessEntry', 'training:DeleteAccessEntry'], Resource: '*' },
              ],
            },
          },
        }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'admins' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'secret-reader', apiGroup: RBAC } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
    const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'lead' });
    lead = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    const ops = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: role('/', 'ops'), kubernetesGroups: ['viewers'] });
    assert.equal(ops.status, 201, JSON.stringify(ops.json));
    const ci = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: role('/build/', 'ci'), kubernetesGroups: ['viewers'] });
    assert.equal(ci.status, 201, JSON.stringify(ci.json));
  });
  after(() => server?.stop());

  test('creating an entry for the role spelt with its path is refused when it has one without', async () => {
    assert.equal(await canReadSecrets('ops'), 'ImplicitDeny');
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn: role('/team/', 'ops'), kubernetesGroups: ['admins'] });
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /role\/ops/);
    assert.equal(await canReadSecrets('ops'), 'ImplicitDeny', 'still mapped to viewers');
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.equal((list.json['accessEntries'] as unknown[]).length, 2, JSON.stringify(list.json));
  });

  test('creating an entry for the role spelt without its path is refused when it has one with', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: role('/', 'ci'), kubernetesGroups: ['admins'] });
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.equal(await canReadSecrets('ci'), 'ImplicitDeny');
  });

  test('apply refuses a second entry of the principal under another spelling', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'ops-admins', { cluster: 'k1', principalArn: role('/team/', 'ops'), kubernetesGroups: ['admins'] })] });
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /spec\.principalArn/);
    assert.equal(await canReadSecrets('ops'), 'ImplicitDeny');
    const both = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [doc('AccessEntry', 'ci-a', { cluster: 'k1', principalArn: role('/build/', 'ci'), kubernetesGroups: ['viewers'] }), doc('AccessEntry', 'ci-b', { cluster: 'k1', principalArn: role('/', 'ci'), kubernetesGroups: ['admins'] })],
    });
    assert.notEqual(both.status, 200, JSON.stringify(both.json));
    assert.equal(await canReadSecrets('ci'), 'ImplicitDeny');
  });

  test('the entry’s own spelling, in another case, still updates it through apply', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'role-' + acct + '-ops', { cluster: 'k1', principalArn: role('/', 'OPS'), kubernetesGroups: ['viewers', 'devs'] })] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await canReadSecrets('ops'), 'ImplicitDeny');
  });
});
