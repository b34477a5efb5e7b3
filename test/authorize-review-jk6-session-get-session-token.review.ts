/**
 * Review jk, 6. STS refuses GetSessionToken to temporary credentials ("Cannot call GetSessionToken with session
 * credentials"; reference §A.1.9: session credentials cannot call GetFederationToken or GetSessionToken), and Gatehouse's
 * STS does. The engine knew it of GetFederationToken alone (policy review fs, 5): a role session whose policies allow
 * `sts:*` asked `POST /v1/authorize` about `sts:GetSessionToken` (itself, by `principalProof`, or by its session ARN) and
 * was answered Allow, "allowed by an identity policy", for a call STS never lets it make.
 *
 * Now no policy lets a session call GetSessionToken either: ImplicitDeny, saying why, as for GetFederationToken; a
 * user's long-term key is decided as before. Before the fix 1 of 2 tests failed. Real server (SQLite), `@aws-sdk/client-sts`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const Q = { action: 'sts:GetSessionToken', resource: '*' };
let s: TestServer;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [doc('Role', 'ops', { trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }, inlinePolicies: { all: { Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] } } })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/ops`, RoleSessionName: 'jk6' }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
});
after(() => s?.stop());

test('STS refuses GetSessionToken to the session, and issues one to the admin’s long-term key', async () => {
  const f = await sdkFailure(s.sts(session).send(new GetSessionTokenCommand({})));
  assert.equal(f.code, 'AccessDenied', JSON.stringify(f));
  assert.match(f.message, /session credentials/);
  const ok = await s.sts().send(new GetSessionTokenCommand({}));
  assert.ok(ok.Credentials?.SessionToken);
});

test('the authorize API answers the same: no policy lets a session call GetSessionToken', async () => {
  for (const [who, body] of [[session, Q], [s.admin, { ...Q, principal: `arn:aws:sts::${ROOT}:assumed-role/ops/jk6` }]] as const) {
    const r = await gatehouseJson(s.url, who, 'POST', '/v1/authorize', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
    assert.ok((r.json['reasons'] as string[]).some((x) => /GetSessionToken cannot be called with session credentials/.test(x)), JSON.stringify(r.json));
  }
  // The admin's long-term key, as before.
  const admin = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', Q);
  assert.equal(admin.json['decision'], 'Allow', JSON.stringify(admin.json));
});
