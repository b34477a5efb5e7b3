/**
 * Review pk, 1: an inline session policy (`Policy` of AssumeRole, GetFederationToken, AssumeRoleWithWebIdentity, and of
 * Alibaba's AssumeRole) was read with the lenient grammar of stored documents, not with the rules every write applies
 * (`written`: the IAM API, /v1, apply, and since review ov 2/3 `policy validate` and SimulateCustomPolicy). So a
 * document PutUserPolicy refuses as MalformedPolicyDocument was taken as a session policy, and the session issued with
 * it decided as no document says: `ForAllValues:Null` (decided as plain `Null`), a variable before an ARN's resource
 * part (literal text, matching nothing), a variable reading a multivalued key (`${aws:TagKeys}`, no value).
 *
 * Contract: AWS STS API reference, AssumeRole / GetFederationToken / AssumeRoleWithWebIdentity, Errors:
 * "MalformedPolicyDocument — The request was rejected because the policy document was malformed. The error message
 * describes the specific error." (HTTP 400); session policies are IAM policies (reference §A.1.9), held to the grammar
 * IAM holds its documents to; Alibaba's Policy refusal for a document RAM cannot read is InvalidParameter.PolicyGrammar
 * (src/adapters/http/alibaba-sts-api.ts). Now each door refuses such a document, in its service's shape, and issues
 * nothing. Real server, AWS SDK v3, a loopback OIDC issuer, Alibaba's STS client.
 *
 * Before the fix 3 of 4 tests failed (the first pins that PutUserPolicy refuses each document).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';
import { readerWorld } from './support/alibaba-world.ts';
import { REGION, sdkFailure, type Credentials } from './support/server.ts';

const { default: AliSts, AssumeRoleRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000161';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** Each a document every write refuses, with what its refusal names. */
const MALFORMED: readonly { name: string; policy: string; says: RegExp }[] = [
  { name: 'ForAllValues:Null', policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*', Condition: { 'ForAllValues:Null': { 'aws:TagKeys': 'true' } } }), says: /`Null` takes no set qualifier/ },
  { name: 'variable in the account part', policy: doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::${aws:PrincipalAccount}:user/x' }), says: /before the ARN's resource part/ },
  { name: 'multivalued variable', policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/${aws:TagKeys}/*' }), says: /aws:TagKeys/ },
];

let w: WebIdentityWorld;
let alice: Credentials;
let bob: Credentials;
let unsigned: S.STSClient;

before(async () => {
  w = await startWebIdentityWorld({
    roles: (provider) => ({
      pk1: { trust: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' } },
      pk1web: { trust: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' } },
    }),
  });
  const iam = w.server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:GetFederationToken'], Resource: '*' }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  bob = await readerWorld(w.server, ACS);
  unsigned = new S.STSClient({ endpoint: w.server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});
after(async () => {
  unsigned?.destroy();
  await w?.close();
});

const account = (): string => w.server.adminFile.AccountId;

test('pk1: each document is one PutUserPolicy refuses (the rule the doors now follow)', async () => {
  for (const m of MALFORMED) {
    const f = await sdkFailure(w.server.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'x', PolicyDocument: m.policy })));
    assert.equal(f.code, 'MalformedPolicyDocument', m.name);
  }
});

test('pk1: AssumeRole and GetFederationToken refuse it as MalformedPolicyDocument, naming what is wrong', async () => {
  for (const m of MALFORMED) {
    const role = await sdkFailure(w.server.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account()}:role/pk1`, RoleSessionName: 'pk1', Policy: m.policy })));
    assert.equal(role.code, 'MalformedPolicyDocument', `${m.name}: ${role.message}`);
    assert.equal(role.status, 400);
    assert.match(role.message, m.says, m.name);
    const fed = await sdkFailure(w.server.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'pk1', Policy: m.policy })));
    assert.equal(fed.code, 'MalformedPolicyDocument', `${m.name}: ${fed.message}`);
    assert.equal(fed.status, 400);
  }
  // A well-formed session policy still narrows an issued session.
  const issued = await w.server.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account()}:role/pk1`, RoleSessionName: 'pk1', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/${aws:userid}/*' }) }));
  assert.ok(issued.Credentials?.SessionToken);
});

test('pk1: AssumeRoleWithWebIdentity with a valid token refuses it too', async () => {
  const token = await w.issuer.mint();
  for (const m of MALFORMED) {
    const f = await sdkFailure(unsigned.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${account()}:role/pk1web`, RoleSessionName: 'pk1', WebIdentityToken: token, Policy: m.policy })));
    assert.equal(f.code, 'MalformedPolicyDocument', `${m.name}: ${f.message}`);
    assert.equal(f.status, 400);
  }
  const issued = await unsigned.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${account()}:role/pk1web`, RoleSessionName: 'pk1', WebIdentityToken: token }));
  assert.ok(issued.Credentials?.SessionToken);
});

test('pk1: Alibaba STS AssumeRole refuses it as InvalidParameter.PolicyGrammar', async () => {
  const client = new AliSts(new $OpenApiUtil.Config({ accessKeyId: bob.accessKeyId, accessKeySecret: bob.secretAccessKey, endpoint: new URL(w.server.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  const m = MALFORMED[0];
  assert.ok(m);
  let e: { code?: string; statusCode?: number; message?: string } = { code: 'answered' };
  try {
    await client.assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'pk1-session', policy: m.policy }));
  } catch (x) {
    e = x as typeof e;
  }
  assert.equal(e.code, 'InvalidParameter.PolicyGrammar', e.message);
  assert.equal(e.statusCode, 400);
});
