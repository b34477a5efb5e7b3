/**
 * Review fx, 2: the IAM actions that tag an OIDC provider decided `aws:TagKeys` on the request's spelling alone. Tag
 * keys are case-insensitive (a provider's `costcenter` answers `aws:ResourceTag/CostCenter`; TagOpenIDConnectProvider
 * replaces a stored `CostCenter` by `COSTCENTER`), so Gatehouse gives `aws:TagKeys` in the spellings the caller's
 * policies compare it with, and the entity's stored ones, as it does for users and roles (review X, X1). The provider
 * actions, added later (review cd, 4), did not: a user denied `ForAnyValue:StringEquals aws:TagKeys [CostCenter]` created
 * or tagged a provider with `costcenter` (which every `aws:ResourceTag/CostCenter` condition on the provider then reads),
 * and one denied untagging `Owner` removed the provider's `Owner` tag by naming `owner`. Now each is refused, in AWS's
 * words, as TagRole and UntagRole are; a key the Deny does not name still goes through.
 *
 * A real server and the real `@aws-sdk/client-iam`; an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;
let arn = '';

before(async () => {
  server = await startTestServer();
  issuer = await startOidcIssuer();
  const iam = server.iam();
  arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: 'Owner', Value: 'platform' }] }))).OpenIDConnectProviderArn ?? '';
  alice = await userWithKey(server, 'alice');
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'providers',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: ['iam:*OpenIDConnectProvider*'], Resource: '*' },
      { Effect: 'Deny', Action: ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['CostCenter'] } } },
      { Effect: 'Deny', Action: 'iam:UntagOpenIDConnectProvider', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Owner'] } } },
    ),
  }));
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

const denied = async (p: Promise<unknown>, action: string, resource: string): Promise<void> => {
  const f = await sdkFailure(p);
  assert.deepEqual([f.code, f.status], ['AccessDenied', 403]);
  assert.match(f.message, new RegExp(`^User: arn:aws:iam::${ACCT}:user/alice is not authorized to perform: iam:${action} on resource: ${resource.replace(/[.:/]/g, '\\$&')} with an explicit deny`));
};

const tagsOf = async () => ((await server.iam().send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags ?? []).map((t) => `${t.Key}=${t.Value}`).sort();

test('fx2: CreateOpenIDConnectProvider and TagOpenIDConnectProvider are refused a denied tag key in any case', async () => {
  const iam = server.iam(alice);
  for (const key of ['CostCenter', 'costcenter', 'COSTCENTER']) {
    await denied(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.com', ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: key, Value: '42' }] })), 'CreateOpenIDConnectProvider', `arn:aws:iam::${ACCT}:oidc-provider/issuer.example.com`);
    await denied(iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: key, Value: '42' }] })), 'TagOpenIDConnectProvider', arn);
  }
  assert.deepEqual(await tagsOf(), ['Owner=platform']);
  await iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'team', Value: 'ml' }] }));
  assert.deepEqual(await tagsOf(), ['Owner=platform', 'team=ml']);
});

test('fx2: UntagOpenIDConnectProvider is refused a denied tag key in any case', async () => {
  const iam = server.iam(alice);
  for (const key of ['Owner', 'owner', 'OWNER']) {
    await denied(iam.send(new I.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: [key] })), 'UntagOpenIDConnectProvider', arn);
  }
  assert.ok((await tagsOf()).includes('Owner=platform'));
  await iam.send(new I.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['TEAM'] }));
  assert.deepEqual(await tagsOf(), ['Owner=platform']);
});
