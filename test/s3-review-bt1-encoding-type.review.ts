/**
 * Review bt, 1, against a real server with the real `@aws-sdk/client-s3` (which hands back what the server wrote,
 * undecoded): `encoding-type=url` encodes keys, prefixes, delimiters and markers as S3 does.
 *
 * What was wrong: the gateway encoded with encodeURIComponent (`/` kept), which leaves `!`, `'`, `(`, `)` and `~` as
 * they are and writes a space `%20`. S3 writes form encoding with `/` kept: letters, digits, `-`, `_`, `.`, `*` and `/` stay, a space is
 * `+`, every other UTF-8 byte (`~!'()` included) is `%XX` — a key `(test)+` with a leading space is
 * `+%28test%29%2B` in S3's ListMultipartUploads (versity/versitygw#2156), `a b.txt` is `a+b.txt` (MinIO matched
 * S3's listing when it added the parameter, minio/minio#7260). A tool comparing the raw keys with S3's, or decoding
 * them as botocore does (unquote_plus), saw other strings. An unknown `encoding-type` was refused without S3's
 * ArgumentName and ArgumentValue.
 *
 * What is now so: the same encoder on ListObjects, ListObjectsV2 and ListMultipartUploads; an unknown value (also
 * `URL`: S3 documents `url` only) is 400 InvalidArgument "Invalid Encoding Method specified in Request" with
 * ArgumentName `encoding-type` and the value.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'bt1-encoding';

/** Stored key → what S3 lists it as under `encoding-type=url`. */
const KEYS: readonly (readonly [string, string])[] = [
  ['a b+c.txt', 'a+b%2Bc.txt'],
  ["it's (1)!~.txt", 'it%27s+%281%29%21%7E.txt'],
  ['star*-_.txt', 'star*-_.txt'],
  ['%=&?#.txt', '%25%3D%26%3F%23.txt'],
  ['é€.txt', '%C3%A9%E2%82%AC.txt'],
];

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  for (const [key] of KEYS) await c.send(new S3.PutObjectCommand({ Bucket: B, Key: `d (x)/${key}`, Body: key }));
  await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'd (x)/sub ~dir/leaf', Body: 'leaf' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

/** Adds `name=value` to the command's query as written, after the SDK built it (the SDK sends only `url`). */
function withQuery<C extends { middlewareStack: S3.ListObjectsV2Command['middlewareStack'] }>(command: C, name: string, value: string): C {
  command.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { query: Record<string, string> }).query[name] = value;
      return next(args);
    },
    { step: 'build', name: 'rewriteQuery' },
  );
  return command;
}

async function refusal(p: Promise<unknown>): Promise<unknown[]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & { ArgumentName?: unknown; ArgumentValue?: unknown };
    return [err.name, err.$metadata.httpStatusCode, err.message, err.ArgumentName, err.ArgumentValue];
  }
  return assert.fail('expected the request to be refused');
}

const sorted = [...KEYS].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const encodedKeys = sorted.map(([, e]) => `d+%28x%29/${e}`);

describe('encoding-type=url writes what S3 writes', () => {
  it('ListObjectsV2: Key, Prefix, Delimiter, StartAfter and CommonPrefixes', async () => {
    const r = await c.send(new S3.ListObjectsV2Command({ Bucket: B, Prefix: 'd (x)/', Delimiter: '/', StartAfter: "d (x)/!'~", EncodingType: 'url' }));
    assert.equal(r.EncodingType, 'url');
    assert.deepEqual((r.Contents ?? []).map((o) => o.Key), encodedKeys);
    assert.deepEqual((r.CommonPrefixes ?? []).map((p) => p.Prefix), ['d+%28x%29/sub+%7Edir/']);
    assert.deepEqual([r.Prefix, r.Delimiter, r.StartAfter], ['d+%28x%29/', '/', 'd+%28x%29/%21%27%7E']);
    const tilde = await c.send(new S3.ListObjectsV2Command({ Bucket: B, Prefix: 'd (x)/sub', Delimiter: '~', EncodingType: 'url' }));
    assert.deepEqual([tilde.Delimiter, (tilde.CommonPrefixes ?? []).map((p) => p.Prefix)], ['%7E', ['d+%28x%29/sub+%7E']]);
  });

  it('ListObjects: Key, Prefix, Marker and NextMarker', async () => {
    const r = await c.send(new S3.ListObjectsCommand({ Bucket: B, Prefix: 'd (x)/', Delimiter: '/', Marker: 'd (x)/!', MaxKeys: 2, EncodingType: 'url' }));
    assert.deepEqual((r.Contents ?? []).map((o) => o.Key), encodedKeys.slice(0, 2));
    assert.deepEqual([r.Prefix, r.Marker, r.NextMarker, r.IsTruncated], ['d+%28x%29/', 'd+%28x%29/%21', encodedKeys[1], true]);
  });

  it('ListMultipartUploads: Key, Prefix, KeyMarker and NextKeyMarker', async () => {
    const U = 'bt1-uploads';
    await c.send(new S3.CreateBucketCommand({ Bucket: U }));
    for (const [key] of KEYS) await c.send(new S3.CreateMultipartUploadCommand({ Bucket: U, Key: key }));
    const r = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: U, KeyMarker: ' ', MaxUploads: 2, EncodingType: 'url' }));
    const all = sorted.map(([, e]) => e);
    assert.deepEqual((r.Uploads ?? []).map((u) => u.Key), all.slice(0, 2));
    assert.deepEqual([r.KeyMarker, r.NextKeyMarker], ['+', all[1]]);
  });

  it('an unknown encoding-type, `URL` included: InvalidArgument naming the parameter and the value', async () => {
    const expected = (value: string): unknown[] => ['InvalidArgument', 400, 'Invalid Encoding Method specified in Request', 'encoding-type', value];
    for (const value of ['base64', 'URL']) {
      assert.deepEqual(await refusal(c.send(withQuery(new S3.ListObjectsV2Command({ Bucket: B }), 'encoding-type', value))), expected(value));
      assert.deepEqual(await refusal(c.send(withQuery(new S3.ListObjectsCommand({ Bucket: B }), 'encoding-type', value))), expected(value));
      assert.deepEqual(await refusal(c.send(withQuery(new S3.ListMultipartUploadsCommand({ Bucket: B }), 'encoding-type', value))), expected(value));
    }
  });
});
