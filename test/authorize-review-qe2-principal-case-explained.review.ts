/**
 * Policy review qe, finding 2: a resource policy's `Principal` naming an existing user or role in another case than its
 * stored name (`user/ALICE` for `alice`) is accepted (review Z3: IAM names are unique whatever their case), but an Allow
 * matches the name exactly (reference §A.1.5: "The user-name part of the ARN is case-sensitive"), so it silently
 * granted nothing: the authorize API answered ImplicitDeny "no policy allows this request" with no diagnostic, and the
 * owner could not tell why the grant they had written did not work. So with a `NotPrincipal` exemption in another case,
 * whose Deny applied with no word on why the principal listed was not exempt. Now the decision says so: the statement,
 * the spelling written, the stored name, and that an Allow (or an exemption) matches names exactly. The decision itself
 * is unchanged (fails closed), and a principal the statement does not name in any case gets no such note.
 * Before the fix 2 of 3 tests failed.
 * Real server (SQLite), an `aws` account, SigV4-signed /v1/apply, /v1/resource-policies and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604071';
let s: TestServer;
let admin: Credentials;

const put = async (bucket: string, statement: object): Promise<void> => {
  const r = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${bucket}`)}`, { document: { Version: '2012-10-17', Statement: [statement] } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};
const decide = async (user: string, bucket: string): Promise<{ decision: string; diagnostics: string[] }> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/${user}`, action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/x` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { decision: r.json['decision'] as string, diagnostics: (r.json['diagnostics'] as string[] | undefined) ?? [] };
};

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'aws');
  const reads = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::qe2-deny/*' }] };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: ['alice', 'bob'].map((name) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { reads } } })),
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  await put('qe2-allow', { Sid: 'ReadForAlice', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/ALICE` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::qe2-allow/*' });
  await put('qe2-deny', { Sid: 'OnlyAlice', Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:user/Alice` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::qe2-deny/*' });
});
after(() => s?.stop());

describe('a principal named in another case is explained (policy review qe, 2)', () => {
  it('an Allow naming the user in another case grants nothing, and the decision says why', async () => {
    const d = await decide('alice', 'qe2-allow');
    assert.equal(d.decision, 'ImplicitDeny');
    const note = d.diagnostics.find((x) => x.includes('ReadForAlice'));
    assert.ok(note !== undefined, JSON.stringify(d.diagnostics));
    assert.match(note, /user\/ALICE/);
    assert.match(note, /`alice`/);
    assert.match(note, /case/);
  });

  it('a NotPrincipal exemption in another case does not exempt, and the decision says why', async () => {
    const d = await decide('alice', 'qe2-deny');
    assert.equal(d.decision, 'ExplicitDeny');
    const note = d.diagnostics.find((x) => x.includes('OnlyAlice'));
    assert.ok(note !== undefined, JSON.stringify(d.diagnostics));
    assert.match(note, /NotPrincipal/);
    assert.match(note, /user\/Alice/);
    assert.match(note, /case/);
  });

  it('a principal the statement does not name in any case gets no such note', async () => {
    const d = await decide('bob', 'qe2-allow');
    assert.equal(d.decision, 'ImplicitDeny');
    assert.ok(!d.diagnostics.some((x) => /case/.test(x)), JSON.stringify(d.diagnostics));
  });
});
