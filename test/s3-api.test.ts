/**
 * The S3 gateway through the real `@aws-sdk/client-s3` (path-style, pointed at `RunningServer.s3Url`) against a
 * real `startServer` on 127.0.0.1: every operation and its errors as the SDK surfaces them, presigned URLs made by
 * `@aws-sdk/s3-request-presigner`, ranges, multipart, the payload forms the SDK does not send by itself (signed
 * `aws-chunked`, a wrong `x-amz-content-sha256`) signed with `@smithy/signature-v4`, and the decisions: identity
 * policies, bucket policies (same account and cross-account), `s3:prefix`, `s3:ExistingObjectTag/*`, each denial
 * audited with its explanation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer } from '../src/main/server.ts';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { App, Caller } from '../src/app/index.ts';
import { s3Clients } from './support/s3.ts';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });


let server: TestServer;
let admin: I.IAMClient;
let app: App;
let rootCaller: Caller;
const clients = s3Clients(() => server);
const s3 = (credentials: Credentials = server.admin): S3.S3Client => clients(credentials);

const code = async (p: Promise<unknown>): Promise<string> => (await failure(p)).code;

async function createUser(name: string, inline?: string, client = admin): Promise<Credentials> {
  await client.send(new I.CreateUserCommand({ UserName: name }));
  if (inline) await client.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: inline }));
  const k = await client.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

const text = async (r: S3.GetObjectCommandOutput): Promise<string> => (await r.Body?.transformToString()) ?? '';
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A request signed by the SDK's own signer, sent with fetch: for the payload forms the S3 client does not produce. */
async function signedFetch(credentials: Credentials, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Response> {
  const url = new URL(server.running.s3Url);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, ...headers }, ...(body !== undefined ? { body } : {}) });
  return fetch(`${server.running.s3Url}${path}`, { method, headers: signed.headers, ...(body !== undefined ? { body } : {}) });
}

before(async () => {
  server = await startTestServer();
  admin = server.iam();
  app = await server.openApp();
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  rootCaller = root.value.caller;
});

after(async () => {
  clients.destroyAll();
  await server?.stop();
});

describe('buckets', () => {
  it('CreateBucket, ListBuckets, HeadBucket, GetBucketLocation, DeleteBucket; the errors S3 answers', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'lifecycle' }));
    const list = await c.send(new S3.ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === 'lifecycle' && b.CreationDate instanceof Date));
    assert.equal(list.Owner?.ID, ACCT);
    await c.send(new S3.HeadBucketCommand({ Bucket: 'lifecycle' }));
    const loc = await c.send(new S3.GetBucketLocationCommand({ Bucket: 'lifecycle' }));
    assert.ok(loc.LocationConstraint === undefined || String(loc.LocationConstraint) === '', `us-east-1 is the empty constraint, got ${String(loc.LocationConstraint)}`);

    // The caller's own bucket made again: 200 in us-east-1, as S3 answers it there (review tb, 2; BucketAlreadyOwnedByYou elsewhere).
    assert.equal((await c.send(new S3.CreateBucketCommand({ Bucket: 'lifecycle' }))).$metadata.httpStatusCode, 200);
    await c.send(new S3.PutObjectCommand({ Bucket: 'lifecycle', Key: 'x', Body: 'x' }));
    const notEmpty = await failure(c.send(new S3.DeleteBucketCommand({ Bucket: 'lifecycle' })));
    assert.equal(notEmpty.code, 'BucketNotEmpty');
    assert.equal(notEmpty.status, 409);
    await c.send(new S3.DeleteObjectCommand({ Bucket: 'lifecycle', Key: 'x' }));
    await c.send(new S3.DeleteBucketCommand({ Bucket: 'lifecycle' }));

    const missing = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'lifecycle', Key: 'x' })));
    assert.equal(missing.code, 'NoSuchBucket');
    assert.equal(missing.status, 404);
    // HEAD errors carry no body: the SDK names them by status.
    const head = await failure(c.send(new S3.HeadBucketCommand({ Bucket: 'lifecycle' })));
    assert.equal(head.status, 404);
    assert.equal(await code(c.send(new S3.CreateBucketCommand({ Bucket: 'Bad_Name' }))), 'InvalidBucketName');
    // What some tools ask first: the owner's full control, and no versioning; writing either is not implemented.
    await c.send(new S3.CreateBucketCommand({ Bucket: 'settings' }));
    const acl = await c.send(new S3.GetBucketAclCommand({ Bucket: 'settings' }));
    assert.equal(acl.Owner?.ID, ACCT);
    assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]), [[ACCT, 'FULL_CONTROL']]);
    assert.equal((await c.send(new S3.GetBucketVersioningCommand({ Bucket: 'settings' }))).Status, undefined);
    assert.equal(await code(c.send(new S3.PutBucketVersioningCommand({ Bucket: 'settings', VersioningConfiguration: { Status: 'Enabled' } }))), 'NotImplemented');
  });

  it('virtual-hosted style under *.localhost (what SDK v3 picks for an endpoint named localhost)', async () => {
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'vhost' }));
    await s3().send(new S3.PutObjectCommand({ Bucket: 'vhost', Key: 'dir/k', Body: 'by host' }));
    const url = new URL(server.running.s3Url);
    const host = `vhost.localhost:${url.port}`;
    const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: 'vhost.localhost', port: Number(url.port), path: '/dir/k', headers: { host, 'x-amz-content-sha256': sha256('') } });
    const body = await new Promise<string>((resolve, reject) => {
      const r = httpRequest({ host: url.hostname, port: url.port, path: '/dir/k', method: 'GET', headers: signed.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      r.on('error', reject).end();
    });
    assert.equal(body, '200 by host');
  });

  it('S3 error documents: namespace-free <Error> with Code, Message, the missing bucket (as S3), Resource, RequestId, and x-amz-request-id', async () => {
    const r = await signedFetch(server.admin, 'GET', '/no-such-bucket-here', { 'x-amz-content-sha256': sha256('') });
    assert.equal(r.status, 404, await r.clone().text());
    const id = r.headers.get('x-amz-request-id');
    assert.ok(id);
    const body = await r.text();
    assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchBucket<\/Code><Message>[^<]+<\/Message><BucketName>no-such-bucket-here<\/BucketName><Resource>\/no-such-bucket-here<\/Resource><RequestId>([0-9A-F]+)<\/RequestId><\/Error>$/);
    assert.ok(body.includes(`<RequestId>${id}</RequestId>`));
    // Its latency is in the server's metrics, under api="s3".
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /api="s3",code="404"/);
  });
});

