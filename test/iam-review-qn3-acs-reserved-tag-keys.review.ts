/**
 * Review qn, 3: an `acs` account took tag keys Alibaba Cloud reserves. RAM refuses a tag key that begins with `acs:` or
 * `aliyun`, or holds `http://` or `https://` ("不能以 aliyun 和 acs: 开头，不能包含 http:// 或者 https://", RAM's
 * TagResources, alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-tagresources), the prefixes of the
 * tags and condition keys Alibaba sets itself, as an `aws` account refuses `aws:`. Gatehouse held every account to AWS's
 * rule only, so in an `acs` account TagUser, TagRole, TagPolicy, CreateUser/CreateRole/CreatePolicy with tags,
 * TagOpenIDConnectProvider and `gatehouse apply` stored `acs:…` and `aliyun…` keys. Now they are refused there with a
 * ValidationError naming the rule; an `aws` account takes them as AWS does, and a key an entity already carries (stored
 * before) still loads, is kept by `apply` and may be removed. `@aws-sdk/client-iam` and the /v1 apply API against a real
 * server on 127.0.0.1.
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkException, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000855';
const TRUST = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] });
const DOC = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] });

describe('qn3: Alibaba’s reserved tag keys in an acs account', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let root: Credentials;
  let ram: I.IAMClient;
  let policyArn = '';

  const validation = async (p: Promise<unknown>, what: string): Promise<void> => {
    const e = await sdkException(p.then(() => assert.fail(`${what} was taken`)));
    assert.equal(e.code, 'ValidationError', `${what}: ${e.code} ${e.message}`);
    assert.match(e.message, /reserved by Alibaba Cloud/, what);
  };

  before(async () => {
    s = await startTestServer();
    issuer = await startOidcIssuer();
    root = await acsAccount(s, ACS);
    ram = s.iam(root);
    await ram.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await ram.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: TRUST }));
    policyArn = (await ram.send(new I.CreatePolicyCommand({ PolicyName: 'reads', PolicyDocument: DOC }))).Policy?.Arn ?? '';
  });
  after(async () => {
    await s?.stop();
    await issuer?.close();
  });

  it('TagUser, TagRole, TagPolicy refuse acs:, aliyun and http:// keys', async () => {
    await validation(ram.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'acs:rm:rgId', Value: 'rg-1' }] })), 'TagUser acs:');
    await validation(ram.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'ALIYUN-team', Value: 'ml' }] })), 'TagUser aliyun');
    await validation(ram.send(new I.TagRoleCommand({ RoleName: 'ops', Tags: [{ Key: 'Acs:x', Value: 'y' }] })), 'TagRole');
    await validation(ram.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'see-https://example.com', Value: 'y' }] })), 'TagPolicy');
    assert.deepEqual((await ram.send(new I.ListUserTagsCommand({ UserName: 'alice' }))).Tags, []);
    await ram.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'ml' }] }));
  });

  it('creating a user, role, policy or OIDC provider with such a tag is refused', async () => {
    await validation(ram.send(new I.CreateUserCommand({ UserName: 'bob', Tags: [{ Key: 'acs:x', Value: 'y' }] })), 'CreateUser');
    await validation(ram.send(new I.CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'aliyun', Value: 'y' }] })), 'CreateRole');
    await validation(ram.send(new I.CreatePolicyCommand({ PolicyName: 'p2', PolicyDocument: DOC, Tags: [{ Key: 'acs:x', Value: 'y' }] })), 'CreatePolicy');
    await validation(ram.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com'], Tags: [{ Key: 'acs:x', Value: 'y' }] })), 'CreateOpenIDConnectProvider');
    const users = (await ram.send(new I.ListUsersCommand({}))).Users?.map((u) => u.UserName);
    assert.ok(!users?.includes('bob'));
  });

  it('gatehouse apply refuses such a tag in an acs account', async () => {
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'carol', account: ACS }, spec: { tags: { 'acs:team': 'ml' } } };
    const r = await gatehouseJson(s.url, root, 'POST', '/v1/apply', { documents: [doc] });
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /reserved by Alibaba Cloud/);
  });

  it('a reserved key stored before is not refused again: other tags are added, apply keeps it, UntagUser removes it', async () => {
    const app = await s.openApp();
    await app.deps.store.write(async (tx) => {
      const r = await tx.users.update(ACS, 'alice', { tags: [{ key: 'team', value: 'ml' }, { key: 'acs:legacy', value: 'old' }] });
      assert.ok(r.ok, JSON.stringify(r));
    });
    await s.running.app.refresh();
    await ram.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'ACS:legacy', Value: 'new' }, { Key: 'owner', Value: 'root' }] }));
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice', account: ACS }, spec: { tags: { 'ACS:legacy': 'new', owner: 'root', team: 'ml' } } };
    const applied = await gatehouseJson(s.url, root, 'POST', '/v1/apply', { documents: [doc] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await ram.send(new I.UntagUserCommand({ UserName: 'alice', TagKeys: ['acs:legacy'] }));
    assert.deepEqual((await ram.send(new I.ListUserTagsCommand({ UserName: 'alice' }))).Tags?.map((t) => t.Key), ['owner', 'team']);
    await validation(ram.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'acs:legacy', Value: 'again' }] })), 'TagUser once removed');
  });

  it('an aws account takes acs: and aliyun keys, as AWS does', async () => {
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'dave', Tags: [{ Key: 'acs:x', Value: 'y' }, { Key: 'aliyun', Value: 'z' }] }));
    assert.equal((await iam.send(new I.ListUserTagsCommand({ UserName: 'dave' }))).Tags?.length, 2);
  });
});
