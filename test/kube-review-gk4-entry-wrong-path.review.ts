/**
 * Review gk, 4: an access entry whose principal ARN names a path the user or role does not have was accepted and mapped
 * no one. An entry is found by the principal's ARN with its own path or without any (`entryCandidates`, as EKS matches
 * roles), but the principal was looked up by name alone: `arn:aws:iam::A:role/platform/ops` for the role `ops` at
 * `/team/` answered 201, as did `apply`, and every session of `ops` was then refused by the TokenReview webhook ("has no
 * access entry") while the entry listed it as mapped. EKS refuses such an ARN at CreateAccessEntry ("invalid
 * principal"), as Gatehouse refuses an IAM policy on a role ARN with another path (review aq, 2). Now an entry's ARN is
 * the principal's with its own path or none; another path is `NO_SUCH_ENTITY` (404 on `/v1`, an error at
 * `spec.principalArn` in `apply`), and the two spellings that work still do.
 *
 * Real server: SigV4-signed `/v1/` calls, IAM SDK v3, the authorize API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('an access entry names its principal with its own path or none', () => {
  let server: TestServer;
  let acct = '';
  const entry = (cluster: string, principalArn: string) => gatehouseJson(server.url, server.admin, 'POST', `/v1/clusters/${cluster}/access-entries`, { principalArn, kubernetesGroups: ['ops'] });

  before(async () => {
    server = await startTestServer();
    acct = server.adminFile.AccountId;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: trust }));
    await server.iam().send(new I.CreateUserCommand({ UserName: 'dana', Path: '/staff/' }));
    const c = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('Cluster', 'k2', {}), doc('Cluster', 'k3', {})] });
    assert.equal(c.status, 200, JSON.stringify(c.json));
  });
  after(() => server?.stop());

  test('another path is refused on /v1, for a role and for a user', async () => {
    const r = await entry('k1', `arn:aws:iam::${acct}:role/platform/ops`);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const u = await entry('k1', `arn:aws:iam::${acct}:user/ops-team/dana`);
    assert.equal(u.status, 404, JSON.stringify(u.json));
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.deepEqual(list.json['accessEntries'], []);
  });

  test('apply refuses another path at spec.principalArn', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/platform/ops`, kubernetesGroups: ['ops'] })] });
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /spec\.principalArn/);
  });

  test('its own path, or none, in any case, is still accepted', async () => {
    assert.equal((await entry('k1', `arn:aws:iam::${acct}:role/team/ops`)).status, 201);
    assert.equal((await entry('k2', `arn:aws:iam::${acct}:role/ops`)).status, 201);
    assert.equal((await entry('k3', `arn:aws:iam::${acct}:role/TEAM/ops`)).status, 201);
    assert.equal((await entry('k1', `arn:aws:iam::${acct}:user/staff/dana`)).status, 201);
    assert.equal((await entry('k2', `arn:aws:iam::${acct}:user/dana`)).status, 201);
  });
});
