/**
 * Review fj, 4, against a real server with the real `@aws-sdk/client-s3` (and the Debian aws CLI where installed): a
 * CreateBucket whose CreateBucketConfiguration names another region than the gateway's is refused, 400
 * IllegalLocationConstraintException, as S3's regional endpoints refuse it ("The eu-west-1 location constraint is
 * incompatible for the region specific endpoint this request was sent to."), and no bucket is made.
 *
 * What was wrong: the LocationConstraint was parsed and dropped. `aws s3 mb s3://b --region eu-west-1` (the CLI sends
 * the region it is configured for as the constraint) made a bucket the client believed to be in eu-west-1, while
 * GetBucketLocation answered the gateway's us-east-1 (an empty constraint) and HeadBucket's `x-amz-bucket-region`
 * us-east-1. Since CreateBucket is decided with `s3:LocationConstraint` (review fj, 1), a policy keeping buckets in one
 * region ("StringLike s3:LocationConstraint sa-east-1") would also have let a bucket be made in us-east-1 by a request
 * naming sa-east-1.
 *
 * What is now so: a constraint naming the gateway's region, or none, makes the bucket as before; any other is refused
 * after the decision (a caller the policy refuses still gets AccessDenied), and GetBucketLocation keeps answering where
 * every bucket is. (S3's us-east-1 endpoint refuses `LocationConstraint=us-east-1` itself, InvalidLocationConstraint; the
 * gateway takes it, as naming where the bucket is.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

let server: TestServer;
let s3: S3.S3Client;

const buckets = async (): Promise<string[]> => ((await s3.send(new S3.ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '').filter((n) => n.startsWith('fj4-'));

before(async () => {
  server = await startTestServer();
  s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
});

after(async () => {
  s3?.destroy();
  await server?.stop();
});

describe('4: a bucket is made in the gateway\'s region only', () => {
  it('LocationConstraint eu-west-1 on the us-east-1 gateway is 400 IllegalLocationConstraintException; none, or us-east-1, makes the bucket there', async () => {
    const e = await failure(s3.send(new S3.CreateBucketCommand({ Bucket: 'fj4-ireland', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    assert.equal(e.code, 'IllegalLocationConstraintException');
    assert.equal(e.status, 400);
    assert.match(e.message, /^The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to\./);
    assert.deepEqual(await buckets(), []);

    await s3.send(new S3.CreateBucketCommand({ Bucket: 'fj4-virginia' }));
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'fj4-named', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as S3.BucketLocationConstraint } }));
    assert.deepEqual((await buckets()).sort(), ['fj4-named', 'fj4-virginia']);
    const where = await s3.send(new S3.GetBucketLocationCommand({ Bucket: 'fj4-named' }));
    assert.ok(where.LocationConstraint === undefined || String(where.LocationConstraint) === '');
  });
});

describe('4: the Debian aws CLI', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-fj4-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('s3 mb --region eu-west-1 fails with S3\'s error and makes no bucket', async () => {
    const r = await awsCli(['--endpoint-url', server.running.s3Url, '--region', 'eu-west-1', 's3', 'mb', 's3://fj4-cli-ireland'], awsCliEnv(home, server.admin));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /IllegalLocationConstraintException/);
    assert.ok(!(await buckets()).includes('fj4-cli-ireland'));
  });
});
