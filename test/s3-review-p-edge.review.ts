/**
 * Review P's findings on the S3 edge, against a real server (`startTestServer`, the gateway on 127.0.0.1) with the
 * real `@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner` and requests signed by `@smithy/signature-v4`:
 * - F1: an `x-amz-*` header outside the signature (added to a presigned URL, or after signing) is refused with
 *   AccessDenied "There were headers present in the request which were not signed", and nothing is done;
 * - F4: a query parameter the gateway does not know is NotImplemented, never the plain operation;
 * - F3: `versionId` other than `null` is refused without touching the object (no versioning here);
 * - F2: conditional writes (If-None-Match: *, If-Match, x-amz-copy-source-if-*) hold, also under racing writers; a
 *   write with If-Match also needs s3:GetObject, and s3:if-match / s3:if-none-match reach the s3:PutObject decision.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'review-p';
let server: TestServer;
let c: S3.S3Client;

/** A request signed by the SDK's signer; `unsigned` headers are added after signing. */
async function signedFetch(method: string, path: string, headers: Record<string, string> = {}, body?: string, unsigned: Record<string, string> = {}, credentials: Credentials = server.admin): Promise<Response> {
  const url = new URL(server.running.s3Url);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const q = path.indexOf('?');
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(path.slice(q + 1))) query[k] = v;
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: q >= 0 ? path.slice(0, q) : path,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return fetch(`${server.running.s3Url}${path}`, { method, headers: { ...signed.headers, ...unsigned }, ...(body !== undefined ? { body } : {}) });
}

/** `<Code>` and `<Message>` of an S3 XML error. */
async function xmlError(r: Response): Promise<{ status: number; code: string; message: string; text: string }> {
  const text = await r.text();
  return { status: r.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '', message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '', text };
}

const read = async (key: string): Promise<string> => (await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';
const exists = async (key: string): Promise<boolean> => (await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })))).code === 'no error';

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'private/secret.txt', Body: 'secret' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('F1: every x-amz-* header must be signed', () => {
  it('a presigned PUT URL with x-amz-copy-source added is refused, and nothing is copied', async () => {
    const url = await getSignedUrl(c, new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/report.csv' }), { expiresIn: 300 });
    const r = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': `${BUCKET}/private/secret.txt` }, body: '' });
    const e = await xmlError(r);
    assert.equal(e.status, 403, e.text);
    assert.equal(e.code, 'AccessDenied');
    assert.equal(e.message, 'There were headers present in the request which were not signed');
    assert.match(e.text, /<HeadersNotSigned>x-amz-copy-source<\/HeadersNotSigned>/);
    assert.equal(await exists('uploads/report.csv'), false);
    // The same URL as made: served.
    const ok = await fetch(url, { method: 'PUT', body: 'report' });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(await read('uploads/report.csv'), 'report');
  });

  it('a presigned PUT URL with x-amz-tagging or x-amz-meta-* added is refused', async () => {
    const url = await getSignedUrl(c, new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/tagged' }), { expiresIn: 300 });
    for (const extra of [{ 'x-amz-tagging': 'class=public' }, { 'x-amz-meta-owner': 'mallory' }]) {
      const e = await xmlError(await fetch(url, { method: 'PUT', headers: extra, body: 'x' }));
      assert.equal(e.status, 403, e.text);
      assert.equal(e.code, 'AccessDenied');
    }
    assert.equal(await exists('uploads/tagged'), false);
  });

  it('a header-signed PUT with x-amz-copy-source added after signing is refused; signed, it copies', async () => {
    const e = await xmlError(await signedFetch('PUT', `/${BUCKET}/uploads/replayed`, {}, undefined, { 'x-amz-copy-source': `${BUCKET}/private/secret.txt` }));
    assert.equal(e.status, 403, e.text);
    assert.equal(e.code, 'AccessDenied');
    assert.equal(e.message, 'There were headers present in the request which were not signed');
    assert.equal(await exists('uploads/replayed'), false);
    const ok = await signedFetch('PUT', `/${BUCKET}/uploads/replayed`, { 'x-amz-copy-source': `${BUCKET}/private/secret.txt` });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(await read('uploads/replayed'), 'secret');
  });

  it('a presigned GET with an unsigned x-amz-* header is refused; the SDK presigned GET and its own calls work', async () => {
    const url = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'private/secret.txt' }), { expiresIn: 300 });
    const refused = await xmlError(await fetch(url, { headers: { 'x-amz-request-payer': 'requester' } }));
    assert.equal(refused.status, 403, refused.text);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'secret');
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'uploads/copied', CopySource: `${BUCKET}/private/secret.txt`, TaggingDirective: 'REPLACE', Tagging: 'a=b', MetadataDirective: 'REPLACE', Metadata: { m: 'v' } }));
    assert.equal(await read('uploads/copied'), 'secret');
  });
});

