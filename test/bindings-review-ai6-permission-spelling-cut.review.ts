/**
 * Review ai, 6 (patch to src/app/authorize.ts): a binding's grant asked in the bindings' spelling was cut by a
 * permissions boundary that allows the same request in IAM's spelling. A user whose boundary allows
 * `training:GetModel`, granted `roles/ml.viewer` on the account, was answered Allow for `training:GetModel` on a model
 * and ImplicitDeny for `ml.models.get` on it: boundaries and session policies name IAM actions, never permissions,
 * so the cut now asks them about the IAM actions that need the permission (all of them must pass).
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/m6';
let server: TestServer;
let gina: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  const b = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'models-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:GetModel', Resource: '*' }] }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'gina', PermissionsBoundary: b.Policy?.Arn }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'gina' }));
  gina = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const s = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'account/000000000000', bindings: [{ role: 'roles/ml.viewer', members: ['user:gina'] }] });
  assert.equal(s.status, 200, JSON.stringify(s.json));
});
after(async () => {
  await server?.stop();
});

const ginaMay = async (action: string): Promise<string> => {
  const r = await gatehouseJson(server.url, gina, 'POST', '/v1/authorize', { action, resource: MODEL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

test('the same question in either spelling gets the same answer under a boundary', async () => {
  assert.equal(await ginaMay('training:GetModel'), 'Allow');
  assert.equal(await ginaMay('ml.models.get'), 'Allow');
  // What the boundary does not allow stays cut in both spellings.
  assert.equal(await ginaMay('training:ListModels'), 'ImplicitDeny');
  assert.equal(await ginaMay('ml.models.list'), 'ImplicitDeny');
});
