/**
 * Dialects review ov, finding 4: OSS bucket names are global, so `acs:oss:*:*:b/x`, `acs:oss:cn-hangzhou:*:b/x` and
 * `acs:oss:*:<uid>:b/x` name one object (docs/semantics.md, OSS ARNs; src/core/iam/compile.ts `ossAnyRegionAccount`).
 * A Deny's `Resource` naming one bucket is read with region and account `*` so that a request's spelling cannot step
 * around it (policy review C9), and patterns are otherwise kept as written "(fails closed)". That holds for an Allow's
 * `Resource` and a Deny's `NotResource`, not for an Allow's `NotResource`, which carves an exception out of a grant:
 * `Allow oss:* NotResource acs:oss:cn-hangzhou:*:secret/*` ("everything but the bucket secret", RAM's NotResource,
 * reference §A.2) granted `acs:oss:*:*:secret/x` and `acs:oss:*:<uid>:secret/x`, the same objects spelt as a resource
 * server that does not know the region or the owner spells them. Now an Allow's `NotResource` naming one bucket is read
 * with region and account `*`, as a Deny's `Resource` is: the exception holds however the request spells the object.
 * Before the fix 1 of 2 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604052';
let s: TestServer;
let admin: Credentials;

const decide = async (resource: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${A}:user/reader`, action: 'oss:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  const allButSecret = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', NotResource: ['acs:oss:cn-hangzhou:*:secret', 'acs:oss:cn-hangzhou:*:secret/*'] }] };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'reader' }, spec: { inlinePolicies: { allButSecret } } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe("an Allow's NotResource on an OSS bucket holds whatever the request spells (dialects review ov, 4)", () => {
  it('the secret bucket is refused in every spelling of its objects', async () => {
    for (const resource of ['acs:oss:cn-hangzhou:*:secret/x', 'acs:oss:*:*:secret/x', `acs:oss:*:${A}:secret/x`, `acs:oss:cn-beijing:${A}:secret/x`]) {
      assert.equal(await decide(resource), 'ImplicitDeny', resource);
    }
  });

  it('other buckets, and a bucket whose name only starts like it, are still granted', async () => {
    for (const resource of ['acs:oss:*:*:public/x', 'acs:oss:cn-hangzhou:*:public/x', 'acs:oss:*:*:secrets/x', `acs:oss:*:${A}:secret2/x`]) {
      assert.equal(await decide(resource), 'Allow', resource);
    }
  });
});
