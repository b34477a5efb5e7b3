/**
 * Review bl, 1, against a real server with the real `@aws-sdk/client-s3`: an object's storage class
 * (`x-amz-storage-class`) is kept and answered, as S3 does (API_PutObject, API_HeadObject, API_ListObjectsV2).
 *
 * What was wrong: the gateway dropped `x-amz-storage-class`. `PutObject --storage-class STANDARD_IA` stored the object
 * and HeadObject answered without the class, every listing said STANDARD, and an unknown value (`STANDRAD_IA`, a
 * typo) was taken without a word, so a client could not tell that its lifecycle scheme was not what it had asked.
 *
 * What is now so: PutObject, CreateMultipartUpload and CopyObject keep the class they are given; HeadObject and
 * GetObject answer `x-amz-storage-class` unless it is STANDARD (S3 omits the header then), ListObjects(V2),
 * ListMultipartUploads and ListParts name it (STANDARD when unset). CopyObject without the header makes a STANDARD
 * copy, as API_CopyObject says ("If the x-amz-storage-class header is not used, the copied object will be stored in
 * the STANDARD Storage Class by default"), and a copy onto itself that changes only the class is legal. An unknown
 * class, and the archive classes that need a RestoreObject before a read (GLACIER, DEEP_ARCHIVE: the gateway has no
 * archive tier and no RestoreObject), are 400 InvalidStorageClass, nothing stored. An object stored by an earlier
 * version (no such field in its record) is STANDARD.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucketRestartable, storedAsEarlierVersion } from './support/s3.ts';

const BUCKET = 'bl1-classes';
const MiB = 1024 * 1024;

let c: S3.S3Client;
const bucket = adminBucketRestartable(BUCKET, (client) => {
  c = client;
});

const headClass = async (key: string): Promise<string | undefined> => (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).StorageClass;
const listed = async (prefix: string): Promise<Record<string, string | undefined>> => {
  const v2 = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  const v1 = await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET, Prefix: prefix }));
  const classes = Object.fromEntries((v2.Contents ?? []).map((o) => [o.Key ?? '', o.StorageClass]));
  assert.deepEqual(Object.fromEntries((v1.Contents ?? []).map((o) => [o.Key ?? '', o.StorageClass])), classes, 'ListObjects and ListObjectsV2 agree');
  return classes;
};

/** The error the SDK raised for `p`: its name (the S3 code), status and message. */
async function refusal(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; requested: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & { StorageClassRequested?: unknown };
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message, requested: err.StorageClassRequested };
  }
  return assert.fail('expected the request to be refused');
}