describe('objects', () => {
  before(async () => {
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'objects' }));
  });

  it('PutObject, GetObject and HeadObject keep content type, metadata and the S3 ETag; keys with spaces, plus and unicode', async () => {
    const c = s3();
    const key = 'dir one/a+b ü=1&x.txt';
    const put = await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: key, Body: 'hello world', ContentType: 'text/plain', Metadata: { owner: 'alice' } }));
    assert.equal(put.ETag, `"${createHash('md5').update('hello world').digest('hex')}"`);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: key }));
    assert.equal(await text(got), 'hello world');
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.ContentLength, 11);
    assert.equal(got.Metadata?.['owner'], 'alice');
    assert.equal(got.ETag, put.ETag);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: 'objects', Key: key }));
    assert.equal(head.ContentLength, 11);
    assert.equal(head.ETag, put.ETag);
    assert.ok(head.LastModified instanceof Date);

    // Empty objects (directory markers): stored, listed, served whole even when a range is asked.
    await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: 'empty/', Body: '' }));
    const empty = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'empty/' }));
    assert.equal(await text(empty), '');
    assert.equal(empty.ContentLength, 0);
    assert.equal(empty.ETag, `"${createHash('md5').update('').digest('hex')}"`);
    assert.equal(await code(c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'empty/', Range: 'bytes=0-10' }))), 'InvalidRange');

    const missing = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'nope' })));
    assert.equal(missing.code, 'NoSuchKey');
    assert.equal(missing.status, 404);
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: 'objects', Key: 'nope' })))).status, 404);
  });

  it('a streamed body (aws-chunked with a trailing CRC32) is stored whole', async () => {
    const c = s3();
    const data = randomBytes(300_000);
    await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: 'streamed.bin', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length }));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'streamed.bin' }));
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(data));
  });

  it('ranged GET: 206 with Content-Range, suffix and open ranges, 416 InvalidRange', async () => {
    const c = s3();
    await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }));
    const a = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=2-5' }));
    assert.equal(a.$metadata.httpStatusCode, 206);
    assert.equal(a.ContentRange, 'bytes 2-5/10');
    assert.equal(await text(a), '2345');
    const b = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=-3' }));
    assert.equal(await text(b), '789');
    assert.equal(b.ContentRange, 'bytes 7-9/10');
    const open = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=8-' }));
    assert.equal(await text(open), '89');
    const beyond = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=5-100' }));
    assert.equal(await text(beyond), '56789');
    const bad = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=10-20' })));
    assert.equal(bad.code, 'InvalidRange');
    assert.equal(bad.status, 416);
  });

  it('ListObjectsV2: prefix, delimiter, max-keys with continuation, start-after, encoding-type=url; ListObjects v1', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b/4', 'c', 'd e+f'];
    for (const k of keys) await c.send(new S3.PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
    const all = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(all.Contents?.map((o) => o.Key), keys);
    assert.equal(all.KeyCount, 6);
    assert.equal(all.Contents?.[0]?.Size, 3);
    assert.match(all.Contents?.[0]?.ETag ?? '', /^"[0-9a-f]{32}"$/);

    const top = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(top.Contents?.map((o) => o.Key), ['c', 'd e+f']);
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/']);
    const underA = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(underA.Contents?.map((o) => o.Key), ['a/1', 'a/2']);
    assert.deepEqual(underA.CommonPrefixes?.map((p) => p.Prefix), ['a/b/']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 4, ...(token ? { ContinuationToken: token } : {}) }));
      pages++;
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) assert.ok(token);
    } while (token);
    assert.equal(pages, 2);
    assert.deepEqual(seen, keys);

    const afterB = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/4' }));
    assert.deepEqual(afterB.Contents?.map((o) => o.Key), ['c', 'd e+f']);
    const encoded = await c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Prefix: 'd', EncodingType: 'url' }));
    assert.deepEqual(encoded.Contents?.map((o) => o.Key), ['d+e%2Bf']);
    assert.equal(await code(c.send(new S3.ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: '!!not-a-token' }))), 'InvalidArgument');

    const v1 = await c.send(new S3.ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
    assert.deepEqual(v1.Contents?.map((o) => o.Key), ['a/1', 'a/2', 'a/b/3']);
    assert.equal(v1.IsTruncated, true);
    const v1next = await c.send(new S3.ListObjectsCommand({ Bucket: 'listing', Marker: 'a/b/3' }));
    assert.deepEqual(v1next.Contents?.map((o) => o.Key), ['b/4', 'c', 'd e+f']);
  });

  it('DeleteObject, DeleteObjects (verbose and quiet), and a key that never existed', async () => {
    const c = s3();
    for (const k of ['del/1', 'del/2', 'del/3', 'del/4']) await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    await c.send(new S3.DeleteObjectCommand({ Bucket: 'objects', Key: 'del/1' }));
    await c.send(new S3.DeleteObjectCommand({ Bucket: 'objects', Key: 'never-existed' }));
    const verbose = await c.send(new S3.DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/3' }] } }));
    assert.deepEqual(verbose.Deleted?.map((d) => d.Key).sort(), ['del/2', 'del/3']);
    const quiet = await c.send(new S3.DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'del/4' }], Quiet: true } }));
    assert.equal(quiet.Deleted?.length ?? 0, 0);
    const left = await c.send(new S3.ListObjectsV2Command({ Bucket: 'objects', Prefix: 'del/' }));
    assert.equal(left.KeyCount, 0);
  });

  it('CopyObject: metadata copied, or replaced with x-amz-metadata-directive REPLACE', async () => {
    const c = s3();
    await c.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: 'src.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    const copied = await c.send(new S3.CopyObjectCommand({ Bucket: 'objects', Key: 'dst.txt', CopySource: 'objects/src.txt' }));
    assert.equal(copied.CopyObjectResult?.ETag, `"${createHash('md5').update('copy me').digest('hex')}"`);
    const d = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'dst.txt' }));
    assert.equal(await text(d), 'copy me');
    assert.equal(d.Metadata?.['a'], '1');
    await c.send(new S3.CopyObjectCommand({ Bucket: 'objects', Key: 'dst2.txt', CopySource: 'objects/src.txt', MetadataDirective: 'REPLACE', ContentType: 'application/json', Metadata: { b: '2' } }));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: 'objects', Key: 'dst2.txt' }));
    assert.equal(h.ContentType, 'application/json');
    assert.deepEqual(h.Metadata, { b: '2' });
    assert.equal(await code(c.send(new S3.CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/missing' }))), 'NoSuchKey');
  });

  it('multipart: two 5 MiB parts and a tail, ListParts, complete (ETag of the MD5s, -3), abort → NoSuchUpload', async () => {
    const c = s3();
    const parts = [randomBytes(5 << 20), randomBytes(5 << 20), randomBytes(1234)];
    const created = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'objects', Key: 'big.bin', ContentType: 'application/x-test' }));
    const uploadId = created.UploadId;
    assert.ok(uploadId);
    const etags: string[] = [];
    for (const [i, p] of parts.entries()) {
      const r: S3.UploadPartCommandOutput = await c.send(new S3.UploadPartCommand({ Bucket: 'objects', Key: 'big.bin', UploadId: uploadId, PartNumber: i + 1, Body: p }));
      assert.equal(r.ETag, `"${createHash('md5').update(p).digest('hex')}"`);
      etags.push(r.ETag ?? '');
    }
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: 'objects', Key: 'big.bin', UploadId: uploadId }));
    assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), parts.map((p, i) => [i + 1, p.length, etags[i]]));
    const done = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'objects', Key: 'big.bin', UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    const expected = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex');
    assert.equal(done.ETag, `"${expected}-3"`);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'big.bin' }));
    assert.equal(got.ContentType, 'application/x-test');
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(Buffer.concat(parts)));
    const ranged = await c.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'big.bin', Range: `bytes=${(5 << 20) - 2}-${(5 << 20) + 1}` }));
    assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), Buffer.concat(parts).subarray((5 << 20) - 2, (5 << 20) + 2));

    const other = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'objects', Key: 'aborted.bin' }));
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: 'objects', Key: 'aborted.bin', UploadId: other.UploadId }));
    assert.equal(await code(c.send(new S3.UploadPartCommand({ Bucket: 'objects', Key: 'aborted.bin', UploadId: other.UploadId, PartNumber: 1, Body: 'x' }))), 'NoSuchUpload');
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: 'objects', Prefix: 'aborted' }))).KeyCount, 0);
    assert.equal((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: 'objects' }))).Uploads?.length ?? 0, 0);
  });
});

