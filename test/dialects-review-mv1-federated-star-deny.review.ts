/**
 * Review mv, 1: a trust policy's `Deny` naming `{"Federated": "*"}` was accepted and denied no web identity token.
 * Before the fix 1 of 2 tests failed.
 *
 * `Federated: "*"` was kept as a provider named `*`, which no token's provider ARN equals, so a guard such as "deny every
 * identity provider's token whose audience is not ours" applied to no one, silently, while `{"Service": "*"}` names every
 * service (policy review C5) and `"*"` everyone. Now `*` under `Federated` names every identity provider, as `*` under
 * `Service` names every service: a Deny with it applies to every web identity token, and an Allow with it grants what
 * `"Principal": "*"` grants a token (nothing without a statement naming its provider). Real server, SDK v3 (unsigned),
 * an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const iam = s.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  const allow = { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' };
  // The guard: every provider's token is refused for a role tagged frozen=true.
  const guard = { Effect: 'Deny', Principal: { Federated: '*' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'aws:ResourceTag/frozen': 'true' } } };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: doc(allow, guard) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'frozen', AssumeRolePolicyDocument: doc(allow, guard), Tags: [{ Key: 'frozen', Value: 'true' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'star-only', AssumeRolePolicyDocument: doc({ ...allow, Principal: { Federated: '*' } }) }));
  sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});
after(async () => {
  sts?.destroy();
  await issuer?.close();
  await s?.stop();
});

const exchange = async (role: string) =>
  sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'mv1', WebIdentityToken: await issuer.mint() }));

test('mv1: a Deny naming {"Federated": "*"} applies to a web identity token', async () => {
  const ok = await exchange('open');
  assert.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/open/mv1`, 'the guard does not apply to an untagged role');
  const denied = await sdkFailure(exchange('frozen'));
  assert.equal(denied.code, 'AccessDenied', 'the guard applies to every provider’s token');
});

test('mv1: an Allow naming {"Federated": "*"} alone lets no token in (as "Principal": "*" does not)', async () => {
  assert.equal((await sdkFailure(exchange('star-only'))).code, 'AccessDenied');
});
