/**
 * Review ss, 2. A RAM user or role (`acs` account) was allowed another account's resource of any kind by that account's
 * resource policy alone, with no policy of its own account allowing it: RAM's rule that a bucket policy naming the caller
 * grants alone across accounts (OSS "Authentication"; docs/semantics.md rule 6, review dk, 1) was applied to every ARN.
 * So a RAM user with no policy at all was answered Allow on account B's PAI model (`acs:pai::B:model/m`), or an `aws`
 * account's model, because B's resource policy named it, where an IAM user in its place is refused (the cross-account
 * rule). Contract: issue 8 ("a role in account A reaching a resource in account B needs A's identity policy and B's
 * resource policy"); policy-semantics.md §A.1.3 (both must allow) and §A.2 (RAM's resource side is "only OSS bucket
 * policies and role trust policies": nothing in RAM lets another account's policy on a model or a key grant alone);
 * docs/semantics.md rule 6, which gives the rule for "an OSS bucket of another account".
 *
 * Now an `acs` principal's cross-account request on object storage (an OSS or S3 bucket or object) keeps RAM's rule;
 * on anything else it needs its own account's identity policy too, as rule 5 says.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), two `acs` accounts and an `aws` one, SigV4-signed
 * /v1/apply, /v1/resource-policies and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604071';
const B = '707147604072';
const C = '707147604073';
const ALICE = `acs:ram::${A}:user/alice`;
const BOB = `acs:ram::${A}:user/bob`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let s: TestServer;

const decision = async (principal: string, action: string, resource: string): Promise<unknown> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
};

const attach = async (as: Credentials, resource: string, document: object): Promise<void> => {
  const r = await gatehouseJson(s.url, as, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};

before(async () => {
  s = await startTestServer();
  const a = await accountAdmin(s, A, 'acs');
  const b = await accountAdmin(s, B, 'acs');
  const c = await accountAdmin(s, C, 'aws');
  // alice has no policy at all; bob's own account lets him read models and objects anywhere.
  const r = await gatehouseJson(s.url, a, 'POST', '/v1/apply', {
    documents: [doc('User', 'alice', {}), doc('User', 'bob', { inlinePolicies: { p: { Version: '1', Statement: [{ Effect: 'Allow', Action: ['pai:GetModel', 'training:GetModel', 'oss:GetObject'], Resource: '*' }] } } })],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const both = { RAM: [ALICE, BOB] };
  await attach(b, `acs:pai::${B}:model/m`, { Version: '1', Statement: [{ Effect: 'Allow', Principal: both, Action: 'pai:GetModel', Resource: `acs:pai::${B}:model/m` }] });
  await attach(b, 'acs:oss:*:*:ss2-shared', { Version: '1', Statement: [{ Effect: 'Allow', Principal: both, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:ss2-shared/*' }] });
  await attach(c, `arn:aws:training::${C}:model/m`, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/bob`] }, Action: 'training:GetModel', Resource: `arn:aws:training::${C}:model/m` }] });
});
after(() => s?.stop());

describe('another account’s resource policy alone grants a RAM principal object storage only (review ss, 2)', () => {
  it('a PAI model of another acs account: its resource policy naming the RAM user is not enough without the user’s own account', async () => {
    assert.equal(await decision(ALICE, 'pai:GetModel', `acs:pai::${B}:model/m`), 'ImplicitDeny');
    assert.equal(await decision(BOB, 'pai:GetModel', `acs:pai::${B}:model/m`), 'Allow', 'both sides allow');
  });

  it('a model of an aws account: as for an IAM user, both sides must allow', async () => {
    assert.equal(await decision(ALICE, 'training:GetModel', `arn:aws:training::${C}:model/m`), 'ImplicitDeny');
    assert.equal(await decision(BOB, 'training:GetModel', `arn:aws:training::${C}:model/m`), 'Allow', 'both sides allow');
  });

  it('an OSS bucket of another account: its bucket policy naming the RAM user still grants alone (RAM’s rule)', async () => {
    assert.equal(await decision(ALICE, 'oss:GetObject', 'acs:oss:*:*:ss2-shared/x.csv'), 'Allow');
    assert.equal(await decision(BOB, 'oss:GetObject', 'acs:oss:*:*:ss2-shared/x.csv'), 'Allow');
  });
});