describe('F4: only known query parameters are served', () => {
  it('DELETE ?metadataTable does not delete the bucket; PUT ?renameObject writes nothing', async () => {
    await c.send(new S3.CreateBucketCommand({ Bucket: 'cfg-bucket' }));
    const del = await xmlError(await signedFetch('DELETE', '/cfg-bucket?metadataTable'));
    assert.equal(del.status, 501, del.text);
    assert.equal(del.code, 'NotImplemented');
    assert.match(del.message, /metadataTable/);
    await c.send(new S3.HeadBucketCommand({ Bucket: 'cfg-bucket' }));
    const put = await xmlError(await signedFetch('PUT', `/${BUCKET}/ren/dst?renameObject`, { 'x-amz-rename-source': `/${BUCKET}/private/secret.txt` }, ''));
    assert.equal(put.status, 501, put.text);
    assert.equal(put.code, 'NotImplemented');
    assert.equal(await exists('ren/dst'), false);
    assert.equal(await read('private/secret.txt'), 'secret');
  });

  it('a known sub-resource on a method or level the gateway does not serve is NotImplemented, not the plain operation', async () => {
    // PUT /bucket?uploads would have been CreateBucket; DELETE /bucket/key?policy a DeleteObject; GET ?location on an object a GetObject.
    for (const [method, path] of [
      ['PUT', '/new-bucket?uploads'],
      ['DELETE', `/${BUCKET}/private/secret.txt?policy`],
      ['GET', `/${BUCKET}/private/secret.txt?location`],
      ['DELETE', `/${BUCKET}/private/secret.txt?acl`],
      ['GET', `/${BUCKET}?attributes`],
      ['GET', '/?unknown-thing'],
    ] as const) {
      const e = await xmlError(await signedFetch(method, path, {}, method === 'PUT' ? '' : undefined));
      assert.equal(e.status, 501, `${method} ${path}: ${e.text}`);
      assert.equal(e.code, 'NotImplemented');
    }
    assert.equal((await failure(c.send(new S3.HeadBucketCommand({ Bucket: 'new-bucket' })))).status, 404);
    assert.equal(await read('private/secret.txt'), 'secret');
  });

  it('a presigned CopyObject URL (x-amz-copy-source hoisted into the query) is the copy, not an empty PutObject', async () => {
    // It was NotImplemented until review hx, 2 read a SigV4 query's signed x-amz-* parameters as its headers.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'hoist/dst', Body: 'keep me' }));
    const url = await getSignedUrl(c, new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'hoist/dst', CopySource: `${BUCKET}/private/secret.txt` }), { expiresIn: 300 });
    assert.match(url, /x-amz-copy-source=/);
    const r = await fetch(url, { method: 'PUT' });
    assert.equal(r.status, 200, await r.text());
    assert.equal(await read('hoist/dst'), 'secret');
  });

  it('the parameters of the operations served still work (listing, multipart, tagging, presigned, response-*)', async () => {
    const list = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'private/', Delimiter: '/', MaxKeys: 10, StartAfter: 'a', EncodingType: 'url', FetchOwner: true }));
    assert.equal(list.Contents?.[0]?.Key, 'private/secret.txt');
    const v1 = await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET, Prefix: 'private/', Marker: 'a' }));
    assert.equal(v1.Contents?.length, 1);
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/one' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'mp/one', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }));
    const parts = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'mp/one', UploadId: up.UploadId, MaxParts: 5, PartNumberMarker: '0' }));
    assert.equal(parts.Parts?.length, 1);
    const uploads = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, KeyMarker: '', MaxUploads: 10 }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === up.UploadId));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/one', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'mp/one', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    assert.equal((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'mp/one' }))).TagSet?.[0]?.Value, 'v');
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'mp/one', ResponseContentType: 'text/x-test', ResponseCacheControl: 'no-cache' }));
    assert.equal(got.ContentType, 'text/x-test');
    assert.equal(await got.Body?.transformToString(), 'part');
    await c.send(new S3.GetBucketAclCommand({ Bucket: BUCKET }));
    await c.send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'mp/one' }));
    await c.send(new S3.GetBucketVersioningCommand({ Bucket: BUCKET }));
    await c.send(new S3.GetBucketLocationCommand({ Bucket: BUCKET }));
    await c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'mp/one' }] } }));
    assert.equal(await exists('mp/one'), false);
  });
});

