/**
 * Review hs, 4. A KMS key is used only as its key policy allows (reference §A.1.2, "Exceptions: role trust policies and
 * KMS key policies must *explicitly* allow the principal; the identity policy alone is not enough"; AWS KMS: "unless the
 * key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key"). The authorize API decided
 * a key's ARN as any other resource: with a key policy (a `ResourcePolicy` on the key's ARN) that lets only the
 * application role decrypt, an operator whose identity policy allows `kms:*` on `*` — the administrator too — was
 * answered Allow ("allowed by an identity policy") for `kms:Decrypt` with the key, and so was anyone allowed by identity
 * on a key that has no key policy at all.
 *
 * Now, on a KMS key's ARN (`arn:…:kms:REGION:ACCOUNT:key/ID`), an identity policy allows only where the key policy lets
 * the account's IAM policies in (a statement naming the account, `arn:aws:iam::ACCOUNT:root` — KMS's default key
 * policy), and otherwise the answer is ImplicitDeny (`deniedBy: resource`) saying the key policy does not allow the
 * principal. A key policy naming a principal still grants it alone, and an explicit deny still wins.
 *
 * Before the fix 2 of 4 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls and the IAM API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('authorize: a KMS key is used only as its key policy allows', () => {
  let s: TestServer;
  let account: string;
  let ops: Credentials;
  const key = (id: string) => `arn:aws:kms:us-east-1:${account}:key/${id}`;
  const ask = async (as: Credentials, resource: string, principal?: string, action = 'kms:Decrypt') =>
    (await gatehouseJson(s.url, as, 'POST', '/v1/authorize', { ...(principal !== undefined ? { principal } : {}), action, resource })).json;
  const keyPolicy = async (resource: string, ...statements: object[]) => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: doc(...statements) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    ops = await userWithPolicy(s, 'ops', JSON.stringify(doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'nobody' }));
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' })) }));
    // The application's key: only the role `app` may decrypt.
    await keyPolicy(key('app-key'), { Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/app` }, Action: 'kms:Decrypt', Resource: '*' });
    // KMS's default key policy: the account's IAM policies decide.
    await keyPolicy(key('shared-key'), { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' });
  });
  after(async () => {
    await s?.stop();
  });

  it('an identity policy allowing kms:* does not open a key whose key policy names only the application role', async () => {
    const a = await ask(ops, key('app-key'));
    assert.equal(a['decision'], 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a['deniedBy'], 'resource', JSON.stringify(a));
    assert.match(JSON.stringify(a['reasons']), /key policy/);
    assert.equal((await ask(s.admin, key('app-key')))['decision'], 'ImplicitDeny', 'the administrator neither');
  });

  it('nor a key that has no key policy', async () => {
    assert.equal((await ask(ops, key('no-policy')))['decision'], 'ImplicitDeny');
  });

  it('the role the key policy names is allowed by it alone, and only for what it grants', async () => {
    const role = `arn:aws:iam::${account}:role/app`;
    assert.equal((await ask(s.admin, key('app-key'), role))['decision'], 'Allow');
    assert.equal((await ask(s.admin, key('app-key'), role, 'kms:Encrypt'))['decision'], 'ImplicitDeny');
  });

  it('a key policy naming the account lets its IAM policies decide, as before', async () => {
    assert.equal((await ask(ops, key('shared-key')))['decision'], 'Allow');
    assert.equal((await ask(s.admin, key('shared-key'), `arn:aws:iam::${account}:user/nobody`))['decision'], 'ImplicitDeny', 'without an identity policy, nothing');
    // Not a key: other KMS resources (an alias) are decided as any resource.
    assert.equal((await ask(ops, `arn:aws:kms:us-east-1:${account}:alias/app`, undefined, 'kms:UpdateAlias'))['decision'], 'Allow');
  });
});