describe('copies of parts, and object tags', () => {
  it('UploadPartCopy: ranges of an object become parts of another', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'partcopy' }));
    const src = randomBytes((5 << 20) + 500);
    await c.send(new S3.PutObjectCommand({ Bucket: 'partcopy', Key: 'src', Body: src }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'partcopy', Key: 'dst' }));
    const p1 = await c.send(new S3.UploadPartCopyCommand({ Bucket: 'partcopy', Key: 'dst', UploadId: up.UploadId, PartNumber: 1, CopySource: 'partcopy/src', CopySourceRange: `bytes=0-${(5 << 20) - 1}` }));
    const p2 = await c.send(new S3.UploadPartCopyCommand({ Bucket: 'partcopy', Key: 'dst', UploadId: up.UploadId, PartNumber: 2, CopySource: 'partcopy/src', CopySourceRange: `bytes=${5 << 20}-${src.length - 1}` }));
    assert.equal(p1.CopyPartResult?.ETag, `"${createHash('md5').update(src.subarray(0, 5 << 20)).digest('hex')}"`);
    assert.equal(await code(c.send(new S3.UploadPartCopyCommand({ Bucket: 'partcopy', Key: 'dst', UploadId: up.UploadId, PartNumber: 3, CopySource: 'partcopy/src', CopySourceRange: `bytes=0-${src.length}` }))), 'InvalidArgument');
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'partcopy', Key: 'dst', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] } }));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'partcopy', Key: 'dst' }));
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(src));
  });

  it('Put/Get/DeleteObjectTagging, and the tags in s3:ExistingObjectTag decisions at once', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'tagged' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'tagged', Key: 'doc', Body: 'body', ContentType: 'text/plain', Metadata: { m: '1' } }));
    const viewer = await createUser('tag-viewer', doc(allow('s3:GetObject', 'arn:aws:s3:::tagged/*', { Condition: { StringEquals: { 's3:ExistingObjectTag/share': 'yes' } } })));
    assert.equal(await code(s3(viewer).send(new S3.GetObjectCommand({ Bucket: 'tagged', Key: 'doc' }))), 'AccessDenied');
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', Tagging: { TagSet: [{ Key: 'share', Value: 'yes' }] } }));
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }))).TagSet, [{ Key: 'share', Value: 'yes' }]);
    const got = await s3(viewer).send(new S3.GetObjectCommand({ Bucket: 'tagged', Key: 'doc' }));
    assert.equal(await text(got), 'body');
    assert.equal(got.ContentType, 'text/plain');
    assert.deepEqual(got.Metadata, { m: '1' });
    await c.send(new S3.DeleteObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }));
    assert.equal((await c.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }))).TagSet?.length ?? 0, 0);
    assert.equal(await code(s3(viewer).send(new S3.GetObjectCommand({ Bucket: 'tagged', Key: 'doc' }))), 'AccessDenied');
  });
});

