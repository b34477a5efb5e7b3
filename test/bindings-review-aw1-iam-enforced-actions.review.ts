/**
 * Review aw, 1: the authorize API answered Allow, through a binding, for actions that Gatehouse enforces by IAM
 * policies alone. With `roles/editor` bound to bob on `account/<id>`, `POST /v1/authorize` answered Allow for
 * `iam:DeleteRole`, `iam:GetRole`, `iam:CreateRole` (`iam.serviceAccounts.*`), `training:CreateWorkspace` and
 * `training:DeleteCluster` (`resourcemanager.workspaces.*`, `container.clusters.*`), and who-can would list bob for
 * them — while the IAM Query API (SDK v3: DeleteRole, GetRole, CreateRole), `PUT /v1/workspaces/…` and
 * `PUT /v1/clusters/…` refused him (AccessDenied, "no identity-based policy allows"). A resource server or an auditor
 * reading the one answer was told the opposite of what enforcement does. Now the bindings engine has no opinion on
 * those actions, saying that IAM alone decides them: the answer is ImplicitDeny, as enforcement. What enforcement
 * decides with bindings (a model of a resource server, PassRole through `actAs`) still allows, and a question in the
 * bindings' own spelling (`iam.serviceAccounts.delete`) is still a bindings question.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const ROLE = `arn:aws:iam::${A}:role/r1`;
const WORKSPACE = `arn:aws:training::${A}:workspace/aw1`;
const CLUSTER = `arn:aws:training::${A}:cluster/aw1`;

let server: TestServer;
let bob: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role: 'roles/editor', members: ['user:bob'] }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const sa = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: ROLE, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob'] }] });
  assert.equal(sa.status, 200, JSON.stringify(sa.json));
});
after(async () => {
  await server?.stop();
});

async function bobAsks(action: string, resource: string): Promise<{ decision: string; reasons: string[]; diagnostics: string[] }> {
  const r = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; reasons: string[]; diagnostics: string[] };
}

test('enforcement refuses bob the IAM-only actions that roles/editor holds the permissions of', async () => {
  const iam = server.iam(bob);
  await assert.rejects(iam.send(new I.GetRoleCommand({ RoleName: 'r1' })), (e: Error) => e.name === 'AccessDenied');
  await assert.rejects(iam.send(new I.DeleteRoleCommand({ RoleName: 'r1' })), (e: Error) => e.name === 'AccessDenied');
  await assert.rejects(iam.send(new I.CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: TRUST })), (e: Error) => e.name === 'AccessDenied');
  const ws = await gatehouseJson(server.url, bob, 'PUT', '/v1/workspaces/aw1', { members: [] });
  assert.equal(ws.status, 403, JSON.stringify(ws.json));
  const cluster = await gatehouseJson(server.url, bob, 'PUT', '/v1/clusters/aw1', {});
  assert.equal(cluster.status, 403, JSON.stringify(cluster.json));
});

test('the authorize API answers them as enforcement does, saying bindings do not decide them', async () => {
  const questions: [string, string][] = [
    ['iam:GetRole', ROLE],
    ['iam:DeleteRole', ROLE],
    ['iam:UpdateRole', ROLE],
    ['iam:CreateRole', `arn:aws:iam::${A}:role/r2`],
    ['iam:ListRoles', `arn:aws:iam::${A}:role/*`],
    ['training:CreateWorkspace', WORKSPACE],
    ['training:UpdateWorkspace', WORKSPACE],
    ['training:DeleteWorkspace', WORKSPACE],
    ['training:CreateCluster', CLUSTER],
    ['training:UpdateCluster', CLUSTER],
    ['training:DeleteCluster', CLUSTER],
  ];
  for (const [action, resource] of questions) {
    const a = await bobAsks(action, resource);
    assert.equal(a.decision, 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
    assert.ok(a.diagnostics.some((d) => d.startsWith('bindings:') && d.includes('IAM policies alone')), `${action}: ${JSON.stringify(a.diagnostics)}`);
  }
});

test('what enforcement decides with bindings still allows, and the bindings spelling is a bindings question', async () => {
  const model = await bobAsks('training:GetModel', `arn:aws:training::${A}:model/m`);
  assert.equal(model.decision, 'Allow', JSON.stringify(model));
  // roles/iam.serviceAccountUser on the role: job submission and node start accept it as PassRole.
  assert.equal((await bobAsks('iam:PassRole', ROLE)).decision, 'Allow');
  assert.equal((await bobAsks('iam.serviceAccounts.delete', ROLE)).decision, 'Allow');
});
