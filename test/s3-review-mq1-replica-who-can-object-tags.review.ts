/**
 * Review mq, 1: a replica's who-can took the asker's `s3:ExistingObjectTag/*` for an object of the S3 gateway's buckets.
 *
 * What was wrong: review mc, 1 made a replica (`--s3-listen off`, several instances on one PostgreSQL) decide a
 * question about an object of the gateway's buckets without the asker's tags (conditions on them fail closed), and
 * who-can's account principals, asked through the authorizer, were answered so. But who-can's own evaluations
 * (`contextFor` in src/app/authorize.ts: a bucket policy's grants beyond the account, `grantedByResourcePolicy`, and a
 * default-role job's session, `throughDefaultRoleJobs`) read the object's tags only where the gateway runs in the same
 * process, and on a replica took the asker's as they came. Asking a replica who can read an unshared object while
 * claiming `share: yes` listed the partner account that the gateway refuses, in the same answer that left out the
 * account's own user under the very same condition; and a question leaving `classification` out listed a member whose
 * Deny on the secret tag the gateway applies to his job. Behind a load balancer, the asker picked the answer.
 *
 * What AWS does: S3 supplies `s3:ExistingObjectTag/<key>` from the object's tags (User Guide, "Tagging and access
 * control policies"); no caller can claim them. docs/decisions.md ("On an instance without the gateway the tags fail
 * closed") is the rule a replica follows.
 *
 * What is now so: `contextFor` on a replica drops the asker's `s3:ExistingObjectTag/*` for an object of the gateway's
 * buckets and marks the key unreadable, as `decide` does, so who-can's evaluations fail closed there as its principals'
 * decisions do (an Allow on the tags grants nothing, a Deny on them applies).
 *
 * Two servers in this process on one throw-away schema of the test PostgreSQL: A runs the gateway, B runs with
 * `--s3-listen off`. Before the fix 3 of 3 tests failed.
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
const BUCKET = 'mq1-shared';
const PARTNER = 'arn:aws:iam::333344445555:root';
const SHARE = 's3:ExistingObjectTag/share';
const SECRET = 's3:ExistingObjectTag/classification';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const cleanup: (() => Promise<unknown>)[] = [];

describe('review mq1: a replica\'s who-can does not take the asker\'s tags for an object of the gateway', { skip, timeout: 60_000 }, () => {
  let a: RunningServer;
  let b: RunningServer;
  let admin: Credentials;

  const whoCan = async (at: RunningServer, key: string, context?: Record<string, string>): Promise<Record<string, unknown>> => {
    const r = await gatehouseJson(at.url, admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  before(async () => {
    const schema = `gh_mq1_${randomBytes(6).toString('hex')}`;
    cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
    const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
    const start = async (name: string, s3Listen: string): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-mq1-${name}-`));
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
    await iam.send(new I.CreateUserCommand({ UserName: 'mq1-alice' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mq1-alice', PolicyName: 'abac', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { [SHARE]: 'yes' } } }) }));
    // A member of the workspace whose default bucket this is; his own Deny (copied into his default-role job's session
    // policy) covers the objects tagged secret.
    await iam.send(new I.CreateUserCommand({ UserName: 'mq1-frank' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mq1-frank', PolicyName: 'p', PolicyDocument: doc(
      { Effect: 'Allow', Action: 'training:CreateJob', Resource: 'arn:aws:training::000000000000:workspace/mq1lab' },
      { Effect: 'Deny', Action: '*', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { [SECRET]: 'secret' } } },
    ) }));
    iam.destroy();
    const root = await a.app.authenticate(admin.accessKeyId);
    assert.ok(root.ok);
    assert.ok((await a.app.createAccount(root.value.caller, { id: '333344445555', partition: 'aws', name: 'mq1-partner' })).ok);
    const s3 = new S3.S3Client({ endpoint: a.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
    await s3.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'out', Body: 'o', Tagging: 'share=yes' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'in', Body: 'i', Tagging: 'share=no' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'plan', Body: 'p', Tagging: 'classification=secret' }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc({ Sid: 'Share', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { [SHARE]: 'yes' } } }) }));
    s3.destroy();
    const w = await gatehouseJson(a.url, admin, 'PUT', '/v1/workspaces/mq1lab', { members: [{ user: 'mq1-frank' }], defaultBucket: `arn:aws:s3:::${BUCKET}` });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    const end = Date.now() + 20_000;
    for (;;) {
      const policy = await gatehouseJson(b.url, admin, 'GET', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${BUCKET}`)}`);
      if (JSON.stringify(policy.json).includes('Share')) break;
      if (Date.now() > end) assert.fail('B never heard of the bucket policy');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  /** Who beyond the account who-can says the bucket policy grants GetObject of `key` to, asked at `at`. */
  const foreign = async (at: RunningServer, key: string, context?: Record<string, string>): Promise<string[]> =>
    ((await whoCan(at, key, context))['grantedByResourcePolicy'] as { principal: string }[]).map((g) => g.principal);

  it('the replica does not list the partner for the unshared object when the question claims it shared (before the fix: it did)', async () => {
    assert.deepEqual(await foreign(a, 'in', { [SHARE]: 'yes' }), []);
    assert.deepEqual(await foreign(b, 'in', { [SHARE]: 'yes' }), []);
    assert.deepEqual(await foreign(b, 'in'), []);
  });

  it('the replica answers the partner as it answers the account\'s own principal under the same condition: both fail closed, whatever the question claims', async () => {
    const r = await whoCan(b, 'out', { [SHARE]: 'yes' });
    // Alice's Allow on the same tag fails closed on the replica (review mc, 1): she is not listed as allowed.
    assert.ok(!(r['allowed'] as { name: string }[]).some((x) => x.name === 'mq1-alice'), JSON.stringify(r['allowed']));
    assert.deepEqual((r['grantedByResourcePolicy'] as { principal: string }[]).map((g) => g.principal), []);
    // The gateway's instance reads the tags and lists both.
    assert.deepEqual(await foreign(a, 'out'), [PARTNER]);
  });

  /** The users who-can lists at `at` as reaching `key` through a default-role job (the admin, who may join, left out). */
  const viaJobs = async (at: RunningServer, key: string, context?: Record<string, string>): Promise<string[]> =>
    ((await whoCan(at, key, context))['throughDefaultRoleJobs'] as { name: string }[]).map((v) => v.name).filter((n) => n !== 'admin');

  it('a Deny on the object\'s tags holds on the replica for a default-role job\'s session, whatever the question leaves out (before the fix: frank listed)', async () => {
    assert.deepEqual(await viaJobs(a, 'plan'), []);
    assert.deepEqual(await viaJobs(b, 'plan'), []);
    assert.deepEqual(await viaJobs(b, 'plan', { [SECRET]: 'public' }), []);
  });
});
