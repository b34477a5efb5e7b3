import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32 } from 'node:zlib';
import type { ObjectInfo, ObjectResult, ObjectStore } from '../../app/ports/objects.ts';
import { openFsObjectStore } from './index.ts';

const OWNER = '111122223333';
const OTHER = '444455556666';

async function* chunks(data: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function value<T>(r: ObjectResult<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: ObjectResult<T>): string {
  return r.ok ? 'ok' : r.error.code;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('objects-fs: buckets', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    store = await openFsObjectStore(dir, { fsync: false });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('validates names as S3 does', async () => {
    for (const bad of ['ab', 'a'.repeat(64), 'Upper', 'under_score', '-start', 'end-', 'a..b', '192.168.1.1', 'xn--abc', 'x-s3alias', '.dot']) {
      assert.equal(code(await store.createBucket(bad, OWNER)), 'InvalidBucketName', bad);
    }
    for (const good of ['abc', 'a'.repeat(63), 'my.bucket-1', '1.2.3.4a']) assert.equal(code(await store.createBucket(good, OWNER)), 'ok', good);
  });

  it('distinguishes own and foreign existing buckets, and refuses to delete non-empty ones', async () => {
    const created = value(await store.createBucket('data-one', OWNER));
    assert.equal(created.owner, OWNER);
    assert.match(created.created, /^\d{4}-\d\d-\d\dT/);
    assert.equal(code(await store.createBucket('data-one', OWNER)), 'BucketAlreadyOwnedByYou');
    assert.equal(code(await store.createBucket('data-one', OTHER)), 'BucketAlreadyExists');
    assert.deepEqual(value(await store.headBucket('data-one')), created);
    assert.equal(code(await store.headBucket('nope-bucket')), 'NoSuchBucket');
    value(await store.putObject({ bucket: 'data-one', key: 'k', body: chunks(Buffer.from('x')) }));
    assert.equal(code(await store.deleteBucket('data-one')), 'BucketNotEmpty');
    value(await store.deleteObject('data-one', 'k'));
    // An unfinished upload does not keep the bucket (as in S3; review ha, 2): it goes with it.
    const up = value(await store.createUpload({ bucket: 'data-one', key: 'big' }));
    value(await store.deleteBucket('data-one'));
    assert.equal(code(await store.abortUpload('data-one', 'big', up.uploadId)), 'NoSuchBucket');
    assert.equal(code(await store.headBucket('data-one')), 'NoSuchBucket');
    assert.equal(code(await store.deleteBucket('data-one')), 'NoSuchBucket');
    assert.ok(!(await store.listBuckets()).some((b) => b.name === 'data-one'));
    value(await store.createBucket('data-one', OTHER));
  });
});

describe('objects-fs: objects', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    store = await openFsObjectStore(dir);
    value(await store.createBucket('bkt', OWNER));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips bytes, metadata and S3 ETags (known MD5 vectors)', async () => {
    const empty = value(await store.putObject({ bucket: 'bkt', key: 'empty', body: chunks(Buffer.alloc(0)) }));
    assert.equal(empty.etag, 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(empty.size, 0);
    assert.equal((await drain(value(await store.getObject('bkt', 'empty')).stream)).length, 0);
    const hello = value(
      await store.putObject({ bucket: 'bkt', key: 'hello', body: chunks(Buffer.from('hello world')), contentType: 'text/plain', metadata: { owner: 'ana' }, tags: { team: 'ml' } }),
    );
    assert.equal(hello.etag, '5eb63bbbe01eeed093cb22bb8f5acdc3');
    assert.equal(hello.contentType, 'text/plain');
    assert.deepEqual(hello.metadata, { owner: 'ana' });
    assert.deepEqual(hello.tags, { team: 'ml' });
    assert.match(hello.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(value(await store.headObject('bkt', 'hello')), hello);
    const got = value(await store.getObject('bkt', 'hello'));
    assert.equal((await drain(got.stream)).toString(), 'hello world');
    assert.equal(got.range, undefined);
    assert.equal(value(await store.putObject({ bucket: 'bkt', key: 'typeless', body: chunks(Buffer.from('a')) })).contentType, 'binary/octet-stream');

    const big = randomBytes(3 * 1024 * 1024 + 12345);
    const info = value(await store.putObject({ bucket: 'bkt', key: 'dir/../../etc/passwd', body: chunks(big, 100_000), size: big.length }));
    assert.equal(info.etag, md5(big));
    assert.ok((await drain(value(await store.getObject('bkt', 'dir/../../etc/passwd')).stream)).equals(big));
  });

  it('keeps keys out of paths: unicode, slashes, dots and 1024-byte keys', async () => {
    // Two lone surrogates: both would be U+FFFD in UTF-8, and must still be two objects.
    const keys = ['a/b/c', '../../escape', '/leading', 'ünï/cødé/😀', 'é'.repeat(512), 'x'.repeat(1024), ' space ', '.', '..', '\ud800', '\udbff'];
    const metaBefore = (await filesUnder(join(dir, 'buckets', 'bkt', 'meta'))).length;
    for (const key of keys) value(await store.putObject({ bucket: 'bkt', key, body: chunks(Buffer.from(JSON.stringify(key))) }));
    assert.equal((await filesUnder(join(dir, 'buckets', 'bkt', 'meta'))).length, metaBefore + keys.length, 'one metadata file per key');
    for (const key of keys) {
      assert.equal((await drain(value(await store.getObject('bkt', key)).stream)).toString(), JSON.stringify(key));
      assert.equal(value(await store.headObject('bkt', key)).key, key);
    }
    assert.equal(code(await store.putObject({ bucket: 'bkt', key: 'x'.repeat(1025), body: chunks(Buffer.from('')) })), 'KeyTooLongError');
    assert.equal(code(await store.putObject({ bucket: 'bkt', key: 'é'.repeat(513), body: chunks(Buffer.from('')) })), 'KeyTooLongError');
    assert.equal(code(await store.putObject({ bucket: 'nope-bucket', key: 'k', body: chunks(Buffer.from('')) })), 'NoSuchBucket');
    assert.equal(code(await store.getObject('bkt', 'missing')), 'NoSuchKey');
    assert.equal(code(await store.headObject('bkt', 'missing')), 'NoSuchKey');
    // Nothing was written outside the store's directory tree, and no file is named after a key.
    for (const f of await filesUnder(dir)) assert.ok(!f.includes('escape') && !f.includes('leading'), f);
  });

  it('serves ranges clamped to the object, and refuses unsatisfiable ones', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 10);
    value(await store.putObject({ bucket: 'bkt', key: 'ranged', body: chunks(data) }));
    const cases: [{ start?: number; end?: number; suffix?: number }, number, number][] = [
      [{ start: 0, end: 0 }, 0, 0],
      [{ start: 10, end: 19 }, 10, 19],
      [{ start: 1024 * 1024 - 5, end: 1024 * 1024 + 5 }, 1024 * 1024 - 5, 1024 * 1024 + 5],
      [{ start: 100 }, 100, data.length - 1],
      [{ start: 5, end: 10 ** 12 }, 5, data.length - 1],
      [{ suffix: 7 }, data.length - 7, data.length - 1],
      [{ suffix: 10 ** 9 }, 0, data.length - 1],
      [{ start: data.length - 1 }, data.length - 1, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const body = value(await store.getObject('bkt', 'ranged', range));
      assert.deepEqual(body.range, { start, end }, JSON.stringify(range));
      assert.ok((await drain(body.stream)).equals(data.subarray(start, end + 1)), JSON.stringify(range));
    }
    for (const range of [{ start: data.length }, { start: data.length + 100, end: data.length + 200 }, { suffix: 0 }, { start: 10, end: 5 }]) {
      assert.equal(code(await store.getObject('bkt', 'ranged', range)), 'InvalidRange', JSON.stringify(range));
    }
    assert.equal(code(await store.getObject('bkt', 'empty', { start: 0, end: 0 })), 'InvalidRange');
  });

  it('checks declared digests and sizes, storing nothing on a mismatch', async () => {
    const data = Buffer.from('checked body');
    const sha = createHash('sha256').update(data).digest();
    const crcB64 = (n: number): string => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b.toString('base64');
    };
    const good = {
      contentMd5: createHash('md5').update(data).digest('base64'),
      sha256Hex: sha.toString('hex'),
      sha256Base64: sha.toString('base64'),
      crc32Base64: crcB64(crc32(data)),
      crc32cBase64: crcB64(0x4d3b2f9a),
    };
    // CRC32C computed independently (bitwise), to check the table implementation against.
    let c = 0xffffffff;
    for (const byte of data) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    good.crc32cBase64 = crcB64((c ^ 0xffffffff) >>> 0);
    value(await store.putObject({ bucket: 'bkt', key: 'digests', body: chunks(data), ...good }));
    const before = await filesUnder(dir);
    for (const field of Object.keys(good) as (keyof typeof good)[]) {
      const wrong = { ...good, [field]: field === 'sha256Hex' ? '0'.repeat(64) : crcB64(1).padEnd(good[field].length, 'A') };
      const r = await store.putObject({ bucket: 'bkt', key: 'digests', body: chunks(Buffer.from('other body!!')), ...wrong });
      assert.equal(code(r), 'BadDigest', field);
    }
    assert.equal(code(await store.putObject({ bucket: 'bkt', key: 'digests', body: chunks(Buffer.from('short')), size: 6 })), 'IncompleteBody');
    assert.equal(code(await store.putObject({ bucket: 'bkt', key: 'digests', body: chunks(Buffer.from('too long')), size: 3 })), 'IncompleteBody');
    assert.equal((await drain(value(await store.getObject('bkt', 'digests')).stream)).toString(), 'checked body');
    assert.deepEqual((await filesUnder(dir)).sort(), before.sort(), 'no file added or left behind');
  });

  it('copies server-side, with metadata copied or replaced', async () => {
    const data = randomBytes(1024 * 1024 + 3);
    const src = value(await store.putObject({ bucket: 'bkt', key: 'src', body: chunks(data), contentType: 'image/png', metadata: { a: '1' }, tags: { t: 'x' } }));
    const copy = value(await store.copyObject({ bucket: 'bkt', key: 'src' }, { bucket: 'bkt', key: 'copy' }));
    assert.equal(copy.etag, src.etag);
    assert.equal(copy.contentType, 'image/png');
    assert.deepEqual(copy.metadata, { a: '1' });
    assert.deepEqual(copy.tags, { t: 'x' });
    const replaced = value(await store.copyObject({ bucket: 'bkt', key: 'src' }, { bucket: 'bkt', key: 'src' }, { contentType: 'text/plain', metadata: { b: '2' } }));
    assert.equal(replaced.contentType, 'text/plain');
    assert.deepEqual(replaced.metadata, { b: '2' });
    assert.deepEqual(replaced.tags, { t: 'x' });
    value(await store.deleteObject('bkt', 'copy'));
    assert.ok((await drain(value(await store.getObject('bkt', 'src')).stream)).equals(data));
    assert.equal(code(await store.copyObject({ bucket: 'bkt', key: 'nope' }, { bucket: 'bkt', key: 'x' })), 'NoSuchKey');
    assert.equal(code(await store.copyObject({ bucket: 'bkt', key: 'src' }, { bucket: 'nope-bucket', key: 'x' })), 'NoSuchBucket');
  });

  it('deletes idempotently', async () => {
    value(await store.putObject({ bucket: 'bkt', key: 'gone', body: chunks(Buffer.from('x')) }));
    value(await store.deleteObject('bkt', 'gone'));
    value(await store.deleteObject('bkt', 'gone'));
    assert.equal(code(await store.headObject('bkt', 'gone')), 'NoSuchKey');
    assert.equal(code(await store.deleteObject('nope-bucket', 'gone')), 'NoSuchBucket');
  });

  it('detects corruption on read, full and ranged, and serves untouched blocks of a ranged read', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    value(await store.putObject({ bucket: 'bkt', key: 'rot', body: chunks(data) }));
    const target = [];
    for (const f of await filesUnder(join(dir, 'buckets', 'bkt', 'data'))) if ((await stat(f)).size === data.length + 12) target.push(f);
    assert.equal(target.length, 1);
    const bytes = await readFile(target[0]!);
    bytes[1024 * 1024 + 7]! ^= 0x01; // one bit flipped in the second block
    await writeFile(target[0]!, bytes);
    await assert.rejects(drain(value(await store.getObject('bkt', 'rot')).stream), /fail their checksum/);
    await assert.rejects(drain(value(await store.getObject('bkt', 'rot', { start: 1024 * 1024 + 5, end: 1024 * 1024 + 9 })).stream), /fail their checksum/);
    assert.ok((await drain(value(await store.getObject('bkt', 'rot', { start: 2 * 1024 * 1024 })).stream)).equals(data.subarray(2 * 1024 * 1024)));
    await rm(target[0]!);
    await assert.rejects(drain(value(await store.getObject('bkt', 'rot')).stream), /missing/);
  });
});