describe('F3: versionId other than null names nothing and touches nothing', () => {
  const VID = '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY';

  it('GetObject, HeadObject, DeleteObject with a version id: 400 InvalidArgument, the object intact', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/live', Body: 'live' }));
    for (const send of [
      () => c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'v/live', VersionId: VID })),
      () => c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'v/live', VersionId: VID })),
      () => c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'v/live', VersionId: VID })),
    ]) {
      const f = await failure(send());
      assert.equal(f.code, 'InvalidArgument');
      assert.equal(f.status, 400);
      assert.equal(f.message, 'Invalid version id specified');
    }
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'v/live', VersionId: VID })))).status, 400);
    assert.equal(await read('v/live'), 'live');
  });

  it('versionId=null is the current object', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/null', Body: 'current' }));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'v/null', VersionId: 'null' }));
    assert.equal(await got.Body?.transformToString(), 'current');
    await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'v/null', VersionId: 'null' }));
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'v/null', VersionId: 'null' }));
    assert.equal(await exists('v/null'), false);
  });

  it('CopyObject and UploadPartCopy from `b/k?versionId=…` are refused, nothing written; `?versionId=null` copies', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/src', Body: 'source' }));
    const copy = await failure(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'v/dst', CopySource: `${BUCKET}/v/src?versionId=${VID}` })));
    assert.equal(copy.code, 'InvalidArgument');
    assert.equal(await exists('v/dst'), false);
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'v/mp' }));
    const part = await failure(c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'v/mp', UploadId: up.UploadId, PartNumber: 1, CopySource: `${BUCKET}/v/src?versionId=${VID}` })));
    assert.equal(part.code, 'InvalidArgument');
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'v/mp', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'v/mp', UploadId: up.UploadId }));
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'v/dst', CopySource: `${BUCKET}/v/src?versionId=null` }));
    assert.equal(await read('v/dst'), 'source');
  });

  it('DeleteObjects: an entry with a version id is an error in the answer and its key stays; the others are deleted', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/keep', Body: 'keep' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/gone', Body: 'gone' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'v/gone-null', Body: 'gone' }));
    const r = await c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'v/keep', VersionId: VID }, { Key: 'v/gone' }, { Key: 'v/gone-null', VersionId: 'null' }] } }));
    assert.deepEqual(r.Errors?.map((e) => [e.Key, e.VersionId, e.Code]), [['v/keep', VID, 'InvalidArgument']]);
    assert.deepEqual(r.Deleted?.map((d) => d.Key).sort(), ['v/gone', 'v/gone-null']);
    assert.equal(await read('v/keep'), 'keep');
    assert.equal(await exists('v/gone'), false);
    assert.equal(await exists('v/gone-null'), false);
  });
});

