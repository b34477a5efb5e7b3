/**
 * Review ob, 4: who-can lists, besides the account's users and roles, the bindings that grant the action to principals
 * beyond them (`grantedBeyond`: `allUsers`, `allAuthenticatedUsers`, another account's `serviceAccount:`, federated
 * subjects; review ai, 8). Writing an IAM policy is granted by a binding of the resource type's `*.setIamPolicy`
 * (`resourcemanager.accounts.setIamPolicy` on `account/<id>`: src/app/bindings.ts `mayManage`), which the authorize API
 * now decides so (review ob, 2). But `grantedBeyond` still read `gatehouse:SetIamPolicy` as an action no binding grants:
 * an account whose policy lets every authenticated principal of every account write it (and so bind `roles/owner` to
 * itself there) was answered by who-can with nothing beyond the account, while a principal of another account did write
 * it. It now reads the action as the engine does. Real server (SQLite), SigV4-signed /v1/ calls.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';
const ROOT = `arn:aws:iam::${A}:root`;
const ADMIN_ROLE = `accounts/${A}/roles/policyAdmin`;

describe('review ob4: who-can and a binding beyond the account that lets its members write the account’s IAM policy', () => {
  let s: TestServer;
  let adminB: Credentials;
  before(async () => {
    s = await startTestServer();
    const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'policyAdmin' }, spec: { permissions: ['resourcemanager.accounts.setIamPolicy', 'resourcemanager.accounts.getIamPolicy'] } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'acct' }, spec: { resource: `account/${A}`, bindings: [{ role: ADMIN_ROLE, members: ['allAuthenticatedUsers'] }] } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('who-can lists the binding to allAuthenticatedUsers for gatehouse:SetIamPolicy on the account', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'gatehouse:SetIamPolicy', resource: ROOT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // Before the fix: [].
    assert.deepEqual(r.json['grantedBeyond'], [{ member: 'allAuthenticatedUsers', policy: `account/${A}`, index: 0, role: ADMIN_ROLE, conditional: false, conditions: [] }]);
  });

  it('the binding holds: account B’s administrator writes account A’s IAM policy', async () => {
    const put = await gatehouseJson(s.url, adminB, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: ADMIN_ROLE, members: ['allAuthenticatedUsers'] }, { role: 'roles/viewer', members: ['allAuthenticatedUsers'] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
});
