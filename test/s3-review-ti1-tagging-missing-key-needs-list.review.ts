/**
 * Review ti, 1, against a real server with `@aws-sdk/client-s3`: PutObjectTagging and DeleteObjectTagging of a key that
 * does not exist, by a caller allowed the tagging write and not `s3:ListBucket`.
 *
 * What was wrong: both answered 404 NoSuchKey to anyone allowed the write, so a caller allowed only
 * `s3:PutObjectTagging` (or `s3:DeleteObjectTagging`) learnt which keys exist: 200 where an object is, NoSuchKey where
 * none is. S3 tells a missing key only to who may list the bucket ("If you don't have the s3:ListBucket permission,
 * Amazon S3 returns an HTTP status code 403 Forbidden error", API_GetObject, API_HeadObject), and the gateway already
 * answers so for GetObject, HeadObject, GetObjectAttributes, GetObjectTagging, GetObjectAcl and PutObjectAcl (review
 * rk, 2); the tagging writes answered the store's NoSuchKey as it came.
 *
 * What is now so: a missing key is NoSuchKey to a caller allowed `s3:ListBucket` on the bucket, and 403 AccessDenied
 * naming `s3:ListBucket` to one who is not, as for the reads (`noSuchKey` in src/app/s3.ts).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ti1-tagging-missing';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('ti 1: tagging a missing key tells it is missing only to who may list the bucket', () => {
  let s: TestServer;
  let tagger: Credentials;
  let lister: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'there.csv', Body: 'x' }));
    const tagging = { Effect: 'Allow', Action: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'], Resource: `arn:aws:s3:::${BUCKET}/*` };
    tagger = await userWithPolicy(s, 'ti1-tagger', doc(tagging));
    lister = await userWithPolicy(s, 'ti1-lister', doc(tagging, { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  const put = (Key: string) => new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key, Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] } });
  const del = (Key: string) => new S3.DeleteObjectTaggingCommand({ Bucket: BUCKET, Key });

  it('without s3:ListBucket: 403 AccessDenied naming s3:ListBucket, not NoSuchKey', async () => {
    assert.equal((await s3(tagger).send(put('there.csv'))).$metadata.httpStatusCode, 200);
    assert.equal((await s3(tagger).send(del('there.csv'))).$metadata.httpStatusCode, 204);
    for (const command of [put('absent.csv'), del('absent.csv')]) {
      const refused = await s3Refusal(s3(tagger).send(command as S3.PutObjectTaggingCommand));
      assert.deepEqual(refused.slice(0, 2), ['AccessDenied', 403], JSON.stringify(refused));
      assert.match(refused[2], /s3:ListBucket/);
      assert.doesNotMatch(refused[2], /absent/, 'the refusal does not name the key');
    }
  });

  it('with s3:ListBucket: 404 NoSuchKey', async () => {
    for (const command of [put('absent.csv'), del('absent.csv')]) {
      const refused = await s3Refusal(s3(lister).send(command as S3.PutObjectTaggingCommand));
      assert.deepEqual(refused.slice(0, 2), ['NoSuchKey', 404], JSON.stringify(refused));
    }
  });
});
