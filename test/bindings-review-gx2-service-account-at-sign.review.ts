/**
 * Review gx, 2: a role whose name holds `@` (IAM's role names take `+=,.@_-`, and Gatehouse's CreateRole accepts
 * `ci@deploy`) could not be bound. Its sessions are the service account `ci@deploy@ACCOUNT.iam.gatehouse.dev` to the
 * bindings engine, and the write-time check of members looks such a role up, but the member parser allowed no `@` in
 * the role part, so `PUT /v1/iam-policies` (and `apply`, `iam-policy set`) refused
 * `serviceAccount:ci@deploy@000000000000.iam.gatehouse.dev` as "not `serviceAccount:ROLE@ACCOUNT.iam.gatehouse.dev`
 * with a role name" — a role name it is — and no binding could ever grant that role anything (nor could the
 * `deleted:serviceAccount:…?uid=…` member Gatehouse would write on its deletion be sent back). Now the role part takes
 * every character a role name may hold; the account is still the 12 digits after the last `@`.
 * Real server, IAM SDK for the role, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const MODEL = `arn:aws:training::${ROOT}:model/gx2`;
const MEMBER = `serviceAccount:ci@deploy@${ROOT}.iam.gatehouse.dev`;
let server: TestServer;

before(async () => {
  server = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ci@deploy', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});
after(async () => {
  await server?.stop();
});

const api = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);

test('a role named with `@` is bound as its service account, and the binding grants its sessions', async () => {
  const put = await api('PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: [MEMBER] }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const answer = await api('POST', '/v1/authorize', { principal: `arn:aws:sts::${ROOT}:assumed-role/ci@deploy/build-1`, action: 'ml.models.get', resource: MODEL });
  assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
});

test('once the role is deleted, its `deleted:` member is read back and written again', async () => {
  await server.iam().send(new I.DeleteRoleCommand({ RoleName: 'ci@deploy' }));
  const read = await api('GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  const bindings = read.json['bindings'] as { members: string[] }[];
  const member = bindings[0]?.members[0] ?? '';
  assert.match(member, /^deleted:serviceAccount:ci@deploy@000000000000\.iam\.gatehouse\.dev\?uid=AROA/);
  const back = await api('PUT', '/v1/iam-policies', { resource: MODEL, etag: read.json['etag'], bindings });
  assert.equal(back.status, 200, JSON.stringify(back.json));
});

test('a service account whose account is not 12 digits after the last `@` is still refused', async () => {
  const put = await api('PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: [`serviceAccount:ci@deploy@${ROOT}.iam.gatehouse.dev@x`] }] });
  assert.equal(put.status, 400, JSON.stringify(put.json));
});