describe('objects-fs: multipart uploads', () => {
  let dir: string;
  let store: ObjectStore;
  const MiB = 1024 * 1024;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    store = await openFsObjectStore(dir);
    value(await store.createBucket('mp-bucket', OWNER));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('assembles parts into one object with the S3 multipart ETag', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 17), randomBytes(1234)];
    const up = value(await store.createUpload({ bucket: 'mp-bucket', key: 'model/ckpt.bin', contentType: 'application/x-ckpt', metadata: { step: '7' }, tags: { kind: 'ckpt' } }));
    assert.match(up.uploadId, /^[0-9a-f]{32}$/);
    assert.deepEqual(value(await store.listUploads({ bucket: 'mp-bucket' })).uploads.map((u) => u.uploadId), [up.uploadId]);
    // Uploaded out of order and in parallel, as SDKs do; part 2 uploaded twice, the second replacing the first.
    value(await store.uploadPart({ bucket: 'mp-bucket', key: 'model/ckpt.bin', uploadId: up.uploadId, partNumber: 2, body: chunks(randomBytes(6 * MiB)) }));
    const infos = await Promise.all(
      [3, 1, 2].map(async (n) => value(await store.uploadPart({ bucket: 'mp-bucket', key: 'model/ckpt.bin', uploadId: up.uploadId, partNumber: n, body: chunks(parts[n - 1]!), size: parts[n - 1]!.length }))),
    );
    for (const p of infos) assert.equal(p.etag, md5(parts[p.partNumber - 1]!));
    const listed = value(await store.listParts('mp-bucket', 'model/ckpt.bin', up.uploadId));
    assert.deepEqual(listed.parts.map((p) => [p.partNumber, p.size]), [[1, 5 * MiB], [2, 5 * MiB + 17], [3, 1234]]);
    const page1 = value(await store.listParts('mp-bucket', 'model/ckpt.bin', up.uploadId, { maxParts: 2 }));
    assert.deepEqual([page1.parts.map((p) => p.partNumber), page1.truncated, page1.next], [[1, 2], true, 2]);
    const page2 = value(await store.listParts('mp-bucket', 'model/ckpt.bin', up.uploadId, { after: 2, maxParts: 2 }));
    assert.deepEqual([page2.parts.map((p) => p.partNumber), page2.truncated], [[3], false]);

    const info = value(await store.completeUpload('mp-bucket', 'model/ckpt.bin', up.uploadId, parts.map((p, i) => ({ partNumber: i + 1, etag: `"${md5(p)}"` }))));
    const expected = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex') + '-3';
    assert.equal(info.etag, expected);
    assert.equal(info.size, parts.reduce((a, p) => a + p.length, 0));
    assert.equal(info.contentType, 'application/x-ckpt');
    assert.deepEqual(info.metadata, { step: '7' });
    assert.deepEqual(info.tags, { kind: 'ckpt' });
    const whole = Buffer.concat(parts);
    assert.ok((await drain(value(await store.getObject('mp-bucket', 'model/ckpt.bin')).stream)).equals(whole));
    // A range across the boundary of parts 1 and 2, and one across 2 and 3.
    for (const [start, end] of [[5 * MiB - 10, 5 * MiB + 10], [10 * MiB, 10 * MiB + 100], [3, whole.length - 3]] as const) {
      const body = value(await store.getObject('mp-bucket', 'model/ckpt.bin', { start, end }));
      assert.ok((await drain(body.stream)).equals(whole.subarray(start, end + 1)), `${start}-${end}`);
    }
    assert.deepEqual(value(await store.listUploads({ bucket: 'mp-bucket' })).uploads, []);
    assert.equal(code(await store.completeUpload('mp-bucket', 'model/ckpt.bin', up.uploadId, [{ partNumber: 1, etag: md5(parts[0]!) }])), 'NoSuchUpload');
    assert.equal(code(await store.listParts('mp-bucket', 'model/ckpt.bin', up.uploadId)), 'NoSuchUpload');
    // The upload's directory is gone; the object's segments are all that remain.
    assert.deepEqual(await readdir(join(dir, 'buckets', 'mp-bucket', 'uploads')), []);
  });

  it('refuses bad part lists: order, unknown parts, wrong ETags, small parts', async () => {
    const key = 'refused';
    const up = value(await store.createUpload({ bucket: 'mp-bucket', key }));
    const small = Buffer.from('small part');
    const big = randomBytes(5 * MiB);
    const e1 = value(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: up.uploadId, partNumber: 1, body: chunks(small) })).etag;
    const e2 = value(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: up.uploadId, partNumber: 2, body: chunks(big) })).etag;
    const e3 = value(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: up.uploadId, partNumber: 3, body: chunks(small) })).etag;
    const complete = (parts: { partNumber: number; etag: string }[]): Promise<ObjectResult<ObjectInfo>> => store.completeUpload('mp-bucket', key, up.uploadId, parts);
    assert.equal(code(await complete([{ partNumber: 2, etag: e2 }, { partNumber: 1, etag: e1 }])), 'InvalidPartOrder');
    assert.equal(code(await complete([{ partNumber: 2, etag: e2 }, { partNumber: 2, etag: e2 }])), 'InvalidPartOrder');
    assert.equal(code(await complete([{ partNumber: 2, etag: e2 }, { partNumber: 4, etag: e3 }])), 'InvalidPart');
    assert.equal(code(await complete([{ partNumber: 2, etag: e1 }])), 'InvalidPart');
    assert.equal(code(await complete([])), 'InvalidPart');
    assert.equal(code(await complete([{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }])), 'EntityTooSmall');
    for (const n of [0, 10001, 1.5]) {
      assert.equal(code(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: up.uploadId, partNumber: n, body: chunks(small) })), 'InvalidPart');
    }
    assert.equal(code(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: up.uploadId, partNumber: 4, body: chunks(small), contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' })), 'BadDigest');
    assert.equal(code(await store.uploadPart({ bucket: 'mp-bucket', key: 'other-key', uploadId: up.uploadId, partNumber: 1, body: chunks(small) })), 'NoSuchUpload');
    assert.equal(code(await store.uploadPart({ bucket: 'mp-bucket', key, uploadId: '../../x', partNumber: 1, body: chunks(small) })), 'NoSuchUpload');
    assert.equal(code(await store.headObject('mp-bucket', key)), 'NoSuchKey', 'nothing appeared');
    // The last part may be small, and parts may be skipped.
    const ok = value(await complete([{ partNumber: 2, etag: e2 }, { partNumber: 3, etag: e3 }]));
    assert.equal(ok.size, big.length + small.length);
    assert.ok((await drain(value(await store.getObject('mp-bucket', key)).stream)).equals(Buffer.concat([big, small])));
  });

  it('aborts, removing the parts', async () => {
    const up = value(await store.createUpload({ bucket: 'mp-bucket', key: 'aborted' }));
    value(await store.uploadPart({ bucket: 'mp-bucket', key: 'aborted', uploadId: up.uploadId, partNumber: 1, body: chunks(Buffer.from('x')) }));
    value(await store.abortUpload('mp-bucket', 'aborted', up.uploadId));
    assert.equal(code(await store.abortUpload('mp-bucket', 'aborted', up.uploadId)), 'NoSuchUpload');
    assert.equal(code(await store.uploadPart({ bucket: 'mp-bucket', key: 'aborted', uploadId: up.uploadId, partNumber: 1, body: chunks(Buffer.from('x')) })), 'NoSuchUpload');
    assert.deepEqual(await readdir(join(dir, 'buckets', 'mp-bucket', 'uploads')), []);
  });
});

