/**
 * Review pw, 2: AssumeRoleWithWebIdentity did not take RAM's system-policy ARN of a built-in in `PolicyArns`
 * (`acs:ram::system:policy/ReadOnlyAccess`), which AssumeRole takes for a role of an `acs` account since review ln, 3
 * (src/app/sts.ts `withStoredPolicyArns`): the same session policy, asked for the same role, was ValidationError
 * "PolicyArns: acs:ram::system:policy/ReadOnlyAccess does not exist" through one door and a read-only session through
 * the other. STS takes any managed policy the account may attach as a managed session policy (STS API reference,
 * AssumeRoleWithWebIdentity, PolicyArns), and the RAM system-policy ARNs name the built-ins wherever IAM takes a managed
 * policy ARN (reviews fn, 4 and ln, 2). Now both doors map them with one function, and the web-identity session is cut
 * to reading as AssumeRole's is.
 * Before the fix 1 of 2 tests failed. A real server, AWS SDK v3 (client-sts, client-iam), an OIDC issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const ACS = '350000000216';
const RAM_READ = 'acs:ram::system:policy/ReadOnlyAccess';
let s: TestServer;
let issuer: OidcIssuer;
let admin: Credentials;
let anon: S.STSClient;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  admin = await accountAdmin(s, ACS, 'acs');
  const iam = s.iam(admin);
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole'], Principal: { Federated: [provider], RAM: [`acs:ram::${ACS}:root`] } }] }) }));
  await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'wi', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
  anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
});

after(async () => {
  anon?.destroy();
  await issuer?.close();
  await s?.stop();
});

/** That `c` may list users (a read) but not create one (a write). */
async function readsButCannotWrite(c: S.Credentials | undefined, name: string): Promise<void> {
  const iam = s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  assert.ok((await iam.send(new I.ListUsersCommand({}))).Users !== undefined);
  const refused = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: name })));
  assert.equal(refused.code, 'AccessDenied', refused.message);
}

test('pw2: AssumeRole with PolicyArns naming ReadOnlyAccess the RAM way issues a read-only session (as before)', async () => {
  const r = await s.sts(admin).send(new S.AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/wi`, RoleSessionName: 'by-key', PolicyArns: [{ arn: RAM_READ }] }));
  await readsButCannotWrite(r.Credentials, 'made-by-key-session');
});

test('pw2: AssumeRoleWithWebIdentity takes the same PolicyArns for the same role, and cuts the session alike', async () => {
  for (const RoleArn of [`acs:ram::${ACS}:role/wi`, `arn:aws:iam::${ACS}:role/wi`]) {
    const r = await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: 'by-token', WebIdentityToken: await issuer.mint({}), PolicyArns: [{ arn: RAM_READ }] }));
    await readsButCannotWrite(r.Credentials, 'made-by-token-session');
  }
});