describe('1: the storage class is kept and answered', () => {
  it('PutObject: each class S3 serves without a restore is kept; HeadObject and GetObject answer it, listings name it', async () => {
    const classes = ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'REDUCED_REDUNDANCY'] as const;
    for (const StorageClass of classes) {
      await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: `put/${StorageClass}`, Body: StorageClass, StorageClass }));
      assert.equal(await headClass(`put/${StorageClass}`), StorageClass);
      const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: `put/${StorageClass}` }));
      assert.equal(got.StorageClass, StorageClass);
      assert.equal(await got.Body?.transformToString(), StorageClass);
    }
    // STANDARD, asked or not: no header, as S3 answers it; listed as STANDARD.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put/asked-standard', Body: 'a', StorageClass: 'STANDARD' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put/unset', Body: 'u' }));
    assert.equal(await headClass('put/asked-standard'), undefined);
    assert.equal(await headClass('put/unset'), undefined);
    assert.deepEqual(await listed('put/'), {
      'put/GLACIER_IR': 'GLACIER_IR',
      'put/INTELLIGENT_TIERING': 'INTELLIGENT_TIERING',
      'put/ONEZONE_IA': 'ONEZONE_IA',
      'put/REDUCED_REDUNDANCY': 'REDUCED_REDUNDANCY',
      'put/STANDARD_IA': 'STANDARD_IA',
      'put/asked-standard': 'STANDARD',
      'put/unset': 'STANDARD',
    });
    // A new PutObject of the key without a class makes it STANDARD again.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put/STANDARD_IA', Body: 'again' }));
    assert.equal(await headClass('put/STANDARD_IA'), undefined);
  });

  it('a multipart object has CreateMultipartUpload\'s class; ListMultipartUploads and ListParts name it', async () => {
    const Key = 'multipart/onezone';
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key, StorageClass: 'ONEZONE_IA' }));
    const uploads = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }));
    assert.deepEqual(uploads.Uploads?.map((u) => [u.Key, u.StorageClass]), [[Key, 'ONEZONE_IA']]);
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 2, Body: Buffer.alloc(10, 2) }));
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key, UploadId }))).StorageClass, 'ONEZONE_IA');
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag ?? '' }, { PartNumber: 2, ETag: p2.ETag ?? '' }] } }));
    assert.equal(await headClass(Key), 'ONEZONE_IA');
    assert.deepEqual(await listed('multipart/'), { [Key]: 'ONEZONE_IA' });
  });

  it('CopyObject: the copy is STANDARD unless the request names a class; a copy onto itself may change only the class; PutObjectTagging keeps it', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'copy/source', Body: 'src', StorageClass: 'STANDARD_IA', ContentType: 'text/plain', Metadata: { team: 'ml' } }));
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/plain', CopySource: `${BUCKET}/copy/source` }));
    assert.equal(await headClass('copy/plain'), undefined, 'a copy without x-amz-storage-class is STANDARD (API_CopyObject)');
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/glacier-ir', CopySource: `${BUCKET}/copy/source`, StorageClass: 'GLACIER_IR' }));
    assert.equal(await headClass('copy/glacier-ir'), 'GLACIER_IR');
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/replaced', CopySource: `${BUCKET}/copy/source`, MetadataDirective: 'REPLACE', ContentType: 'text/csv', StorageClass: 'INTELLIGENT_TIERING' }));
    assert.equal(await headClass('copy/replaced'), 'INTELLIGENT_TIERING');
    // Onto itself, COPY, with a class: S3's way to change an object's class; its metadata stays.
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/source', CopySource: `${BUCKET}/copy/source`, StorageClass: 'ONEZONE_IA' }));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/source' }));
    assert.deepEqual([h.StorageClass, h.ContentType, h.Metadata], ['ONEZONE_IA', 'text/plain', { team: 'ml' }]);
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'copy/source', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    assert.equal(await headClass('copy/source'), 'ONEZONE_IA');
    assert.deepEqual(await listed('copy/'), { 'copy/glacier-ir': 'GLACIER_IR', 'copy/plain': 'STANDARD', 'copy/replaced': 'INTELLIGENT_TIERING', 'copy/source': 'ONEZONE_IA' });
  });

  it('an unknown class, and GLACIER and DEEP_ARCHIVE (no archive tier here), are 400 InvalidStorageClass; nothing is stored', async () => {
    const sent = { Bucket: BUCKET, Body: 'x' };
    for (const [Key, StorageClass] of [['bad/typo', 'STANDRAD_IA'], ['bad/lower', 'standard_ia'], ['bad/glacier', 'GLACIER'], ['bad/deep', 'DEEP_ARCHIVE'], ['bad/outposts', 'OUTPOSTS']] as const) {
      const r = await refusal(c.send(new S3.PutObjectCommand({ ...sent, Key, StorageClass: StorageClass as S3.StorageClass })));
      assert.equal(r.name, 'InvalidStorageClass', `${StorageClass}: ${r.message}`);
      assert.equal(r.status, 400);
      assert.match(r.message, /^The storage class you specified is not valid/);
      assert.ok(r.message.includes(`\`${StorageClass}\``), r.message);
      assert.equal(r.requested, StorageClass);
    }
    const glacier = await refusal(c.send(new S3.PutObjectCommand({ ...sent, Key: 'bad/glacier', StorageClass: 'GLACIER' })));
    assert.match(glacier.message, /archive/);
    const create = await refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'bad/upload', StorageClass: 'DEEP_ARCHIVE' })));
    assert.equal(create.name, 'InvalidStorageClass');
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'bad/source', Body: 's' }));
    const copy = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'bad/copy', CopySource: `${BUCKET}/bad/source`, StorageClass: 'GLACIER' })));
    assert.equal(copy.name, 'InvalidStorageClass');
    assert.deepEqual(await listed('bad/'), { 'bad/source': 'STANDARD' });
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'bad/' }))).Uploads ?? [], []);
  });

  it('an object stored by an earlier version (no such field in its record) is STANDARD', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'legacy', Body: 'old', StorageClass: 'STANDARD_IA' }));
    // The record as the previous version wrote it: the same fields, and nothing else.
    await bucket.restart((dataDir) => storedAsEarlierVersion(dataDir, BUCKET, 'legacy', ['format', 'key', 'vid', 'block', 'sizes', 'etag', 'lastModified', 'contentType', 'metadata', 'headers', 'tags', 'sha256']));
    assert.equal(await headClass('legacy'), undefined);
    assert.deepEqual(await listed('legacy'), { legacy: 'STANDARD' });
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'legacy' }));
    assert.equal(await got.Body?.transformToString(), 'old');
    // The objects written since are still served with theirs.
    assert.equal(await headClass('copy/source'), 'ONEZONE_IA');
  });
});
