/**
 * Review cb, finding 7 (left by review cd). IAM decides the actions on an OIDC provider with the provider's tags as
 * `aws:ResourceTag/K` ("you can use tags to restrict access to only an OIDC provider that has a specified tag
 * attached", API reference of TagOpenIDConnectProvider), and CreateOpenIDConnectProvider with the request's tags as
 * `aws:RequestTag/K` / `aws:TagKeys`. Gatehouse decided every provider action without them: an Allow limited to the
 * providers tagged `team=ml` allowed nothing, and a Deny on those tagged `protected=true` refused nothing, so a
 * protected provider could be deleted. Now they carry them. Real server, the real @aws-sdk/client-iam, issuers on
 * loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);

let server: TestServer;
let iam: I.IAMClient;
const issuers: OidcIssuer[] = [];
let ml = '';
let cv = '';

async function user(name: string, ...statements: object[]): Promise<I.IAMClient> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return server.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
}

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (let i = 0; i < 4; i++) issuers.push(await startOidcIssuer());
  const make = async (issuer: OidcIssuer, tags: I.Tag[]) =>
    (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: tags }))).OpenIDConnectProviderArn ?? '';
  ml = await make(issuers[0] as OidcIssuer, [{ Key: 'team', Value: 'ml' }]);
  cv = await make(issuers[1] as OidcIssuer, [{ Key: 'team', Value: 'cv' }, { Key: 'protected', Value: 'true' }]);
});
after(async () => {
  for (const i of issuers) await i.close();
  await server?.stop();
});

describe('cb7: an OIDC provider is decided with its tags', () => {
  it('an Allow limited to providers tagged team=ml reaches those, and only those', async () => {
    const mine = await user('ml-admin', {
      Effect: 'Allow',
      Action: ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags', 'iam:AddClientIDToOpenIDConnectProvider'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } },
    });
    // Before the fix: AccessDenied on its own team's provider too.
    assert.equal(await failure(mine.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ml }))), 'ok');
    assert.equal(await failure(mine.send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: ml }))), 'ok');
    assert.equal(await failure(mine.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ml, ClientID: 'ml-app' }))), 'ok');
    assert.match(await failure(mine.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv }))), /^AccessDenied/);
    assert.match(await failure(mine.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv, ClientID: 'x' }))), /^AccessDenied/);
  });

  it('a Deny on providers tagged protected=true keeps them from being deleted', async () => {
    const ops = await user('ops', { Effect: 'Allow', Action: 'iam:*OpenIDConnectProvider*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeleteOpenIDConnectProvider', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } });
    // Before the fix: deleted.
    assert.match(await failure(ops.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv }))), /^AccessDenied/);
    assert.equal(await failure(iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv }))), 'ok');
  });

  it('CreateOpenIDConnectProvider is decided with the tags it asks for', async () => {
    const maker = await user('maker', { Effect: 'Allow', Action: ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'], Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'ml' } } });
    const create = (issuer: OidcIssuer, team: string) => maker.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: 'team', Value: team }] }));
    assert.match(await failure(create(issuers[2] as OidcIssuer, 'cv')), /^AccessDenied/);
    assert.equal(await failure(create(issuers[3] as OidcIssuer, 'ml')), 'ok');
  });
});
