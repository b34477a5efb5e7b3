/**
 * Review fz, 5, against a real server with the real `@aws-sdk/client-s3`, its object store on a 4 MiB tmpfs (skipped
 * where this process may not mount one): a write refused because the data volume is full is answered 507 StorageFull,
 * saying so, and the SDK does not send the body again.
 *
 * What was wrong: ENOSPC reached the edge as any fault: 500 InternalError "We encountered an internal error. Please
 * try again.". The SDKs retry a 500 (three attempts by default, the aws CLI's legacy mode five), so each refused upload
 * was sent again in full against a volume that could not take it, and the user was told to try again rather than
 * that the storage was full (the operator's log had only a stack). The data was safe (the first object intact,
 * nothing partial left), which the test also holds.
 *
 * What is now so: ENOSPC or EDQUOT is 507 `StorageFull` (no S3 code exists: S3 never fills; MinIO answers a full drive
 * 507 too), a status the SDKs do not retry, with a message naming what to do; the log line says the store is out of
 * space. Once space is freed, the same PUT succeeds.
 *
 * Before the fix, the first test failed (500 InternalError after 3 attempts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'fz5-full';
const MiB = 1024 * 1024;

let dataDir = '';
let mounted = false;
let server: TestServer | undefined;
let c: S3.S3Client;

/** Why a 4 MiB tmpfs cannot be mounted here (not root, no mount in this sandbox), or undefined when it can. */
async function tmpfsMissing(): Promise<string | undefined> {
  dataDir = await mkdtemp(join(tmpdir(), 'fz5-'));
  await mkdir(join(dataDir, 'objects'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', join(dataDir, 'objects')], { stdio: 'ignore' });
    mounted = true;
    return undefined;
  } catch {
    return 'cannot mount a tmpfs here';
  }
}
const skip = await tmpfsMissing();

before(async () => {
  if (skip) return;
  server = await startTestServer({ dataDir, keepDir: true });
  // The SDK's default retries: what a user's client does with the answer.
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 3 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
  if (mounted) execFileSync('umount', [join(dataDir, 'objects')]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('fz 5: a full data volume', { skip: skip ?? false }, () => {
  it('a PUT that does not fit: 507 StorageFull, sent once, saying the storage is full; nothing partial left', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shard-0', Body: Buffer.alloc(2.5 * MiB, 1) }));
    let err: S3.S3ServiceException | undefined;
    try {
      await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shard-1', Body: Buffer.alloc(2.5 * MiB, 2) }));
    } catch (e) {
      err = e as S3.S3ServiceException;
    }
    assert.ok(err, 'the PUT was stored on a full volume');
    assert.deepEqual([err.name, err.$metadata.httpStatusCode, err.$metadata.attempts], ['StorageFull', 507, 1]);
    assert.match(err.message, /storage is full/);
    assert.ok(server!.logs.some((l) => /out of space \(ENOSPC\)/.test(l)), 'the log names the full volume');
    // Data safety: the first object is whole, the second absent, no temporary file left behind.
    const first = await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0' }))).Body!.transformToByteArray();
    assert.deepEqual([first.length, first[0]], [2.5 * MiB, 1]);
    assert.deepEqual((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key), ['shard-0']);
    assert.deepEqual(await readdir(join(dataDir, 'objects', 'tmp')).catch(() => []), []);
  });

  it('once space is freed, the same PUT is stored', async () => {
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'shard-0' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shard-1', Body: Buffer.alloc(2.5 * MiB, 2) }));
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'shard-1' }))).ContentLength, 2.5 * MiB);
  });
});
