/**
 * The S3 gateway's objects are private to the server's OS user, as the database and keys beside them (review-g
 * S3): every directory under `<dataDir>/objects` is 0700 and every file 0600 after PutObject, a multipart upload
 * (in progress and completed) and CopyObject through the real `@aws-sdk/client-s3`, even with a umask of 0 (the
 * modes are given at creation, not left to the umask). A store written with 0755/0644 is tightened when the server
 * starts on it, saying so in the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

/** Every entry under `root` (itself included) whose permission bits differ from 0700 (directory) or 0600 (file). */
async function looseEntries(root: string): Promise<string[]> {
  const out: string[] = [];
  const check = async (path: string): Promise<void> => {
    const st = await lstat(path);
    const mode = st.mode & 0o777;
    const want = st.isDirectory() ? 0o700 : 0o600;
    if (mode !== want) out.push(`${path} ${mode.toString(8)}`);
  };
  await check(root);
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) await check(join(e.parentPath, e.name));
  return out;
}

/** Directories and files under `root`; a file is counted once whatever its number of links (completed uploads and copies link segments). */
async function counts(root: string): Promise<{ dirs: number; files: number }> {
  let dirs = 0;
  const inodes = new Set<number>();
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory()) dirs++;
    else inodes.add((await lstat(join(e.parentPath, e.name))).ino);
  }
  return { dirs, files: inodes.size };
}

describe('S3 gateway: objects on disk are readable by the server\'s user only', () => {
  let server: TestServer;
  let s3: S3.S3Client;
  let objects: string;
  let umask: number;

  const connect = (): void => {
    s3?.destroy();
    s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  };

  before(async () => {
    umask = process.umask(0);
    server = await startTestServer({ keepDir: true });
    objects = join(server.dataDir, 'objects');
    connect();
  });
  after(async () => {
    process.umask(umask);
    s3?.destroy();
    await server?.stop();
  });

  it('PutObject, a multipart upload (in progress, then completed) and CopyObject leave directories 0700 and files 0600', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'private-data' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'private-data', Key: 'datasets/shard-0.tar', Body: Buffer.alloc(4096, 7) }));

    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'private-data', Key: 'checkpoints/step-1.pt' }));
    const p1 = await s3.send(new S3.UploadPartCommand({ Bucket: 'private-data', Key: 'checkpoints/step-1.pt', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 1) }));
    const p2 = await s3.send(new S3.UploadPartCommand({ Bucket: 'private-data', Key: 'checkpoints/step-1.pt', UploadId, PartNumber: 2, Body: Buffer.alloc(1000, 2) }));
    // The upload's directory, record and part segments, before completion.
    assert.deepEqual(await looseEntries(objects), []);
    await s3.send(
      new S3.CompleteMultipartUploadCommand({
        Bucket: 'private-data',
        Key: 'checkpoints/step-1.pt',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag ?? '' }, { PartNumber: 2, ETag: p2.ETag ?? '' }] },
      }),
    );
    await s3.send(new S3.CopyObjectCommand({ Bucket: 'private-data', Key: 'copies/shard-0.tar', CopySource: 'private-data/datasets/shard-0.tar' }));
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'other-data' }));
    await s3.send(new S3.CopyObjectCommand({ Bucket: 'other-data', Key: 'step-1.pt', CopySource: 'private-data/checkpoints/step-1.pt' }));

    const listed = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'private-data' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['checkpoints/step-1.pt', 'copies/shard-0.tar', 'datasets/shard-0.tar']);
    const { files } = await counts(objects);
    assert.ok(files >= 8, `expected the objects' segments and metadata on disk, found ${files} file(s)`);
    assert.deepEqual(await looseEntries(objects), []);
  });

  it('a store left 0755/0644 by an earlier version is tightened at start, with a log line', async () => {
    await server.stopServer();
    for (const e of await readdir(objects, { withFileTypes: true, recursive: true })) await chmod(join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
    await chmod(objects, 0o755);
    assert.notDeepEqual(await looseEntries(objects), []);
    const { dirs, files } = await counts(objects);

    const dataDir = server.dataDir;
    server = await startTestServer({ dataDir, keepDir: true });
    connect();
    assert.deepEqual(await looseEntries(objects), []);
    const line = server.logs.find((l) => l.startsWith('objects: '));
    assert.equal(line, `objects: ${objects} was open to other OS users (mode 0755); made it and ${dirs} directories and ${files} file(s) under it readable by the owner only`);

    // The objects are still served, and a start on a private store says nothing.
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'private-data', Key: 'copies/shard-0.tar' }));
    assert.equal((await got.Body?.transformToByteArray())?.length, 4096);
    await server.stopServer();
    server = await startTestServer({ dataDir });
    connect();
    assert.equal(server.logs.filter((l) => l.startsWith('objects: ')).length, 0);
  });
});
