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
 *
 * Review ra, 1 refused `allUsers`/`allAuthenticatedUsers` on an account (GCP refuses them in a project's policy), the
 * member this test bound there: the member beyond the account is now a service account (role) of account B, whose
 * session writes A's policy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';
const ROOT = `arn:aws:iam::${A}:root`;
const ADMIN_ROLE = `accounts/${A}/roles/policyAdmin`;
const B_ROLE = `serviceAccount:ob4admin@${B}.iam.gatehouse.dev`;

describe('review ob4: who-can and a binding beyond the account that lets its members write the account’s IAM policy', () => {
  let s: TestServer;
  let adminB: Credentials;
  before(async () => {
    s = await startTestServer();
    const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    const bRoot = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] });
    await s.iam(bRoot).send(new I.CreateRoleCommand({ RoleName: 'ob4admin', AssumeRolePolicyDocument: trust }));
    const session = (await s.sts(bRoot).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/ob4admin`, RoleSessionName: 'ob4' }))).Credentials;
    adminB = { accessKeyId: String(session?.AccessKeyId), secretAccessKey: String(session?.SecretAccessKey), sessionToken: String(session?.SessionToken) };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'policyAdmin' }, spec: { permissions: ['resourcemanager.accounts.setIamPolicy', 'resourcemanager.accounts.getIamPolicy'] } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'acct' }, spec: { resource: `account/${A}`, bindings: [{ role: ADMIN_ROLE, members: [B_ROLE] }] } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('who-can lists the binding to account B’s role for gatehouse:SetIamPolicy on the account', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'gatehouse:SetIamPolicy', resource: ROOT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // Before the fix: [].
    assert.deepEqual(r.json['grantedBeyond'], [{ member: B_ROLE, policy: `account/${A}`, index: 0, role: ADMIN_ROLE, conditional: false, conditions: [] }]);
  });

  it('the binding holds: a session of account B’s role writes account A’s IAM policy', async () => {
    const put = await gatehouseJson(s.url, adminB, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: ADMIN_ROLE, members: [B_ROLE] }, { role: 'roles/viewer', members: [B_ROLE] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
});
