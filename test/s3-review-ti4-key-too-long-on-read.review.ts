/**
 * Review ti, 4, against a real server with `@aws-sdk/client-s3`: an object key over S3's 1,024 bytes of UTF-8 on a
 * read (GetObject, HeadObject, GetObjectTagging) and a write.
 *
 * What was wrong: PutObject answered 400 KeyTooLongError (in the store's words, without S3's `<Size>` and
 * `<MaxSizeAllowed>`), but a read of the same key answered 404 NoSuchKey (AccessDenied to a caller who may not list),
 * as if such a key could exist and be missing. S3 answers 400 KeyTooLongError to a read too: "Your key is too long",
 * with `<Size>` (the key's bytes) and `<MaxSizeAllowed>` 1024 (S3's error list, KeyTooLongError; seen from S3 on GET,
 * and on HEAD, where the code cannot be read from the empty body and clients go by the 400: s3fs-fuse#1602,
 * aws-sdk-java#2892, riak_cs#1233's captured answer). A client walking a tree (s3fs, Hadoop's s3a getFileStatus) took
 * the 404 for a missing file where S3 tells it that the name cannot be stored (ENAMETOOLONG).
 *
 * What is now so: a request naming a key over 1,024 bytes is decided as before (a refused caller is still told
 * AccessDenied, nothing more), then answered 400 KeyTooLongError, "Your key is too long", `<Size>` and
 * `<MaxSizeAllowed>`, on the reads of the object (GetObject, HeadObject, GetObjectAttributes, GetObjectTagging,
 * GetObjectAcl and PutObjectAcl, Put/DeleteObjectTagging) and on the writes (PutObject, CopyObject's destination, the
 * multipart calls). DeleteObject of such a key stays 204, as in S3 (versitygw#756 records that S3 answers success).
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ti4-long-keys';
/** 513 characters, 1,026 bytes of UTF-8. */
const LONG = 'é'.repeat(513);
/** Exactly 1,024 bytes: the longest key S3 takes. */
const LONGEST = 'é'.repeat(512);

describe('ti 4: a key over 1,024 bytes is KeyTooLongError on reads as on writes', () => {
  let s: TestServer;
  let stranger: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    stranger = await userWithPolicy(s, 'ti4-stranger', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('reads and writes of a 1,026-byte key: 400 KeyTooLongError, with Size and MaxSizeAllowed', async () => {
    const c = s3(s.admin);
    for (const command of [
      new S3.GetObjectCommand({ Bucket: BUCKET, Key: LONG }),
      new S3.HeadObjectCommand({ Bucket: BUCKET, Key: LONG }),
      new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: LONG }),
      new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: LONG, Tagging: { TagSet: [] } }),
      new S3.PutObjectCommand({ Bucket: BUCKET, Key: LONG, Body: 'x' }),
    ]) {
      const refused = await s3Refusal(c.send(command as S3.GetObjectCommand));
      assert.equal(refused[1], 400, `${command.constructor.name}: ${JSON.stringify(refused)}`);
      if (!(command instanceof S3.HeadObjectCommand)) assert.deepEqual(refused.slice(0, 3), ['KeyTooLongError', 400, 'Your key is too long'], command.constructor.name);
    }
    const e = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: LONG })).then(
      () => undefined,
      (err: unknown) => err as Record<string, unknown>,
    );
    assert.equal(e?.Size, '1026', JSON.stringify(e));
    assert.equal(e?.MaxSizeAllowed, '1024', JSON.stringify(e));
    assert.equal((await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: LONG }))).$metadata.httpStatusCode, 204);
  });

  it('a caller not allowed the read is told AccessDenied, as before', async () => {
    const refused = await s3Refusal(s3(stranger).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: LONG })));
    assert.deepEqual(refused.slice(0, 2), ['AccessDenied', 403], JSON.stringify(refused));
  });

  it('a key of exactly 1,024 bytes is stored and read', async () => {
    const c = s3(s.admin);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: LONGEST, Body: 'longest' }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: LONGEST }))).Body?.transformToString(), 'longest');
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: LONGEST }))).ContentLength, 7);
  });
});
