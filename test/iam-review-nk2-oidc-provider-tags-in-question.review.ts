/**
 * IAM review nk, 2: a question about an action on an IAM OIDC provider was decided with the asker's resource tags.
 * Before the fix 3 of 3 tests failed.
 *
 * IAM decides the actions on an OIDC provider with the provider's tags as `aws:ResourceTag/K` (API reference of
 * TagOpenIDConnectProvider: "you can use tags to restrict access to only an OIDC provider that has a specified tag
 * attached"; Gatehouse's Query API since review cb, 7). The authorize API answers a question "as the IAM API decides it"
 * and takes a directory entity's tags from the directory in place of the asker's (reviews I, I2 and jk, 4: an ARN naming
 * no entity carries no tag), but only for users, roles and managed policies: on a provider's ARN the asker's
 * `aws:ResourceTag/…` decided. So `Deny iam:DeleteOpenIDConnectProvider` on the providers tagged `protected=true`,
 * which refuses the call at the Query API, was answered Allow when the question left the tag out, an Allow limited to
 * `team=ml` was answered Allow for another team's provider that the question claimed was `ml`, and a provider that does
 * not exist was given the tags claimed. Now the provider's stored tags replace the asker's (none for a provider that does
 * not exist), with the note the directory's entities get. Real server, IAM SDK v3 against OIDC issuers on loopback, the
 * authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);

let server: TestServer;
const issuers: OidcIssuer[] = [];
let ml = '';
let cv = '';

const ask = async (principal: string, action: string, resource: string, context?: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[] }> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action, resource, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

async function userWith(name: string, ...statements: object[]): Promise<I.IAMClient> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return server.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
}

let ops: I.IAMClient;
let mlAdmin: I.IAMClient;

before(async () => {
  server = await startTestServer();
  for (let i = 0; i < 2; i++) issuers.push(await startOidcIssuer());
  const make = async (issuer: OidcIssuer, tags: I.Tag[]) =>
    (await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: tags }))).OpenIDConnectProviderArn ?? '';
  ml = await make(issuers[0] as OidcIssuer, [{ Key: 'team', Value: 'ml' }]);
  cv = await make(issuers[1] as OidcIssuer, [{ Key: 'team', Value: 'cv' }, { Key: 'protected', Value: 'true' }]);
  ops = await userWith('nk2-ops', { Effect: 'Allow', Action: 'iam:*OpenIDConnectProvider*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeleteOpenIDConnectProvider', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } });
  mlAdmin = await userWith('nk2-ml', { Effect: 'Allow', Action: 'iam:AddClientIDToOpenIDConnectProvider', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } });
});
after(async () => {
  for (const i of issuers) await i.close();
  await server?.stop();
});

describe('review nk2: a question on an OIDC provider is decided with its stored tags', () => {
  it('the protected provider\'s Deny holds whatever tags the question gives, as at the Query API', async () => {
    // The Query API refuses it.
    assert.match(await failure(ops.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv }))), /^AccessDenied/);
    const asked = await ask(`arn:aws:iam::${A}:user/nk2-ops`, 'iam:DeleteOpenIDConnectProvider', cv);
    assert.equal(asked.decision, 'ExplicitDeny', JSON.stringify(asked));
    const claimed = await ask(`arn:aws:iam::${A}:user/nk2-ops`, 'iam:DeleteOpenIDConnectProvider', cv, { 'aws:ResourceTag/protected': 'false' });
    assert.equal(claimed.decision, 'ExplicitDeny', JSON.stringify(claimed));
    assert.ok(claimed.diagnostics.some((d) => d.includes('`aws:ResourceTag/protected`') && d.includes('replaced')), JSON.stringify(claimed.diagnostics));
  });

  it('an Allow by tag reaches the team\'s own provider only, whatever the question claims', async () => {
    assert.equal(await failure(mlAdmin.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: cv, ClientID: 'x' }))), `AccessDenied: User: arn:aws:iam::${A}:user/nk2-ml is not authorized to perform: iam:AddClientIDToOpenIDConnectProvider on resource: ${cv} because no identity-based policy allows the iam:AddClientIDToOpenIDConnectProvider action`);
    assert.equal((await ask(`arn:aws:iam::${A}:user/nk2-ml`, 'iam:AddClientIDToOpenIDConnectProvider', ml)).decision, 'Allow');
    for (const key of ['aws:ResourceTag/team', 'iam:ResourceTag/team', 'acs:ResourceTag/team']) {
      const a = await ask(`arn:aws:iam::${A}:user/nk2-ml`, 'iam:AddClientIDToOpenIDConnectProvider', cv, { [key]: 'ml' });
      assert.equal(a.decision, 'ImplicitDeny', `${key}: ${JSON.stringify(a)}`);
    }
  });

  it('a provider that does not exist carries no tag', async () => {
    const a = await ask(`arn:aws:iam::${A}:user/nk2-ml`, 'iam:AddClientIDToOpenIDConnectProvider', `arn:aws:iam::${A}:oidc-provider/nowhere.example.com`, { 'aws:ResourceTag/team': 'ml' });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
  });
});