describe('F2: conditional writes hold, where the write commits', () => {
  const etagOf = async (key: string): Promise<string> => (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag ?? '';

  it('PutObject If-None-Match: * creates only; If-Match swaps only the ETag given; other If-None-Match values are NotImplemented', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/a', Body: 'v1', IfNoneMatch: '*' }));
    const again = await failure(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/a', Body: 'v2', IfNoneMatch: '*' })));
    assert.equal(again.code, 'PreconditionFailed');
    assert.equal(again.status, 412);
    assert.equal(await read('cond/a'), 'v1');

    const wrong = await failure(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/a', Body: 'v3', IfMatch: '"00000000000000000000000000000000"' })));
    assert.equal(wrong.status, 412);
    assert.equal(await read('cond/a'), 'v1');
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/a', Body: 'v4', IfMatch: await etagOf('cond/a') }));
    assert.equal(await read('cond/a'), 'v4');
    const missing = await failure(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/none', Body: 'x', IfMatch: '"00000000000000000000000000000000"' })));
    assert.equal(missing.code, 'NoSuchKey');
    assert.equal(await exists('cond/none'), false);

    const e = await xmlError(await signedFetch('PUT', `/${BUCKET}/cond/a`, { 'if-none-match': await etagOf('cond/a') }, 'v5'));
    assert.equal(e.status, 501, e.text);
    assert.equal(e.code, 'NotImplemented');
    assert.equal(await read('cond/a'), 'v4');
  });

  it('many concurrent create-only PUTs of one key: exactly one succeeds, and its bytes are stored', async () => {
    const n = 16;
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const r = await signedFetch('PUT', `/${BUCKET}/cond/race`, { 'if-none-match': '*' }, `writer-${i}`);
        await r.arrayBuffer();
        return { i, status: r.status };
      }),
    );
    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r.status === 200 || r.status === 412), JSON.stringify(results));
    assert.equal(await read('cond/race'), `writer-${won[0]!.i}`);
  });

  it('CompleteMultipartUpload with If-None-Match: * does not replace an existing object, and the upload stays', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/mp', Body: 'existing' }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'cond/mp' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'cond/mp', UploadId: up.UploadId, PartNumber: 1, Body: 'multipart' }));
    const complete = (extra: object) =>
      c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'cond/mp', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, ...extra }));
    assert.equal((await failure(complete({ IfNoneMatch: '*' }))).status, 412);
    assert.equal(await read('cond/mp'), 'existing');
    assert.equal((await failure(complete({ IfMatch: '"00000000000000000000000000000000"' }))).status, 412);
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'cond/mp', UploadId: up.UploadId }))).Parts?.length, 1);
    await complete({ IfMatch: await etagOf('cond/mp') });
    assert.equal(await read('cond/mp'), 'multipart');
  });

  it('CopyObject: x-amz-copy-source-if-* on the source and If-None-Match on the destination', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cond/src', Body: 'src' }));
    const etag = await etagOf('cond/src');
    const copy = (extra: object) => c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'cond/dst', CopySource: `${BUCKET}/cond/src`, ...extra }));
    const past = new Date(Date.now() - 3600_000);
    // The source's own Last-Modified: a date ahead of the clock is ignored, as S3 ignores it (review qj, 3).
    const modified = (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'cond/src' }))).LastModified as Date;
    for (const extra of [{ CopySourceIfMatch: '"nope"' }, { CopySourceIfNoneMatch: etag }, { CopySourceIfModifiedSince: modified }, { CopySourceIfUnmodifiedSince: past }]) {
      const f = await failure(copy(extra));
      assert.equal(f.status, 412, JSON.stringify(extra));
      assert.equal(f.code, 'PreconditionFailed');
    }
    assert.equal(await exists('cond/dst'), false);
    // If-Match that holds makes If-Unmodified-Since moot (API_CopyObject).
    await copy({ CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: past, CopySourceIfModifiedSince: past });
    assert.equal(await read('cond/dst'), 'src');
    assert.equal((await failure(copy({ IfNoneMatch: '*' }))).status, 412);
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'cond/part' }));
    assert.equal((await failure(c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'cond/part', UploadId: up.UploadId, PartNumber: 1, CopySource: `${BUCKET}/cond/src`, CopySourceIfMatch: '"nope"' })))).status, 412);
    await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'cond/part', UploadId: up.UploadId, PartNumber: 1, CopySource: `${BUCKET}/cond/src`, CopySourceIfMatch: etag }));
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'cond/part', UploadId: up.UploadId }));
  });
});

