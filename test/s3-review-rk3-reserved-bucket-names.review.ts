/**
 * Review rk, 3, against a real server: CreateBucket of names S3's general purpose bucket naming rules reserve.
 *
 * What was wrong: the gateway checks bucket names by "S3's general-purpose bucket naming rules" (objects-fs names.ts),
 * but of their reserved prefixes and suffixes it knew `xn--`, `sthree-`, `-s3alias` and `--ol-s3` only. The S3 User
 * Guide ("General purpose bucket naming rules") also reserves the prefix `amzn-s3-demo-` and the suffixes `.mrap`
 * (Multi-Region Access Points), `--x-s3` (directory buckets) and `--table-s3` (table buckets), and S3 refuses such a
 * name with InvalidBucketName. The gateway created them: a bucket that S3 would never hold, and, for `--x-s3`, one the
 * SDKs cannot address, since they read that suffix as a directory bucket and sign for S3 Express (`s3express`, after a
 * CreateSession), which the gateway refuses — a client that created it by plain SigV4 (curl, rclone) left a bucket
 * boto3, the aws CLI and SDK v3 could not list or delete.
 *
 * What is now so: those names are 400 InvalidBucketName, nothing created; a name that only contains them elsewhere
 * (`my-amzn-s3-demo-x`, `a.mrap.b`) is still a bucket, and a bucket an earlier version made under one of those names is
 * still loaded at start (only new names are refused).
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as S3 from '@aws-sdk/client-s3';
import { openFsObjectStore } from '../src/adapters/objects-fs/index.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('rk 3: S3\'s reserved bucket name prefixes and suffixes are refused', () => {
  let s: TestServer;
  let c: S3.S3Client;
  before(async () => {
    s = await startTestServer();
    c = adminS3Client(s);
  });
  after(async () => {
    c?.destroy();
    await s?.stop();
  });

  /** CreateBucket of `name` signed with plain SigV4 (service `s3`), as curl or rclone send it: the status and body. */
  async function createRaw(name: string): Promise<{ status: number; body: string }> {
    const url = new URL(s.running.s3Url);
    const signer = new SignatureV4({ credentials: s.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: `/${name}`,
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '0' },
    });
    const r = await fetch(`${s.running.s3Url}/${name}`, { method: 'PUT', headers: signed.headers });
    return { status: r.status, body: await r.text() };
  }

  it('amzn-s3-demo-…, ….mrap and …--table-s3 are InvalidBucketName, and not created', async () => {
    for (const name of ['amzn-s3-demo-bucket', 'rk3-data.mrap', 'rk3-data--table-s3']) {
      const refused = await s3Refusal(c.send(new S3.CreateBucketCommand({ Bucket: name })));
      assert.deepEqual(refused.slice(0, 2), ['InvalidBucketName', 400], `${name}: ${JSON.stringify(refused)}`);
    }
    const names = ((await c.send(new S3.ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    assert.deepEqual(names.filter((n) => n?.startsWith('amzn-') || n?.startsWith('rk3-data')), []);
  });

  it('…--x-s3 (a directory bucket\'s suffix) is InvalidBucketName to a plain SigV4 client', async () => {
    const r = await createRaw('rk3-data--x-s3');
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /<Code>InvalidBucketName<\/Code>/);
  });

  it('names holding those only elsewhere are buckets', async () => {
    for (const name of ['my-amzn-s3-demo-x', 'rk3-a.mrap.b', 'rk3-x--table-s3x']) {
      assert.equal((await c.send(new S3.CreateBucketCommand({ Bucket: name }))).$metadata.httpStatusCode, 200, name);
    }
    assert.equal((await createRaw('rk3-x--x-s3y')).status, 200);
  });

  it('a bucket made before under such a name is still loaded by the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk3-'));
    try {
      const first = await openFsObjectStore(dir, { fsync: false });
      assert.ok((await first.createBucket('rk3-kept', '000000000000')).ok);
      await first.close();
      // As an earlier version left it: a bucket named with a suffix that was not yet refused.
      await rename(join(dir, 'buckets', 'rk3-kept'), join(dir, 'buckets', 'rk3-kept.mrap'));
      const again = await openFsObjectStore(dir, { fsync: false });
      assert.deepEqual((await again.listBuckets()).map((b) => b.name), ['rk3-kept.mrap']);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
