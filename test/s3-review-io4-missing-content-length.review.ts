/**
 * Review io, 4, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) and sent
 * on a raw socket (an HTTP client adds Content-Length or Transfer-Encoding by itself): a PutObject or UploadPart with
 * neither Content-Length nor Transfer-Encoding is refused as S3 refuses it, 411 MissingContentLength "You must provide
 * the Content-Length HTTP header." (Swift's s3api functional tests, run against AWS, record the answer).
 *
 * What was wrong: HTTP reads such a request as having no body; the gateway read it so, and answered as if the client
 * had meant to send nothing: with UNSIGNED-PAYLOAD it stored an empty object 200 (the client's data replaced by
 * nothing, told it was stored), with the payload's SHA-256 it answered XAmzContentSHA256Mismatch for bytes never read.
 *
 * Before the fix, the first test failed (UNSIGNED-PAYLOAD: 200, the empty object stored); the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { adminBucket, objectExists } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'io4-length';
const DATA = Buffer.from('a manifest the client meant to store');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A signed PUT of `path` with `headers` (and no framing header unless given), its bytes `body`, on a raw socket. */
async function rawPut(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(server.running.s3Url);
  const [pathname, query] = path.split('?') as [string, string | undefined];
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers: { host: url.host, 'x-amz-content-sha256': createHash('sha256').update(DATA).digest('hex'), ...headers },
  });
  const head = [`PUT ${path} HTTP/1.1`, ...Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`), 'connection: close', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(Buffer.concat([Buffer.from(head), body])));
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(got).toString();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), text });
    });
  });
}

describe('io 4: a PUT with neither Content-Length nor Transfer-Encoding', () => {
  it('PutObject and UploadPart: 411 MissingContentLength with S3 message; nothing stored', async () => {
    // The bytes are not sent: without either header HTTP gives the request no body, and what follows would be read as
    // the next request.
    const put = await rawPut(`/${BUCKET}/no-length`, {}, Buffer.alloc(0));
    assert.equal(put.status, 411, JSON.stringify(put.text));
    assert.match(put.text, /<Code>MissingContentLength<\/Code><Message>You must provide the Content-Length HTTP header.<\/Message>/);
    assert.equal(await objectExists(c, BUCKET, 'no-length'), false);
    const unsigned = await rawPut(`/${BUCKET}/unsigned-no-length`, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, Buffer.alloc(0));
    assert.equal(unsigned.status, 411, JSON.stringify(unsigned.text));
    assert.equal(await objectExists(c, BUCKET, 'unsigned-no-length'), false);

    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parted' }));
    const part = await rawPut(`/${BUCKET}/parted?partNumber=1&uploadId=${encodeURIComponent(up.UploadId ?? '')}`, {}, Buffer.alloc(0));
    assert.equal(part.status, 411, part.text);
    assert.match(part.text, /<Code>MissingContentLength<\/Code>/);
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'parted', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
  });

  it('with Content-Length the body is stored; the SDK empty bodies are framed and stored', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'no-body' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'empty-body', Body: '' }));
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'no-body' }))).ContentLength, 0);
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'empty-body' }))).ContentLength, 0);
    const put = await rawPut(`/${BUCKET}/with-length`, { 'content-length': String(DATA.length) }, DATA);
    assert.equal(put.status, 200, JSON.stringify(put.text));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'with-length' }));
    assert.equal(await got.Body?.transformToString(), DATA.toString());
  });
});
