/**
 * Review ck, finding 2: a RAM bucket policy that names its own account (`{"RAM": ["<uid>"]}`, `acs:ram::<uid>:root`,
 * or OSS's `["<uid>"]`) granted every RAM user and role session of that account by itself: a user with no policy at
 * all, or a job's role whose policies allow nothing on the bucket, was answered Allow. Naming an account delegates to
 * it everywhere else: in AWS (docs/semantics.md rule 4), in another account's RAM bucket policy (the caller's own
 * policies must allow too), and in a RAM trust policy, where `acs:ram::<uid>:root` lets in the account's RAM users and
 * roles "that are granted the permission" (reference §A.2, "Policy evaluation process of assuming a RAM role"). In OSS
 * a UID in `Principal` names that identity (a RAM user is named by its own UID), so an account's UID never names its
 * RAM users either. Same account, `acs`: a grant naming the user, role, session or everyone still suffices alone;
 * one naming only the account needs the caller's own policies to allow.
 * Real server (SQLite): an `acs` account made through /v1/apply, SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '505147604049';
let s: TestServer;
let admin: Credentials;

const apply = async (caller: Credentials, documents: unknown[]): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, caller, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

const decide = async (principal: string, resource: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

const bucketPolicy = async (bucket: string, principal: unknown): Promise<void> => {
  const r = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`acs:oss:*:*:${bucket}`)}`, {
    document: { Version: '1', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'oss:GetObject', Resource: `acs:oss:*:*:${bucket}/*` }] },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};

before(async () => {
  s = await startTestServer();
  const made = await apply(s.admin, [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: A }, spec: { partition: 'acs' } }]);
  const c = (made['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  admin = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' };
  const reads = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] };
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] };
  await apply(admin, [
    { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'nobody' }, spec: {} },
    { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'reader' }, spec: { inlinePolicies: { reads } } },
    { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'jobrole' }, spec: { trustPolicy: trust } },
  ]);
});
after(() => s?.stop());

describe('a RAM bucket policy naming its own account delegates to the account (review ck, 2)', () => {
  for (const [bucket, principal] of [
    ['ck2-uid', { RAM: [A] }],
    ['ck2-root', { RAM: [`acs:ram::${A}:root`] }],
    ['ck2-list', [A]],
  ] as const) {
    it(`${JSON.stringify(principal)}: a user or role session whose own policies allow nothing is not allowed`, async () => {
      await bucketPolicy(bucket, principal);
      const nobody = await decide(`acs:ram::${A}:user/nobody`, `acs:oss:*:*:${bucket}/x`);
      assert.equal(nobody['decision'], 'ImplicitDeny', JSON.stringify(nobody));
      const session = await decide(`acs:ram::${A}:role/jobrole/job-1`, `acs:oss:*:*:${bucket}/x`);
      assert.equal(session['decision'], 'ImplicitDeny', JSON.stringify(session));
      // A user whose own policies allow it is allowed, and the account itself (its root) has full access.
      assert.equal((await decide(`acs:ram::${A}:user/reader`, `acs:oss:*:*:${bucket}/x`))['decision'], 'Allow');
      assert.equal((await decide(`acs:ram::${A}:root`, `acs:oss:*:*:${bucket}/x`))['decision'], 'Allow');
    });
  }

  it('a grant naming the user, the role or everyone still suffices alone in the same account', async () => {
    await bucketPolicy('ck2-user', { RAM: [`acs:ram::${A}:user/nobody`] });
    assert.equal((await decide(`acs:ram::${A}:user/nobody`, 'acs:oss:*:*:ck2-user/x'))['decision'], 'Allow');
    await bucketPolicy('ck2-role', { RAM: [`acs:ram::${A}:role/jobrole`] });
    assert.equal((await decide(`acs:ram::${A}:role/jobrole/job-1`, 'acs:oss:*:*:ck2-role/x'))['decision'], 'Allow');
    await bucketPolicy('ck2-all', ['*']);
    assert.equal((await decide(`acs:ram::${A}:user/nobody`, 'acs:oss:*:*:ck2-all/x'))['decision'], 'Allow');
  });
});
