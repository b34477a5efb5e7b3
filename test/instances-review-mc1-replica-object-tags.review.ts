/**
 * Review mc, 1: a replica (`--s3-listen off`, the documented layout of several instances on one PostgreSQL) decides a
 * question about an object of the S3 gateway's buckets without taking the asker's word for its tags.
 *
 * What was wrong: review kd, 1 made the authorize API decide `s3:ExistingObjectTag/<key>` from the object's stored
 * tags, but only where the S3 gateway runs in the same process. A replica has no reader of the gateway's objects, so
 * `POST /v1/authorize` (and `/v1/simulate`, and a batch) there took the asker's `s3:ExistingObjectTag/*` as it came for
 * an object of a bucket it knows to be the gateway's (its owner is in the shared store): a question carrying
 * `team: eng` about the finance team's object was answered Allow, where the gateway refuses that GetObject; leaving
 * `classification` out lifted the Deny the gateway applies to the secret object; and the asker's tags passed a
 * tag-conditioned Allow of PutObject, to which S3 gives no such key. Behind a load balancer, the asker picks the answer.
 *
 * What AWS does: S3 supplies `s3:ExistingObjectTag/<key>` itself from the object's tags (Amazon S3 User Guide,
 * "Tagging and access control policies"; Service Authorization Reference, Amazon S3 condition keys): no caller can
 * claim them, and PutObject and DeleteObject carry none. The engine's rule for a condition it cannot evaluate is to
 * fail closed (DESIGN.md, "the union fails closed on error"), as AWS's own guidance asks of a Deny.
 *
 * What is now so: a replica that knows a bucket to be the gateway's (the owner records every instance loads) drops the
 * asker's `s3:ExistingObjectTag/*` keys for an object of it, and, for the actions S3 gives that key to, decides every
 * condition on such a key as one it cannot read: an Allow conditioned on the object's tags grants nothing there and a
 * Deny conditioned on them applies (docs/decisions.md says so). A note says why and to ask the gateway's instance. On a
 * bucket the gateway does not hold, the asker's tags are still the only ones there are.
 *
 * Two servers in this process on one throw-away schema of the test PostgreSQL: A runs the gateway, B runs with
 * `--s3-listen off`. Before the fix 4 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { REGION, type Credentials } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const BUCKET = 'mc1-data';
const ALICE = 'arn:aws:iam::000000000000:user/mc1-alice';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const cleanup: (() => Promise<unknown>)[] = [];

interface Answer { decision: string; diagnostics: string[] }

describe('mc1: a replica does not take the asker\'s s3:ExistingObjectTag for an object of the gateway', { skip, timeout: 60_000 }, () => {
  let a: RunningServer;
  let b: RunningServer;
  let admin: Credentials;

  async function ask(at: RunningServer, action: string, resource: string, context?: Record<string, unknown>, path = '/v1/authorize'): Promise<Answer> {
    const r = await gatehouseJson(at.url, admin, 'POST', path, { principal: ALICE, action, resource, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  }
  const obj = (key: string): string => `arn:aws:s3:::${BUCKET}/${key}`;

  before(async () => {
    const schema = `gh_mc1_${randomBytes(6).toString('hex')}`;
    cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
    const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
    const start = async (name: string, s3Listen: string): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-mc1-${name}-`));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen, env, databaseUrl: PG_URL, databaseSchema: schema, log: () => undefined });
      cleanup.push(() => s.stop());
      return s;
    };
    a = await start('gateway', '127.0.0.1:0');
    b = await start('replica', 'off');
    const creds = a.adminCredentials;
    assert.ok(creds);
    admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
    const iam = new I.IAMClient({ endpoint: a.url, region: REGION, credentials: admin, maxAttempts: 1 });
    await iam.send(new I.CreateUserCommand({ UserName: 'mc1-alice' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'mc1-alice',
      PolicyName: 'abac',
      PolicyDocument: doc(
        { Sid: 'Team', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'eng' } } },
        { Sid: 'Elsewhere', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mc1-elsewhere/*' },
        { Sid: 'Secret', Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'secret' } } },
      ),
    }));
    iam.destroy();
    const s3 = new S3.S3Client({ endpoint: a.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
    await s3.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'finance/plan', Body: 'f', Tagging: 'team=finance' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'eng/secret', Body: 's', Tagging: 'team=eng&classification=secret' }));
    // Written after the bucket: once B reads it, B has read the bucket's owner too (they load together).
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc({ Sid: 'Owner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }) }));
    s3.destroy();
    // B has heard of alice's policy and of the bucket (its policy, loaded with its owner).
    const end = Date.now() + 10_000;
    for (;;) {
      const heard = (await ask(b, 's3:GetObject', 'arn:aws:s3:::mc1-elsewhere/x')).decision === 'Allow';
      const policy = await gatehouseJson(b.url, admin, 'GET', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${BUCKET}`)}`);
      if (heard && JSON.stringify(policy.json).includes('Owner')) break;
      if (Date.now() > end) assert.fail(`B never heard of alice's policy and the bucket's: ${JSON.stringify(policy.json).slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('a question carrying another team\'s tag about the finance object is refused on the replica, as on the gateway\'s instance', async () => {
    assert.equal((await ask(a, 's3:GetObject', obj('finance/plan'), { 's3:ExistingObjectTag/team': 'eng' })).decision, 'ImplicitDeny');
    // Refused: B cannot read the object's tags, so the Allow on `team` does not apply, and the Deny on `classification`
    // (Resource `*`) does, failing closed.
    const r = await ask(b, 's3:GetObject', obj('finance/plan'), { 's3:ExistingObjectTag/team': 'eng' });
    assert.equal(r.decision, 'ExplicitDeny', JSON.stringify(r));
    assert.ok(r.diagnostics.some((d) => d.includes('`s3:ExistingObjectTag/team`') && d.includes('S3 gateway')), JSON.stringify(r.diagnostics));
    assert.equal((await ask(b, 's3:GetObject', obj('finance/plan'), { 's3:ExistingObjectTag/team': 'eng' }, '/v1/simulate')).decision, 'ExplicitDeny');
  });

  it('leaving the classification tag out does not lift the Deny on the replica', async () => {
    assert.equal((await ask(a, 's3:GetObject', obj('eng/secret'), { 's3:ExistingObjectTag/team': 'eng' })).decision, 'ExplicitDeny');
    const r = await ask(b, 's3:GetObject', obj('eng/secret'), { 's3:ExistingObjectTag/team': 'eng' });
    assert.equal(r.decision, 'ExplicitDeny', JSON.stringify(r));
  });

  it('PutObject, which S3 decides without the object\'s tags, does not take the asker\'s on the replica', async () => {
    assert.equal((await ask(a, 's3:PutObject', obj('eng/new'), { 's3:ExistingObjectTag/team': 'eng' })).decision, 'ImplicitDeny');
    assert.equal((await ask(b, 's3:PutObject', obj('eng/new'), { 's3:ExistingObjectTag/team': 'eng' })).decision, 'ImplicitDeny');
  });

  it('a batch on the replica decides each question so', async () => {
    const r = await gatehouseJson(b.url, admin, 'POST', '/v1/authorize:batch', { requests: [
      { principal: ALICE, action: 's3:GetObject', resource: obj('finance/plan'), context: { 's3:ExistingObjectTag/team': 'eng' } },
      { principal: ALICE, action: 's3:GetObject', resource: obj('eng/secret'), context: { 's3:ExistingObjectTag/team': 'eng' } },
      { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::mc1-elsewhere/x' },
    ] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual((r.json['results'] as Answer[]).map((x) => x.decision), ['ExplicitDeny', 'ExplicitDeny', 'Allow']);
  });

  it('on a bucket the gateway does not hold, the replica decides with the asker\'s tags, as every instance does', async () => {
    assert.equal((await ask(b, 's3:GetObject', 'arn:aws:s3:::mc1-elsewhere/x', { 's3:ExistingObjectTag/classification': 'secret' })).decision, 'ExplicitDeny');
    assert.equal((await ask(b, 's3:GetObject', 'arn:aws:s3:::mc1-elsewhere/x', { 's3:ExistingObjectTag/classification': 'open' })).decision, 'Allow');
  });
});
