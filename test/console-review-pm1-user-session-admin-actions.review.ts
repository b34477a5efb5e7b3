/**
 * Review pm, finding 1: the authorize API answered Allow, to credentials from GetSessionToken asking about themselves
 * (and about a federated user), the admin API's own actions (`gatehouse:ReadAudit`, `gatehouse:SetIamPolicy`,
 * `gatehouse:Apply`…), which the admin API refuses such credentials whatever their policies allow.
 *
 * The contract: "Permissions for GetSessionToken" (AWS IAM User Guide): the credentials "cannot call any IAM API
 * operations unless MFA authentication information is included"; Gatehouse has no MFA (docs/decisions.md "No MFA"), and
 * its admin API lets a user's session reach only `USER_SESSION_ROUTES` and a federated user `whoami` and the console's
 * sign-in and sign-out (src/adapters/http/admin-api.ts userSessionRefusal). The authorize API's answer about the asker
 * itself is "decided by the same code as enforcement" (docs/decisions.md, the console's Authorize view); review pc, 2
 * made it so for IAM and STS actions in the IAM engine. The admin actions may be granted by any engine, so the
 * combined decision (src/app/authorize.ts `conclude`) now refuses them: ImplicitDeny, `deniedBy: identity`, saying why;
 * `gatehouse:Authorize` on the session's own ARN (it may ask about itself, not about another), `training:*` (jobs, workspaces and clusters it may use) and
 * the same user's long-term key are decided as before.
 *
 * Real server (SQLite); `@aws-sdk/client-sts` for GetSessionToken and GetFederationToken, SigV4-signed admin API calls.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const ALL = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: ['gatehouse:*', 'sts:*', 'training:*'], Resource: '*' }] });
let s: TestServer;
let alice: Credentials;
let session: Credentials;
let federated: Credentials;

const cred = (c: { AccessKeyId?: string | undefined; SecretAccessKey?: string | undefined; SessionToken?: string | undefined } | undefined): Credentials => {
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
};

before(async () => {
  s = await startTestServer();
  alice = await userWithPolicy(s, 'pm1-alice', ALL);
  session = cred((await s.sts(alice).send(new GetSessionTokenCommand({}))).Credentials);
  federated = cred((await s.sts(alice).send(new GetFederationTokenCommand({ Name: 'pm1-fed', Policy: ALL }))).Credentials);
});
after(() => s?.stop());

const ADMIN_ACTIONS = [
  ['gatehouse:ReadAudit', `arn:aws:gatehouse::${ROOT}:audit`],
  ['gatehouse:SetIamPolicy', `arn:aws:training::${ROOT}:model/pm1`],
  ['gatehouse:Apply', `arn:aws:gatehouse::${ROOT}:config`],
  ['gatehouse:RevokeSessions', `arn:aws:iam::${ROOT}:user/pm1-alice`],
  // Asking about another principal: the admin API takes from the session a question about itself alone.
  ['gatehouse:Authorize', `arn:aws:iam::${ROOT}:user/pm1-bob`],
] as const;

test('the admin API refuses the session the audit log, and gives it to alice’s key', async () => {
  const r = await gatehouseJson(s.url, session, 'GET', '/v1/audit');
  assert.equal(r.status, 403, JSON.stringify(r.json));
  const own = await gatehouseJson(s.url, alice, 'GET', '/v1/audit');
  assert.equal(own.status, 200, JSON.stringify(own.json));
});

test('the authorize API, asked by the session about itself, refuses the admin actions and keeps the rest', async () => {
  const ask = (who: Credentials, action: string, resource: string) => gatehouseJson(s.url, who, 'POST', '/v1/authorize', { action, resource });
  for (const [action, resource] of ADMIN_ACTIONS) {
    const r = await ask(session, action, resource);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', `${action} for alice's GetSessionToken session: ${JSON.stringify(r.json)}`);
    assert.equal(r.json['deniedBy'], 'identity', JSON.stringify(r.json));
    assert.ok((r.json['reasons'] as string[]).some((x) => /GetSessionToken/.test(x)), JSON.stringify(r.json));
    const own = await ask(alice, action, resource);
    assert.equal(own.json['decision'], 'Allow', `${action} for alice's key: ${JSON.stringify(own.json)}`);
  }
  for (const [action, resource] of [
    ['gatehouse:Authorize', `arn:aws:iam::${ROOT}:user/pm1-alice`],
    ['training:ListJobs', `arn:aws:training::${ROOT}:job/*`],
  ] as const) {
    const r = await ask(session, action, resource);
    assert.equal(r.json['decision'], 'Allow', `${action} for the session: ${JSON.stringify(r.json)}`);
  }
});

test('asked about a federated user, the authorize API refuses it the admin actions too', async () => {
  const principalProof = `${s.url}/?${await identityProof(s.url, federated)}`;
  for (const [action, resource] of [...ADMIN_ACTIONS, ['gatehouse:Authorize', `arn:aws:sts::${ROOT}:federated-user/pm1-fed`]] as const) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', `${action} for the federated user: ${JSON.stringify(r.json)}`);
    assert.ok((r.json['reasons'] as string[]).some((x) => /federated user/.test(x)), JSON.stringify(r.json));
  }
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof, action: 'training:ListJobs', resource: `arn:aws:training::${ROOT}:job/*` });
  assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
});
