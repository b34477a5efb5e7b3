/**
 * A request that names a version (`versionId=null`, the only version an object has on the gateway) is decided as
 * the versioned action, as S3 decides it (review P, F3): GetObject/HeadObject as s3:GetObjectVersion, DeleteObject and
 * a DeleteObjects entry with a VersionId as s3:DeleteObjectVersion, the tagging calls as
 * s3:Get|Put|DeleteObjectVersionTagging, GetObjectAcl as s3:GetObjectVersionAcl, and a copy's source with
 * `?versionId=` (CopyObject, UploadPartCopy) as s3:GetObjectVersion; `s3:versionid` is in their context. So a
 * policy that grants the current object but not its versions, or denies deleting versions, holds.
 *
 * Real `@aws-sdk/client-s3` and `@aws-sdk/client-iam` against a real server on 127.0.0.1 (`startTestServer`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients } from './support/s3.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const BUCKET = 'versioned';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource = `arn:aws:s3:::${BUCKET}/*`, extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource = `arn:aws:s3:::${BUCKET}/*`) => ({ Effect: 'Deny', Action, Resource });

let server: TestServer;
let admin: S3.S3Client;
const s3 = s3Clients(() => server);

/** An S3 client of a new user `name` whose inline policy is `policy`. */
const user = async (name: string, policy: string): Promise<S3.S3Client> => s3(await userWithPolicy(server, name, policy, 'inline'));

/** The error's code, status and message, or `ok`. */
async function outcome(p: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await p;
    return { code: 'ok', status: 200, message: '' };
  } catch (e) {
    const err = e as { Code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { code: err.Code ?? err.name ?? String(e), status: err.$metadata?.httpStatusCode, message: err.message ?? '' };
  }
}

