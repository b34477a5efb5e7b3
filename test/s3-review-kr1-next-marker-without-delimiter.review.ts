/**
 * Review kr, 1, against a real server with the real `@aws-sdk/client-s3`: ListObjects (V1) names NextMarker only when
 * the request had a delimiter, as S3 does.
 *
 * What was wrong: every truncated V1 page carried NextMarker, with or without a delimiter. S3 returns it "only if you
 * have the delimiter request parameter specified" (API_ListObjects, NextMarker); without one a client pages on with
 * the last Key of the page (what botocore's and SDK v3's callers do when NextMarker is absent). A client written
 * against the gateway that relied on NextMarker alone broke on S3.
 *
 * What is now so: NextMarker is in a truncated page of a listing with a (non-empty) delimiter only; paging on the last
 * Key lists every object once; a listing with a delimiter still names where the next page starts.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const B = 'kr1-next-marker';
const KEYS = ['a', 'b', 'c/1', 'c/2', 'd'];
let c: S3.S3Client;

adminBucket(B, (client) => {
  c = client;
});

describe('ListObjects (V1) NextMarker, as S3', () => {
  it('without a delimiter: no NextMarker on a truncated page; paging on the last Key lists every object once', async () => {
    for (const Key of KEYS) await c.send(new S3.PutObjectCommand({ Bucket: B, Key, Body: Key }));
    const listed: string[] = [];
    let Marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await c.send(new S3.ListObjectsCommand({ Bucket: B, MaxKeys: 2, ...(Marker !== undefined ? { Marker } : {}) }));
      const keys = (page.Contents ?? []).map((o) => o.Key ?? '');
      listed.push(...keys);
      assert.equal(page.NextMarker, undefined, `page ${i} has no NextMarker`);
      if (!page.IsTruncated) break;
      Marker = keys.at(-1);
    }
    assert.deepEqual(listed, KEYS);
    // `delimiter=` (empty) groups nothing: no delimiter either.
    const empty = await c.send(new S3.ListObjectsCommand({ Bucket: B, MaxKeys: 1, Delimiter: '' }));
    assert.deepEqual([empty.IsTruncated, empty.NextMarker], [true, undefined]);
  });

  it('with a delimiter: a truncated page names NextMarker (a key or a common prefix)', async () => {
    const first = await c.send(new S3.ListObjectsCommand({ Bucket: B, Delimiter: '/', MaxKeys: 3 }));
    assert.deepEqual([(first.Contents ?? []).map((o) => o.Key), (first.CommonPrefixes ?? []).map((p) => p.Prefix), first.IsTruncated, first.NextMarker], [['a', 'b'], ['c/'], true, 'c/']);
    const rest = await c.send(new S3.ListObjectsCommand({ Bucket: B, Delimiter: '/', MaxKeys: 3, Marker: first.NextMarker }));
    assert.deepEqual([(rest.Contents ?? []).map((o) => o.Key), rest.IsTruncated, rest.NextMarker], [['d'], false, undefined]);
  });
});
