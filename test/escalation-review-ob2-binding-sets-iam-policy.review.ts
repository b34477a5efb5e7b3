/**
 * Review ob, 2: who may write an IAM policy (GCP-style bindings) is decided by `gatehouse:SetIamPolicy` on the resource
 * (the account's root ARN for `account/<id>`) "or by a binding, unless IAM denies": the resource type's
 * `*.setIamPolicy` permission, `resourcemanager.accounts.setIamPolicy` on the account,
 * `resourcemanager.workspaces.setIamPolicy` on a workspace (src/app/bindings.ts, module comment and `mayManage`; issue
 * 8: custom roles are permission sets). GCP's own lists of privilege escalations start with that permission
 * (`resourcemanager.projects.setIamPolicy`: bind yourself `roles/owner`). The authorize API, which "answers as
 * enforcement decides" (docs/decisions.md, review I), said of `gatehouse:SetIamPolicy` that "no binding can grant it",
 * so a user whose custom role holds that permission was answered ImplicitDeny while `PUT /v1/iam-policies` let it bind
 * `roles/owner` to itself; and escalation-paths, which asks its questions of that API (docs/decisions.md "Escalation
 * paths are a search over questions to the same engine"; the `gives: bindings` gain, review cc, 4), listed nothing for
 * it. The bindings engine now decides those two actions by the resource's `*.setIamPolicy`/`*.getIamPolicy`, on
 * `account/<id>` for the root ARN, still cut by the caller's permissions boundary as the write is. Real server
 * (SQLite), SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { escalationGains } from './support/escalation.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROOT = `arn:aws:iam::${A}:root`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const customRole = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions } });
const iamPolicy = (name: string, resource: string, bindings: object[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec: { resource, bindings } });

describe('review ob2: a binding that lets a user write an IAM policy', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const name of ['pat', 'wes', 'bob']) keys[name] = await userWithKey(s, name);
    // bob holds the same binding as pat, under a permissions boundary that allows S3 alone.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 's3-only', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bob', PermissionsBoundary: `arn:aws:iam::${A}:policy/s3-only` }));
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/lab', { members: [] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        customRole('policyAdmin', ['resourcemanager.accounts.setIamPolicy', 'resourcemanager.accounts.getIamPolicy']),
        customRole('wsPolicyAdmin', ['resourcemanager.workspaces.setIamPolicy', 'resourcemanager.workspaces.getIamPolicy']),
        iamPolicy('acct', `account/${A}`, [{ role: `accounts/${A}/roles/policyAdmin`, members: ['user:pat', 'user:bob'] }]),
        iamPolicy('lab', 'workspace/lab', [{ role: `accounts/${A}/roles/wsPolicyAdmin`, members: ['user:wes'] }]),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const decision = async (name: string, action: string, resource: string): Promise<unknown> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: user(name), action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'];
  };
  const bindingGains = async (name: string): Promise<string[]> =>
    (await escalationGains(s, user(name))).filter((g) => g.gives === 'bindings').map((g) => `${g.principal} ${g.action} ${g.resource}`);

  it('escalation-paths lists writing the account’s IAM policy, and a workspace’s, for a user a binding lets write it', async () => {
    // Before the fix: [] and [].
    assert.deepEqual(await bindingGains('pat'), [`${user('pat')} gatehouse:SetIamPolicy account/${A}`]);
    assert.deepEqual(await bindingGains('wes'), [`${user('wes')} gatehouse:SetIamPolicy workspace/lab`]);
  });

  it('the authorize API allows gatehouse:SetIamPolicy and GetIamPolicy there, as the binding grants them', async () => {
    // Before the fix: ImplicitDeny, "no binding can grant it".
    assert.equal(await decision('pat', 'gatehouse:SetIamPolicy', ROOT), 'Allow');
    assert.equal(await decision('pat', 'gatehouse:GetIamPolicy', ROOT), 'Allow');
    assert.equal(await decision('wes', 'gatehouse:SetIamPolicy', WS), 'Allow');
    // Not beyond what the bindings grant.
    assert.equal(await decision('wes', 'gatehouse:SetIamPolicy', ROOT), 'ImplicitDeny');
    assert.equal(await decision('pat', 'gatehouse:SetIamPolicy', `arn:aws:training::${A}:model/m`), 'ImplicitDeny');
  });

  it('a permissions boundary that cuts the write cuts the answer: bob is refused, asked and listed alike', async () => {
    assert.equal(await decision('bob', 'gatehouse:SetIamPolicy', ROOT), 'ImplicitDeny');
    const put = await gatehouseJson(s.url, keys['bob'] as Credentials, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role: 'roles/owner', members: ['user:bob'] }] });
    assert.equal(put.status, 403, JSON.stringify(put.json));
    assert.deepEqual(await bindingGains('bob'), []);
  });

  it('the answer holds: pat binds roles/owner to itself on the account and may then pass any role', async () => {
    const role = `arn:aws:iam::${A}:role/anything`;
    assert.equal(await decision('pat', 'iam:PassRole', role), 'ImplicitDeny');
    const put = await gatehouseJson(s.url, keys['pat'] as Credentials, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: `accounts/${A}/roles/policyAdmin`, members: ['user:pat', 'user:bob'] }, { role: 'roles/owner', members: ['user:pat'] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(await decision('pat', 'iam:PassRole', role), 'Allow');
  });
});
