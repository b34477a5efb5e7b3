/**
 * Review qd, 1: a RAM user's key (an Alibaba Cloud, `acs`, account) was issued a GetSessionToken session. GetSessionToken
 * is AWS STS's alone: Alibaba Cloud STS has no such action (its API: AssumeRole, AssumeRoleWithSAML, AssumeRoleWithOIDC,
 * GetCallerIdentity), and a RAM user gets STS credentials only by assuming a role. Gatehouse already refuses an `acs`
 * account the other user-session call of AWS, GetFederationToken ("RAM has no federation token", docs/decisions.md), but
 * issued a RAM user `STS.` credentials from GetSessionToken acting as the user itself for up to 36 hours, a credential
 * RAM never hands out (and that an RAM administrator cannot expect to find, revoke or limit by role), and the authorize
 * API answered Allow, "STS issues it … whatever its policies say", for `sts:GetSessionToken` by a RAM user.
 *
 * What is now so: GetSessionToken from an `acs` account's user is AccessDenied, saying it is AWS STS's and to assume a
 * role, as GetFederationToken is; the authorize API answers ImplicitDeny for it, saying the same. An `aws` user is
 * issued its session as before.
 *
 * Real server (SQLite), `@aws-sdk/client-sts` and `@aws-sdk/client-iam`, the authorize API through the CLI's client.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { authorizeDecision } from './support/authorize-api.ts';
import { accountAdmin, iamUserWith, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '222222222222';
const ALLOW_ALL_RAM = { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
let s: TestServer;
let acsAdmin: Credentials;
let bob: Credentials;
const sts = (c: Credentials) => new S.STSClient({ endpoint: s.url, region: REGION, credentials: c, maxAttempts: 1 });

before(async () => {
  s = await startTestServer();
  acsAdmin = await accountAdmin(s, ACS, 'acs');
  const ram = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acsAdmin, maxAttempts: 1 });
  bob = await iamUserWith(ram, 'bob', ALLOW_ALL_RAM);
  ram.destroy();
});
after(async () => {
  await s?.stop();
});

test('qd1: a RAM user asking GetSessionToken is refused, told it is AWS STS\'s and to assume a role', async () => {
  const r = await sdkFailure(sts(bob).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 })));
  assert.equal(r.code, 'AccessDenied', JSON.stringify(r));
  assert.equal(r.status, 403);
  assert.match(r.message, /GetSessionToken is AWS STS's/);
  assert.match(r.message, /acs/);
  assert.match(r.message, /assume a role/);
});

test('qd1: the authorize API answers ImplicitDeny for sts:GetSessionToken by a RAM user', async () => {
  const decision = await authorizeDecision(s, { principal: `acs:ram::${ACS}:user/bob`, action: 'sts:GetSessionToken', resource: '*' }, acsAdmin);
  assert.equal(decision, 'ImplicitDeny');
});

test('qd1: an aws user is still issued its GetSessionToken session', async () => {
  const iam = s.iam();
  const alice = await iamUserWith(iam, 'alice', undefined);
  const r = await sts(alice).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 }));
  assert.match(r.Credentials?.AccessKeyId ?? '', /^ASIA/);
});
