/**
 * Review fj, 3, against a real server with the real `@aws-sdk/client-s3` (and the Debian aws CLI where installed): a
 * CreateBucket asking for an ACL, an Object Ownership that enables ACLs, or Object Lock, which the gateway cannot give
 * a bucket, is refused as S3 refuses it or as the gateway refuses what it lacks, and no bucket is made.
 *
 * What was wrong: CreateBucket read none of `x-amz-acl`, `x-amz-grant-*`, `x-amz-object-ownership` and
 * `x-amz-bucket-object-lock-enabled`. `aws s3api create-bucket --acl public-read` answered 200 for a bucket nobody but
 * its account can read; `--object-ownership ObjectWriter` for a bucket whose ACLs stay disabled; and
 * `--object-lock-enabled-for-bucket` for a bucket without Object Lock. Writes to objects already refuse such headers
 * (AccessControlListNotSupported, NotImplemented, "Bucket is missing Object Lock Configuration"); the bucket did not.
 *
 * What is now so: every bucket here is what S3 creates by default since April 2023 (Object Ownership
 * BucketOwnerEnforced, ACLs disabled). An ACL granting more than the owner is 400 InvalidBucketAclWithObjectOwnership
 * "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", S3's answer to such a CreateBucket;
 * `x-amz-object-ownership` ObjectWriter or BucketOwnerPreferred and Object Lock are 501 NotImplemented, an unknown
 * ownership 400 InvalidArgument. `private`, full control granted to the owner's account alone and BucketOwnerEnforced
 * are taken, as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const ACCT = '000000000000';

let server: TestServer;
let s3: S3.S3Client;

const buckets = async (): Promise<string[]> => ((await s3.send(new S3.ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '');

before(async () => {
  server = await startTestServer();
  s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
});

after(async () => {
  s3?.destroy();
  await server?.stop();
});

describe('3: CreateBucket refuses what it cannot give a bucket', () => {
  it('an ACL granting more than the owner is 400 InvalidBucketAclWithObjectOwnership, and no bucket is made', async () => {
    for (const [bucket, input] of [
      ['fj3-public', { ACL: 'public-read' }],
      ['fj3-authenticated', { ACL: 'authenticated-read' }],
      ['fj3-grant-read', { GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }],
      ['fj3-grant-other', { GrantFullControl: 'id="111111111111"' }],
    ] as const) {
      const e = await failure(s3.send(new S3.CreateBucketCommand({ Bucket: bucket, ...input })));
      assert.equal(e.code, 'InvalidBucketAclWithObjectOwnership', bucket);
      assert.equal(e.status, 400);
      assert.match(e.message, /^Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting/);
    }
    assert.deepEqual((await buckets()).filter((b) => b.startsWith('fj3-')), []);
  });

  it('Object Ownership that enables ACLs and Object Lock are 501 NotImplemented, an unknown ownership 400 InvalidArgument', async () => {
    for (const ownership of ['ObjectWriter', 'BucketOwnerPreferred'] as const) {
      const e = await failure(s3.send(new S3.CreateBucketCommand({ Bucket: `fj3-${ownership.toLowerCase()}`, ObjectOwnership: ownership })));
      assert.equal(e.code, 'NotImplemented', ownership);
      assert.equal(e.status, 501);
    }
    const lock = await failure(s3.send(new S3.CreateBucketCommand({ Bucket: 'fj3-locked', ObjectLockEnabledForBucket: true })));
    assert.equal(lock.code, 'NotImplemented');
    assert.match(lock.message, /Object Lock/);
    const odd = await failure(s3.send(new S3.CreateBucketCommand({ Bucket: 'fj3-odd', ObjectOwnership: 'Nobody' as S3.ObjectOwnership })));
    assert.equal(odd.code, 'InvalidArgument');
    assert.deepEqual((await buckets()).filter((b) => b.startsWith('fj3-')), []);
  });

  it('private, full control to the owner alone, BucketOwnerEnforced and Object Lock false are taken', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'fj3-ok-private', ACL: 'private' }));
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'fj3-ok-owner', GrantFullControl: `id="${ACCT}"` }));
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'fj3-ok-enforced', ObjectOwnership: 'BucketOwnerEnforced', ObjectLockEnabledForBucket: false }));
    assert.deepEqual((await buckets()).filter((b) => b.startsWith('fj3-')).sort(), ['fj3-ok-enforced', 'fj3-ok-owner', 'fj3-ok-private']);
  });
});

describe('3: the Debian aws CLI', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-fj3-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('s3api create-bucket --acl public-read fails with S3\'s error, and the bucket is not made', async () => {
    const r = await awsCli(['--endpoint-url', server.running.s3Url, '--region', 'us-east-1', '--output', 'json', 's3api', 'create-bucket', '--bucket', 'fj3-cli-public', '--acl', 'public-read'], awsCliEnv(home, server.admin));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /InvalidBucketAclWithObjectOwnership/);
    assert.ok(!(await buckets()).includes('fj3-cli-public'));
  });
});
