/**
 * Review qy, finding 1: a resource or trust policy naming a user or role by an ARN that ends in `/`
 * (`arn:aws:iam::A:user/alice/`, `acs:ram::A:role/ops/`: a typo for the user or role, or a path with no name) was taken
 * when written, and named no principal at all: the engine matches users and roles by their name, the last step of the
 * ARN, which such an ARN does not have, and the existence check (IAM's and S3's `Invalid principal in policy`) looked it
 * up under no name, so it never ran. A bucket policy's `Deny` meant for alice denied nobody, and alice read the bucket
 * through her identity policy. Now such a value is refused when written, `POLICY_INVALID_PRINCIPAL` at its JSON path,
 * saying that it ends in `/`, as `principalFromArn` says of the same ARN given as a principal (review jk, 3); an ARN with
 * a path and a name (`user/team/alice`) is still taken.
 * Before the fix 4 of 5 tests failed.
 * Real server (SQLite), an `aws` and an `acs` account, SigV4-signed /v1/apply, /v1/resource-policies and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604071';
const R = '606147604072';
let s: TestServer;
let aws: Credentials;
let acs: Credentials;

const readAll = { p: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } };
const apply = async (who: Credentials, documents: object[]) => gatehouseJson(s.url, who, 'POST', '/v1/apply', { documents });
const putPolicy = async (who: Credentials, resource: string, document: object) =>
  gatehouseJson(s.url, who, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document });
const denyTo = (principal: object, resource: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: principal, Action: 's3:GetObject', Resource: `${resource}/*` }] });

before(async () => {
  s = await startTestServer();
  aws = await accountAdmin(s, A, 'aws');
  acs = await accountAdmin(s, R, 'acs');
  const made = await apply(aws, [
    { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: readAll } },
    { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'bob' }, spec: { inlinePolicies: readAll } },
  ]);
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const ram = await apply(acs, [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'carol' }, spec: {} }]);
  assert.equal(ram.status, 200, JSON.stringify(ram.json));
});
after(() => s?.stop());

describe('a principal ARN ending in `/` is refused when written (review qy, 1)', () => {
  it('a bucket policy Deny naming `user/alice/` is refused, saying it ends in `/`', async () => {
    const r = await putPolicy(aws, 'arn:aws:s3:::qy1-a', denyTo({ AWS: `arn:aws:iam::${A}:user/alice/` }, 'arn:aws:s3:::qy1-a'));
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /POLICY_INVALID_PRINCIPAL/);
    assert.match(JSON.stringify(r.json), /ends in `\/`/);
  });

  it('the refusal points at the value, and nothing is stored', async () => {
    const r = await putPolicy(aws, 'arn:aws:s3:::qy1-b', denyTo({ AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:role/ops/`] }, 'arn:aws:s3:::qy1-b'));
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /Statement\[0\]\.Principal\.AWS\[1\]/);
    const stored = await gatehouseJson(s.url, aws, 'GET', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::qy1-b')}`);
    assert.equal(stored.status, 404, JSON.stringify(stored.json));
  });

  it('a role trust policy naming `user/team/bob/` is refused', async () => {
    const r = await apply(aws, [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ops' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/team/bob/` }, Action: 'sts:AssumeRole' }] } } }]);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /ends in `\/`/);
  });

  it('a RAM bucket policy naming `acs:ram::R:user/carol/` is refused', async () => {
    const r = await putPolicy(acs, 'acs:oss:*:*:qy1-c', { Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: [`acs:ram::${R}:user/carol/`] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:qy1-c/*' }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /ends in `\/`/);
  });

  it('a user named with its path is still taken, and its Deny applies', async () => {
    const r = await putPolicy(aws, 'arn:aws:s3:::qy1-d', denyTo({ AWS: `arn:aws:iam::${A}:user/team/bob` }, 'arn:aws:s3:::qy1-d'));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const d = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/bob`, action: 's3:GetObject', resource: 'arn:aws:s3:::qy1-d/x' });
    assert.equal(d.json['decision'], 'ExplicitDeny', JSON.stringify(d.json));
  });
});
