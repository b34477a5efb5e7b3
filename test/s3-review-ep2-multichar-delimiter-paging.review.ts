/**
 * Review ep, 2, against a real server with the real `@aws-sdk/client-s3` paginators (and the Debian aws CLI where
 * installed): a listing with a delimiter of several characters pages through every key.
 *
 * What was wrong: a page's marker (V2's continuation token, V1's NextMarker, ListMultipartUploads' NextKeyMarker) that
 * is a common prefix makes the next page skip every key under it, so the prefix is not listed twice. The test of "is a
 * common prefix" was `rest.indexOf(delimiter) === rest.length - delimiter.length`, and a key whose remainder after the
 * listing's prefix is one character shorter than the delimiter passes it (-1 === -1). With `Delimiter: '::'` and one
 * key a page, a page ending on `logs/a` made the next skip every key starting with `logs/a`: `logs/ab` and the common
 * prefix `logs/a::` were never listed, and the paginator ended as if the listing were complete (a sync copying such a
 * listing silently left them out). S3 takes any string as a delimiter (API_ListObjectsV2: "A delimiter is a character
 * that you use to group keys"; the SDKs and the CLI send any string), and every key is listed once.
 *
 * What is now so: only a marker that ends with the delimiter, at its first occurrence after the prefix, skips the keys
 * under it; the three listings page through all of them.
 *
 * Before the fix, all 4 tests failed (ListObjectsV2, ListObjects, ListMultipartUploads, and the aws CLI's, which
 * skips without /usr/bin/aws).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const BUCKET = 'ep2-delimiters';
const KEYS = ['logs/a', 'logs/a::epoch-1/x', 'logs/a::epoch-2/y', 'logs/ab', 'logs/b', 'logs/b::z', 'logs/c'];
/** What one page of everything lists under `logs/` with delimiter `::`: keys and common prefixes, in order. */
const EXPECTED = ['logs/a', 'logs/a::', 'logs/ab', 'logs/b', 'logs/b::', 'logs/c'];

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of KEYS) await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const entries = (page: { Contents?: { Key?: string | undefined }[] | undefined; CommonPrefixes?: { Prefix?: string | undefined }[] | undefined }): string[] => [...(page.Contents ?? []).map((o) => o.Key ?? ''), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '')];

describe('ep 2: paging with a delimiter of several characters lists every key once', () => {
  it('ListObjectsV2, one entry a page (the SDK v3 paginator, following NextContinuationToken)', async () => {
    // One page of all: the reference.
    const all = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'logs/', Delimiter: '::' }));
    assert.deepEqual(entries(all).sort(), [...EXPECTED].sort());
    for (const PageSize of [1, 2, 3]) {
      const listed: string[] = [];
      for await (const page of S3.paginateListObjectsV2({ client: c, pageSize: PageSize }, { Bucket: BUCKET, Prefix: 'logs/', Delimiter: '::' })) listed.push(...entries(page));
      assert.deepEqual(listed.sort(), [...EXPECTED].sort(), `page size ${PageSize}`);
    }
  });

  it('ListObjects (V1), one entry a page, following NextMarker', async () => {
    const listed: string[] = [];
    let Marker: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET, Prefix: 'logs/', Delimiter: '::', MaxKeys: 1, ...(Marker !== undefined ? { Marker } : {}) }));
      listed.push(...entries(page));
      if (!page.IsTruncated) break;
      Marker = page.NextMarker;
    }
    assert.deepEqual(listed, EXPECTED);
  });

  it('ListMultipartUploads, one entry a page, following NextKeyMarker', async () => {
    const uploads = ['up/a', 'up/a::1', 'up/ab', 'up/b'];
    for (const Key of uploads) await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const listed: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let i = 0; i < 20; i++) {
      const page = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'up/', Delimiter: '::', MaxUploads: 1, ...markers }));
      listed.push(...(page.Uploads ?? []).map((u) => u.Key ?? ''), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''));
      if (!page.IsTruncated) break;
      markers = { ...(page.NextKeyMarker !== undefined ? { KeyMarker: page.NextKeyMarker } : {}), ...(page.NextUploadIdMarker !== undefined ? { UploadIdMarker: page.NextUploadIdMarker } : {}) };
    }
    assert.deepEqual(listed, ['up/a', 'up/a::', 'up/ab', 'up/b']);
  });

  it('the aws CLI: s3api list-objects-v2 --delimiter :: --page-size 1', { skip: awsCliMissing() }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'ep2-'));
    try {
      const env = { PATH: '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
      const r = await awsCli(['--endpoint-url', server.running.s3Url, '--output', 'json', 's3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', 'logs/', '--delimiter', '::', '--page-size', '1'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(entries(JSON.parse(r.stdout) as Parameters<typeof entries>[0]).sort(), [...EXPECTED].sort());
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
