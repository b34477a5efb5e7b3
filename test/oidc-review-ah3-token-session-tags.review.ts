/**
 * Review ah, finding 3: AssumeRoleWithWebIdentity ignored the session tags and the source identity a token carries.
 *
 * AWS STS reads session tags from the token's `https://aws.amazon.com/tags` claim (`principal_tags`, each with one
 * value, and `transitive_tag_keys`) and a source identity from `https://aws.amazon.com/source_identity`, needing the
 * trust policy to allow `sts:TagSession` and `sts:SetSourceIdentity` too (IAM User Guide, "Passing session tags using
 * AssumeRoleWithWebIdentity"; "Monitor and control actions taken with assumed roles"), and answers the source identity
 * as `SourceIdentity`. Gatehouse read neither: an identity provider's ABAC tags (Cognito, Okta, Keycloak mappers) never
 * reached the session, so `${aws:PrincipalTag/project}` policies refused everything, a trust policy requiring
 * `sts:SourceIdentity` could not be met, and a trust policy that does not allow `sts:TagSession` issued the session
 * anyway. Now the claims follow AssumeRole's rules and permissions, and the session carries them (and its transitive
 * keys through a role chain).
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned), the authorize API signed with the session, and an issuer
 * on loopback (discovery and JWKS).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TAGS = 'https://aws.amazon.com/tags';
const SOURCE = 'https://aws.amazon.com/source_identity';

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

const token = (extra: Record<string, unknown>): Promise<string> => issuer.mint({ ...extra, sub: 'alice', aud: 'app' }, { iatIn: -60, expIn: 3600 });

async function exchange(t: string, role = 'abac'): Promise<S.AssumeRoleWithWebIdentityCommandOutput | string> {
  try {
    return await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'ah3', WebIdentityToken: t }));
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

const credentialsOf = (r: S.AssumeRoleWithWebIdentityCommandOutput | string): Credentials => {
  assert.ok(typeof r !== 'string', String(r));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
};

async function decide(c: Credentials, resource: string): Promise<string> {
  const r = await gatehouseJson(server.url, c, 'POST', '/v1/authorize', { action: 's3:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['app'] }))).OpenIDConnectProviderArn;
  const abac = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::${aws:PrincipalTag/project}/*' }, { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: '*' });
  // Allows tags and a source identity, and requires the source identity to be set.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'abac', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'], Condition: { StringLike: { 'sts:SourceIdentity': '*' } } }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'abac', PolicyName: 'abac', PolicyDocument: abac }));
  // Trusts the provider for sessions only: no sts:TagSession, no sts:SetSourceIdentity.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  // The next role of a chain, trusting the account; for sts:TagSession too, as the transitive tag the chain carries is
  // set on its session (review fb, 2).
  await iam.send(new I.CreateRoleCommand({ RoleName: 'next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'next', PolicyName: 'abac', PolicyDocument: abac }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('ah3: session tags and source identity carried by a web identity token', () => {
  it('the session carries them; SourceIdentity is answered; transitive tags reach the next role of a chain', async () => {
    const r = await exchange(await token({ [TAGS]: { principal_tags: { project: ['automation'], team: ['ml'] }, transitive_tag_keys: ['project'] }, [SOURCE]: 'alice' }));
    const c = credentialsOf(r);
    assert.equal(typeof r !== 'string' && r.SourceIdentity, 'alice');
    assert.equal(await decide(c, 'arn:aws:s3:::automation/model.pt'), 'Allow');
    assert.equal(await decide(c, 'arn:aws:s3:::other/model.pt'), 'ImplicitDeny');
    const chained = await server.sts(c).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/next`, RoleSessionName: 'next' }));
    assert.equal(chained.SourceIdentity, 'alice');
    const n = chained.Credentials!;
    assert.equal(await decide({ accessKeyId: n.AccessKeyId!, secretAccessKey: n.SecretAccessKey!, sessionToken: n.SessionToken! }, 'arn:aws:s3:::automation/model.pt'), 'Allow');
  });

  it('a trust policy without sts:TagSession or sts:SetSourceIdentity refuses a token carrying them', async () => {
    assert.match(String(await exchange(await token({ [TAGS]: { principal_tags: { project: ['automation'] } } }), 'plain')), /^AccessDenied: Not authorized to perform sts:TagSession/);
    assert.match(String(await exchange(await token({ [SOURCE]: 'alice' }), 'plain')), /^AccessDenied: Not authorized to perform sts:SetSourceIdentity/);
    // Without them, issued as before; the role requiring a source identity refuses a token without one.
    assert.equal(typeof (await exchange(await token({}), 'plain')), 'object');
    assert.match(String(await exchange(await token({}))), /^AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
  });

  it('claims breaking the rules of session tags are refused, saying which', async () => {
    const refused = async (extra: Record<string, unknown>) => String(await exchange(await token({ [SOURCE]: 'alice', ...extra })));
    assert.match(await refused({ [TAGS]: { principal_tags: { project: ['a', 'b'] } } }), /^InvalidIdentityTokenException: .*session tag `project` of its `https:\/\/aws\.amazon\.com\/tags` claim must have one string value/);
    assert.match(await refused({ [TAGS]: { principal_tags: { 'aws:project': ['a'] } } }), /^InvalidIdentityTokenException: .*Member must not begin with 'aws:'/);
    assert.match(await refused({ [TAGS]: { principal_tags: { 'gatehouse:job': ['forged'] } } }), /^InvalidIdentityTokenException: .*Member must not begin with 'gatehouse:'/);
    assert.match(await refused({ [TAGS]: { principal_tags: { a: ['1'], A: ['2'] } } }), /^InvalidIdentityTokenException: .*names session tag `A` twice/);
    assert.match(await refused({ [TAGS]: { principal_tags: { a: ['1'] }, transitive_tag_keys: ['b'] } }), /^InvalidIdentityTokenException: .*transitive tag key `b` .* is not among its `principal_tags`/);
    assert.match(await refused({ [TAGS]: { principal_tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']])) } }), /^InvalidIdentityTokenException: .*carries 51 session tags, more than the 50/);
    assert.match(await refused({ [TAGS]: ['project'] }), /^InvalidIdentityTokenException: .*claim must be an object/);
    assert.match(String(await exchange(await token({ [SOURCE]: 'aws:alice' }))), /^InvalidIdentityTokenException: .*`https:\/\/aws\.amazon\.com\/source_identity` claim must be 2-64 characters/);
  });
});
