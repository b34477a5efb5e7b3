/**
 * What the audit log keeps of each directory change: `before` (what the change replaced or removed) and `after`
 * (what it wrote), read in the change's own transaction, for every mutator of the IAM API (users, groups, roles,
 * boundaries, tags, inline and managed policies, policy versions, attachments, access keys) and for account
 * creation; ids minted by a creation (UserId, RoleId, GroupId, PolicyId, AccessKeyId) are in `after`; and no
 * secret given to or made by a mutator reaches any record. Through the real IAM API (@aws-sdk/client-iam) against
 * a server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { loadMasterKey, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createApp } from '../src/app/index.ts';
import type { Store, WriteTx } from '../src/app/ports/store.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
const TRUST2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const doc = (action: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

interface Rec {
  seq: number;
  action: string;
  resource: string;
  decision?: string;
  detail: { request?: unknown; before?: unknown; after?: unknown; error?: string } & Record<string, unknown>;
}

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

describe('audit: before and after of every directory change', () => {
  let s: TestServer;
  let iam: I.IAMClient;
  /** Every secret this run saw; none may appear in the audit log. */
  const secrets: string[] = [];

  async function all(): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const out: Rec[] = [];
    let cursor = '0';
    for (;;) {
      const r = await call<{ records: Rec[]; next?: string }>(conn(s, s.admin), 'GET', ['audit'], { query: { kind: 'change', after: cursor, limit: '1000' } });
      assert.ok(r.ok, JSON.stringify(r));
      out.push(...r.value.records);
      if (r.value.next === undefined) return out;
      cursor = r.value.next;
    }
  }

  /** The records of `action` made since `since` (a seq), oldest first. */
  async function changes(action: string, since: number): Promise<Rec[]> {
    return (await all()).filter((r) => r.seq > since && r.action === action && r.decision === 'ok');
  }

  /** The one ok record of `action` since `since`. */
  async function one(action: string, since: number): Promise<Rec> {
    const rs = await changes(action, since);
    assert.equal(rs.length, 1, `one ${action} record since ${since}: ${JSON.stringify(rs)}`);
    return rs[0] as Rec;
  }

  async function head(): Promise<number> {
    return (await all()).at(-1)?.seq ?? 0;
  }

  before(async () => {
    s = await startTestServer();
    iam = s.iam();
    secrets.push(s.admin.secretAccessKey);
  });
  after(() => s?.stop());

  it('users and groups: creation ids, renames, membership, tags, disabling and deletion', async () => {
    const t0 = await head();
    const created = await iam.send(new I.CreateUserCommand({ UserName: 'ulla', Tags: [{ Key: 'team', Value: 'vision' }] }));
    const cu = await one('iam:CreateUser', t0);
    assert.equal(cu.detail.before, null);
    assert.equal((cu.detail.after as Record<string, unknown>)['id'], created.User?.UserId, 'the UserId it minted');
    assert.equal((cu.detail.after as Record<string, unknown>)['name'], 'ulla');

    const group = await iam.send(new I.CreateGroupCommand({ GroupName: 'readers' }));
    const cg = await one('iam:CreateGroup', t0);
    assert.equal(cg.detail.before, null);
    assert.equal((cg.detail.after as Record<string, unknown>)['id'], group.Group?.GroupId);
    await iam.send(new I.CreateGroupCommand({ GroupName: 'writers' }));

    const t1 = await head();
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'readers', UserName: 'ulla' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'writers', UserName: 'ulla' }));
    const adds = await changes('iam:AddUserToGroup', t1);
    assert.deepEqual(adds.map((r) => [r.detail.before, r.detail.after]), [
      [{ groups: [] }, { groups: ['readers'] }],
      [{ groups: ['readers'] }, { groups: ['readers', 'writers'] }],
    ]);
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'readers', UserName: 'ulla' }));
    const rm = await one('iam:RemoveUserFromGroup', t1);
    assert.deepEqual([rm.detail.before, rm.detail.after], [{ groups: ['readers', 'writers'] }, { groups: ['writers'] }]);

    await iam.send(new I.TagUserCommand({ UserName: 'ulla', Tags: [{ Key: 'team', Value: 'speech' }, { Key: 'cost', Value: '42' }] }));
    const tag = await one('iam:TagUser', t1);
    assert.deepEqual(tag.detail.before, { tags: [{ key: 'team', value: 'vision' }] });
    assert.deepEqual(tag.detail.after, { tags: [{ key: 'team', value: 'speech' }, { key: 'cost', value: '42' }] });
    await iam.send(new I.UntagUserCommand({ UserName: 'ulla', TagKeys: ['team'] }));
    const untag = await one('iam:UntagUser', t1);
    assert.deepEqual([untag.detail.before, untag.detail.after], [tag.detail.after, { tags: [{ key: 'cost', value: '42' }] }]);

    await iam.send(new I.UpdateUserCommand({ UserName: 'ulla', NewUserName: 'ursula', NewPath: '/ml/' }));
    const uu = await one('iam:UpdateUser', t1);
    assert.deepEqual([(uu.detail.before as Record<string, unknown>)['name'], (uu.detail.before as Record<string, unknown>)['path']], ['ulla', '/']);
    assert.deepEqual([(uu.detail.after as Record<string, unknown>)['name'], (uu.detail.after as Record<string, unknown>)['path']], ['ursula', '/ml/']);

    await iam.send(new I.UpdateGroupCommand({ GroupName: 'writers', NewGroupName: 'authors' }));
    const ug = await one('iam:UpdateGroup', t1);
    assert.deepEqual([(ug.detail.before as Record<string, unknown>)['name'], (ug.detail.after as Record<string, unknown>)['name']], ['writers', 'authors']);

    // `gatehouse users disable` (the revocation use case) goes through the directory too.
    const t2 = await head();
    const disabled = await call(conn(s, s.admin), 'POST', ['users', 'ursula', 'disable'], {});
    assert.ok(disabled.ok, JSON.stringify(disabled));
    const dis = (await changes('iam:UpdateUser', t2))[0] as Rec;
    assert.deepEqual([dis.detail.before, dis.detail.after], [{ disabled: false }, { disabled: true }]);

    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'authors', UserName: 'ursula' }));
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'authors' }));
    const dg = await one('iam:DeleteGroup', t2);
    assert.equal((dg.detail.before as Record<string, unknown>)['name'], 'authors');
    assert.equal(dg.detail.after, null);
    await iam.send(new I.DeleteUserCommand({ UserName: 'ursula' }));
    const du = await one('iam:DeleteUser', t2);
    assert.equal((du.detail.before as Record<string, unknown>)['id'], created.User?.UserId);
    assert.equal(du.detail.after, null);
  });

  it('roles: the RoleId minted, settings, the trust policy, boundaries, tags and deletion', async () => {
    const t0 = await head();
    const role = await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST, Description: 'first' }));
    const cr = await one('iam:CreateRole', t0);
    assert.equal(cr.detail.before, null);
    assert.equal((cr.detail.after as Record<string, unknown>)['id'], role.Role?.RoleId, 'the RoleId it minted');

    await iam.send(new I.UpdateRoleCommand({ RoleName: 'trainer', Description: 'second', MaxSessionDuration: 7200 }));
    const ur = await one('iam:UpdateRole', t0);
    assert.deepEqual([ur.detail.before, ur.detail.after], [
      { description: 'first', maxSessionDuration: 3600 },
      { description: 'second', maxSessionDuration: 7200 },
    ]);
    await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: TRUST2 }));
    const trust = await one('iam:UpdateAssumeRolePolicy', t0);
    assert.deepEqual([trust.detail.before, trust.detail.after], [{ trustPolicy: TRUST }, { trustPolicy: TRUST2 }]);

    const boundary = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await iam.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'trainer', PermissionsBoundary: boundary }));
    const pb = await one('iam:PutRolePermissionsBoundary', t0);
    assert.deepEqual([pb.detail.before, pb.detail.after], [{ permissionsBoundary: null }, { permissionsBoundary: boundary }]);
    await iam.send(new I.DeleteRolePermissionsBoundaryCommand({ RoleName: 'trainer' }));
    const db = await one('iam:DeleteRolePermissionsBoundary', t0);
    assert.deepEqual([db.detail.before, db.detail.after], [{ permissionsBoundary: boundary }, { permissionsBoundary: null }]);

    await iam.send(new I.CreateUserCommand({ UserName: 'bounded' }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: boundary }));
    const upb = await one('iam:PutUserPermissionsBoundary', t0);
    assert.deepEqual([upb.detail.before, upb.detail.after], [{ permissionsBoundary: null }, { permissionsBoundary: boundary }]);
    await iam.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    const udb = await one('iam:DeleteUserPermissionsBoundary', t0);
    assert.deepEqual([udb.detail.before, udb.detail.after], [{ permissionsBoundary: boundary }, { permissionsBoundary: null }]);

    await iam.send(new I.TagRoleCommand({ RoleName: 'trainer', Tags: [{ Key: 'owner', Value: 'ml' }] }));
    const tr = await one('iam:TagRole', t0);
    assert.deepEqual([tr.detail.before, tr.detail.after], [{ tags: [] }, { tags: [{ key: 'owner', value: 'ml' }] }]);
    await iam.send(new I.UntagRoleCommand({ RoleName: 'trainer', TagKeys: ['owner'] }));
    const ut = await one('iam:UntagRole', t0);
    assert.deepEqual([ut.detail.before, ut.detail.after], [{ tags: [{ key: 'owner', value: 'ml' }] }, { tags: [] }]);

    await iam.send(new I.DeleteRoleCommand({ RoleName: 'trainer' }));
    const dr = await one('iam:DeleteRole', t0);
    assert.equal((dr.detail.before as Record<string, unknown>)['trustPolicy'], TRUST2);
    assert.equal((dr.detail.before as Record<string, unknown>)['id'], role.Role?.RoleId);
    assert.equal(dr.detail.after, null);
  });

  it('inline policies of roles, users and groups: what a put overwrote, what a delete removed', async () => {
    await iam.send(new I.CreateRoleCommand({ RoleName: 'inline-role', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new I.CreateUserCommand({ UserName: 'inline-user' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'inline-group' }));
    const cases = [
      { noun: 'Role', put: (d: string) => new I.PutRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'p', PolicyDocument: d }), del: new I.DeleteRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'p' }) },
      { noun: 'User', put: (d: string) => new I.PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'p', PolicyDocument: d }), del: new I.DeleteUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'p' }) },
      { noun: 'Group', put: (d: string) => new I.PutGroupPolicyCommand({ GroupName: 'inline-group', PolicyName: 'p', PolicyDocument: d }), del: new I.DeleteGroupPolicyCommand({ GroupName: 'inline-group', PolicyName: 'p' }) },
    ];
    for (const c of cases) {
      const t0 = await head();
      await iam.send(c.put(doc('s3:GetObject')) as never);
      await iam.send(c.put(doc('s3:PutObject')) as never);
      const puts = await changes(`iam:Put${c.noun}Policy`, t0);
      assert.deepEqual(
        puts.map((r) => [r.detail.before, r.detail.after]),
        [
          [null, { policyName: 'p', policyDocument: doc('s3:GetObject') }],
          [{ policyName: 'p', policyDocument: doc('s3:GetObject') }, { policyName: 'p', policyDocument: doc('s3:PutObject') }],
        ],
        `Put${c.noun}Policy`,
      );
      await iam.send(c.del as never);
      const del = await one(`iam:Delete${c.noun}Policy`, t0);
      assert.deepEqual([del.detail.before, del.detail.after], [{ policyName: 'p', policyDocument: doc('s3:PutObject') }, null], `Delete${c.noun}Policy`);
    }
  });

  it('managed policies: versions and the default they replace, attachments, deletion with every version', async () => {
    const t0 = await head();
    const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'data', PolicyDocument: doc('s3:GetObject') }));
    const arn = created.Policy?.Arn ?? '';
    const cp = await one('iam:CreatePolicy', t0);
    assert.equal(cp.detail.before, null);
    const cpAfter = cp.detail.after as { id: string; arn: string; versions: { versionId: string; document: string; isDefault: boolean }[] };
    assert.equal(cpAfter.id, created.Policy?.PolicyId, 'the PolicyId it minted');
    assert.deepEqual(cpAfter.versions.map((v) => [v.versionId, v.document, v.isDefault]), [['v1', doc('s3:GetObject'), true]]);

    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: true }));
    const v2 = await one('iam:CreatePolicyVersion', t0);
    const pick = (v: unknown) => {
      const x = v as { versionId: string; document: string; isDefault: boolean } | null;
      return x && [x.versionId, x.document, x.isDefault];
    };
    assert.deepEqual(pick((v2.detail.before as Record<string, unknown>)['defaultVersion']), ['v1', doc('s3:GetObject'), true], 'the default it replaced');
    assert.deepEqual(pick((v2.detail.after as Record<string, unknown>)['version']), ['v2', doc('s3:PutObject'), true]);
    assert.deepEqual(pick((v2.detail.after as Record<string, unknown>)['defaultVersion']), ['v2', doc('s3:PutObject'), true]);

    const t1 = await head();
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:DeleteObject') }));
    const v3 = await one('iam:CreatePolicyVersion', t1);
    assert.deepEqual(pick((v3.detail.after as Record<string, unknown>)['version']), ['v3', doc('s3:DeleteObject'), false]);
    assert.deepEqual(pick((v3.detail.after as Record<string, unknown>)['defaultVersion']), ['v2', doc('s3:PutObject'), true], 'the default is unchanged');

    await iam.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const sd = await one('iam:SetDefaultPolicyVersion', t1);
    assert.deepEqual(pick((sd.detail.before as Record<string, unknown>)['defaultVersion']), ['v2', doc('s3:PutObject'), true]);
    assert.deepEqual(pick((sd.detail.after as Record<string, unknown>)['defaultVersion']), ['v1', doc('s3:GetObject'), true]);

    await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    const dv = await one('iam:DeletePolicyVersion', t1);
    assert.deepEqual(pick(dv.detail.before), ['v2', doc('s3:PutObject'), false], 'the deleted version, document and all');
    assert.equal(dv.detail.after, null);

    await iam.send(new I.CreateRoleCommand({ RoleName: 'attached', AssumeRolePolicyDocument: TRUST }));
    const builtin = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const t2 = await head();
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'attached', PolicyArn: builtin }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'attached', PolicyArn: arn }));
    const attaches = await changes('iam:AttachRolePolicy', t2);
    assert.deepEqual(attaches.map((r) => [r.detail.before, r.detail.after]), [
      [{ attachedPolicies: [] }, { attachedPolicies: [builtin] }],
      [{ attachedPolicies: [builtin] }, { attachedPolicies: [builtin, arn] }],
    ]);
    await iam.send(new I.DetachRolePolicyCommand({ RoleName: 'attached', PolicyArn: arn }));
    const detach = await one('iam:DetachRolePolicy', t2);
    assert.deepEqual([detach.detail.before, detach.detail.after], [{ attachedPolicies: [builtin, arn] }, { attachedPolicies: [builtin] }]);
    await iam.send(new I.CreateUserCommand({ UserName: 'attached-user' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'attached-user', PolicyArn: arn }));
    const au = await one('iam:AttachUserPolicy', t2);
    assert.deepEqual([au.detail.before, au.detail.after], [{ attachedPolicies: [] }, { attachedPolicies: [arn] }]);
    await iam.send(new I.DetachUserPolicyCommand({ UserName: 'attached-user', PolicyArn: arn }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'attached-group' }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'attached-group', PolicyArn: arn }));
    await iam.send(new I.DetachGroupPolicyCommand({ GroupName: 'attached-group', PolicyArn: arn }));
    const dg = await one('iam:DetachGroupPolicy', t2);
    assert.deepEqual([dg.detail.before, dg.detail.after], [{ attachedPolicies: [arn] }, { attachedPolicies: [] }]);

    // DeletePolicy refuses a policy with versions besides its default, as IAM (review J, j1): v3 goes first.
    await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
    const t3 = await head();
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: arn }));
    const dp = await one('iam:DeletePolicy', t3);
    const dpBefore = dp.detail.before as { arn: string; defaultVersion: string; versions: unknown[] };
    assert.equal(dpBefore.arn, arn);
    assert.equal(dpBefore.defaultVersion, 'v1');
    assert.deepEqual(dpBefore.versions.map(pick), [['v1', doc('s3:GetObject'), true]], 'the version it removed');
    assert.equal(dp.detail.after, null);
  });

  it('access keys and accounts: the key id minted is recorded, status changes and deletions too, the secret never', async () => {
    await iam.send(new I.CreateUserCommand({ UserName: 'keyholder' }));
    const t0 = await head();
    const key = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'keyholder' }));
    const id = key.AccessKey?.AccessKeyId ?? '';
    secrets.push(key.AccessKey?.SecretAccessKey ?? '');
    const ck = await one('iam:CreateAccessKey', t0);
    assert.equal(ck.detail.before, null);
    const ckAfter = ck.detail.after as Record<string, unknown>;
    assert.equal(ckAfter['accessKeyId'], id, 'who created AKIA…? is answered by the log');
    assert.equal(ckAfter['userName'], 'keyholder');
    assert.equal(ckAfter['status'], 'Active');
    assert.deepEqual(Object.keys(ckAfter).sort(), ['accessKeyId', 'created', 'status', 'userName'], 'no secret, sealed or not');
    // Found by the key id alone.
    assert.ok((await all()).some((r) => r.action === 'iam:CreateAccessKey' && JSON.stringify(r.detail).includes(id)));

    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'keyholder', AccessKeyId: id, Status: 'Inactive' }));
    const uk = await one('iam:UpdateAccessKey', t0);
    assert.deepEqual([uk.detail.before, uk.detail.after], [{ accessKeyId: id, status: 'Active' }, { accessKeyId: id, status: 'Inactive' }]);
    await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'keyholder', AccessKeyId: id }));
    const dk = await one('iam:DeleteAccessKey', t0);
    assert.deepEqual(dk.detail.before, { accessKeyId: id, userName: 'keyholder', status: 'Inactive', created: ckAfter['created'] });
    assert.equal(dk.detail.after, null);

    // An account's creation mints its admin's key: its id is recorded, its secret is not.
    const created = await call<{ AccessKeyId: string; SecretAccessKey: string }>(conn(s, s.admin), 'POST', ['accounts'], { body: { id: '222222222222', partition: 'aws' } });
    assert.ok(created.ok, JSON.stringify(created));
    secrets.push(created.value.SecretAccessKey);
    const ca = await one('iam:CreateAccount', t0);
    assert.deepEqual(ca.detail.after, { account: { id: '222222222222', partition: 'aws', name: '222222222222' }, userName: 'admin', accessKeyId: created.value.AccessKeyId });
  });

  it('no password or secret given to a mutator, nor any minted, reaches a record', async () => {
    // A caller who passes secrets where none belong (extra fields the use case ignores): the request is recorded,
    // with those fields redacted by name.
    const app = s.running.app;
    const auth = await app.authenticate(s.admin.accessKeyId);
    assert.ok(auth.ok);
    const password = 'Pa55word-never-logged-91c3';
    const secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY91c3';
    secrets.push(password, secretKey);
    const t0 = await head();
    const made = await app.directory.createUser(auth.value.caller, { userName: 'with-secrets', password, secretAccessKey: secretKey, loginProfile: { password } } as never);
    assert.ok(made.ok, JSON.stringify(made));
    const r = await one('iam:CreateUser', t0);
    assert.equal((r.detail.request as Record<string, unknown>)['password'], '[redacted]');
    assert.equal((r.detail.after as Record<string, unknown>)['name'], 'with-secrets');

    const text = JSON.stringify(await all());
    for (const secret of secrets) assert.ok(secret.length > 10 && !text.includes(secret), `a secret reached the audit log: ${secret.slice(0, 6)}…`);
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
      for (const secret of secrets) assert.ok(!dump.includes(secret), 'a secret reached the audit table');
      // The sealed secrets of the access keys are not in the audit table either.
      const sealed = (db.prepare('SELECT secret FROM access_keys').all() as { secret: string }[]).map((x) => x.secret);
      assert.ok(sealed.length > 0);
      for (const x of sealed) assert.ok(!dump.includes(x), 'a sealed secret reached the audit table');
    } finally {
      db.close();
    }
  });

  it('a write transaction run again (a lost serialization race) records what its committed attempt read', async () => {
    // PostgreSQL retries a transaction that lost a race, so a use case's function can run twice. This store runs
    // the next write once and rolls it back, lets another writer change the role, then runs it for good.
    const key = await loadMasterKey({ dataDir: s.dataDir, env: {} });
    assert.ok(key.ok);
    const raw = await openSqliteStore({ dataDir: s.dataDir });
    let between: ((tx: WriteTx) => Promise<void>) | undefined;
    const ROLLBACK = new Error('rolled back: retried');
    const store: Store = {
      dialect: raw.dialect,
      migrations: raw.migrations,
      read: (fn) => raw.read(fn),
      write: async (fn) => {
        const other = between;
        between = undefined;
        if (other) {
          await raw.write(async (tx, abort) => {
            await fn(tx, abort);
            throw ROLLBACK;
          }).catch((e: unknown) => {
            if (e !== ROLLBACK) throw e;
          });
          await raw.write(other);
        }
        return raw.write(fn);
      },
      close: () => raw.close(),
    } as Store;
    const app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto });
    try {
      await app.start();
      const auth = await app.authenticate(s.admin.accessKeyId);
      assert.ok(auth.ok);
      await iam.send(new I.CreateRoleCommand({ RoleName: 'racy', AssumeRolePolicyDocument: TRUST }));
      between = async (tx) => {
        const r = await tx.roles.update(ROOT, 'racy', { trustPolicy: TRUST2 });
        assert.ok(r.ok);
      };
      const third = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }] });
      const r = await app.directory.updateAssumeRolePolicy(auth.value.caller, { roleName: 'racy', policyDocument: third });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(between, undefined, 'the write ran twice');
      await app.audit.flush();
      const page = await app.audit.query(auth.value.caller, { action: 'iam:UpdateAssumeRolePolicy', kind: 'change' });
      assert.ok(page.ok);
      const rec = page.value.records.filter((x) => x.resource === `arn:aws:iam::${ROOT}:role/racy`);
      assert.equal(rec.length, 1);
      assert.deepEqual([rec[0]?.detail['before'], rec[0]?.detail['after']], [{ trustPolicy: TRUST2 }, { trustPolicy: third }], 'not what the rolled-back attempt read');
    } finally {
      await app.audit.flush();
      await raw.close();
    }
  });
});
