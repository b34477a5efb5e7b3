/**
 * Review ey, 1. A resource policy or a role trust policy naming an account the deployment does not hold was accepted
 * when it named the account itself or a session in it: its root (`arn:aws:iam::888888888888:root`,
 * `acs:ram::888888888888:root`), its bare id (`"888888888888"`), or a session or federated user of it
 * (`arn:aws:sts::888888888888:assumed-role/r/s`, `arn:aws:sts::888888888888:federated-user/x`). Reviews bx, 2 and cb, 4
 * refused users and roles of such an account but left these out. Once the root admin later created account
 * 888888888888, its admin (its root, as far as the identity side goes) passed and got the grant: a grant waiting for
 * whoever is given that id. AWS refuses such a principal when the policy is written (`MalformedPolicyDocument` /
 * S3's `MalformedPolicy`: `Invalid principal in policy`).
 *
 * Now every door that writes a resource or trust policy refuses it, with the value's JSON path, saying the account does
 * not exist and to create it first (`gatehouse accounts create --id …`) or fix the id, and stores nothing: IAM
 * CreateRole and UpdateAssumeRolePolicy, `gatehouse apply` (kind: Role and kind: ResourcePolicy), `PUT
 * /v1/resource-policies/…` and `gatehouse resource-policies put`, and the S3 gateway's PutBucketPolicy. Once the account
 * exists, the same policies are accepted; an apply that creates the account in the same run is accepted too.
 * Real server on 127.0.0.1 (SQLite), SigV4-signed SDK clients and the gatehouse CLI. Before the fix, 7 of its 9 tests
 * failed: the six refusals, and the acceptance once the account exists (the unchecked CreateRole had already made its
 * role); the same-run apply and the grant passed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CreateRoleCommand, GetRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, cliAgainst, REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ABSENT = '888888888888';
const ROOT = `arn:aws:iam::${ABSENT}:root`;
const SESSION = `arn:aws:sts::${ABSENT}:assumed-role/r/s`;
const FEDERATED = `arn:aws:sts::${ABSENT}:federated-user/x`;
const SAME_RUN = '777777777777';
const BUCKET = 'ey1-data';
const ARN = `arn:aws:s3:::${BUCKET}`;
const OSS = 'acs:oss:*:*:ey1-oss';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (principal: unknown): string => doc({ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' });
const grant = (principal: unknown, resource = ARN): string => doc({ Sid: 'Readers', Effect: 'Allow', Principal: { AWS: principal }, Action: 's3:GetObject', Resource: `${resource}/*` });
const NOT_EXIST = new RegExp(`Invalid principal in policy: .*account ${ABSENT} does not exist: create it first, \`gatehouse accounts create --id ${ABSENT}\`, or fix the account id`);

describe('a root, account id or session of an account that does not exist is an invalid principal', () => {
  let s: TestServer;
  let dir: string;
  let rootId: string;
  const put = (resource: string, document: string) => gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document });
  const stored = async (resource: string) => (await gatehouseJson(s.url, s.admin, 'GET', `/v1/resource-policies/${encodeURIComponent(resource)}`)).status;
  const s3 = (): S3Client => new S3Client({ endpoint: s.running.s3Url, region: REGION, credentials: s.admin, forcePathStyle: true, maxAttempts: 1 });
  const applyFile = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return cliAgainst(s, ['apply', '-f', file]);
  };
  const roleYaml = (name: string, principal: string): string =>
    ['apiVersion: gatehouse.dev/v1', 'kind: Role', 'metadata:', `  name: ${name}`, 'spec:', `  trustPolicy: '${trust(principal)}'`, ''].join('\n');
  const resourcePolicyYaml = (name: string, resource: string, document: string): string =>
    ['apiVersion: gatehouse.dev/v1', 'kind: ResourcePolicy', 'metadata:', `  name: ${name}`, 'spec:', `  resource: ${resource}`, `  document: '${document}'`, ''].join('\n');

  before(async () => {
    s = await startTestServer();
    rootId = s.adminFile.AccountId;
    dir = await mkdtemp(join(tmpdir(), 'ey1-'));
    const c = s3();
    try {
      await c.send(new CreateBucketCommand({ Bucket: BUCKET }));
    } finally {
      c.destroy();
    }
    // A role whose trust policy the updates below try to change.
    await s.iam().send(new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: trust(`arn:aws:iam::${rootId}:root`) }));
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('IAM CreateRole refuses a root, an account id and a session of it (MalformedPolicyDocument, at the path); no role is created', async () => {
    for (const [i, principal] of [ROOT, ABSENT, SESSION].entries()) {
      const f = await sdkFailure(s.iam().send(new CreateRoleCommand({ RoleName: `ey1-${i}`, AssumeRolePolicyDocument: trust([`arn:aws:iam::${rootId}:root`, principal]) })));
      assert.equal(f.code, 'MalformedPolicyDocument', JSON.stringify(f));
      assert.match(f.message, NOT_EXIST, f.message);
      assert.match(f.message, /Statement\[0\]\.Principal\.AWS\[1\]/, f.message);
      const got = await sdkFailure(s.iam().send(new GetRoleCommand({ RoleName: `ey1-${i}` })));
      assert.equal(got.code, 'NoSuchEntity', `role ey1-${i} was created`);
    }
  });

  it('IAM UpdateAssumeRolePolicy refuses a federated user of it and keeps the trust policy', async () => {
    const f = await sdkFailure(s.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'kept', PolicyDocument: trust(FEDERATED) })));
    assert.equal(f.code, 'MalformedPolicyDocument', JSON.stringify(f));
    assert.match(f.message, NOT_EXIST, f.message);
    const role = await s.iam().send(new GetRoleCommand({ RoleName: 'kept' }));
    assert.doesNotMatch(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''), new RegExp(ABSENT));
  });

  it('gatehouse apply refuses a Role trusting its root, at the path, and creates nothing', async () => {
    const r = await applyFile('role.yaml', roleYaml('ey1-applied', ROOT));
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, /spec\.trustPolicy\.Statement\[0\]\.Principal\.AWS/, r.err);
    assert.match(r.err, NOT_EXIST, r.err);
    const got = await sdkFailure(s.iam().send(new GetRoleCommand({ RoleName: 'ey1-applied' })));
    assert.equal(got.code, 'NoSuchEntity', 'the role was created');
  });

  it('PUT /v1/resource-policies refuses an account id, a root (either partition) and a session of it, at the path; nothing is stored', async () => {
    for (const principal of [ABSENT, ROOT, SESSION, FEDERATED]) {
      const r = await put(ARN, grant([`arn:aws:iam::${rootId}:root`, principal]));
      assert.equal(r.status, 400, JSON.stringify(r.json));
      const e = r.json['error'] as { gatehouseCode?: string; message?: string; details?: { path?: string }[] };
      assert.equal(e.gatehouseCode, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(r.json));
      assert.match(String(e.message), NOT_EXIST, JSON.stringify(r.json));
      assert.equal(e.details?.[0]?.path, 'Statement[0].Principal.AWS[1]', JSON.stringify(r.json));
    }
    const ram = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(OSS)}`, {
      document: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ABSENT}:root`] }, Action: 'oss:GetObject', Resource: `${OSS}/*` }] },
    });
    assert.equal(ram.status, 400, JSON.stringify(ram.json));
    assert.match(JSON.stringify(ram.json), new RegExp(`account ${ABSENT} does not exist`));
    assert.equal(await stored(ARN), 404);
    assert.equal(await stored(OSS), 404);
  });

  it('gatehouse resource-policies put and apply (kind: ResourcePolicy) refuse it; nothing is stored', async () => {
    const file = join(dir, 'p.json');
    await writeFile(file, grant(ROOT));
    const cli = await cliAgainst(s, ['resource-policies', 'put', ARN, '--file', file]);
    assert.notEqual(cli.status, 0, cli.out);
    assert.match(cli.err, NOT_EXIST, cli.err);
    const r = await applyFile('rp.yaml', resourcePolicyYaml('data', ARN, grant(SESSION)));
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, /spec\.document\.Statement\[0\]\.Principal\.AWS/, r.err);
    assert.match(r.err, NOT_EXIST, r.err);
    assert.equal(await stored(ARN), 404);
  });

  it('the S3 gateway’s PutBucketPolicy refuses it as S3 does (MalformedPolicy); the bucket keeps no policy', async () => {
    const c = s3();
    try {
      await assert.rejects(c.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: grant(ROOT) })), (e: Error) => e.name === 'MalformedPolicy' && /Invalid principal/.test(e.message));
      await assert.rejects(c.send(new GetBucketPolicyCommand({ Bucket: BUCKET })), (e: Error) => e.name === 'NoSuchBucketPolicy');
    } finally {
      c.destroy();
    }
  });

  it('an apply that creates the account in the same run may name its root, in a trust and a resource policy', async () => {
    const text = [
      `apiVersion: gatehouse.dev/v1\nkind: Account\nmetadata: {name: "${SAME_RUN}"}\nspec: {partition: aws}\n`,
      roleYaml('ey1-same-run', `arn:aws:iam::${SAME_RUN}:root`),
      resourcePolicyYaml('same-run', 'arn:aws:s3:::ey1-same-run', grant(SAME_RUN, 'arn:aws:s3:::ey1-same-run')),
    ].join('---\n');
    const r = await applyFile('same-run.yaml', text);
    assert.equal(r.status, 0, r.err);
    await s.iam().send(new GetRoleCommand({ RoleName: 'ey1-same-run' }));
    assert.equal(await stored('arn:aws:s3:::ey1-same-run'), 200);
  });

  it('once the account is created (gatehouse accounts create), every door accepts it', async () => {
    await accountAdmin(s, ABSENT, 'aws');
    await s.iam().send(new CreateRoleCommand({ RoleName: 'ey1-0', AssumeRolePolicyDocument: trust(ROOT) }));
    await s.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'kept', PolicyDocument: trust(FEDERATED) }));
    const applied = await applyFile('role.yaml', roleYaml('ey1-applied', ROOT));
    assert.equal(applied.status, 0, applied.err);
    const r = await put(ARN, grant([ABSENT, SESSION]));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rp = await applyFile('rp.yaml', resourcePolicyYaml('data', 'arn:aws:s3:::ey1-applied', grant(SESSION, 'arn:aws:s3:::ey1-applied')));
    assert.equal(rp.status, 0, rp.err);
    const c = s3();
    try {
      await c.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: grant(ROOT) }));
    } finally {
      c.destroy();
    }
  });

  it('once the account exists, the policy stored for it grants its root', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ABSENT}:root`, action: 's3:GetObject', resource: `${ARN}/k` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });
});