describe('payloads and signatures', () => {
  before(async () => {
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'payloads' }));
  });

  it('a body that is not the one x-amz-content-sha256 declares: XAmzContentSHA256Mismatch, nothing stored', async () => {
    const r = await signedFetch(server.admin, 'PUT', '/payloads/mismatch', { 'x-amz-content-sha256': sha256('the declared body'), 'content-length': '15' }, 'another body!!!');
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: 'mismatch' }))), 'NotFound');
  });

  /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD: chunk signatures chained from the seed, per the S3 spec, HMACs by the SDK's signer. */
  async function signedChunks(key: string, chunks: Buffer[], tamper?: number, trailer?: { crc32: string; tamper?: boolean }): Promise<Response> {
    const url = new URL(server.running.s3Url);
    const decoded = chunks.reduce((n, c) => n + c.length, 0);
    const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const trailerLines = trailer ? `x-amz-checksum-crc32:${trailer.crc32}\r\nx-amz-trailer-signature:${'0'.repeat(64)}\r\n` : '';
    const encodedLength = [...chunks, Buffer.alloc(0)].reduce((n, c) => n + c.length.toString(16).length + ';chunk-signature='.length + 64 + 4 + c.length, 0) + trailerLines.length;
    const date = new Date();
    const signed = await signer.sign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: `/payloads/${key}`,
        headers: {
          host: url.host,
          'x-amz-content-sha256': trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(decoded),
          'content-length': String(encodedLength),
          ...(trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}),
        },
      },
      { signingDate: date },
    );
    const seed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? '';
    const amzDate = String(signed.headers['x-amz-date']);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    let previous = seed;
    const body: Buffer[] = [];
    for (const [i, c] of [...chunks, Buffer.alloc(0)].entries()) {
      const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256(''), sha256(c)].join('\n');
      let sig = await signer.sign(toSign, { signingDate: date });
      if (i === tamper) sig = sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
      previous = sig;
      const last = c.length === 0;
      body.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), c, Buffer.from(last && trailer ? '' : '\r\n'));
    }
    if (trailer) {
      // The trailer chunk: its headers (`name:value\n` each) signed on from the final chunk's signature.
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256(`x-amz-checksum-crc32:${trailer.crc32}\n`)].join('\n');
      let sig = await signer.sign(toSign, { signingDate: date });
      if (trailer.tamper) sig = sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
      body.push(Buffer.from(`x-amz-checksum-crc32:${trailer.crc32}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`));
    }
    const payload = Buffer.concat(body);
    assert.equal(payload.length, encodedLength);
    return fetch(`${server.running.s3Url}/payloads/${key}`, { method: 'PUT', headers: signed.headers, body: payload });
  }

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks are stored; a bad chunk signature is refused and nothing is stored', async () => {
    const chunks = [randomBytes(65536), randomBytes(65536), randomBytes(1000)];
    const ok = await signedChunks('chunked-ok', chunks);
    assert.equal(ok.status, 200, await ok.clone().text());
    const got = await s3().send(new S3.GetObjectCommand({ Bucket: 'payloads', Key: 'chunked-ok' }));
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(Buffer.concat(chunks)));

    const bad = await signedChunks('chunked-bad', chunks, 1);
    assert.equal(bad.status, 403);
    assert.match(await bad.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: 'chunked-bad' }))), 'NotFound');
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the trailer signature and its CRC32 are verified', async () => {
    const chunks = [randomBytes(65536), randomBytes(4000)];
    const whole = Buffer.concat(chunks);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(whole));
    const ok = await signedChunks('trailer-ok', chunks, undefined, { crc32: crc.toString('base64') });
    assert.equal(ok.status, 200, await ok.clone().text());
    const got = await s3().send(new S3.GetObjectCommand({ Bucket: 'payloads', Key: 'trailer-ok' }));
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(whole));
    const badSig = await signedChunks('trailer-bad-sig', chunks, undefined, { crc32: crc.toString('base64'), tamper: true });
    assert.equal(badSig.status, 403);
    assert.match(await badSig.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const badSum = await signedChunks('trailer-bad-sum', chunks, undefined, { crc32: 'AAAAAA==' });
    assert.equal(badSum.status, 400);
    assert.match(await badSum.text(), /<Code>BadDigest<\/Code>/);
    for (const k of ['trailer-bad-sig', 'trailer-bad-sum']) assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: k }))), 'NotFound');
  });

  it('a header checksum or Content-MD5 that does not match the body: BadDigest, nothing stored', async () => {
    const body = 'checksummed body';
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.from(body)));
    const good = await signedFetch(server.admin, 'PUT', '/payloads/crc-ok', { 'x-amz-content-sha256': sha256(body), 'x-amz-checksum-crc32': crc.toString('base64'), 'content-length': String(body.length) }, body);
    assert.equal(good.status, 200, await good.clone().text());
    const bad = await signedFetch(server.admin, 'PUT', '/payloads/crc-bad', { 'x-amz-content-sha256': sha256(body), 'x-amz-checksum-crc32': 'AAAAAA==', 'content-length': String(body.length) }, body);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<Code>BadDigest<\/Code>/);
    const md5 = await signedFetch(server.admin, 'PUT', '/payloads/md5-bad', { 'x-amz-content-sha256': sha256(body), 'content-md5': createHash('md5').update('other').digest('base64'), 'content-length': String(body.length) }, body);
    assert.equal(md5.status, 400);
    assert.match(await md5.text(), /<Code>BadDigest<\/Code>/);
    for (const k of ['crc-bad', 'md5-bad']) assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: k }))), 'NotFound');
  });

  it('a client that goes away mid-upload leaves nothing behind, and the gateway serves on', async () => {
    const url = new URL(server.running.s3Url);
    const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/payloads/abandoned', headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(4 << 20) } });
    await new Promise<void>((resolve) => {
      const r = httpRequest({ host: url.hostname, port: url.port, path: '/payloads/abandoned', method: 'PUT', headers: signed.headers });
      r.on('error', () => resolve());
      r.write(randomBytes(256 << 10), () => setTimeout(() => (r.destroy(), resolve()), 100));
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: 'abandoned' }))), 'NotFound');
    await s3().send(new S3.PutObjectCommand({ Bucket: 'payloads', Key: 'after', Body: 'still serving' }));
    assert.equal(await text(await s3().send(new S3.GetObjectCommand({ Bucket: 'payloads', Key: 'after' }))), 'still serving');
    assert.deepEqual(server.logs.filter((l) => l.startsWith('s3: internal error')), [], 'an abandoned upload is not an internal error');
  });

  it('a trailing checksum that does not match the bytes: BadDigest, nothing stored', async () => {
    const data = Buffer.from('trailer body');
    const payload = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]);
    const r = await signedFetch(
      server.admin,
      'PUT',
      '/payloads/bad-trailer',
      { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32', 'content-length': String(payload.length) },
      payload,
    );
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>BadDigest<\/Code>/);
    assert.equal(await code(s3().send(new S3.HeadObjectCommand({ Bucket: 'payloads', Key: 'bad-trailer' }))), 'NotFound');
  });

  it('presigned GET and PUT URLs (the SDK presigner); an expired one is AccessDenied', async () => {
    const c = s3();
    const putUrl = await getSignedUrl(c, new S3.PutObjectCommand({ Bucket: 'payloads', Key: 'presigned.txt' }), { expiresIn: 300 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned url' });
    assert.equal(put.status, 200, await put.clone().text());
    const getUrl = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: 'payloads', Key: 'presigned.txt' }), { expiresIn: 300 });
    const got = await fetch(getUrl);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'via presigned url');
    const expired = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: 'payloads', Key: 'presigned.txt' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    const r = await fetch(expired);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
  });

  it('SignatureDoesNotMatch with a wrong secret, InvalidAccessKeyId with an unknown key, ExpiredToken with an expired session', async () => {
    const wrong = await failure(s3({ accessKeyId: server.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) }).send(new S3.ListBucketsCommand({})));
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
    assert.equal(wrong.status, 403);
    const unknown = await failure(s3({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }).send(new S3.ListBucketsCommand({})));
    assert.equal(unknown.code, 'InvalidAccessKeyId');
    assert.equal(unknown.status, 403);

    // A session issued by an instance whose clock ran 2 h behind has expired.
    await admin.send(new I.CreateRoleCommand({ RoleName: 'stale-reader', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'stale-reader', PolicyName: 'p', PolicyDocument: doc(allow('s3:*')) }));
    const { createApp } = await import('../src/app/index.ts');
    const pastApp = createApp({ ...app.deps, now: () => Date.now() - 2 * 3600_000 });
    await pastApp.start();
    const r = await pastApp.sts.assumeRole(rootCaller, { roleArn: `arn:aws:iam::${ACCT}:role/stale-reader`, roleSessionName: 'stale', durationSeconds: 3600, policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(r.ok, JSON.stringify(r));
    const creds = r.value.credentials;
    const expired = await failure(s3({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken }).send(new S3.ListBucketsCommand({})));
    assert.equal(expired.code, 'ExpiredToken');
    assert.equal(expired.status, 400);
  });
});

