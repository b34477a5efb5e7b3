/**
 * Review ti, 2, against a real server, with requests signed by `@smithy/signature-v4` (the SDKs' signer): a query
 * parameter given more than once.
 *
 * What was wrong: the gateway read a repeated query parameter by its first value and passed over the others, while the
 * signature covers every one (SigV4's canonical query string sorts and signs each name=value pair; credential-protocols.md,
 * SigV4). So a signed or presigned URL carrying `versionId=null&versionId=<id>` or `prefix=a/&prefix=b/` was served as
 * if only the first were sent: whoever signed or checked it reading the last value (a URL-signing service that keeps
 * the last value of a name, as `dict(parse_qsl(...))` and PHP do) approved one request and the gateway ran another, and
 * a `DELETE ?uploadId=a&uploadId=b` or `PUT ?tagging&tagging` ran on a reading nobody chose. S3's operations each take
 * one value of a parameter (the API reference names each once); an ambiguous request must not run.
 *
 * What is now so: a request naming a query parameter twice is refused 400 InvalidArgument, `ArgumentName` the
 * parameter, before authentication and before anything is read or written; its values are not quoted (a repeated
 * `X-Amz-Security-Token` would be echoed). The same parameter once is served as before.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'ti2-repeated';

describe('ti 2: a query parameter given twice is refused, not read by its first value', () => {
  let s: TestServer;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'a/one.txt', Body: 'one' }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'b/two.txt', Body: 'two' }));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  const signer = () => new SignatureV4({ credentials: s.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
  const target = (path: string, query: Record<string, string | string[]>) => {
    const url = new URL(s.running.s3Url);
    return { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query, headers: { host: url.host } };
  };
  const urlOf = (path: string, query: Record<string, string | string[] | null>): string => {
    const pairs: string[] = [];
    for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v ?? '']) pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(one)}`);
    return `${s.running.s3Url}${path}?${pairs.join('&')}`;
  };
  const presignedGet = async (path: string, query: Record<string, string | string[]>) => {
    // As @aws-sdk/s3-request-presigner presigns: the payload unsigned, its hash hoisted into the query.
    const signed = await signer().presign({ ...target(path, query), headers: { host: new URL(s.running.s3Url).host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { expiresIn: 300 });
    const r = await fetch(urlOf(path, signed.query as Record<string, string | string[]>));
    return { status: r.status, text: await r.text() };
  };
  const headerSignedGet = async (path: string, query: Record<string, string | string[]>) => {
    const signed = await signer().sign({ ...target(path, query), headers: { host: new URL(s.running.s3Url).host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const r = await fetch(urlOf(path, query), { headers: signed.headers });
    return { status: r.status, text: await r.text() };
  };
  const invalidArgument = (r: { status: number; text: string }, name: string) => {
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidArgument<\/Code>/);
    assert.match(r.text, new RegExp(`<ArgumentName>${name}</ArgumentName>`));
  };

  it('a presigned GetObject naming versionId twice is refused, its values not quoted', async () => {
    const r = await presignedGet(`/${BUCKET}/a/one.txt`, { versionId: ['null', '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY'] });
    invalidArgument(r, 'versionId');
    assert.doesNotMatch(r.text, /3HL4kqtJ/);
  });

  it('a signed ListObjectsV2 naming prefix twice is refused, listing nothing', async () => {
    const r = await headerSignedGet(`/${BUCKET}`, { 'list-type': '2', prefix: ['a/', 'b/'] });
    invalidArgument(r, 'prefix');
    assert.doesNotMatch(r.text, /one\.txt|two\.txt/);
  });

  it('each parameter once is served as before', async () => {
    const got = await presignedGet(`/${BUCKET}/a/one.txt`, { versionId: 'null' });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.text, 'one');
    const listed = await headerSignedGet(`/${BUCKET}`, { 'list-type': '2', prefix: 'b/' });
    assert.equal(listed.status, 200, listed.text);
    assert.match(listed.text, /<Key>b\/two\.txt<\/Key>/);
    assert.doesNotMatch(listed.text, /one\.txt/);
  });
});
