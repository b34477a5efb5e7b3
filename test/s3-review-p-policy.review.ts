/**
 * Review P's policy findings on the S3 gateway, through the real `@aws-sdk/client-s3` against a real server on
 * 127.0.0.1: tags set by a write need `s3:PutObjectTagging` (F5); `x-amz-expected-bucket-owner` and
 * `x-amz-source-expected-bucket-owner` are checked (F6); the encryption and ACL condition keys reach bucket policies
 * (F8); SSE-C, SSE-KMS and ACLs the gateway cannot honour are refused instead of dropped (F7). Every refusal is
 * checked to have written nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import type { App, Caller } from '../src/app/index.ts';
import { s3Clients } from './support/s3.ts';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';

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

async function createUser(name: string, inline: string): Promise<Credentials> {
  await admin.send(new I.CreateUserCommand({ UserName: name }));
  await admin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: inline }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

const text = async (r: S3.GetObjectCommandOutput): Promise<string> => (await r.Body?.transformToString()) ?? '';

/** The object's bytes as the admin reads them, or `absent`. */
async function content(bucket: string, key: string): Promise<string> {
  try {
    return await text(await s3().send(new S3.GetObjectCommand({ Bucket: bucket, Key: key })));
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return 'absent';
    throw e;
  }
}

async function tagsOf(bucket: string, key: string): Promise<Record<string, string>> {
  const r = await s3().send(new S3.GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

async function uploadsOf(bucket: string): Promise<string[]> {
  const r = await s3().send(new S3.ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => u.Key ?? '');
}

before(async () => {
  server = await startTestServer();
  admin = server.iam();
  app = await server.openApp();
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  rootCaller = root.value.caller;
  await s3().send(new S3.CreateBucketCommand({ Bucket: 'data' }));
});

after(async () => {
  clients.destroyAll();
  await server?.stop();
});

describe('F5: tags set by PutObject, CopyObject and CreateMultipartUpload need s3:PutObjectTagging', () => {
  const writer = () => allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::data/uploads/*');
  let alice: S3.S3Client;
  let tagger: S3.S3Client;

  before(async () => {
    // alice writes and reads uploads/ but may not tag; tagger may also tag, with `class=public` only, and read tags.
    alice = s3(await createUser('alice', doc(writer())));
    tagger = s3(
      await createUser(
        'tagger',
        doc(writer(), allow('s3:GetObjectTagging', 'arn:aws:s3:::data/uploads/*'), allow('s3:PutObjectTagging', 'arn:aws:s3:::data/uploads/*', { Condition: { StringEquals: { 's3:RequestObjectTag/class': 'public' } } })),
      ),
    );
    await s3().send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/tagged', Body: 'tagged source', Tagging: 'class=public' }));
    await s3().send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/plain', Body: 'plain source' }));
  });

  it('PutObject with x-amz-tagging: refused without s3:PutObjectTagging, and the object is left as it was', async () => {
    await alice.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/t', Body: 'v1' }));
    const refused = await failure(alice.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/t', Body: 'v2', Tagging: 'class=public' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.equal(refused.status, 403);
    assert.match(refused.message, /s3:PutObjectTagging on resource: "arn:aws:s3:::data\/uploads\/t"/);
    assert.equal(await content('data', 'uploads/t'), 'v1');
    assert.deepEqual(await tagsOf('data', 'uploads/t'), {});
    assert.equal((await failure(alice.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/new', Body: 'x', Tagging: 'class=public' })))).code, 'AccessDenied');
    assert.equal(await content('data', 'uploads/new'), 'absent');
    // An empty tag set sets no tags: PutObject is enough.
    await alice.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/empty-tags', Body: 'x', Tagging: '' }));

    // Who may tag may tag through the write, within the conditions of its PutObjectTagging.
    await tagger.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/t2', Body: 'v', Tagging: 'class=public' }));
    assert.deepEqual(await tagsOf('data', 'uploads/t2'), { class: 'public' });
    assert.equal((await failure(tagger.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'uploads/t3', Body: 'v', Tagging: 'class=secret' })))).code, 'AccessDenied');
    assert.equal(await content('data', 'uploads/t3'), 'absent');
  });

  it('CreateMultipartUpload with x-amz-tagging: refused without s3:PutObjectTagging, no upload is started', async () => {
    const refused = await failure(alice.send(new S3.CreateMultipartUploadCommand({ Bucket: 'data', Key: 'uploads/mp', Tagging: 'class=public' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /s3:PutObjectTagging/);
    assert.deepEqual(await uploadsOf('data'), []);
    const started = await tagger.send(new S3.CreateMultipartUploadCommand({ Bucket: 'data', Key: 'uploads/mp', Tagging: 'class=public' }));
    assert.deepEqual(await uploadsOf('data'), ['uploads/mp']);
    await s3().send(new S3.AbortMultipartUploadCommand({ Bucket: 'data', Key: 'uploads/mp', UploadId: started.UploadId }));
    const plain = await alice.send(new S3.CreateMultipartUploadCommand({ Bucket: 'data', Key: 'uploads/mp2' }));
    await s3().send(new S3.AbortMultipartUploadCommand({ Bucket: 'data', Key: 'uploads/mp2', UploadId: plain.UploadId }));
  });

  it('CopyObject: tags replaced (REPLACE) need s3:PutObjectTagging; tags copied (COPY) need s3:GetObjectTagging on the source too', async () => {
    const replace = await failure(alice.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c1', CopySource: 'data/uploads/plain', TaggingDirective: 'REPLACE', Tagging: 'class=public' })));
    assert.equal(replace.code, 'AccessDenied');
    assert.match(replace.message, /s3:PutObjectTagging/);
    assert.equal(await content('data', 'uploads/c1'), 'absent');

    // The default directive copies the source's tags: the copy sets tags as surely as x-amz-tagging does.
    const copied = await failure(alice.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c2', CopySource: 'data/uploads/tagged' })));
    assert.equal(copied.code, 'AccessDenied');
    assert.match(copied.message, /s3:GetObjectTagging on resource: "arn:aws:s3:::data\/uploads\/tagged"/);
    assert.equal(await content('data', 'uploads/c2'), 'absent');

    // Without tags to set, PutObject and GetObject suffice: an untagged source, or a tagged one with its tags dropped.
    await alice.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c3', CopySource: 'data/uploads/plain' }));
    assert.equal(await content('data', 'uploads/c3'), 'plain source');
    await alice.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c4', CopySource: 'data/uploads/tagged', TaggingDirective: 'REPLACE' }));
    assert.equal(await content('data', 'uploads/c4'), 'tagged source');
    assert.deepEqual(await tagsOf('data', 'uploads/c4'), {});

    await tagger.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c5', CopySource: 'data/uploads/tagged' }));
    assert.deepEqual(await tagsOf('data', 'uploads/c5'), { class: 'public' });
    await tagger.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c6', CopySource: 'data/uploads/plain', TaggingDirective: 'REPLACE', Tagging: 'class=public' }));
    assert.deepEqual(await tagsOf('data', 'uploads/c6'), { class: 'public' });
    assert.equal((await failure(tagger.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'uploads/c7', CopySource: 'data/uploads/plain', TaggingDirective: 'REPLACE', Tagging: 'class=secret' })))).code, 'AccessDenied');
    assert.equal(await content('data', 'uploads/c7'), 'absent');
  });
});

describe('F6: x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner', () => {
  const WRONG = '999999999999';

  before(async () => {
    await s3().send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'owned/o.txt', Body: 'original' }));
  });

  it('an operation naming another account as the owner is refused with 403 AccessDenied and does nothing', async () => {
    const c = s3();
    const Bucket = 'data';
    const refusedOps: [string, () => Promise<unknown>][] = [
      ['PutObject', () => c.send(new S3.PutObjectCommand({ Bucket, Key: 'owned/o.txt', Body: 'overwritten', ExpectedBucketOwner: WRONG }))],
      ['PutObject (new key)', () => c.send(new S3.PutObjectCommand({ Bucket, Key: 'owned/new.txt', Body: 'x', ExpectedBucketOwner: WRONG }))],
      ['GetObject', () => c.send(new S3.GetObjectCommand({ Bucket, Key: 'owned/o.txt', ExpectedBucketOwner: WRONG }))],
      ['HeadObject', () => c.send(new S3.HeadObjectCommand({ Bucket, Key: 'owned/o.txt', ExpectedBucketOwner: WRONG }))],
      ['DeleteObject', () => c.send(new S3.DeleteObjectCommand({ Bucket, Key: 'owned/o.txt', ExpectedBucketOwner: WRONG }))],
      ['DeleteObjects', () => c.send(new S3.DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'owned/o.txt' }] }, ExpectedBucketOwner: WRONG }))],
      ['ListObjectsV2', () => c.send(new S3.ListObjectsV2Command({ Bucket, ExpectedBucketOwner: WRONG }))],
      ['HeadBucket', () => c.send(new S3.HeadBucketCommand({ Bucket, ExpectedBucketOwner: WRONG }))],
      ['GetBucketLocation', () => c.send(new S3.GetBucketLocationCommand({ Bucket, ExpectedBucketOwner: WRONG }))],
      ['PutBucketPolicy', () => c.send(new S3.PutBucketPolicyCommand({ Bucket, Policy: doc(allow('s3:GetObject', 'arn:aws:s3:::data/*', { Principal: '*' })), ExpectedBucketOwner: WRONG }))],
      ['GetObjectTagging', () => c.send(new S3.GetObjectTaggingCommand({ Bucket, Key: 'owned/o.txt', ExpectedBucketOwner: WRONG }))],
      ['PutObjectTagging', () => c.send(new S3.PutObjectTaggingCommand({ Bucket, Key: 'owned/o.txt', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] }, ExpectedBucketOwner: WRONG }))],
      ['CreateMultipartUpload', () => c.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'owned/mp', ExpectedBucketOwner: WRONG }))],
      ['ListMultipartUploads', () => c.send(new S3.ListMultipartUploadsCommand({ Bucket, ExpectedBucketOwner: WRONG }))],
      ['CopyObject (destination)', () => c.send(new S3.CopyObjectCommand({ Bucket, Key: 'owned/copy', CopySource: 'data/owned/o.txt', ExpectedBucketOwner: WRONG }))],
      ['CopyObject (source)', () => c.send(new S3.CopyObjectCommand({ Bucket, Key: 'owned/copy', CopySource: 'data/owned/o.txt', ExpectedSourceBucketOwner: WRONG }))],
      ['DeleteBucket', () => c.send(new S3.DeleteBucketCommand({ Bucket, ExpectedBucketOwner: WRONG }))],
    ];
    for (const [name, op] of refusedOps) {
      const r = await failure(op());
      assert.equal(r.status, 403, `${name}: ${r.code} ${r.message}`);
      if (!name.startsWith('Head')) {
        assert.equal(r.code, 'AccessDenied', name);
        assert.match(r.message, /not owned by account `999999999999`/, name);
      }
    }
    // Nothing was done.
    assert.equal(await content('data', 'owned/o.txt'), 'original');
    assert.deepEqual(await tagsOf('data', 'owned/o.txt'), {});
    assert.equal(await content('data', 'owned/new.txt'), 'absent');
    assert.equal(await content('data', 'owned/copy'), 'absent');
    assert.ok(!(await uploadsOf('data')).includes('owned/mp'));
    assert.equal((await failure(c.send(new S3.GetBucketPolicyCommand({ Bucket })))).code, 'NoSuchBucketPolicy');
    await c.send(new S3.HeadBucketCommand({ Bucket }));

    // UploadPartCopy: the source's owner is checked too.
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'owned/mp2' }));
    const partCopy = await failure(c.send(new S3.UploadPartCopyCommand({ Bucket, Key: 'owned/mp2', UploadId: up.UploadId, PartNumber: 1, CopySource: 'data/owned/o.txt', ExpectedSourceBucketOwner: WRONG })));
    assert.equal(partCopy.code, 'AccessDenied');
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket, Key: 'owned/mp2', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket, Key: 'owned/mp2', UploadId: up.UploadId }));
  });

  it('the right owner is accepted, for the bucket and for a copy source', async () => {
    const c = s3();
    await c.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'owned/right.txt', Body: 'right', ExpectedBucketOwner: ACCT }));
    assert.equal(await text(await c.send(new S3.GetObjectCommand({ Bucket: 'data', Key: 'owned/right.txt', ExpectedBucketOwner: ACCT }))), 'right');
    await c.send(new S3.CopyObjectCommand({ Bucket: 'data', Key: 'owned/right-copy', CopySource: 'data/owned/right.txt', ExpectedBucketOwner: ACCT, ExpectedSourceBucketOwner: ACCT }));
    assert.equal(await content('data', 'owned/right-copy'), 'right');
    await c.send(new S3.HeadBucketCommand({ Bucket: 'data', ExpectedBucketOwner: ACCT }));
    const listed = await c.send(new S3.ListObjectsV2Command({ Bucket: 'data', Prefix: 'owned/', ExpectedBucketOwner: ACCT }));
    assert.ok(listed.Contents?.some((o) => o.Key === 'owned/right.txt'));
    await c.send(new S3.DeleteObjectCommand({ Bucket: 'data', Key: 'owned/right-copy', ExpectedBucketOwner: ACCT }));
    assert.equal(await content('data', 'owned/right-copy'), 'absent');
  });
});

describe('F8: the encryption and ACL condition keys reach the policies', () => {
  it('"deny PutObject unless s3:x-amz-server-side-encryption is AES256": writes that send it pass, the others are refused', async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: 'enc' }));
    // The guard as S3's documentation writes it: a wrong header, and no header at all.
    await c.send(
      new S3.PutBucketPolicyCommand({
        Bucket: 'enc',
        Policy: doc(
          { Sid: 'DenyIncorrectEncryptionHeader', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::enc/*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } },
          { Sid: 'DenyUnEncryptedObjectUploads', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::enc/*', Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } },
        ),
      }),
    );
    await c.send(new S3.PutObjectCommand({ Bucket: 'enc', Key: 'a', Body: 'encrypted please', ServerSideEncryption: 'AES256' }));
    assert.equal(await content('enc', 'a'), 'encrypted please');
    const plain = await failure(c.send(new S3.PutObjectCommand({ Bucket: 'enc', Key: 'b', Body: 'x' })));
    assert.equal(plain.code, 'AccessDenied');
    assert.match(plain.message, /explicit deny in a resource-based policy/);
    assert.equal(await content('enc', 'b'), 'absent');

    await c.send(new S3.CopyObjectCommand({ Bucket: 'enc', Key: 'a-copy', CopySource: 'enc/a', ServerSideEncryption: 'AES256' }));
    assert.equal(await content('enc', 'a-copy'), 'encrypted please');
    assert.equal((await failure(c.send(new S3.CopyObjectCommand({ Bucket: 'enc', Key: 'b-copy', CopySource: 'enc/a' })))).code, 'AccessDenied');
    assert.equal(await content('enc', 'b-copy'), 'absent');

    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'enc', Key: 'mp', ServerSideEncryption: 'AES256' }));
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: 'enc', Key: 'mp', UploadId: up.UploadId }));
    assert.equal((await failure(c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'enc', Key: 'mp' })))).code, 'AccessDenied');
    assert.deepEqual(await uploadsOf('enc'), []);
  });

  it('"cross-account PutObject only with x-amz-acl bucket-owner-full-control": the partner\'s writes with it pass, the others are refused', async () => {
    const created = await app.createAccount(rootCaller, { id: OTHER, partition: 'aws', name: 'partner' });
    assert.ok(created.ok, JSON.stringify(created));
    const otherAdmin = server.iam({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });
    await otherAdmin.send(new I.CreateUserCommand({ UserName: 'uploader' }));
    await otherAdmin.send(new I.PutUserPolicyCommand({ UserName: 'uploader', PolicyName: 'p', PolicyDocument: doc(allow('s3:PutObject', 'arn:aws:s3:::bofc/*')) }));
    const key = await otherAdmin.send(new I.CreateAccessKeyCommand({ UserName: 'uploader' }));
    const partner = s3({ accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' });

    await s3().send(new S3.CreateBucketCommand({ Bucket: 'bofc' }));
    await s3().send(
      new S3.PutBucketPolicyCommand({
        Bucket: 'bofc',
        Policy: doc(
          { Sid: 'PartnerWrites', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::bofc/*', Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } },
          { Sid: 'RequireOwnerControl', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::bofc/*', Condition: { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } },
        ),
      }),
    );
    // The SDK call of the guard's documentation, with server-side encryption as such uploads usually carry.
    await partner.send(new S3.PutObjectCommand({ Bucket: 'bofc', Key: 'drop/1', Body: 'from the partner', ACL: 'bucket-owner-full-control', ServerSideEncryption: 'AES256' }));
    assert.equal(await content('bofc', 'drop/1'), 'from the partner');
    const none = await failure(partner.send(new S3.PutObjectCommand({ Bucket: 'bofc', Key: 'drop/2', Body: 'x' })));
    assert.equal(none.code, 'AccessDenied');
    assert.match(none.message, /user\/uploader is not authorized to perform: s3:PutObject/);
    const other = await failure(partner.send(new S3.PutObjectCommand({ Bucket: 'bofc', Key: 'drop/3', Body: 'x', ACL: 'private' })));
    assert.equal(other.code, 'AccessDenied');
    assert.match(other.message, /explicit deny in a resource-based policy/);
    assert.equal(await content('bofc', 'drop/2'), 'absent');
    assert.equal(await content('bofc', 'drop/3'), 'absent');
  });
});

describe('F7: SSE-C, SSE-KMS and ACLs the gateway cannot honour are refused, not dropped', () => {
  const customerKey = Buffer.alloc(32, 7).toString('base64');

  before(async () => {
    await s3().send(new S3.CreateBucketCommand({ Bucket: 'hdrs' }));
    await s3().send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'src', Body: 'source' }));
  });

  it('SSE-C on writes, reads and copies: 501 NotImplemented, nothing written', async () => {
    const c = s3();
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey };
    const put = await failure(c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'ssec', Body: 'customer secret', ...ssec })));
    assert.equal(put.code, 'NotImplemented');
    assert.equal(put.status, 501);
    assert.match(put.message, /SSE-C.*x-amz-server-side-encryption-customer-/);
    assert.equal(await content('hdrs', 'ssec'), 'absent');
    // A read with a key cannot be served as if the object were encrypted under it.
    const get = await failure(c.send(new S3.GetObjectCommand({ Bucket: 'hdrs', Key: 'src', ...ssec })));
    assert.equal(get.code, 'NotImplemented');
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: 'hdrs', Key: 'src', ...ssec })))).status, 501);
    assert.equal((await failure(c.send(new S3.CopyObjectCommand({ Bucket: 'hdrs', Key: 'ssec-copy', CopySource: 'hdrs/src', ...ssec })))).code, 'NotImplemented');
    assert.equal((await failure(c.send(new S3.CopyObjectCommand({ Bucket: 'hdrs', Key: 'ssec-copy', CopySource: 'hdrs/src', CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: customerKey })))).code, 'NotImplemented');
    assert.equal(await content('hdrs', 'ssec-copy'), 'absent');
    assert.equal((await failure(c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'hdrs', Key: 'ssec-mp', ...ssec })))).code, 'NotImplemented');
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'hdrs', Key: 'mp' }));
    assert.equal((await failure(c.send(new S3.UploadPartCommand({ Bucket: 'hdrs', Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'part', ...ssec })))).code, 'NotImplemented');
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: 'hdrs', Key: 'mp', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: 'hdrs', Key: 'mp', UploadId: up.UploadId }));
    assert.deepEqual(await uploadsOf('hdrs'), []);
  });

  it('SSE-KMS: 501 NotImplemented; an unknown method: 400 InvalidArgument; AES256 is accepted and not claimed in the answer', async () => {
    const c = s3();
    for (const ServerSideEncryption of ['aws:kms', 'aws:kms:dsse'] as const) {
      const r = await failure(c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'kms', Body: 'x', ServerSideEncryption })));
      assert.equal(r.code, 'NotImplemented', ServerSideEncryption);
      assert.equal(r.status, 501);
      assert.match(r.message, /KMS/);
    }
    assert.equal((await failure(c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/mine' })))).code, 'NotImplemented');
    assert.equal((await failure(c.send(new S3.CopyObjectCommand({ Bucket: 'hdrs', Key: 'kms', CopySource: 'hdrs/src', ServerSideEncryption: 'aws:kms' })))).code, 'NotImplemented');
    assert.equal((await failure(c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'hdrs', Key: 'kms', ServerSideEncryption: 'aws:kms' })))).code, 'NotImplemented');
    const odd = await failure(c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'kms', Body: 'x', ServerSideEncryption: 'rot13' as S3.ServerSideEncryption })));
    assert.equal(odd.code, 'InvalidArgument');
    assert.equal(await content('hdrs', 'kms'), 'absent');
    assert.deepEqual(await uploadsOf('hdrs'), []);

    // SSE-S3: accepted, so the standard guards work (F8); the gateway does not encrypt at rest, and does not say it does.
    const put = await c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'sse-s3', Body: 'x', ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, undefined);
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: 'hdrs', Key: 'sse-s3' }))).ServerSideEncryption, undefined);
  });

  it('ACLs other than the owner\'s full control: 400 AccessControlListNotSupported, nothing written', async () => {
    const c = s3();
    const refusedAcls: [string, () => Promise<unknown>][] = [
      ['PutObject public-read', () => c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl', Body: 'x', ACL: 'public-read' }))],
      ['PutObject authenticated-read', () => c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl', Body: 'x', ACL: 'authenticated-read' }))],
      ['PutObject GrantRead', () => c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl', Body: 'x', GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }))],
      ['PutObject GrantFullControl to another account', () => c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl', Body: 'x', GrantFullControl: `id="${ACCT}", id="${OTHER}"` }))],
      ['PutObject GrantWriteACP', () => c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl', Body: 'x', GrantWriteACP: `id="${ACCT}"` }))],
      ['CopyObject public-read', () => c.send(new S3.CopyObjectCommand({ Bucket: 'hdrs', Key: 'acl', CopySource: 'hdrs/src', ACL: 'public-read' }))],
      ['CreateMultipartUpload public-read-write', () => c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'hdrs', Key: 'acl', ACL: 'public-read-write' }))],
    ];
    for (const [name, op] of refusedAcls) {
      const r = await failure(op());
      assert.equal(r.code, 'AccessControlListNotSupported', name);
      assert.equal(r.status, 400, name);
      assert.match(r.message, /^The bucket does not allow ACLs/, name);
    }
    assert.equal(await content('hdrs', 'acl'), 'absent');
    assert.deepEqual(await uploadsOf('hdrs'), []);

    // What the bucket owner's full control means anyway is accepted.
    await c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl-1', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl-2', Body: 'x', ACL: 'private' }));
    await c.send(new S3.PutObjectCommand({ Bucket: 'hdrs', Key: 'acl-3', Body: 'x', GrantFullControl: `id="${ACCT}"` }));
    await c.send(new S3.CopyObjectCommand({ Bucket: 'hdrs', Key: 'acl-4', CopySource: 'hdrs/src', ACL: 'bucket-owner-full-control' }));
    for (const k of ['acl-1', 'acl-2', 'acl-3']) assert.equal(await content('hdrs', k), 'x');
    assert.equal(await content('hdrs', 'acl-4'), 'source');
  });
});
