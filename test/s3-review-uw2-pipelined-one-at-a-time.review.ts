/**
 * Review uw, 2: Node starts a request's handler as soon as its head is read, so the requests a client pipelined on one
 * connection to the S3 gateway (HTTP/1.1, RFC 9112 §9.3.2) ran at once, as `--listen`'s did until review uq, 2: a
 * GetObject pipelined behind a PutObject of its key was decided before the put was made, and answered 404
 * `NoSuchKey` after the put's 200 (§9.3.2 lets a server process side by side only requests of safe methods). The
 * gateway now starts a connection's requests one at a time, each once the answers before it are sent, and none behind
 * an answer that closes the connection (two tests keep that so: no change behind a request that said `Connection:
 * close` or was refused for its Host); every answer still comes, in order and whole.
 *
 * A real server, `@aws-sdk/client-s3` to set up and check what is stored, SigV4-signed raw requests on one socket.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';
import { errorName, startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'uw2-pipelined';
let s: TestServer;
let s3: S3.S3Client;
let port: number;
let host: string;

before(async () => {
  s = await startTestServer();
  s3 = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: s.admin, maxAttempts: 1 });
  await s3.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  port = Number(new URL(s.running.s3Url).port);
  host = new URL(s.running.s3Url).host;
});
after(async () => {
  s3?.destroy();
  await s?.stop();
});

/** The raw text of a SigV4-signed S3 request (`UNSIGNED-PAYLOAD`) of `method` on `/<bucket>/<key>`, with `extra` header lines. */
async function signed(method: 'GET' | 'PUT' | 'DELETE', key: string, body = '', extra = ''): Promise<string> {
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: s.admin, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const path = `/${BUCKET}/${key}`;
  const headers: Record<string, string> = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (method === 'PUT') headers['content-length'] = String(Buffer.byteLength(body));
  const r = await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', port, path, query: {}, headers });
  const head = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `${method} ${path} HTTP/1.1\r\n${head}${extra}\r\n${body}`;
}

describe('review uw2: the S3 gateway serves pipelined requests one at a time, none behind an answer that closes', () => {
  it('a DeleteObject pipelined behind a request that said `Connection: close` deletes nothing', async () => {
    await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'behind-close', Body: 'kept' }));
    const text = (await signed('GET', 'behind-close', '', 'Connection: close\r\n')) + (await signed('DELETE', 'behind-close'));
    const answers = splitAnswers(await rawAnswer(port, text));
    assert.deepEqual(answers.map((a) => a.status), [200]);
    const kept = await s3.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'behind-close' })).then(() => 'kept', (e: unknown) => (e as Error).name);
    assert.equal(kept, 'kept', 'the delete pipelined behind a request that closed the connection was carried out, unanswered');
  });

  it('a PutObject pipelined behind a request refused for its Host stores nothing', async () => {
    const text = `GET / HTTP/1.1\r\nHost: a b\r\n\r\n` + (await signed('PUT', 'put-behind-refused', 'unheard of', 'Connection: close\r\n'));
    const answers = splitAnswers(await rawAnswer(port, text));
    assert.deepEqual(answers.map((a) => a.status), [400]);
    assert.equal(await errorName(s3.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'put-behind-refused' }))), 'NotFound', 'the put pipelined behind the refused request stored its object, unanswered');
  });

  it('a GetObject pipelined behind a PutObject of its key reads what was put', async () => {
    const body = 'x'.repeat(200_000);
    const text = (await signed('PUT', 'read-after-write', body)) + (await signed('GET', 'read-after-write', '', 'Connection: close\r\n'));
    const answers = splitAnswers(await rawAnswer(port, text));
    assert.deepEqual(answers.map((a) => a.status), [200, 200], answers.map((a) => a.body.slice(0, 300)).join('\n'));
    assert.equal(answers[1]?.body.length, body.length);
  });

  it('every answer of many pipelined requests comes, in order and whole', async () => {
    const parts: string[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 10; i++) {
      parts.push(await signed('PUT', `many-${i}`, `body ${i}`), await signed('GET', `many-${i}`), await signed('GET', `none-${i}`));
      expected.push(200, 200, 404);
    }
    parts.push(await signed('GET', 'many-0', '', 'Connection: close\r\n'));
    expected.push(200);
    const answers = splitAnswers(await rawAnswer(port, parts.join('')));
    assert.deepEqual(answers.map((a) => a.status), expected);
    for (let i = 0; i < 10; i++) {
      assert.equal(answers[3 * i + 1]?.body, `body ${i}`);
      assert.match(answers[3 * i + 2]?.body ?? '', new RegExp(`<Key>none-${i}</Key>`));
    }
  });
});
