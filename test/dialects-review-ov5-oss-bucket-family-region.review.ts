/**
 * Dialects review ov, finding 5: OSS bucket names are global, so the region an OSS ARN spells names nothing
 * (`acs:oss:cn-hangzhou:*:b/x` and `acs:oss:*:*:b/x` are one object: docs/semantics.md, OSS ARNs). A Deny naming one
 * bucket is read with region and account `*` (policy review C9); one over several buckets (`secret-*`) kept its whole
 * pattern, because read with any account it would deny every account's buckets. That reason is the account's, not the
 * region's: `Deny oss:* Resource acs:oss:cn-hangzhou:*:secret-*` (Alibaba's own examples spell a region) did not
 * apply to `acs:oss:*:*:secret-a/x`, `acs:oss:cn-beijing:*:secret-a/x` or the owner-spelt ARN, so a resource server
 * spelling the object another way stepped around it. Now such a pattern is read with region `*` and its account as
 * written, in a Deny's `Resource` and an Allow's `NotResource` (review ov, 4); `acs:oss:*:<account>:*` still covers
 * that account's buckets only.
 * Before the fix 3 of 3 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604053';
let s: TestServer;
let admin: Credentials;

const decide = async (user: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${A}:user/${user}`, action: 'oss:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  const user = (name: string, statements: object[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { p: { Version: '1', Statement: statements } } } });
  const all = { Effect: 'Allow', Action: 'oss:*', Resource: '*' };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [
      user('denied', [all, { Effect: 'Deny', Action: 'oss:*', Resource: ['acs:oss:cn-hangzhou:*:secret-*'] }]),
      user('excluded', [{ Effect: 'Allow', Action: 'oss:*', NotResource: ['acs:oss:cn-hangzhou:*:secret-*'] }]),
      user('own-denied', [all, { Effect: 'Deny', Action: 'oss:*', Resource: [`acs:oss:cn-hangzhou:${A}:*`] }]),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

const SPELLINGS = ['acs:oss:cn-hangzhou:*:secret-a/x', 'acs:oss:*:*:secret-a/x', 'acs:oss:cn-beijing:*:secret-a/x', `acs:oss:*:${A}:secret-a/x`];

describe('an OSS pattern over several buckets holds whatever region the request spells (dialects review ov, 5)', () => {
  it("a Deny's Resource applies to every spelling of the buckets it names, not to others", async () => {
    for (const resource of SPELLINGS) assert.equal(await decide('denied', resource), 'ExplicitDeny', resource);
    assert.equal(await decide('denied', 'acs:oss:*:*:public/x'), 'Allow');
  });

  it("an Allow's NotResource leaves them out of the grant in every spelling", async () => {
    for (const resource of SPELLINGS) assert.equal(await decide('excluded', resource), 'ImplicitDeny', resource);
    assert.equal(await decide('excluded', 'acs:oss:cn-beijing:*:public/x'), 'Allow');
  });

  it("a Deny over an account's buckets keeps its account, in any region", async () => {
    assert.equal(await decide('own-denied', `acs:oss:cn-beijing:${A}:any/x`), 'ExplicitDeny');
    assert.equal(await decide('own-denied', `acs:oss:*:${A}:any/x`), 'ExplicitDeny');
    assert.equal(await decide('own-denied', 'acs:oss:*:*:any/x'), 'Allow', 'an ARN that names no account is not read as this account\'s');
  });
});
