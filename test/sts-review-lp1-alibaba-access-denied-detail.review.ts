/**
 * Review lp, 1: a refused Alibaba STS AssumeRole (403 `NoPermission`) carried only `RequestId`, `HostId`, `Code` and
 * `Message`, the reason in AWS's words inside the message. Alibaba's gateway answers a request refused for want of RAM
 * permission with an `AccessDeniedDetail` object as well: `AuthAction`, `AuthPrincipalType` (`SubUser`,
 * `AssumedRoleUser`, `Federated`), `AuthPrincipalOwnerId`, `AuthPrincipalDisplayName`, `NoPermissionType`
 * (`ImplicitDeny`/`ExplicitDeny`), `PolicyType` (`AssumeRolePolicy`, `AccountLevelIdentityBasedPolicy`, `SessionPolicy`,
 * …) and `EncodedDiagnosticMessage` (RAM's DecodeDiagnosticMessage reference lists the policy types and principal types;
 * the generated Alibaba SDK models of every product, e.g. `…ResponseBodyAccessDeniedDetail`, the fields).
 * `@alicloud/openapi-core` reads it into the error it throws (`ClientError.accessDeniedDetail`, client.js
 * `getAccessDeniedDetail`), which is where Alibaba's tooling looks to say which policy refused: it was null.
 *
 * Now a NoPermission answer of AssumeRole carries `AccessDeniedDetail`, filled from the decision that refused it (the
 * encoded message is the one `sts:DecodeAuthorizationMessage` opens). Through `@alicloud/sts20150401` (V3 signature)
 * against a real server on 127.0.0.1. Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { startTestServer, type TestServer } from './support/server.ts';

// CommonJS modules: their ES default is `module.exports`.
const { default: Sts, AssumeRoleRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000851';
const ROLE = (name: string) => `acs:ram::${ACS}:role/${name}`;

interface Key {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}
interface Refusal {
  code?: string;
  statusCode?: number;
  message?: string;
  accessDeniedDetail?: Record<string, string> | null;
}

describe('lp1: a refused Alibaba AssumeRole carries AccessDeniedDetail', () => {
  let s: TestServer;
  let bob: Key;
  let carol: Key;
  const client = (k: Key) => new Sts(new $OpenApiUtil.Config({ ...k, endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  const refusal = async (k: Key, roleArn: string, extra: Record<string, unknown> = {}): Promise<Refusal> => {
    try {
      await client(k).assumeRole(new AssumeRoleRequest({ roleArn, roleSessionName: 'lp1', ...extra }));
    } catch (e) {
      return e as Refusal;
    }
    return assert.fail('AssumeRole was not refused');
  };
  const userIdOf = async (k: Key): Promise<string> => (await client(k).getCallerIdentity()).body?.principalId ?? '';

  before(async () => {
    s = await startTestServer();
    const iam = s.iam(await acsAccount(s, ACS));
    const trustAccount = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'open', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'closed', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] }) }));
    const k = await ramUser(iam, 'bob', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ROLE('guarded') });
    bob = { accessKeyId: k.accessKeyId, accessKeySecret: k.secretAccessKey };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: trustAccount }));
    const c = await ramUser(iam, 'carol', { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' });
    carol = { accessKeyId: c.accessKeyId, accessKeySecret: c.secretAccessKey };
  });
  after(async () => {
    await s?.stop();
  });

  it('a trust policy that does not name the caller: ImplicitDeny in AssumeRolePolicy, with the encoded message', async () => {
    const e = await refusal(bob, ROLE('closed'));
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, 'NoPermission');
    const d = e.accessDeniedDetail;
    assert.ok(d, `no AccessDeniedDetail: ${e.message}`);
    assert.equal(d['AuthAction'], 'sts:AssumeRole');
    assert.equal(d['AuthPrincipalType'], 'SubUser');
    assert.equal(d['AuthPrincipalOwnerId'], ACS);
    assert.equal(d['AuthPrincipalDisplayName'], await userIdOf(bob));
    assert.equal(d['NoPermissionType'], 'ImplicitDeny');
    assert.equal(d['PolicyType'], 'AssumeRolePolicy');
    assert.ok((d['EncodedDiagnosticMessage'] ?? '').length > 20);
    assert.ok(e.message?.includes(d['EncodedDiagnosticMessage'] ?? '-'), 'the encoded message is the one in Message');
  });

  it('identity policies: ImplicitDeny without an Allow, ExplicitDeny with a Deny, in AccountLevelIdentityBasedPolicy', async () => {
    const none = (await refusal(carol, ROLE('open'))).accessDeniedDetail;
    assert.ok(none, 'no AccessDeniedDetail');
    assert.equal(none['NoPermissionType'], 'ImplicitDeny');
    assert.equal(none['PolicyType'], 'AccountLevelIdentityBasedPolicy');
    assert.equal(none['AuthPrincipalDisplayName'], await userIdOf(carol));
    const denied = (await refusal(bob, ROLE('guarded'))).accessDeniedDetail;
    assert.ok(denied, 'no AccessDeniedDetail');
    assert.equal(denied['NoPermissionType'], 'ExplicitDeny');
    assert.equal(denied['PolicyType'], 'AccountLevelIdentityBasedPolicy');
  });

  it('a role session refused by its session policy: AssumedRoleUser, SessionPolicy', async () => {
    const first = await client(bob).assumeRole(new AssumeRoleRequest({ roleArn: ROLE('open'), roleSessionName: 'lp1', policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] }) }));
    const c = first.body?.credentials;
    const session: Key = { accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' };
    const d = (await refusal(session, ROLE('open'))).accessDeniedDetail;
    assert.ok(d, 'no AccessDeniedDetail');
    assert.equal(d['AuthPrincipalType'], 'AssumedRoleUser');
    assert.equal(d['AuthPrincipalDisplayName'], await userIdOf(session));
    assert.equal(d['PolicyType'], 'SessionPolicy');
    assert.equal(d['NoPermissionType'], 'ImplicitDeny');
  });
});