describe('F2: conditional writes are decided as S3 decides them', () => {
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  const allow = (Action: string | string[], extra: object = {}) => ({ Effect: 'Allow', Action, Resource: `arn:aws:s3:::${BUCKET}/cw/*`, ...extra });
  const made: S3.S3Client[] = [];
  async function userClient(name: string, policy: string): Promise<S3.S3Client> {
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: policy }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
    const client = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' }, maxAttempts: 1 });
    made.push(client);
    return client;
  }
  const etagOf = async (key: string): Promise<string> => (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag ?? '';
  after(() => {
    for (const m of made) m.destroy();
  });

  it('a write with If-Match needs s3:GetObject on the object as well as s3:PutObject; If-None-Match: * needs only s3:PutObject', async () => {
    const writer = await userClient('cw-writer', doc(allow('s3:PutObject')));
    const both = await userClient('cw-reader-writer', doc(allow(['s3:PutObject', 's3:GetObject'])));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/a', Body: 'v1' }));
    const refused = await failure(writer.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/a', Body: 'v2', IfMatch: await etagOf('cw/a') })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /s3:GetObject on resource: "arn:aws:s3:::review-p\/cw\/a"/);
    assert.equal(await read('cw/a'), 'v1');
    // A wrong ETag or a missing object tells nothing either: refused before the store is asked.
    assert.equal((await failure(writer.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/none', Body: 'x', IfMatch: '"00000000000000000000000000000000"' })))).code, 'AccessDenied');
    await writer.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/a', Body: 'v3' }));
    await writer.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/new', Body: 'n', IfNoneMatch: '*' }));
    await both.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/a', Body: 'v4', IfMatch: await etagOf('cw/a') }));
    assert.equal(await read('cw/a'), 'v4');

    const up = await writer.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'cw/a' }));
    const part = await writer.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'cw/a', UploadId: up.UploadId, PartNumber: 1, Body: 'mp' }));
    const complete = (client: S3.S3Client, IfMatch: string) => client.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'cw/a', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, IfMatch }));
    assert.equal((await failure(complete(writer, await etagOf('cw/a')))).code, 'AccessDenied');
    assert.equal(await read('cw/a'), 'v4');
    await complete(both, await etagOf('cw/a'));
    assert.equal(await read('cw/a'), 'mp');
  });

  it('s3:if-none-match and s3:if-match reach the s3:PutObject decision when the headers are sent', async () => {
    // Only create-only writes (a bucket policy enforcing conditional writes, S3 User Guide example 1, as an identity policy).
    const createOnly = await userClient('cw-create-only', doc(allow('s3:PutObject', { Condition: { Null: { 's3:if-none-match': 'false' } } })));
    assert.equal((await failure(createOnly.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/c1', Body: 'x' })))).code, 'AccessDenied');
    assert.equal(await exists('cw/c1'), false);
    await createOnly.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/c1', Body: 'x', IfNoneMatch: '*' }));
    assert.equal(await read('cw/c1'), 'x');

    // Only compare-and-swap writes, and the key carries the header's value.
    const cas = await userClient('cw-cas', doc(allow('s3:GetObject'), allow('s3:PutObject', { Condition: { StringLike: { 's3:if-match': '"*"' } } })));
    assert.equal((await failure(cas.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/c1', Body: 'y' })))).code, 'AccessDenied');
    assert.equal((await failure(cas.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/c1', Body: 'y', IfNoneMatch: '*' })))).code, 'AccessDenied');
    await cas.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cw/c1', Body: 'y', IfMatch: await etagOf('cw/c1') }));
    assert.equal(await read('cw/c1'), 'y');
  });
});
