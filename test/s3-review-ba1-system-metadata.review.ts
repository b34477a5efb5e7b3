/**
 * Review ba, 1, against a real server with the real `@aws-sdk/client-s3` and the Debian aws CLI: the system-defined
 * metadata a client sets on an object (S3 User Guide, "Working with object metadata": Cache-Control,
 * Content-Disposition, Content-Encoding, Content-Language, Expires) is kept and served back, as S3 does.
 *
 * What was wrong: the gateway kept Content-Type and `x-amz-meta-*` only. `PutObject --content-encoding gzip` stored
 * the object and HeadObject/GetObject answered without Content-Encoding, so a browser or `curl --compressed` fetching
 * a gzipped dataset shard through a presigned URL got compressed bytes it took for plain text; Cache-Control,
 * Content-Disposition (the download's file name), Content-Language and Expires were dropped the same way, by
 * PutObject, CreateMultipartUpload and CopyObject with `REPLACE`, without a word.
 *
 * What is now so: the five headers are stored with the object and returned by HeadObject and GetObject (a
 * `response-*` query parameter still overrides them). `aws-chunked`, which SDK v3 and the aws CLI add to
 * Content-Encoding for a streamed body (`aws-chunked`, `gzip,aws-chunked`, `aws-chunked,gzip`), is the request's
 * framing, not the object's: it is removed and the rest stored, nothing when nothing is left (sigv4-streaming.html).
 * CopyObject keeps the source's (`COPY`) or takes the request's (`REPLACE`, where an absent header is dropped);
 * a multipart object has CreateMultipartUpload's; PutObjectTagging keeps them. An object stored by an earlier
 * version, whose record has no such field, is served without these headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as S3 from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { adminBucketRestartable, storedAsEarlierVersion } from './support/s3.ts';
import type { TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const BUCKET = 'ba1-meta';
const EXPIRES = new Date('2031-01-02T03:04:05Z');
const GZIPPED = gzipSync(Buffer.from('{"shard": 0, "rows": ["a", "b", "c"]}\n'.repeat(50)));
const SET = {
  ContentType: 'application/json',
  ContentEncoding: 'gzip',
  ContentDisposition: 'attachment; filename="shard-0.json.gz"',
  CacheControl: 'max-age=3600, immutable',
  ContentLanguage: 'de-CH',
  Expires: EXPIRES,
} as const;

let server: TestServer;
let c: S3.S3Client;
const bucket = adminBucketRestartable(BUCKET, (client, s) => {
  c = client;
  server = s;
});

type Served = Pick<S3.HeadObjectCommandOutput, 'ContentType' | 'ContentEncoding' | 'ContentDisposition' | 'CacheControl' | 'ContentLanguage' | 'Expires'>;
const shown = (o: Served) => ({
  ContentType: o.ContentType,
  ContentEncoding: o.ContentEncoding,
  ContentDisposition: o.ContentDisposition,
  CacheControl: o.CacheControl,
  ContentLanguage: o.ContentLanguage,
  Expires: o.Expires?.toISOString(),
});
const expected = (o: Partial<Record<keyof Served, string | Date>>) => ({
  ContentType: o.ContentType,
  ContentEncoding: o.ContentEncoding,
  ContentDisposition: o.ContentDisposition,
  CacheControl: o.CacheControl,
  ContentLanguage: o.ContentLanguage,
  Expires: o.Expires instanceof Date ? o.Expires.toISOString() : o.Expires,
});
const head = async (key: string) => shown(await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })));

describe('1: system-defined metadata is kept and served back', () => {
  it('PutObject: HeadObject and GetObject return Content-Encoding, Content-Disposition, Cache-Control, Content-Language and Expires; the bytes are served as stored', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shard-0.json.gz', Body: GZIPPED, ...SET }));
    assert.deepEqual(await head('shard-0.json.gz'), expected(SET));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0.json.gz' }));
    assert.deepEqual(shown(got), expected(SET));
    assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), GZIPPED);
    // A response-* parameter still overrides what is stored, for this answer only.
    const overridden = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0.json.gz', ResponseCacheControl: 'no-store', ResponseContentDisposition: 'inline' }));
    await overridden.Body?.transformToByteArray();
    assert.deepEqual(shown(overridden), expected({ ...SET, CacheControl: 'no-store', ContentDisposition: 'inline' }));
  });

  it('a streamed body: `aws-chunked` (alone, after or before the client\'s encoding) is not stored', async () => {
    const stream = (): Readable => Readable.from([GZIPPED.subarray(0, 100), GZIPPED.subarray(100)]);
    // SDK v3 sends `Content-Encoding: gzip,aws-chunked` (x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER).
    let sent: string | undefined;
    const spy = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
    spy.middlewareStack.add(
      (next) => async (args) => {
        sent = (args.request as { headers: Record<string, string> }).headers['content-encoding'];
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'ba1Spy' },
    );
    await spy.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'streamed-gzip', Body: stream(), ContentLength: GZIPPED.length, ContentEncoding: 'gzip', CacheControl: 'no-cache' }));
    assert.equal(sent, 'gzip,aws-chunked');
    assert.deepEqual(await head('streamed-gzip'), expected({ ContentType: 'application/octet-stream', ContentEncoding: 'gzip', CacheControl: 'no-cache' }));
    // `aws-chunked` alone: nothing is left, so the object has no Content-Encoding.
    await spy.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'streamed-plain', Body: stream(), ContentLength: GZIPPED.length }));
    assert.equal(sent, 'aws-chunked');
    assert.deepEqual(await head('streamed-plain'), expected({ ContentType: 'application/octet-stream' }));
    spy.destroy();

    // `aws-chunked,gzip`, the order sigv4-streaming.html shows, set before the request is signed.
    const first = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
    let reordered = false;
    const reorder: FinalizeRequestMiddleware<object, S3.ServiceOutputTypes> = (next) => async (args) => {
      const h = (args.request as { headers: Record<string, string> }).headers;
      if (h['content-encoding'] === 'gzip,aws-chunked') {
        h['content-encoding'] = 'aws-chunked, gzip';
        reordered = true;
      }
      return next(args);
    };
    first.middlewareStack.addRelativeTo(
      reorder,
      { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'ba1Reorder' },
    );
    await first.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'streamed-first', Body: stream(), ContentLength: GZIPPED.length, ContentEncoding: 'gzip' }));
    first.destroy();
    assert.equal(reordered, true);
    assert.equal((await head('streamed-first')).ContentEncoding, 'gzip');
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'streamed-first' }));
    assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), GZIPPED);
  });

  it('CopyObject keeps the source\'s (COPY) or takes the request\'s (REPLACE); PutObjectTagging keeps them', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: GZIPPED, ...SET }));
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/source` }));
    assert.deepEqual(await head('copied'), expected(SET));
    await c.send(
      new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'replaced', CopySource: `${BUCKET}/source`, MetadataDirective: 'REPLACE', ContentType: 'application/gzip', CacheControl: 'no-store', ContentDisposition: 'inline' }),
    );
    // What the REPLACE request did not send is gone, as in S3.
    assert.deepEqual(await head('replaced'), expected({ ContentType: 'application/gzip', CacheControl: 'no-store', ContentDisposition: 'inline' }));
    // Onto itself with REPLACE: the usual way to change an object's metadata.
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'replaced', CopySource: `${BUCKET}/replaced`, MetadataDirective: 'REPLACE', ContentType: 'application/gzip', ContentLanguage: 'fr' }));
    assert.deepEqual(await head('replaced'), expected({ ContentType: 'application/gzip', ContentLanguage: 'fr' }));
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'source', Tagging: { TagSet: [{ Key: 'team', Value: 'ml' }] } }));
    assert.deepEqual(await head('source'), expected(SET));
  });

  it('a multipart object has what CreateMultipartUpload was given', async () => {
    const Key = 'multipart.bin.gz';
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key, ...SET }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 1) }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 2, Body: Readable.from([Buffer.alloc(10, 2)]), ContentLength: 10 }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag ?? '' }, { PartNumber: 2, ETag: p2.ETag ?? '' }] } }));
    assert.deepEqual(await head(Key), expected(SET));
  });

  it('an object stored by an earlier version (no such field in its record) is served without these headers', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'legacy', Body: 'old', ContentType: 'text/plain', ContentEncoding: 'identity', Metadata: { owner: 'ana' } }));
    // The record as the previous version wrote it: the same fields, and nothing else.
    await bucket.restart((dataDir) => storedAsEarlierVersion(dataDir, BUCKET, 'legacy', ['format', 'key', 'vid', 'block', 'sizes', 'etag', 'lastModified', 'contentType', 'metadata', 'tags', 'sha256']));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'legacy' }));
    assert.deepEqual(shown(h), expected({ ContentType: 'text/plain' }));
    assert.deepEqual(h.Metadata, { owner: 'ana' });
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'legacy' }));
    assert.equal(await got.Body?.transformToString(), 'old');
    // The objects written since are still served with theirs.
    assert.deepEqual(await head('shard-0.json.gz'), expected(SET));
  });
});

describe('1: the Debian aws CLI', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-ba1-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const aws = (...args: string[]) =>
    awsCli(['--endpoint-url', server.running.s3Url, '--region', 'us-east-1', '--output', 'json', ...args], awsCliEnv(home, server.admin));
  const headed = async (key: string): Promise<Record<string, unknown>> => {
    const r = await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', key);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout) as Record<string, unknown>;
    return { ContentType: o['ContentType'], ContentEncoding: o['ContentEncoding'], ContentDisposition: o['ContentDisposition'], CacheControl: o['CacheControl'], ContentLanguage: o['ContentLanguage'], Expires: o['Expires'] };
  };
  const flags = ['--content-type', 'application/json', '--content-encoding', 'gzip', '--cache-control', 'max-age=60', '--content-disposition', 'attachment; filename="rows.json.gz"', '--content-language', 'en', '--expires', '2031-01-02T03:04:05Z'];
  const want = { ContentType: 'application/json', ContentEncoding: 'gzip', ContentDisposition: 'attachment; filename="rows.json.gz"', CacheControl: 'max-age=60', ContentLanguage: 'en', Expires: '2031-01-02T03:04:05+00:00' };

  it('s3 cp with --content-encoding, --cache-control…: a single PUT and the CLI\'s own multipart upload keep them; s3 cp bucket to bucket copies them', async () => {
    const small = join(home, 'rows.json.gz');
    await writeFile(small, GZIPPED);
    const up = await aws('s3', 'cp', small, `s3://${BUCKET}/cli/rows.json.gz`, ...flags);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await headed('cli/rows.json.gz'), want);
    // Above the CLI's 8 MiB threshold: CreateMultipartUpload carries them.
    const large = join(home, 'large.gz');
    await writeFile(large, Buffer.alloc(9 * 1024 * 1024, 3));
    const mp = await aws('s3', 'cp', large, `s3://${BUCKET}/cli/large.gz`, ...flags);
    assert.equal(mp.code, 0, mp.stderr);
    assert.deepEqual(await headed('cli/large.gz'), want);
    // A copy within S3 (CopyObject, directive COPY), and a download that leaves the gzip bytes as stored.
    const cp = await aws('s3', 'cp', `s3://${BUCKET}/cli/rows.json.gz`, `s3://${BUCKET}/cli/copy.json.gz`);
    assert.equal(cp.code, 0, cp.stderr);
    assert.deepEqual(await headed('cli/copy.json.gz'), want);
    const down = join(home, 'down.gz');
    const get = await aws('s3', 'cp', `s3://${BUCKET}/cli/copy.json.gz`, down);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(await readFile(down), GZIPPED);
  });
});
