/**
 * Review cd, finding 4: TagOpenIDConnectProvider, UntagOpenIDConnectProvider and ListOpenIDConnectProviderTags, the
 * IAM API's tag actions on an OIDC provider, are served. Gatehouse took Tags at CreateOpenIDConnectProvider and
 * answered them in GetOpenIDConnectProvider, but the three actions answered `InvalidAction`: `aws iam
 * tag-open-id-connect-provider` failed, and Terraform's aws_iam_openid_connect_provider, which changes the tags of an
 * existing provider with Tag/Untag, could not apply a tag change. They follow TagRole/UntagRole/ListRoleTags: tags
 * merged by case-insensitive key, at most 50, `aws:` refused, the request's tags as `aws:RequestTag`/`aws:TagKeys`,
 * NoSuchEntity for a provider that does not exist, every change recorded.
 *
 * A real server and the real `@aws-sdk/client-iam`; an issuer on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let iam: I.IAMClient;
let arn = '';
let issuer: OidcIssuer;

const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
const tagsOf = async (client = iam) => ((await client.send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags ?? []).map((t) => `${t.Key}=${t.Value}`).sort();

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  issuer = await startOidcIssuer();
  const create = new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: 'team', Value: 'ml' }] });
  arn = (await iam.send(create)).OpenIDConnectProviderArn ?? '';
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

describe('cd4: tags of an OIDC provider through the IAM API', () => {
  it('lists, adds (merging by key), and removes tags', async () => {
    assert.deepEqual(await tagsOf(), ['team=ml']);
    await iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'Team', Value: 'research' }, { Key: 'env', Value: 'prod' }] }));
    assert.deepEqual(await tagsOf(), ['Team=research', 'env=prod']);
    const got = await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    assert.deepEqual((got.Tags ?? []).map((t) => t.Key).sort(), ['Team', 'env']);
    await iam.send(new I.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['TEAM'] }));
    assert.deepEqual(await tagsOf(), ['env=prod']);
  });

  it('refuses what TagRole refuses, and a provider that does not exist', async () => {
    assert.match(await failure(iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'aws:x', Value: 'y' }] }))), /^InvalidInputException: .*reserved|^ValidationError: .*reserved/);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.match(await failure(iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: many }))), /^LimitExceededException: /);
    const missing = `arn:aws:iam::${ACCT}:oidc-provider/${issuer.hostPath}/none`;
    assert.match(await failure(iam.send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: missing }))), /^NoSuchEntityException: /);
    assert.match(await failure(iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing, Tags: [{ Key: 'a', Value: 'b' }] }))), /^NoSuchEntityException: /);
    assert.deepEqual(await tagsOf(), ['env=prod']);
  });

  it('is decided with the request’s tags as condition keys', async () => {
    await iam.send(new I.CreateUserCommand({ UserName: 'tagger' }));
    await iam.send(
      new I.PutUserPolicyCommand({
        UserName: 'tagger',
        PolicyName: 'p',
        PolicyDocument: doc(
          { Effect: 'Allow', Action: ['iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags'], Resource: arn },
          { Effect: 'Deny', Action: ['iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } } },
        ),
      }),
    );
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'tagger' }))).AccessKey;
    const tagger = server.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
    await tagger.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'cost', Value: 'c1' }] }));
    assert.match(await failure(tagger.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'owner', Value: 'x' }] }))), /^AccessDenied: /);
    assert.match(await failure(tagger.send(new I.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['owner'] }))), /^AccessDenied: /);
    assert.deepEqual(await tagsOf(tagger), ['cost=c1', 'env=prod']);
  });
});
