/**
 * Review cy, 4: AssumeRoleWithWebIdentity decided the role's trust policy without the role's tags. `aws:ResourceTag/K`
 * (a key the Service Authorization Reference gives STS's `role` resource, for AssumeRoleWithWebIdentity as for
 * AssumeRole) was absent: a trust policy's guard denying sessions of a role tagged `frozen=true` never applied to tokens,
 * and an Allow keyed on the role's tags never allowed, while AssumeRole (review cc, 8) and the simulator read them.
 * Now the web identity exchange puts the role's tags in the context as AssumeRole does. Real server, SDK v3 (unsigned),
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
  const trust = doc(
    { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
    { Effect: 'Deny', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'aws:ResourceTag/frozen': 'true' } } },
  );
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ml', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ml' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'frozen', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'frozen', Value: 'true' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'web' }] }));
  sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});
after(async () => {
  sts?.destroy();
  await issuer?.close();
  await s?.stop();
});

const exchange = async (role: string) =>
  sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'cy4', WebIdentityToken: await issuer.mint() }));

test('cy4: the trust policy reads the role’s tags for a web identity token', async () => {
  const ok = await exchange('ml');
  assert.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/ml/cy4`);
  assert.equal((await sdkFailure(exchange('frozen'))).code, 'AccessDenied');
  assert.equal((await sdkFailure(exchange('other'))).code, 'AccessDenied');
});
