/**
 * Review bx, 2. A resource policy naming a user or role of an account the deployment does not hold was stored as
 * written: `{"AWS": "arn:aws:iam::999999999999:role/reader"}` on a bucket (a mistyped account id, or a tenant not yet
 * created). AWS refuses it, as it refuses a user or role that does not exist (`MalformedPolicy: Invalid principal in
 * policy`: it resolves each such ARN to the entity's unique id when the policy is written), and Gatehouse already
 * refused the same ARN in an account it holds (review Z, 3). Accepted, it was a grant waiting for the tenant the root
 * admin later creates under that id: that account's admin creates role `reader` and reads the bucket — the policy's
 * owner never named that tenant's role.
 *
 * Now `PUT /v1/resource-policies/…`, `gatehouse resource-policies put`, `gatehouse apply` (kind: ResourcePolicy) and the
 * S3 gateway's PutBucketPolicy refuse it with AWS's words, naming the account, at the value's JSON path. The account's
 * id, root and sessions are refused too while it does not exist (review ey, 1; until then they were accepted); services
 * are not looked up. Real server (SQLite), SigV4-signed; the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, cliAgainst, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111111111111';
const LATER = '999999999999';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const BUCKET = 'arn:aws:s3:::bx2-data';
const READER = `arn:aws:iam::${LATER}:role/reader`;
const grant = (principal: string): string => doc({ Sid: 'Readers', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:root`, principal] }, Action: 's3:GetObject', Resource: `${BUCKET}/*` });

describe('resource policies: a user or role of an account that does not exist is an invalid principal', () => {
  let s: TestServer;
  let adminA: Credentials;
  let dir: string;
  const put = (who: Credentials, resource: string, document: string) => gatehouseJson(s.url, who, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document });
  const account = async (id: string): Promise<Credentials> => {
    return accountAdmin(s, id, 'aws');
  };

  before(async () => {
    s = await startTestServer();
    adminA = await account(A);
    dir = await mkdtemp(join(tmpdir(), 'bx2-'));
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const principal of [READER, `arn:aws:iam::${LATER}:user/dev/bob`]) {
    it(`PUT /v1/resource-policies refuses ${principal}, at its path`, async () => {
      const r = await put(adminA, BUCKET, grant(principal));
      assert.equal(r.status, 400, JSON.stringify(r.json));
      const e = r.json['error'] as { gatehouseCode?: string; message?: string; details?: { path?: string }[] };
      assert.equal(e.gatehouseCode, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(r.json));
      assert.match(String(e.message), new RegExp(`Invalid principal in policy: .*no account ${LATER}`), JSON.stringify(r.json));
      assert.equal(e.details?.[0]?.path, 'Statement[0].Principal.AWS[1]', JSON.stringify(r.json));
    });
  }

  it('gatehouse resource-policies put and apply refuse it; nothing is stored', async () => {
    const file = join(dir, 'p.json');
    await writeFile(file, grant(READER));
    const cli = await cliAgainst(s, ['resource-policies', 'put', BUCKET, '--file', file], adminA);
    assert.notEqual(cli.status, 0, cli.out);
    assert.match(cli.err, /Invalid principal in policy: .*no account 999999999999/);
    const yaml = join(dir, 'rp.yaml');
    await writeFile(yaml, `apiVersion: gatehouse.dev/v1\nkind: ResourcePolicy\nmetadata:\n  name: data\nspec:\n  resource: ${BUCKET}\n  document: ${grant(READER)}\n`);
    const applied = await cliAgainst(s, ['apply', '-f', yaml], adminA);
    assert.notEqual(applied.status, 0, applied.out);
    assert.match(applied.err, /spec\.document\.Statement\[0\]\.Principal\.AWS\[1\]: Invalid principal in policy: .*no account 999999999999/);
    const got = await gatehouseJson(s.url, adminA, 'GET', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`);
    assert.equal(got.status, 404, JSON.stringify(got.json));
  });

  it('the S3 gateway’s PutBucketPolicy refuses it as S3 does (MalformedPolicy)', async () => {
    const s3 = new S3Client({ endpoint: s.running.s3Url, region: REGION, credentials: adminA, forcePathStyle: true, maxAttempts: 1 });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'bx2-gateway' }));
      const policy = doc({ Effect: 'Allow', Principal: { AWS: READER }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bx2-gateway/*' });
      await assert.rejects(s3.send(new PutBucketPolicyCommand({ Bucket: 'bx2-gateway', Policy: policy })), (e: Error) => e.name === 'MalformedPolicy' && /Invalid principal/.test(e.message));
    } finally {
      s3.destroy();
    }
  });

  it('once the account exists, its role is checked as any: refused while missing, accepted once created, and it grants', async () => {
    const later = await account(LATER);
    const missing = await put(adminA, BUCKET, grant(READER));
    assert.equal(missing.status, 400, JSON.stringify(missing.json));
    assert.match(JSON.stringify(missing.json), /no role `reader` in account 999999999999/);
    await s.iam(later).send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${LATER}:root` }, Action: 'sts:AssumeRole' }) }));
    await s.iam(later).send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    const ok = await put(adminA, BUCKET, grant(READER));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: READER, action: 's3:GetObject', resource: `${BUCKET}/k` });
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });

  it('an account id, root or session of such an account is refused too (review ey, 1); services are not looked up', async () => {
    // Until review ey, 1 these were accepted.
    for (const principal of ['888888888888', 'arn:aws:iam::888888888888:root', 'arn:aws:sts::888888888888:assumed-role/r/s']) {
      const r = await put(adminA, 'arn:aws:s3:::bx2-other', doc({ Effect: 'Allow', Principal: { AWS: principal, Service: 'training.gatehouse.dev' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bx2-other/*' }));
      assert.equal(r.status, 400, JSON.stringify(r.json));
      const e = r.json['error'] as { gatehouseCode?: string; message?: string; details?: { path?: string }[] };
      assert.equal(e.gatehouseCode, 'POLICY_INVALID_PRINCIPAL', JSON.stringify(r.json));
      assert.match(String(e.message), /Invalid principal in policy: .*account 888888888888 does not exist/, JSON.stringify(r.json));
      assert.equal(e.details?.[0]?.path, 'Statement[0].Principal.AWS', JSON.stringify(r.json));
    }
    const services = await put(adminA, 'arn:aws:s3:::bx2-other', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root`, Service: 'training.gatehouse.dev' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bx2-other/*' }));
    assert.equal(services.status, 200, JSON.stringify(services.json));
  });
});