describe('decisions', () => {
  let reader: Credentials;
  let nobody: Credentials;
  before(async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'team' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/readme', Body: 'readme' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'private/secret', Body: 'secret' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/classified', Body: 'classified', Tagging: 'level=secret' }));
    reader = await createUser(
      'reader',
      doc(
        allow('s3:GetObject', 'arn:aws:s3:::team/*'),
        allow('s3:ListBucket', 'arn:aws:s3:::team', { Condition: { StringLike: { 's3:prefix': ['public/', 'public/*'] } } }),
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/level': 'secret' } } },
      ),
    );
    nobody = await createUser('nobody');
  });

  it('Expect: 100-continue: a refused upload is answered before its body is sent; an allowed one is told to go on', async () => {
    const url = new URL(server.running.s3Url);
    const put = async (who: Credentials, key: string): Promise<{ status: number; continued: boolean }> => {
      const signer = new SignatureV4({ credentials: who, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
      const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: `/objects/${key}`, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '5', expect: '100-continue' } });
      return new Promise((resolve, reject) => {
        let continued = false;
        const r = httpRequest({ host: url.hostname, port: url.port, path: `/objects/${key}`, method: 'PUT', headers: signed.headers }, (res) => {
          res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        });
        r.on('continue', () => {
          continued = true;
          r.end('hello');
        });
        r.on('error', reject);
        r.flushHeaders();
      });
    };
    assert.deepEqual(await put(nobody, 'refused'), { status: 403, continued: false });
    assert.deepEqual(await put(server.admin, 'continued'), { status: 200, continued: true });
  });

  it('AccessDenied carries the explanation, and the denial is audited with its reasons', async () => {
    const f = await failure(s3(nobody).send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' })));
    assert.equal(f.code, 'AccessDenied');
    assert.equal(f.status, 403);
    assert.equal(f.message, `User: arn:aws:iam::${ACCT}:user/nobody is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::team/public/readme" because no identity-based policy allows the s3:GetObject action`);
    await server.running.app.audit.flush();
    const page = await server.running.app.audit.query(rootCaller, { principal: `arn:aws:iam::${ACCT}:user/nobody`, action: 's3:GetObject' });
    assert.ok(page.ok);
    const rec = page.value.records.at(-1);
    assert.ok(rec, 'the denial is in the audit log');
    assert.equal(rec.decision, 'ImplicitDeny');
    assert.equal(rec.resource, 'arn:aws:s3:::team/public/readme');
    assert.ok(JSON.stringify(rec.detail).includes('no policy allows'), JSON.stringify(rec.detail));
  });

  it('s3:prefix restricts ListBucket; s3:ExistingObjectTag denies a tagged object', async () => {
    const c = s3(reader);
    const listed = await c.send(new S3.ListObjectsV2Command({ Bucket: 'team', Prefix: 'public/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['public/classified', 'public/readme']);
    assert.equal(await code(c.send(new S3.ListObjectsV2Command({ Bucket: 'team', Prefix: 'private/' }))), 'AccessDenied');
    assert.equal(await code(c.send(new S3.ListObjectsV2Command({ Bucket: 'team' }))), 'AccessDenied');
    assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'readme');
    const tagged = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/classified' })));
    assert.equal(tagged.code, 'AccessDenied');
    assert.match(tagged.message, /with an explicit deny in an identity-based policy/);
    // Not allowed to list the bucket: a missing key is AccessDenied, not NoSuchKey (S3 says nothing of what does not exist).
    const none = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'private/none' })));
    assert.equal(none.code, 'AccessDenied');
    assert.equal(none.message, `User: arn:aws:iam::${ACCT}:user/reader is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::team" because no identity-based policy allows the s3:ListBucket action`);
    assert.equal(await code(c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/new', Body: 'x' }))), 'AccessDenied');
    // reader's key is used through the gateway only, refused or not: its last use is scoped to s3.
    const used = await admin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: reader.accessKeyId }));
    assert.deepEqual([used.AccessKeyLastUsed?.ServiceName, used.AccessKeyLastUsed?.Region], ['s3', 'us-east-1']);
  });

  it('s3:RequestObjectTag on writes, s3:max-keys and s3:delimiter on listing', async () => {
    const writer = await createUser(
      'tag-writer',
      doc(
        // Tags sent with a write also need s3:PutObjectTagging (API_PutObject, "Permissions"; review P, F5).
        allow(['s3:PutObject', 's3:PutObjectTagging'], 'arn:aws:s3:::team/*', { Condition: { StringEquals: { 's3:RequestObjectTag/team': 'ml' } } }),
        allow('s3:ListBucket', 'arn:aws:s3:::team', { Condition: { NumericLessThanEquals: { 's3:max-keys': '10' }, StringEquals: { 's3:delimiter': '/' } } }),
      ),
    );
    const c = s3(writer);
    assert.equal(await code(c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/w1', Body: 'x' }))), 'AccessDenied');
    assert.equal(await code(c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/w1', Body: 'x', Tagging: 'team=cv' }))), 'AccessDenied');
    await c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'public/w1', Body: 'x', Tagging: 'team=ml' }));
    assert.deepEqual((await s3().send(new S3.GetObjectTaggingCommand({ Bucket: 'team', Key: 'public/w1' }))).TagSet, [{ Key: 'team', Value: 'ml' }]);
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: 'team', MaxKeys: 10, Delimiter: '/' }))).CommonPrefixes?.length, 2);
    assert.equal(await code(c.send(new S3.ListObjectsV2Command({ Bucket: 'team', MaxKeys: 11, Delimiter: '/' }))), 'AccessDenied');
    assert.equal(await code(c.send(new S3.ListObjectsV2Command({ Bucket: 'team', Delimiter: '/' }))), 'AccessDenied');
    await s3().send(new S3.DeleteObjectCommand({ Bucket: 'team', Key: 'public/w1' }));
  });

  it('a bucket policy grants another principal of the account; Put/Get/DeleteBucketPolicy share the document with /v1/resource-policies', async () => {
    const guest = await createUser('guest');
    const c = s3(guest);
    assert.equal(await code(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'AccessDenied');
    const policy = doc({ Sid: 'Guest', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/guest` }, Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::team/public/*' });
    await s3().send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: policy }));
    assert.equal(JSON.parse((await s3().send(new S3.GetBucketPolicyCommand({ Bucket: 'team' }))).Policy ?? '{}').Statement[0].Sid, 'Guest');
    assert.equal(server.running.app.resourcePolicies.get('arn:aws:s3:::team')?.document, policy);
    assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'readme');
    assert.equal(await code(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'private/secret' }))), 'AccessDenied');
    assert.equal(await code(s3().send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: '{"Version":"2012-10-17","Statement":[]}' }))), 'MalformedPolicy');
    await s3().send(new S3.DeleteBucketPolicyCommand({ Bucket: 'team' }));
    assert.equal(await code(s3().send(new S3.GetBucketPolicyCommand({ Bucket: 'team' }))), 'NoSuchBucketPolicy');
    assert.equal(await code(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'AccessDenied');
  });

  it('s3:authType and s3:signatureversion in a bucket policy: presigned URLs refused, signed calls served', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'nopresign' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'nopresign', Key: 'k', Body: 'v' }));
    await c.send(
      new S3.PutBucketPolicyCommand({
        Bucket: 'nopresign',
        Policy: doc(
          { Sid: 'NoPresigned', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::nopresign/*', Condition: { StringEquals: { 's3:authType': 'REST-QUERY-STRING' } } },
          { Sid: 'NoSigV2', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::nopresign/*', Condition: { StringEquals: { 's3:signatureversion': 'AWS' } } },
        ),
      }),
    );
    assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'nopresign', Key: 'k' }))), 'v');
    const r = await fetch(await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: 'nopresign', Key: 'k' }), { expiresIn: 60 }));
    assert.equal(r.status, 403);
    assert.match(await r.text(), /with an explicit deny in a resource-based policy/);
  });

  it('cross-account: a role of another account needs its identity policy and the bucket policy', async () => {
    const created = await app.createAccount(rootCaller, { id: OTHER, partition: 'aws', name: 'partner' });
    assert.ok(created.ok, JSON.stringify(created));
    const otherAdmin = server.iam({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });
    await otherAdmin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sts:AssumeRole' }) }));
    await otherAdmin.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'p', PolicyDocument: doc(allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::team', 'arn:aws:s3:::team/*'])) }));
    const assumed = await server.sts({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey }).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/trainer`, RoleSessionName: 'rank0' }));
    const creds = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
    const c = s3(creds);
    // Its own policy allows, but the bucket belongs to account 000000000000, whose policy does not (yet).
    const refused = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /assumed-role\/trainer\/rank0 is not authorized to perform: s3:GetObject .* because no resource-based policy allows/);
    // A policy another account attaches to the bucket's ARN through the generic API grants nothing.
    const { ResourcePolicies } = await import('../src/app/resource-policies.ts');
    await app.deps.store.write(async (tx) => {
      await ResourcePolicies.put(app.deps, tx, { resource: 'arn:aws:s3:::team/public', account: OTHER, document: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:*', Resource: 'arn:aws:s3:::team/*' }) });
    });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await code(c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'AccessDenied');

    await s3().send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:role/trainer` }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::team', 'arn:aws:s3:::team/*'] }) }));
    assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }))), 'readme');
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: 'team' }))).KeyCount, 3);
    // A presigned URL of the session (its token in X-Amz-Security-Token) decides the same way.
    const presigned = await fetch(await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: 'team', Key: 'public/readme' }), { expiresIn: 60 }));
    assert.equal(await presigned.text(), 'readme');
    // Both sides: the role's own policy does not allow PutObject, whatever the bucket policy says.
    assert.equal(await code(c.send(new S3.PutObjectCommand({ Bucket: 'team', Key: 'x', Body: 'x' }))), 'AccessDenied');
    // Only the owner account manages the policy.
    assert.equal(await code(c.send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }) }))), 'AccessDenied');
    await server.running.app.audit.flush();
    const refusals = await server.running.app.audit.query(rootCaller, { action: 's3:PutBucketPolicy', decision: 'ImplicitDeny' });
    assert.ok(refusals.ok && refusals.value.records.some((r) => r.principal === `arn:aws:sts::${OTHER}:assumed-role/trainer/rank0`), 'the refusal is audited');
    // The other account's ListBuckets shows its own buckets only.
    const otherS3 = s3({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });
    await otherS3.send(new S3.CreateBucketCommand({ Bucket: 'partner-data' }));
    assert.deepEqual((await otherS3.send(new S3.ListBucketsCommand({}))).Buckets?.map((b) => b.Name), ['partner-data']);
  });
});

describe('boto3 (Debian python3-boto3): SigV2, which its presigned URLs use by default', { skip: boto3Missing() ?? false }, () => {
  it('default presigned GET and PUT URLs, and SigV2-signed calls (signature_version="s3")', async () => {
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'boto' }));
    const script = `
import boto3, json, os, sys, urllib.request
from botocore.config import Config
kw = dict(endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}), **kw)
put = s3.generate_presigned_url('put_object', Params={'Bucket': 'boto', 'Key': 'pre signed'}, ExpiresIn=60)
urllib.request.urlopen(urllib.request.Request(put, data=b'by url', method='PUT'))
get = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto', 'Key': 'pre signed'}, ExpiresIn=60)
v2 = boto3.client('s3', config=Config(signature_version='s3', s3={'addressing_style': 'path'}), **kw)
v2.put_object(Bucket='boto', Key='v2/obj', Body=b'v2 body')
mp = v2.create_multipart_upload(Bucket='boto', Key='v2/mp')
p = v2.upload_part(Bucket='boto', Key='v2/mp', UploadId=mp['UploadId'], PartNumber=1, Body=b'part')
v2.complete_multipart_upload(Bucket='boto', Key='v2/mp', UploadId=mp['UploadId'], MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': p['ETag']}]})
bad = boto3.client('s3', config=Config(signature_version='s3', s3={'addressing_style': 'path'}), **{**kw, 'aws_secret_access_key': 'x' * 40})
try:
    bad.list_objects_v2(Bucket='boto')
    refused = 'no error'
except Exception as e:
    refused = e.response['Error']['Code']
print(json.dumps({'get': get, 'byUrl': urllib.request.urlopen(get).read().decode(), 'keys': [o['Key'] for o in v2.list_objects_v2(Bucket='boto')['Contents']], 'mp': v2.get_object(Bucket='boto', Key='v2/mp')['Body'].read().decode(), 'refused': refused}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    const out = JSON.parse(stdout) as { get: string; byUrl: string; keys: string[]; mp: string; refused: string };
    // SigV2 with the boto3 Debian ships (1.26); a later boto3 may presign with SigV4, which must work as well.
    assert.match(out.get, /[?&](AWSAccessKeyId|X-Amz-Credential)=/);
    assert.equal(out.byUrl, 'by url');
    assert.deepEqual(out.keys, ['pre signed', 'v2/mp', 'v2/obj']);
    assert.equal(out.mp, 'part');
    assert.equal(out.refused, 'SignatureDoesNotMatch');
  });
});

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('over TLS (--tls-cert): aws:SecureTransport is true', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  it('a bucket policy that denies plain HTTP refuses it on the plain gateway and serves over HTTPS', async () => {
    const policy = (bucket: string) => doc({ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    // Plain HTTP (the suite's server): refused.
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'tls-only' }));
    await s3().send(new S3.PutObjectCommand({ Bucket: 'tls-only', Key: 'k', Body: 'secret' }));
    await s3().send(new S3.PutBucketPolicyCommand({ Bucket: 'tls-only', Policy: policy('tls-only') }));
    assert.equal(await code(s3().send(new S3.GetObjectCommand({ Bucket: 'tls-only', Key: 'k' }))), 'AccessDenied');

    const dir = await mkdtemp(join(tmpdir(), 'gh-s3-tls-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tlsServer = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: '127.0.0.1:0', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const agent = new HttpsAgent({ ca: await readFile(join(dir, 'cert.pem'), 'utf8') });
    const creds = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const c = new S3.S3Client({ endpoint: tlsServer.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey }, maxAttempts: 1, requestHandler: { httpsAgent: agent } });
    try {
      assert.match(tlsServer.s3Url, /^https:\/\//);
      await c.send(new S3.CreateBucketCommand({ Bucket: 'tls-only' }));
      await c.send(new S3.PutObjectCommand({ Bucket: 'tls-only', Key: 'k', Body: 'secret' }));
      await c.send(new S3.PutBucketPolicyCommand({ Bucket: 'tls-only', Policy: policy('tls-only') }));
      assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'tls-only', Key: 'k' }))), 'secret');
    } finally {
      c.destroy();
      agent.destroy();
      await tlsServer.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
