/**
 * Review Z, finding 3: a trust or resource policy naming a user or role that does not exist is refused at every door
 * (AWS: `MalformedPolicyDocument: Invalid principal in policy: "AWS":"arn:…"`; S3: `MalformedPolicy`): the name was
 * a grant waiting for whoever later created a user or role under it (`ghost` created, then assumed the role). Account
 * roots, services, federated principals and `*` are not checked; a principal created in the same apply counts;
 * policies already stored still load. Real clients (@aws-sdk IAM and S3, the /v1 client) against a real server on
 * 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { call } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { startTestServer, sdkFailure as failure, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ROOT = '000000000000';
const trust = (principal: unknown) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const GHOST = `arn:aws:iam::${ROOT}:user/ghost`;
const INVALID = (key: string, arn: string) => `Invalid principal in policy: "${key}":"${arn}"`;
const doc = (kind: string, name: string, spec: Record<string, unknown>, account?: string) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, ...(account ? { account } : {}) }, spec });

describe('review Z3: policies may name only users and roles that exist', () => {
  let s: TestServer;
  let iam: I.IAMClient;
  let s3: S3.S3Client;
  const v1 = (method: string, path: string[], body?: unknown) => call(connectionTo(s.url, s.admin), method, path, body === undefined ? {} : { body });

  before(async () => {
    s = await startTestServer();
    iam = s.iam();
    s3 = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: s.admin, maxAttempts: 1 });
    await iam.send(new I.CreateUserCommand({ UserName: 'alice', Path: '/team/' }));
  });
  after(async () => {
    s3?.destroy();
    await s?.stop();
  });

  it('IAM CreateRole and UpdateAssumeRolePolicy: MalformedPolicyDocument for a user or role that does not exist, with where', async () => {
    const f = await failure(iam.send(new I.CreateRoleCommand({ RoleName: 'ghostrole', AssumeRolePolicyDocument: JSON.stringify(trust({ AWS: GHOST })) })));
    assert.deepEqual([f.code, f.status], ['MalformedPolicyDocument', 400]);
    assert.ok(f.message.startsWith(INVALID('AWS', GHOST)), f.message);
    assert.match(f.message, /at Statement\[0\]\.Principal\.AWS/);
    const r = await failure(iam.send(new I.CreateRoleCommand({ RoleName: 'ghostrole', AssumeRolePolicyDocument: JSON.stringify(trust({ AWS: ['123456789012', `arn:aws:iam::${ROOT}:role/nosuchrole`] })) })));
    assert.equal(r.code, 'MalformedPolicyDocument');
    assert.ok(r.message.startsWith(INVALID('AWS', `arn:aws:iam::${ROOT}:role/nosuchrole`)), r.message);
    assert.match(r.message, /Statement\[0\]\.Principal\.AWS\[1\]/);
    assert.equal(await failure(iam.send(new I.GetRoleCommand({ RoleName: 'ghostrole' }))).then((x) => x.code), 'NoSuchEntity', 'not created');

    // Existing principals (any path spelling, any case), roots, services, federated and * are accepted.
    const fine = trust({ AWS: [`arn:aws:iam::${ROOT}:user/team/alice`, `arn:aws:iam::${ROOT}:user/Alice`, `arn:aws:iam::${ROOT}:root`, ROOT, '*'], Service: 'training.gatehouse.dev' });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'fine', AssumeRolePolicyDocument: JSON.stringify(fine) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'self', AssumeRolePolicyDocument: JSON.stringify(trust({ AWS: `arn:aws:iam::${ROOT}:role/fine` })) }));
    const u = await failure(iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'fine', PolicyDocument: JSON.stringify(trust({ AWS: GHOST })) })));
    assert.equal(u.code, 'MalformedPolicyDocument');
    assert.ok(u.message.startsWith(INVALID('AWS', GHOST)), u.message);
    const kept = await iam.send(new I.GetRoleCommand({ RoleName: 'fine' }));
    assert.ok(!decodeURIComponent(kept.Role?.AssumeRolePolicyDocument ?? '').includes('ghost'), 'the trust policy is unchanged');
    // NotPrincipal too.
    const np = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: GHOST }, Action: 'sts:AssumeRole' }] };
    assert.equal((await failure(iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'fine', PolicyDocument: JSON.stringify(np) })))).code, 'MalformedPolicyDocument');
  });

  it('/v1 POST roles: refused the same way', async () => {
    const r = await v1('POST', ['roles'], { name: 'ghostrole', trustPolicy: trust({ AWS: GHOST }) });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.code, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(r));
    assert.ok(r.errors[0]?.message.startsWith(INVALID('AWS', GHOST)), JSON.stringify(r));
  });

  it('apply: a Role or ResourcePolicy naming a missing principal is refused with its path; one the same apply creates counts', async () => {
    const bad = await v1('POST', ['apply'], { documents: [doc('Role', 'ghostrole2', { trustPolicy: trust({ AWS: GHOST }) })] });
    assert.ok(!bad.ok);
    const e = bad.errors[0] as { code: string; message: string; path?: string };
    assert.equal(e.code, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(bad));
    assert.match(e.message, /Invalid principal in policy: "AWS":"arn:aws:iam::000000000000:user\/ghost"/);
    assert.match(JSON.stringify(bad), /spec\.trustPolicy\.Statement\[0\]\.Principal\.AWS/);

    const rp = await v1('POST', ['apply'], {
      documents: [doc('ResourcePolicy', 'rpghost', { resource: 'arn:aws:s3:::rpghost', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:role/nosuchrole` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::rpghost/*' }] } })],
    });
    assert.ok(!rp.ok);
    assert.equal(rp.errors[0]?.code, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(rp));
    assert.match(JSON.stringify(rp), /spec\.document\.Statement\[0\]\.Principal\.AWS/);

    const same = await v1('POST', ['apply'], {
      documents: [doc('Role', 'ghostrole3', { trustPolicy: trust({ AWS: [`arn:aws:iam::${ROOT}:user/newbie`, `arn:aws:iam::${ROOT}:role/newrole`] }) }), doc('User', 'newbie', {}), doc('Role', 'newrole', { trustPolicy: trust({ Service: 'training.gatehouse.dev' }) })],
    });
    assert.ok(same.ok, JSON.stringify(same));
  });

  it('apply in a RAM account: a RAM principal that does not exist is refused; the new account\'s admin counts', async () => {
    const acs = '555555555555';
    const ramTrust = (arn: string) => ({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [arn] }, Action: 'sts:AssumeRole' }] });
    const bad = await v1('POST', ['apply'], { documents: [doc('Account', acs, { partition: 'acs' }), doc('Role', 'r', { trustPolicy: ramTrust(`acs:ram::${acs}:user/ghost`) }, acs)] });
    assert.ok(!bad.ok, JSON.stringify(bad));
    assert.equal(bad.errors[0]?.code, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(bad));
    assert.match(bad.errors[0]?.message ?? '', /Invalid principal in policy: "RAM":"acs:ram::555555555555:user\/ghost"/);
    const good = await v1('POST', ['apply'], { documents: [doc('Account', acs, { partition: 'acs' }), doc('Role', 'r', { trustPolicy: ramTrust(`acs:ram::${acs}:user/admin`) }, acs)] });
    assert.ok(good.ok, JSON.stringify(good));
  });

  it('/v1 PUT resource-policies and S3 PutBucketPolicy: refused (MalformedPolicy on S3)', async () => {
    const policy = (arn: string, bucket: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] });
    const r = await v1('PUT', ['resource-policies', `arn:aws:s3:::z3data`], { document: policy(GHOST, 'z3data') });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.code, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(r));

    await s3.send(new S3.CreateBucketCommand({ Bucket: 'z3bucket' }));
    const f = await failure(s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'z3bucket', Policy: JSON.stringify(policy(`arn:aws:iam::${ROOT}:role/nosuchrole`, 'z3bucket')) })));
    assert.deepEqual([f.code, f.status], ['MalformedPolicy', 400]);
    assert.ok(f.message.startsWith(INVALID('AWS', `arn:aws:iam::${ROOT}:role/nosuchrole`)), f.message);
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'z3bucket', Policy: JSON.stringify(policy(`arn:aws:iam::${ROOT}:user/alice`, 'z3bucket')) }));
  });

  it('a stored trust policy naming a missing user still loads, and an apply that leaves it unchanged passes', async () => {
    const store = await openSqliteStore({ dataDir: s.dataDir });
    try {
      await store.write(async (tx) => {
        const r = await tx.roles.create({ account: ROOT, name: 'legacy', path: '/', id: 'AROALEGACY0000000001', created: '2026-01-01T00:00:00Z', trustPolicy: JSON.stringify(trust({ AWS: GHOST })), description: '', maxSessionDuration: 3600, tags: [], permissionsBoundary: null });
        assert.ok(r.ok);
      });
    } finally {
      await store.close();
    }
    await s.running.app.refresh();
    const got = await iam.send(new I.GetRoleCommand({ RoleName: 'legacy' }));
    assert.equal(got.Role?.RoleName, 'legacy');
    const again = await v1('POST', ['apply'], { documents: [doc('Role', 'legacy', { trustPolicy: trust({ AWS: GHOST }) })] });
    assert.ok(again.ok, JSON.stringify(again));
  });
});
