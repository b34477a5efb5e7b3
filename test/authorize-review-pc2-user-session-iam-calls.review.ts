/**
 * Review pc, 2: the authorize API answered Allow, to credentials from GetSessionToken asking about themselves, the IAM
 * and STS calls that every edge of this server refuses them.
 *
 * The contract: "Permissions for GetSessionToken" (AWS IAM User Guide, id_credentials_temp_control-access_getsessiontoken):
 * the credentials "cannot call any IAM API operations unless MFA authentication information is included in the request"
 * and "cannot call any STS API except AssumeRole or GetCallerIdentity"; Gatehouse has no MFA (docs/decisions.md "No
 * MFA"), and its IAM Query API refuses them every IAM call (InvalidClientTokenId, src/adapters/http/server.ts
 * userSessionRefusal) and STS every call but those two (AccessDenied). The authorize API's answer to a question about the
 * asker itself is "decided by the same code as enforcement" (docs/decisions.md, the console's Authorize view), as review
 * ol, 3 made it for a console sign-in's STS calls.
 *
 * What was wrong: alice, allowed `iam:*` and `sts:*`, opened a session with GetSessionToken; `POST /v1/authorize` signed
 * with it (the one question of the authorize API such a session may ask, about itself) answered Allow, "allowed by an
 * identity policy", for `iam:CreateUser` and `sts:DecodeAuthorizationMessage`, which the IAM and STS APIs then refused it.
 *
 * What is now so: the engine decides ImplicitDeny, saying why, for an IAM action (RAM's in `acs` accounts) and for an STS
 * operation other than AssumeRole and GetCallerIdentity asked by a user's session or a federated user (whose credentials
 * STS and IAM refuse the same way); `iam:PassRole` (a permission, not an IAM call: a job submitted with the session
 * passes a role), the actions of other services, and the same user's long-term key are decided as before.
 *
 * Real server (SQLite); `@aws-sdk/client-sts` and `@aws-sdk/client-iam` for the calls themselves.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { DecodeAuthorizationMessageCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
let s: TestServer;
let alice: Credentials;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await userWithPolicy(s, 'alice', JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: ['iam:*', 'sts:*', 's3:GetObject'], Resource: '*' }] }));
  const c = (await s.sts(alice).send(new GetSessionTokenCommand({}))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
});
after(() => s?.stop());

test('IAM and STS refuse the session CreateUser and DecodeAuthorizationMessage, and take them from alice’s key', async () => {
  const iam = await sdkFailure(s.iam(session).send(new CreateUserCommand({ UserName: 'pc2-made' })));
  assert.equal(iam.code, 'InvalidClientTokenId', JSON.stringify(iam));
  const sts = await sdkFailure(s.sts(session).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'x' })));
  assert.equal(sts.code, 'AccessDenied', JSON.stringify(sts));
  const made = await s.iam(alice).send(new CreateUserCommand({ UserName: 'pc2-made' }));
  assert.equal(made.User?.UserName, 'pc2-made');
});

test('the authorize API, asked by the session about itself, answers the same', async () => {
  const ask = (who: Credentials, action: string, resource: string) => gatehouseJson(s.url, who, 'POST', '/v1/authorize', { action, resource });
  const user = `arn:aws:iam::${ROOT}:user/pc2-other`;
  for (const [action, resource] of [
    ['iam:CreateUser', user],
    ['iam:ListUsers', `arn:aws:iam::${ROOT}:user/`],
    ['sts:DecodeAuthorizationMessage', '*'],
  ] as const) {
    const r = await ask(session, action, resource);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', `${action} for alice's GetSessionToken session: ${JSON.stringify(r.json)}`);
    assert.ok((r.json['reasons'] as string[]).some((x) => /GetSessionToken/.test(x)), JSON.stringify(r.json));
    // Alice's long-term key, which IAM and STS take: as before.
    const own = await ask(alice, action, resource);
    assert.equal(own.json['decision'], 'Allow', `${action} for alice's key: ${JSON.stringify(own.json)}`);
  }
  // What the session may do stays allowed: another service's action, AssumeRole's own permission, and PassRole, which a
  // job it submits asks of it.
  for (const [action, resource] of [
    ['s3:GetObject', 'arn:aws:s3:::data/x'],
    ['iam:PassRole', `arn:aws:iam::${ROOT}:role/trainer`],
    ['sts:GetCallerIdentity', '*'],
  ] as const) {
    const r = await ask(session, action, resource);
    assert.equal(r.json['decision'], 'Allow', `${action} for the session: ${JSON.stringify(r.json)}`);
  }
});
