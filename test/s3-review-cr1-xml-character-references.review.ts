/**
 * Review cr, 1, against a real server with the real `@aws-sdk/client-s3`: the XML bodies clients send (DeleteObjects,
 * PutObjectTagging, CompleteMultipartUpload) are read with XML's character references (`&#xA;`, `&#10;`) decoded.
 *
 * What was wrong: the parser decoded the five named entities only. SDK v3 writes a line feed, a carriage return, NEL
 * (U+0085) and U+2028 in text as character references (`&#x0A;`, `&#x0D;`, `&#x85;`, `&#x2028;`: @aws-sdk/xml-builder's
 * escapeElement), which every XML parser reads back as the character. DeleteObjects of a key `logs/a\nb` was read as
 * the key `logs/a&#x0A;b`, which does not exist: the answer listed it as Deleted (a missing key deletes quietly, as in
 * S3), and the object stayed — a job told its data was deleted kept it. A tag value with a line feed was stored as the
 * literal text `&#x0A;`.
 *
 * What is now so: decimal and hexadecimal character references are decoded wherever text is read; one naming no XML
 * character (`&#0;`, a surrogate, past U+10FFFF), an entity XML does not define (`&nbsp;`) or a bare `&` is
 * MalformedXML, as S3's parser refuses a document that is not well-formed. `&amp;#x0A;` stays the text `&#x0A;`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { parseDelete, parseTagging } from '../src/adapters/s3/xml.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'cr1-character-references';

/** Keys SDK v3 writes with character references in a DeleteObjects body, and `&#x0A;` written literally. */
const KEYS = ['logs/a\nb', 'logs/a\rb', 'logs/nel\u0085', 'logs/ls\u2028', 'logs/&#x0A;'] as const;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const exists = async (key: string): Promise<boolean> => {
  try {
    await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: key }));
    return true;
  } catch (e) {
    if ((e as S3.S3ServiceException).$metadata.httpStatusCode === 404) return false;
    throw e;
  }
};

describe('character references in request XML', () => {
  it('DeleteObjects deletes the keys named, line feeds and U+2028 included, and answers them as sent', async () => {
    for (const key of KEYS) await c.send(new S3.PutObjectCommand({ Bucket: B, Key: key, Body: 'x' }));
    const r = await c.send(new S3.DeleteObjectsCommand({ Bucket: B, Delete: { Objects: KEYS.map((Key) => ({ Key })) } }));
    assert.deepEqual(r.Errors ?? [], []);
    assert.deepEqual((r.Deleted ?? []).map((d) => d.Key), [...KEYS]);
    for (const key of KEYS) assert.equal(await exists(key), false, JSON.stringify(key));
  });

  it('a tag value with a line feed is stored as that text', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'tagged', Body: 'x' }));
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: B, Key: 'tagged', Tagging: { TagSet: [{ Key: 'note', Value: 'line 1\nline 2' }] } }));
    const head = await c.send(new S3.GetObjectTaggingCommand({ Bucket: B, Key: 'tagged' }));
    assert.deepEqual(head.TagSet, [{ Key: 'note', Value: 'line 1\nline 2' }]);
  });

  it('decimal and hex references decode; undefined entities, bare ampersands and references to no character are refused', () => {
    assert.deepEqual(parseDelete('<Delete><Object><Key>a&#10;b&#x9;c&#x1F600;&#13;&amp;#x0A;&#38;#x0A;&#x3C;</Key></Object></Delete>')?.keys, ['a\nb\tc\u{1F600}\r&#x0A;&#x0A;<']);
    assert.deepEqual(parseDelete('<Delete><Object><Key><![CDATA[a&#10;&nbsp;&]]></Key></Object></Delete>')?.keys, ['a&#10;&nbsp;&']);
    assert.deepEqual(parseTagging('<Tagging><TagSet><Tag><Key>k</Key><Value>&#x2028;</Value></Tag></TagSet></Tagging>'), { k: '\u2028' });
    for (const bad of ['&nbsp;', '&copy;', 'a & b', '&#0;', '&#xD800;', '&#x110000;', '&#xFFFE;']) {
      assert.equal(parseDelete(`<Delete><Object><Key>k${bad}</Key></Object></Delete>`), undefined, bad);
    }
  });
});