const put = (key: string, body = key, Tagging?: string) => admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...(Tagging !== undefined ? { Tagging } : {}) }));
const exists = async (key: string): Promise<boolean> => (await outcome(admin.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })))).code === 'ok';
async function tags(key: string): Promise<Record<string, string>> {
  const r = await admin.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
  return Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

before(async () => {
  server = await startTestServer();
  admin = s3(server.admin);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  s3.destroyAll();
  await server?.stop();
});

describe('versionId=null is decided as the versioned action', () => {
  it('GetObject and HeadObject with versionId=null: s3:GetObjectVersion, not s3:GetObject (and the other way round)', async () => {
    await put('read/a', 'current');
    const getter = await user('getter', doc(allow('s3:GetObject')));
    const versionGetter = await user('version-getter', doc(allow('s3:GetObjectVersion', `arn:aws:s3:::${BUCKET}/*`, { Condition: { StringEquals: { 's3:versionid': 'null' } } })));
    const get = (c: S3.S3Client, VersionId?: string) => c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'read/a', ...(VersionId ? { VersionId } : {}) })).then((r) => r.Body?.transformToString());
    const head = (c: S3.S3Client, VersionId?: string) => c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'read/a', ...(VersionId ? { VersionId } : {}) }));

    assert.equal(await get(getter), 'current');
    const refused = await outcome(get(getter, 'null'));
    assert.equal(refused.code, 'AccessDenied');
    assert.equal(refused.status, 403);
    assert.match(refused.message, /not authorized to perform: s3:GetObjectVersion on resource: "arn:aws:s3:::versioned\/read\/a"/);
    assert.equal((await outcome(head(getter, 'null'))).status, 403);

    assert.equal(await get(versionGetter, 'null'), 'current');
    assert.equal((await outcome(head(versionGetter, 'null'))).code, 'ok');
    assert.equal((await outcome(get(versionGetter))).status, 403);
    assert.equal((await outcome(head(versionGetter))).status, 403);
  });

  it('DeleteObject with versionId=null: s3:DeleteObjectVersion ("allow DeleteObject, deny DeleteObjectVersion" holds)', async () => {
    const deleter = await user('deleter', doc(allow('s3:DeleteObject*'), deny('s3:DeleteObjectVersion')));
    const versionDeleter = await user('version-deleter', doc(allow('s3:DeleteObjectVersion')));
    const del = (c: S3.S3Client, key: string, VersionId?: string) => c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: key, ...(VersionId ? { VersionId } : {}) }));
    await put('del/a');
    await put('del/b');

    const refused = await outcome(del(deleter, 'del/a', 'null'));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /s3:DeleteObjectVersion/);
    assert.equal(await exists('del/a'), true);
    assert.equal((await outcome(del(versionDeleter, 'del/a'))).code, 'AccessDenied');
    assert.equal(await exists('del/a'), true);

    await del(versionDeleter, 'del/a', 'null');
    assert.equal(await exists('del/a'), false);
    await del(deleter, 'del/b');
    assert.equal(await exists('del/b'), false);
  });

  it('DeleteObjects: an entry with VersionId null is decided as s3:DeleteObjectVersion, one without as s3:DeleteObject', async () => {
    const deleter = await user('batch-deleter', doc(allow('s3:DeleteObject')));
    await put('batch/plain');
    await put('batch/versioned');
    const r = await deleter.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'batch/plain' }, { Key: 'batch/versioned', VersionId: 'null' }] } }));
    assert.deepEqual(r.Deleted?.map((d) => d.Key), ['batch/plain']);
    assert.deepEqual(r.Errors?.map((e) => [e.Key, e.Code]), [['batch/versioned', 'AccessDenied']]);
    assert.match(r.Errors?.[0]?.Message ?? '', /s3:DeleteObjectVersion/);
    assert.equal(await exists('batch/plain'), false);
    assert.equal(await exists('batch/versioned'), true);

    const versionDeleter = await user('batch-version-deleter', doc(allow('s3:DeleteObjectVersion')));
    const v = await versionDeleter.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'batch/versioned', VersionId: 'null' }] } }));
    assert.deepEqual(v.Deleted?.map((d) => [d.Key, d.VersionId]), [['batch/versioned', 'null']]);
    assert.equal(await exists('batch/versioned'), false);
  });

  it('object tagging with versionId=null: s3:GetObjectVersionTagging, s3:PutObjectVersionTagging, s3:DeleteObjectVersionTagging', async () => {
    await put('tag/a', 'x', 'k=v');
    const tagger = await user('tagger', doc(allow(['s3:GetObjectTagging', 's3:PutObjectTagging', 's3:DeleteObjectTagging'])));
    const versionTagger = await user('version-tagger', doc(allow(['s3:GetObjectVersionTagging', 's3:PutObjectVersionTagging', 's3:DeleteObjectVersionTagging'])));
    const getTags = (c: S3.S3Client, VersionId?: string) => c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tag/a', ...(VersionId ? { VersionId } : {}) }));
    const putTags = (c: S3.S3Client, value: string, VersionId?: string) => c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'tag/a', Tagging: { TagSet: [{ Key: 'k', Value: value }] }, ...(VersionId ? { VersionId } : {}) }));
    const deleteTags = (c: S3.S3Client, VersionId?: string) => c.send(new S3.DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'tag/a', ...(VersionId ? { VersionId } : {}) }));

    for (const [send, action] of [
      [() => getTags(tagger, 'null'), 's3:GetObjectVersionTagging'],
      [() => putTags(tagger, 'w', 'null'), 's3:PutObjectVersionTagging'],
      [() => deleteTags(tagger, 'null'), 's3:DeleteObjectVersionTagging'],
      [() => getTags(versionTagger), 's3:GetObjectTagging'],
      [() => putTags(versionTagger, 'w'), 's3:PutObjectTagging'],
      [() => deleteTags(versionTagger), 's3:DeleteObjectTagging'],
    ] as const) {
      const r = await outcome(send());
      assert.equal(r.code, 'AccessDenied', action);
      assert.match(r.message, new RegExp(`perform: ${action} on`), action);
    }
    assert.deepEqual(await tags('tag/a'), { k: 'v' });

    assert.deepEqual((await getTags(versionTagger, 'null')).TagSet, [{ Key: 'k', Value: 'v' }]);
    await putTags(versionTagger, 'v2', 'null');
    assert.deepEqual(await tags('tag/a'), { k: 'v2' });
    await deleteTags(versionTagger, 'null');
    assert.deepEqual(await tags('tag/a'), {});
    await putTags(tagger, 'v3');
    assert.deepEqual((await getTags(tagger)).TagSet, [{ Key: 'k', Value: 'v3' }]);
  });

  it('GetObjectAcl with versionId=null: s3:GetObjectVersionAcl', async () => {
    await put('acl/a');
    const acl = await user('acl-reader', doc(allow('s3:GetObjectAcl')));
    const versionAcl = await user('version-acl-reader', doc(allow('s3:GetObjectVersionAcl')));
    const getAcl = (c: S3.S3Client, VersionId?: string) => c.send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'acl/a', ...(VersionId ? { VersionId } : {}) }));
    assert.equal((await outcome(getAcl(acl))).code, 'ok');
    assert.match((await outcome(getAcl(acl, 'null'))).message, /s3:GetObjectVersionAcl/);
    assert.equal((await outcome(getAcl(versionAcl, 'null'))).code, 'ok');
    assert.equal((await outcome(getAcl(versionAcl))).code, 'AccessDenied');
  });

  it('a copy source with ?versionId=null (CopyObject, UploadPartCopy) is read as s3:GetObjectVersion', async () => {
    await put('src/a', 'source');
    await put('src/tagged', 'tagged', 'k=v');
    const write = allow(['s3:PutObject', 's3:PutObjectTagging'], `arn:aws:s3:::${BUCKET}/dst/*`);
    const copier = await user('copier', doc(write, allow(['s3:GetObject', 's3:GetObjectTagging'], `arn:aws:s3:::${BUCKET}/src/*`)));
    const versionCopier = await user('version-copier', doc(write, allow(['s3:GetObjectVersion', 's3:GetObjectVersionTagging'], `arn:aws:s3:::${BUCKET}/src/*`)));
    const copy = (c: S3.S3Client, source: string, key: string) => c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${source}` }));

    const refused = await outcome(copy(copier, 'src/a?versionId=null', 'dst/a'));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /s3:GetObjectVersion on resource: "arn:aws:s3:::versioned\/src\/a"/);
    assert.equal(await exists('dst/a'), false);
    assert.equal((await outcome(copy(versionCopier, 'src/a', 'dst/a'))).code, 'AccessDenied');
    assert.equal(await exists('dst/a'), false);
    await copy(versionCopier, 'src/a?versionId=null', 'dst/a');
    assert.equal(await exists('dst/a'), true);
    await copy(copier, 'src/a', 'dst/b');
    // The tags copied with a versioned source are read as s3:GetObjectVersionTagging.
    await copy(versionCopier, 'src/tagged?versionId=null', 'dst/tagged');
    assert.deepEqual(await tags('dst/tagged'), { k: 'v' });

    const up = await admin.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'dst/mp' }));
    const partCopy = (c: S3.S3Client, source: string) => c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'dst/mp', UploadId: up.UploadId, PartNumber: 1, CopySource: `${BUCKET}/${source}` }));
    assert.match((await outcome(partCopy(copier, 'src/a?versionId=null'))).message, /s3:GetObjectVersion/);
    assert.equal((await outcome(partCopy(versionCopier, 'src/a'))).code, 'AccessDenied');
    assert.equal((await admin.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'dst/mp', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
    await partCopy(versionCopier, 'src/a?versionId=null');
    assert.equal((await admin.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'dst/mp', UploadId: up.UploadId }))).Parts?.length, 1);
    await admin.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'dst/mp', UploadId: up.UploadId }));
  });
});
