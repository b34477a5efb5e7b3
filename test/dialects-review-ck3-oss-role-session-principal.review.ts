/**
 * Review ck, finding 3: an OSS bucket policy names a RAM role in the one form OSS takes for it,
 * `arn:sts::<RoleOwnerUid>:assumed-role/<RoleName>/<RoleSessionName>`, with `*` as the session name for every
 * session of the role (OSS bucket policy FAQ: a role cannot be given by a user id). Gatehouse refused that value
 * (`is not a valid RAM principal`; the `/*` form as a partial wildcard), so a bucket policy granting a role, as OSS's
 * console writes it, could not be attached even once its list form was read (review ck, 1). It is now read as the
 * session it names, matched whichever dialect the session's ARN is spelt in (`acs:ram::A:role/R/S`,
 * `arn:aws:sts::A:assumed-role/R/S`), and `…/R/*` as the role (every session of it), with the role's existence
 * checked at write as for `acs:ram::A:role/R`. Other wildcards (all roles, all accounts, a session name prefix) are refused with what to write.
 * Real server (SQLite): an `acs` account made through /v1/apply, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604049';
let s: TestServer;
let admin: Credentials;

const put = (bucket: string, principal: unknown, effect = 'Allow') =>
  gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`acs:oss:*:*:${bucket}`)}`, {
    document: { Version: '1', Statement: [{ Effect: effect, Principal: principal, Action: 'oss:GetObject', Resource: `acs:oss:*:*:${bucket}/*` }] },
  });

const decide = async (principal: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: A }, spec: { partition: 'acs' } }] });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const c = (made.json['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  admin = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' };
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] };
  const reads = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] };
  const roles = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'testrole' }, spec: { trustPolicy: trust } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'reader' }, spec: { trustPolicy: trust, inlinePolicies: { reads } } },
    ],
  });
  assert.equal(roles.status, 200, JSON.stringify(roles.json));
});
after(() => s?.stop());

describe('an OSS bucket policy naming a RAM role as arn:sts::<uid>:assumed-role/<role>/<session> (review ck, 3)', () => {
  it('one session: that session is allowed, in either spelling of its ARN, and no other', async () => {
    const r = await put('ck3-one', [`arn:sts::${A}:assumed-role/testrole/testsession`]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await decide(`acs:ram::${A}:role/testrole/testsession`, 'acs:oss:*:*:ck3-one/x'), 'Allow');
    assert.equal(await decide(`arn:aws:sts::${A}:assumed-role/testrole/testsession`, 'acs:oss:*:*:ck3-one/x'), 'Allow');
    assert.equal(await decide(`acs:ram::${A}:role/testrole/other`, 'acs:oss:*:*:ck3-one/x'), 'ImplicitDeny');
  });

  it('`/*`: every session of the role, in the object form too; a Deny so spelt denies them', async () => {
    const r = await put('ck3-all', { RAM: [`arn:sts::${A}:assumed-role/testrole/*`] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await decide(`acs:ram::${A}:role/testrole/any-1`, 'acs:oss:*:*:ck3-all/x'), 'Allow');
    assert.equal(await decide(`acs:ram::${A}:role/reader/any-1`, 'acs:oss:*:*:ck3-all/x'), 'Allow', 'reader is allowed by its own policy');
    const d = await put('ck3-deny', [`arn:sts::${A}:assumed-role/reader/*`], 'Deny');
    assert.equal(d.status, 200, JSON.stringify(d.json));
    assert.equal(await decide(`acs:ram::${A}:role/reader/any-1`, 'acs:oss:*:*:ck3-deny/x'), 'ExplicitDeny');
  });

  it('a role that does not exist is refused; other wildcards are refused with what to write', async () => {
    const ghost = await put('ck3-ghost', [`arn:sts::${A}:assumed-role/ghost/*`]);
    assert.equal(ghost.status, 400, JSON.stringify(ghost.json));
    assert.match(JSON.stringify(ghost.json), /Invalid principal in policy/);
    for (const v of ['arn:sts::*:*/*/*', `arn:sts::${A}:assumed-role/*/*`, `arn:sts::${A}:assumed-role/testrole/job-*`]) {
      const r = await put('ck3-wild', [v]);
      assert.equal(r.status, 400, `${v}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /is not a RAM role session: give/, v);
    }
  });
});
