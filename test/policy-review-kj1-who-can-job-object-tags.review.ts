/**
 * Review kj, 1, against a real server with the real `@aws-sdk/client-s3`: who-can's users who reach an object through a
 * job of the workspace default role (`throughDefaultRoleJobs`) are decided with the object's stored tags as
 * `s3:ExistingObjectTag/<key>`, as the S3 gateway decides the job's request and as the rest of who-can's answer is.
 *
 * What was wrong: review kd, 1 made the authorize API (and so who-can's `allowed`) decide an object of a bucket the S3
 * gateway holds with the object's stored tags, but who-can's default-role-job path evaluated the job's session policy
 * (which carries the submitter's own Denies that may concern tables) with the asker's `s3:ExistingObjectTag/*`. A member
 * whose Deny on `s3:ExistingObjectTag/classification = secret` covers the secret object was listed as reaching it
 * through a job when the question carried no tags, though the gateway refuses that job's GetObject; and a question
 * claiming `classification: secret` of a public object left out a member whose job reads it.
 *
 * What is now so: that path takes its context from the authorizer (`contextFor`, the same replacement `decide` makes),
 * so the answer agrees with the gateway whatever tags the asker writes.
 *
 * Before the fix 3 of 3 tests failed (the third on who-can once the default role exists).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const WS = `arn:aws:training::${A}:workspace/kj1lab`;
const BUCKET = 'kj1-lab';
const SECRET_TAG = 's3:ExistingObjectTag/classification';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review kj1: who-can decides default-role jobs with an object\'s stored tags', () => {
  let s: TestServer;
  let frank: Credentials;
  const clients: S3.S3Client[] = [];
  const s3 = (credentials: Credentials): S3.S3Client => {
    const c = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'kj1-frank' }));
    // A member who may submit; his own Deny (of every action, so one that may concern tables: copied into his job's
    // session policy) covers the objects tagged secret.
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'kj1-frank',
      PolicyName: 'p',
      PolicyDocument: policy(
        { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS },
        { Effect: 'Deny', Action: '*', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { [SECRET_TAG]: 'secret' } } },
      ),
    }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'kj1-frank' }))).AccessKey;
    frank = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    const admin = s3(s.admin);
    await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'plan', Body: 's', Tagging: 'classification=secret' }));
    await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'open', Body: 'o', Tagging: 'classification=public' }));
    const w = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/kj1lab', { members: [{ user: 'kj1-frank' }], defaultBucket: `arn:aws:s3:::${BUCKET}` });
    assert.equal(w.status, 200, JSON.stringify(w.json));
  });
  after(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await s?.stop();
  });

  /** The users who-can lists as reaching `key` through a default-role job (the admin, who may join, left out). */
  const viaJobs = async (key: string, context?: Record<string, string>): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['throughDefaultRoleJobs'] as { name: string }[]).map((v) => v.name).filter((n) => n !== 'admin');
  };

  it('the secret object: frank is not listed, whatever tags the question carries (before the fix: listed without tags)', async () => {
    assert.deepEqual(await viaJobs('plan'), []);
    assert.deepEqual(await viaJobs('plan', { [SECRET_TAG]: 'public' }), []);
  });

  it('the public object: frank is listed, even when the question claims it secret (before the fix: left out)', async () => {
    assert.deepEqual(await viaJobs('open'), ['kj1-frank']);
    assert.deepEqual(await viaJobs('open', { [SECRET_TAG]: 'secret' }), ['kj1-frank']);
  });

  it('the gateway agrees: frank\'s default-role job reads the public object and is refused the secret one; who-can still says so after the role exists', async () => {
    const j = await gatehouseJson(s.url, frank, 'POST', '/v1/jobs', { workspace: 'kj1lab', role: 'default' });
    assert.equal(j.status, 201, JSON.stringify(j.json));
    const env = j.json['environment'] as Record<string, string>;
    const c = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: String(j.json['capability']) } })).json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const job = s3({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token });
    const open = await job.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'open' }));
    assert.equal(await open.Body?.transformToString(), 'o');
    await assert.rejects(job.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'plan' })), (e: Error) => e.name === 'AccessDenied');
    assert.deepEqual(await viaJobs('plan'), []);
    assert.deepEqual(await viaJobs('open', { [SECRET_TAG]: 'secret' }), ['kj1-frank']);
  });
});
