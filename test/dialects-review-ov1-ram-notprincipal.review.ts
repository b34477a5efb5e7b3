/**
 * Dialects review ov, finding 1: RAM's policy grammar has no `NotPrincipal` (reference §A.2: "Policy elements" are
 * Effect, Action/NotAction, Resource/NotResource, Condition and Principal; Alibaba's "Policy elements" page,
 * https://www.alibabacloud.com/help/en/ram/policy-elements, lists no other). A `Version: "1"` bucket policy with a
 * `NotPrincipal` Deny was taken over `/v1/resource-policies` and `apply`, and enforced with AWS's meaning, a policy
 * that RAM itself would refuse. Now writing one is refused with POLICY_NOTPRINCIPAL_NOT_ALLOWED at the statement's
 * `NotPrincipal` and says what RAM writes instead (`Principal` with a condition on `acs:PrincipalARN`), which is taken
 * and decides as intended; an AWS-version document keeps its `NotPrincipal` Deny.
 * Before the fix 2 of 3 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/resource-policies, /v1/apply and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604049';
const BUCKET = 'acs:oss:*:*:ov1';
let s: TestServer;
let admin: Credentials;

const denyAllBut = (version: string, principal: object, bucket = BUCKET) => ({
  Version: version,
  Statement: [{ Effect: 'Deny', NotPrincipal: principal, Action: 'oss:*', Resource: `${bucket}/*` }],
});
const put = (document: object, resource = BUCKET) =>
  gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document });
const decide = async (principal: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource: `${BUCKET}/x` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  const reads = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] };
  for (const name of ['keeper', 'other']) {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { reads } } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
after(() => s?.stop());

describe('RAM resource policies have no NotPrincipal (dialects review ov, 1)', () => {
  it('PUT /v1/resource-policies refuses a Version "1" NotPrincipal Deny, naming the element, and stores nothing', async () => {
    const r = await put(denyAllBut('1', { RAM: [`acs:ram::${A}:user/keeper`] }));
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const text = JSON.stringify(r.json);
    assert.match(text, /POLICY_NOTPRINCIPAL_NOT_ALLOWED/);
    assert.match(text, /Statement\[0\]\.NotPrincipal/);
    assert.match(text, /RAM policy language/);
    assert.equal(await decide(`acs:ram::${A}:user/other`), 'Allow', 'nothing was stored: the caller\'s own Allow stands');
  });

  it('apply refuses it too', async () => {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'ov1' }, spec: { resource: BUCKET, document: denyAllBut('1', { RAM: '*' }) } }],
    });
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /NotPrincipal/);
  });

  it('the RAM way (Principal with a condition on acs:PrincipalARN) is taken and decides; AWS\'s NotPrincipal still is', async () => {
    const ram = {
      Version: '1',
      Statement: [{ Effect: 'Deny', Principal: { RAM: '*' }, Action: 'oss:*', Resource: `${BUCKET}/*`, Condition: { StringNotEquals: { 'acs:PrincipalARN': `acs:ram::${A}:user/keeper` } } }],
    };
    const r = await put(ram);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await decide(`acs:ram::${A}:user/keeper`), 'Allow');
    assert.equal(await decide(`acs:ram::${A}:user/other`), 'ExplicitDeny');
    const aws = await put(denyAllBut('2012-10-17', { AWS: A }, 'acs:oss:*:*:ov1-aws'), 'acs:oss:*:*:ov1-aws');
    assert.equal(aws.status, 200, JSON.stringify(aws.json));
  });
});