describe('objects-fs: listing through the store', () => {
  it('lists with prefix, delimiter, continuation and max-keys, unicode keys included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    const store = await openFsObjectStore(dir, { fsync: false });
    try {
      value(await store.createBucket('list-bucket', OWNER));
      const keys = ['a/1', 'a/2', 'a/b/3', 'ä/x', 'b', '😀/y', '\uffff'];
      for (const key of keys) value(await store.putObject({ bucket: 'list-bucket', key, body: chunks(Buffer.from(key)) }));
      const all = value(await store.listObjects({ bucket: 'list-bucket' }));
      assert.deepEqual(all.objects.map((o) => o.key), ['a/1', 'a/2', 'a/b/3', 'b', 'ä/x', '\uffff', '😀/y']);
      assert.equal(all.objects[0]!.etag, md5(Buffer.from('a/1')));
      assert.equal(all.objects[0]!.size, 3);
      const top = value(await store.listObjects({ bucket: 'list-bucket', delimiter: '/', maxKeys: 3 }));
      assert.deepEqual([top.objects.map((o) => o.key), top.prefixes, top.truncated, top.next], [['b'], ['a/', 'ä/'], true, 'ä/']);
      const rest = value(await store.listObjects({ bucket: 'list-bucket', delimiter: '/', after: 'ä/' }));
      assert.deepEqual([rest.objects.map((o) => o.key), rest.prefixes, rest.truncated], [['\uffff'], ['😀/'], false]);
      const under = value(await store.listObjects({ bucket: 'list-bucket', prefix: 'a/', delimiter: '/' }));
      assert.deepEqual([under.objects.map((o) => o.key), under.prefixes], [['a/1', 'a/2'], ['a/b/']]);
      value(await store.deleteObject('list-bucket', 'a/2'));
      assert.deepEqual(value(await store.listObjects({ bucket: 'list-bucket', prefix: 'a/' })).objects.map((o) => o.key), ['a/1', 'a/b/3']);
      assert.equal(code(await store.listObjects({ bucket: 'nope-bucket' })), 'NoSuchBucket');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('objects-fs: durability', () => {
  it('reopens with everything, removing temporary and orphaned files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    try {
      let store = await openFsObjectStore(dir);
      value(await store.createBucket('keep-bucket', OWNER));
      const data = randomBytes(2 * 1024 * 1024 + 1);
      const info = value(await store.putObject({ bucket: 'keep-bucket', key: 'k/ü', body: chunks(data), metadata: { m: '1' } }));
      value(await store.putObject({ bucket: 'keep-bucket', key: 'overwritten', body: chunks(Buffer.from('v1')) }));
      value(await store.putObject({ bucket: 'keep-bucket', key: 'overwritten', body: chunks(Buffer.from('v2')) }));
      const up = value(await store.createUpload({ bucket: 'keep-bucket', key: 'pending' }));
      const part = value(await store.uploadPart({ bucket: 'keep-bucket', key: 'pending', uploadId: up.uploadId, partNumber: 1, body: chunks(Buffer.from('part')) }));
      await store.close();
      const before = await filesUnder(dir);
      // What crashes leave: a temporary file, an orphaned segment (written, never committed), a stray part
      // segment, a half-created upload directory.
      await writeFile(join(dir, 'tmp', 'deadbeef'), 'partial');
      await mkdir(join(dir, 'buckets', 'keep-bucket', 'data', 'ab'), { recursive: true });
      await writeFile(join(dir, 'buckets', 'keep-bucket', 'data', 'ab', `ab${'0'.repeat(30)}.0`), 'orphan');
      await writeFile(join(dir, 'buckets', 'keep-bucket', 'uploads', up.uploadId, `1.${'f'.repeat(32)}`), 'stray');
      await mkdir(join(dir, 'buckets', 'keep-bucket', 'uploads', 'e'.repeat(32)));
      store = await openFsObjectStore(dir);
      const after = await filesUnder(dir);
      assert.deepEqual(after.sort(), before.sort(), 'exactly the committed files remain');
      assert.deepEqual(await readdir(join(dir, 'buckets', 'keep-bucket', 'uploads')), [up.uploadId]);
      assert.deepEqual(value(await store.headObject('keep-bucket', 'k/ü')), info);
      assert.ok((await drain(value(await store.getObject('keep-bucket', 'k/ü')).stream)).equals(data));
      assert.equal((await drain(value(await store.getObject('keep-bucket', 'overwritten')).stream)).toString(), 'v2');
      assert.deepEqual(value(await store.listParts('keep-bucket', 'pending', up.uploadId)).parts, [part]);
      assert.equal((await store.listBuckets()).length, 1);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a body stream dropped unread still lets the version it pinned be removed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    const store = await openFsObjectStore(dir, { fsync: false });
    try {
      value(await store.createBucket('drop-bucket', OWNER));
      value(await store.putObject({ bucket: 'drop-bucket', key: 'k', body: chunks(Buffer.from('v1')) }));
      await (async () => {
        value(await store.getObject('drop-bucket', 'k')); // neither read nor destroyed
      })();
      value(await store.putObject({ bucket: 'drop-bucket', key: 'k', body: chunks(Buffer.from('v2')) }));
      const data = join(dir, 'buckets', 'drop-bucket', 'data');
      assert.equal((await filesUnder(data)).length, 2, 'the dropped stream still pins v1');
      for (let i = 0; i < 20 && (await filesUnder(data)).length > 1; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal((await filesUnder(data)).length, 1, 'v1 removed once its stream was collected');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an upload left behind by a crash after its completion committed can be aborted without harm to the object', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    try {
      let store = await openFsObjectStore(dir, { minPartSize: 1 });
      value(await store.createBucket('mp-crash', OWNER));
      const up = value(await store.createUpload({ bucket: 'mp-crash', key: 'obj' }));
      const parts = [Buffer.from('first part '), Buffer.from('second part')];
      const etags = [];
      for (const [i, p] of parts.entries()) etags.push(value(await store.uploadPart({ bucket: 'mp-crash', key: 'obj', uploadId: up.uploadId, partNumber: i + 1, body: chunks(p) })).etag);
      await store.close();
      // Keep a copy of the upload as it was, to put back after completion: the state a crash between the
      // metadata rename and the upload's removal leaves.
      const uploadDir = join(dir, 'buckets', 'mp-crash', 'uploads', up.uploadId);
      const saved = new Map<string, Buffer>();
      for (const f of await readdir(uploadDir)) saved.set(f, await readFile(join(uploadDir, f)));
      store = await openFsObjectStore(dir, { minPartSize: 1 });
      const info = value(await store.completeUpload('mp-crash', 'obj', up.uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag }))));
      await store.close();
      await mkdir(uploadDir);
      for (const [f, b] of saved) await writeFile(join(uploadDir, f), b);
      store = await openFsObjectStore(dir, { minPartSize: 1 });
      assert.deepEqual(value(await store.listUploads({ bucket: 'mp-crash' })).uploads.map((u) => u.uploadId), [up.uploadId]);
      value(await store.abortUpload('mp-crash', 'obj', up.uploadId));
      assert.equal(value(await store.headObject('mp-crash', 'obj')).etag, info.etag);
      assert.equal((await drain(value(await store.getObject('mp-crash', 'obj')).stream)).toString(), 'first part second part');
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never shows a reader mixed bytes while the object is overwritten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    const store = await openFsObjectStore(dir, { fsync: false });
    try {
      value(await store.createBucket('race-bucket', OWNER));
      const size = 3 * 1024 * 1024 + 5;
      const version = (n: number): Buffer => Buffer.alloc(size, n);
      value(await store.putObject({ bucket: 'race-bucket', key: 'hot', body: chunks(version(0)) }));
      let writing = true;
      const writer = (async () => {
        for (let n = 1; n <= 20; n++) value(await store.putObject({ bucket: 'race-bucket', key: 'hot', body: chunks(version(n), 256 * 1024) }));
        writing = false;
      })();
      let reads = 0;
      const seen = new Set<number>();
      const reader = async (): Promise<void> => {
        while (writing) {
          const ranged = reads % 3 === 0;
          const body = value(await store.getObject('race-bucket', 'hot', ranged ? { start: 1024 * 1024 - 3, end: 2 * 1024 * 1024 + 3 } : undefined));
          // Slow consumer: the overwrite commits (and retires this version) while the stream is still being read.
          const parts: Buffer[] = [];
          for await (const c of body.stream) {
            parts.push(c as Buffer);
            await new Promise((r) => setImmediate(r));
          }
          const bytes = Buffer.concat(parts);
          assert.equal(bytes.length, ranged ? 1024 * 1024 + 7 : size);
          const first = bytes[0]!;
          assert.ok(bytes.every((b) => b === first), 'one version throughout');
          if (!ranged) assert.equal(body.info.etag, md5(bytes), 'the info returned describes the bytes served');
          seen.add(first);
          reads++;
        }
      };
      await Promise.all([writer, reader(), reader(), reader()]);
      assert.ok(reads >= 3, `readers completed ${reads} reads`);
      assert.ok(seen.size >= 2, `readers saw ${seen.size} distinct versions`);
      // Every retired version's segments are gone once its readers finished.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await filesUnder(join(dir, 'buckets', 'race-bucket', 'data'))).length, 1);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('objects-fs: conditions carried by the port', () => {
  let dir: string;
  let store: ObjectStore;
  const text = async (key: string): Promise<string> => (await drain(value(await store.getObject('cond', key)).stream)).toString();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-objects-'));
    store = await openFsObjectStore(dir, { fsync: false });
    value(await store.createBucket('cond', OWNER));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('putObject: If-None-Match * creates only, If-Match swaps only the ETag given (NoSuchKey when there is no object)', async () => {
    const put = (key: string, body: string, conditions?: Parameters<ObjectStore['putObject']>[1]) => store.putObject({ bucket: 'cond', key, body: chunks(Buffer.from(body)) }, conditions);
    const first = value(await put('a', 'v1', { ifNoneMatch: '*' }));
    const again = await put('a', 'v2', { ifNoneMatch: '*' });
    assert.equal(code(again), 'PreconditionFailed');
    assert.equal(!again.ok && again.error.message, 'At least one of the pre-conditions you specified did not hold');
    assert.equal(code(await put('a', 'v3', { ifMatch: ['0'.repeat(32)] })), 'PreconditionFailed');
    assert.equal(await text('a'), 'v1');
    value(await put('a', 'v4', { ifMatch: ['x', first.etag] }));
    assert.equal(await text('a'), 'v4');
    value(await put('a', 'v5', { ifMatch: ['*'] }));
    assert.equal(code(await put('none', 'x', { ifMatch: ['*'] })), 'NoSuchKey');
    assert.equal(code(await store.headObject('cond', 'none')), 'NoSuchKey');
  });

  it('of 16 concurrent create-only putObjects of one key exactly one commits, checked under the key lock', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => store.putObject({ bucket: 'cond', key: 'race', body: chunks(Buffer.from(`w${i}`)) }, { ifNoneMatch: '*' })));
    const won = results.flatMap((r, i) => (r.ok ? [i] : []));
    assert.equal(won.length, 1, results.map(code).join(','));
    assert.ok(results.every((r) => r.ok || r.error.code === 'PreconditionFailed'));
    assert.equal(await text('race'), `w${won[0]}`);
  });

  it('copyObject: source and destination conditions; getObject holds source conditions (UploadPartCopy)', async () => {
    const src = value(await store.putObject({ bucket: 'cond', key: 'src', body: chunks(Buffer.from('src')) }));
    const from = { bucket: 'cond', key: 'src' };
    const to = { bucket: 'cond', key: 'dst' };
    const past = Date.now() - 3600_000;
    const future = Date.now() + 3600_000;
    for (const source of [{ ifMatch: ['nope'] }, { ifNoneMatch: [src.etag] }, { ifModifiedSince: future }, { ifUnmodifiedSince: past }]) {
      assert.equal(code(await store.copyObject(from, to, undefined, { source })), 'PreconditionFailed', JSON.stringify(source));
      assert.equal(code(await store.getObject('cond', 'src', undefined, source)), 'PreconditionFailed', JSON.stringify(source));
    }
    assert.equal(code(await store.headObject('cond', 'dst')), 'NoSuchKey');
    value(await store.copyObject(from, to, undefined, { ifNoneMatch: '*', source: { ifMatch: [src.etag], ifUnmodifiedSince: past } }));
    assert.equal(await text('dst'), 'src');
    assert.equal(code(await store.copyObject(from, to, undefined, { ifNoneMatch: '*' })), 'PreconditionFailed');
    (value(await store.getObject('cond', 'src', undefined, { ifMatch: [src.etag] })).stream as Readable).destroy();
  });

  it('completeUpload: a failed condition leaves the object and the upload as they were', async () => {
    value(await store.putObject({ bucket: 'cond', key: 'mp', body: chunks(Buffer.from('existing')) }));
    const up = value(await store.createUpload({ bucket: 'cond', key: 'mp' }));
    const part = value(await store.uploadPart({ bucket: 'cond', key: 'mp', uploadId: up.uploadId, partNumber: 1, body: chunks(Buffer.from('multipart')) }));
    const parts = [{ partNumber: 1, etag: part.etag }];
    assert.equal(code(await store.completeUpload('cond', 'mp', up.uploadId, parts, { ifNoneMatch: '*' })), 'PreconditionFailed');
    assert.equal(await text('mp'), 'existing');
    assert.equal(value(await store.listParts('cond', 'mp', up.uploadId)).parts.length, 1);
    value(await store.completeUpload('cond', 'mp', up.uploadId, parts, { ifMatch: [md5(Buffer.from('existing'))] }));
    assert.equal(await text('mp'), 'multipart');
  });
});
