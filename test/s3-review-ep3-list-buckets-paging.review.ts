/**
 * Review ep, 3, against a real server with the real `@aws-sdk/client-s3`:
 * ListBuckets takes its parameters, as API_ListBuckets names them: `prefix`, `continuation-token`, `max-buckets` and
 * `bucket-region`.
 *
 * What was wrong: `prefix` and `continuation-token` were read as plain parameters and ignored, and `max-buckets` and
 * `bucket-region` were refused as unserved sub-resources (501 NotImplemented). So `aws s3api list-buckets --prefix
 * team-a-` (and SDK v3's `ListBuckets({ Prefix })`, aws CLI v2's `aws s3 ls --bucket-name-prefix`) answered every
 * bucket of the account, which a script deleting or granting "its" buckets by prefix took for its own; and the SDK v3
 * paginator with a page size (`paginateListBuckets({ pageSize })`, which sends `max-buckets`), `--max-buckets` and
 * `--bucket-region` failed outright.
 *
 * What is now so: `prefix` keeps the buckets whose name starts with it and is echoed as `Prefix`; `max-buckets` (1 to
 * 10,000, else 400 InvalidArgument) bounds the page, and a page with more after it names a `ContinuationToken`, which
 * `continuation-token` continues after (one the gateway did not make is 400 InvalidArgument); `bucket-region` lists
 * the buckets in that region (all of them in the gateway's, none in another's); a paged answer gives each bucket its
 * `BucketRegion`. Without any of them, ListBuckets is as before: every bucket of the account.
 *
 * Before the fix, all 3 tests failed. (The Debian aws CLI's botocore, 1.29, predates these parameters: a current aws CLI
 * sends them for `s3api list-buckets --prefix … --max-buckets …`, as checked by hand against this gateway.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

const TEAM_A = ['ep3-a-ckpt', 'ep3-a-data', 'ep3-a-logs'];
const TEAM_B = ['ep3-b-ckpt', 'ep3-b-data'];

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  for (const Bucket of [...TEAM_B, ...TEAM_A]) await c.send(new S3.CreateBucketCommand({ Bucket }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const names = (r: S3.ListBucketsCommandOutput): string[] => (r.Buckets ?? []).map((b) => b.Name ?? '');

describe('ep 3: ListBuckets pages and filters as API_ListBuckets says', () => {
  it('Prefix keeps the buckets whose name starts with it, and is echoed', async () => {
    const r = await c.send(new S3.ListBucketsCommand({ Prefix: 'ep3-a-' }));
    assert.deepEqual(names(r), TEAM_A);
    assert.equal(r.Prefix, 'ep3-a-');
    assert.deepEqual(names(await c.send(new S3.ListBucketsCommand({ Prefix: 'nothing-' }))), []);
    // Without parameters: every bucket, as before.
    assert.deepEqual(names(await c.send(new S3.ListBucketsCommand({}))), [...TEAM_A, ...TEAM_B]);
  });

  it('MaxBuckets pages, ContinuationToken continues: the SDK v3 paginator with a page size lists each bucket once', async () => {
    const pages: string[][] = [];
    for await (const page of S3.paginateListBuckets({ client: c, pageSize: 2 }, {})) pages.push(names(page));
    assert.deepEqual(pages, [TEAM_A.slice(0, 2), [TEAM_A[2]!, TEAM_B[0]!], [TEAM_B[1]!]]);
    // With a prefix too.
    const first = await c.send(new S3.ListBucketsCommand({ Prefix: 'ep3-a-', MaxBuckets: 2 }));
    assert.deepEqual(names(first), TEAM_A.slice(0, 2));
    assert.ok(first.ContinuationToken);
    const second = await c.send(new S3.ListBucketsCommand({ Prefix: 'ep3-a-', MaxBuckets: 2, ContinuationToken: first.ContinuationToken }));
    assert.deepEqual(names(second), [TEAM_A[2]]);
    assert.equal(second.ContinuationToken, undefined);
    // Each bucket of a paged answer says its region.
    assert.deepEqual(
      second.Buckets?.map((b) => b.BucketRegion),
      ['us-east-1'],
    );
  });

  it('BucketRegion filters by region; a bad MaxBuckets or token is 400 InvalidArgument', async () => {
    assert.deepEqual(names(await c.send(new S3.ListBucketsCommand({ BucketRegion: 'us-east-1', Prefix: 'ep3-b-' }))), TEAM_B);
    assert.deepEqual(names(await c.send(new S3.ListBucketsCommand({ BucketRegion: 'eu-west-1' }))), []);
    const [name, status] = await s3Refusal(c.send(new S3.ListBucketsCommand({ MaxBuckets: 10_001 })));
    assert.deepEqual([name, status], ['InvalidArgument', 400]);
    const [tokenName, tokenStatus] = await s3Refusal(c.send(new S3.ListBucketsCommand({ ContinuationToken: 'not a token!' })));
    assert.deepEqual([tokenName, tokenStatus], ['InvalidArgument', 400]);
  });
});
