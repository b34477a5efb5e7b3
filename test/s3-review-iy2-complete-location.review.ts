/**
 * Review iy, 2, against a real server with the real `@aws-sdk/client-s3` (and Debian's boto3 where installed):
 * CompleteMultipartUpload's `Location` is the new object's URL, as S3 answers it.
 *
 * What was wrong: `Location` was `/<bucket>/<key>`, relative and with the key as written. API_CompleteMultipartUpload
 * defines it as "The URI that identifies the newly created object" and S3 answers an absolute URL
 * (`https://bucket.s3.region.amazonaws.com/key`); clients keep it as the object's address (SDK v3 lib-storage's
 * `Upload` returns it, the Go s3manager parses it as a URL). Here it named no host, and a checkpoint key with a space,
 * `+`, `%`, `?` or `#` (`runs/lr 3e-4/ckpt#2?.pt`) was not a URL of the object at all: its `?` began a query, its `#`
 * a fragment, its `%` an escape.
 *
 * What is now so: `http://<host the request named>/<bucket>/<key, percent-encoded as a path>` (https on a TLS
 * gateway; `http://<bucket>.localhost:<port>/<key>` for a virtual-hosted request), which fetches the object.
 *
 * Before the fix, both tests failed (the boto3 one skips without python3-boto3).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'iy2-checkpoints';
const KEY = 'runs/lr 3e-4/ckpt#2?+50%.pt';

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** The key as a URL path encodes it (RFC 3986: every byte but the unreserved ones and `/`). */
const asPath = (key: string): string => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

describe('iy 2: CompleteMultipartUpload names the object by its URL', () => {
  it('SDK v3: Location is the absolute URL of the object, its key encoded, and it fetches the object', async () => {
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY }));
    const { ETag } = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId, PartNumber: 1, Body: 'step 2 weights' }));
    const done = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    const expected = `${server.running.s3Url}/${BUCKET}/${asPath(KEY)}`;
    assert.equal(done.Location, expected);
    // The URL names the object: its path is the bucket and the key, nothing left in a query or fragment.
    const url = new URL(done.Location as string);
    assert.equal(decodeURIComponent(url.pathname), `/${BUCKET}/${KEY}`);
    assert.equal(url.search, '');
    assert.equal(url.hash, '');
    // And a GET of that URL, signed, is the object.
    const presigned = new URL(await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY }), { expiresIn: 60 }));
    const r = await fetch(`${done.Location}${presigned.search}`);
    assert.deepEqual([r.status, await r.text()], [200, 'step 2 weights']);
  });

  it('boto3: complete_multipart_upload answers the same absolute Location', { skip: boto3Missing() ?? false }, async () => {
    const script = [
      'import sys, boto3',
      'from botocore.config import Config',
      'url, ak, sk, bucket, key = sys.argv[1:6]',
      "s3 = boto3.client('s3', endpoint_url=url, aws_access_key_id=ak, aws_secret_access_key=sk, region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}))",
      "u = s3.create_multipart_upload(Bucket=bucket, Key=key)['UploadId']",
      "e = s3.upload_part(Bucket=bucket, Key=key, UploadId=u, PartNumber=1, Body=b'x')['ETag']",
      "print(s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=u, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e}]})['Location'])",
    ].join('\n');
    const key = 'runs/boto 3/ckpt+1.pt';
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script, server.running.s3Url, server.admin.accessKeyId, server.admin.secretAccessKey, BUCKET, key], { encoding: 'utf8' });
    assert.equal(stdout.trim(), `${server.running.s3Url}/${BUCKET}/${asPath(key)}`);
  });
});
