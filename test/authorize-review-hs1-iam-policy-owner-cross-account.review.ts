/**
 * Review hs, 1. An ARN that names no account (a bucket of an outside object store, `arn:aws:s3:::team-data`) belongs to
 * the account whose IAM policy (bindings) sits on it or above it (docs/semantics.md, "An ARN's tree is one account's"):
 * the bindings engine decided it so, but the IAM engine of the same question did not. It took the owner from the S3
 * gateway's buckets and the resource policies alone, found none, and decided the request as one in the asker's own
 * account. So a user of another account whose own identity policy allows `s3:GetObject` on `*` was answered Allow
 * ("allowed by an identity policy") on objects of a bucket account A governs with bindings, with nothing of A's
 * granting it: the cross-account rule (reference §A.1.3, "both must Allow"; "a cross-account request with no resource
 * policy is implicitly denied") did not hold, where the same bucket governed by a resource policy of A was refused.
 *
 * Now the owner an IAM policy gives the ARN is the IAM engine's resource account too, when the gateway and the resource
 * policies name none: the other account's user is refused as a cross-account request (`deniedBy: resource`), and is
 * allowed once A's resource policy names it (both sides allow) or A's binding names it (bindings grant across accounts,
 * as GCP's do). A's own users are decided as before.
 *
 * Before the fix 2 of 4 tests failed. Real server on 127.0.0.1 (SQLite), SigV4-signed `/v1/` calls and the IAM API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { createdAccount, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const PARTNER = '222222222222';
const BUCKET = 'hs1-team-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const readAnything = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });

describe('authorize: a bucket governed by an IAM policy is its account\'s, for the IAM engine too', () => {
  let s: TestServer;
  let account: string;
  let partnerAdmin: Credentials;
  let bob: Credentials;
  let carl: Credentials;
  const ask = async (as: Credentials, resource = `arn:aws:s3:::${BUCKET}/reports/q1.csv`) =>
    (await gatehouseJson(s.url, as, 'POST', '/v1/authorize', { action: 's3:GetObject', resource })).json;
  const put = async (method: string, path: string, body?: unknown) => {
    const r = await gatehouseJson(s.url, s.admin, method, path, body);
    assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  };

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
    // Account A governs the bucket with bindings: alice reads it.
    await put('PUT', '/v1/iam-policies', { resource: `arn:aws:s3:::${BUCKET}`, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:alice'] }] });
    carl = await userWithPolicy(s, 'carl', readAnything);
    partnerAdmin = await createdAccount(s, PARTNER, 'partner');
    bob = await userWithPolicy({ url: s.url, admin: partnerAdmin }, 'bob', readAnything);
  });
  after(async () => {
    await s?.stop();
  });

  it('a user of another account is not allowed by its own identity policy alone', async () => {
    const a = await ask(bob);
    assert.equal(a['decision'], 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a['deniedBy'], 'resource', JSON.stringify(a));
    assert.match(JSON.stringify(a['reasons']), /cross-account/);
    // So is the bucket itself (ListBucket on it), and a question about bob asked by his account's admin.
    const listed = (await gatehouseJson(s.url, partnerAdmin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${PARTNER}:user/bob`, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/x` })).json;
    assert.equal(listed['decision'], 'ImplicitDeny', JSON.stringify(listed));
  });

  it('as for the same bucket governed by a resource policy of A', async () => {
    await put('PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::hs1-other-data')}`, { document: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/alice` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::hs1-other-data/*' }) });
    const a = await ask(bob, 'arn:aws:s3:::hs1-other-data/x');
    assert.equal(a['decision'], 'ImplicitDeny', JSON.stringify(a));
  });

  it('the owner\'s own principals are decided as before', async () => {
    assert.equal((await ask(carl))['decision'], 'Allow', 'carl, of A, by his identity policy');
    const alice = (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${account}:user/alice`, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/x` })).json;
    assert.equal(alice['decision'], 'Allow', JSON.stringify(alice));
  });

  it('A lets the other account in by a resource policy naming its user (both sides allow) or by a binding', async () => {
    await put('PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${BUCKET}/shared`)}`, { document: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:user/bob` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/shared/*` }) });
    const shared = await ask(bob, `arn:aws:s3:::${BUCKET}/shared/x.csv`);
    assert.equal(shared['decision'], 'Allow', JSON.stringify(shared));
    assert.equal((await ask(bob))['decision'], 'ImplicitDeny', 'outside shared/, still refused');
    await put('PUT', '/v1/iam-policies', { resource: `arn:aws:s3:::${BUCKET}`, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:alice', 'allAuthenticatedUsers'] }] });
    const bound = await ask(bob);
    assert.equal(bound['decision'], 'Allow', JSON.stringify(bound));
    // The reasons are A's to read (review I3): bob's account is told only which engine decided.
    assert.match(JSON.stringify(bound['reasons']), /bindings: /);
  });
});
