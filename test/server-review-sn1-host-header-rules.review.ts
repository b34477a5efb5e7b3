/**
 * Review sn, 1: a request with two Host header lines, or with a Host that is no host (`a b`, `h/x`, `u@h`), was served on
 * every port: the admin and Query APIs and the probes, the S3 gateway (which went on to check a signature), the job
 * credential endpoints. Node answers a missing Host 400 itself, but keeps the first of two Host lines for
 * `req.headers.host` (what the metadata endpoints' DNS rebinding check reads) while a SigV4 signature was checked
 * against both joined: which host a request was for was read two ways.
 * Contract: RFC 9112 §3.2, "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message
 * that lacks a Host header field and to any request message that contains more than one Host header field line or a
 * Host header field with an invalid field value." Now each listener answers such a request 400 and closes, before any
 * route reads it.
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawAnswer } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** The status line's code and the body of what `head` (request line and header lines, no final CRLF) is answered on `url`'s port. */
async function answer(url: string, head: string): Promise<{ status: number; body: string }> {
  const a = await rawAnswer(Number(new URL(url).port), `${head}\r\nConnection: close\r\n\r\n`);
  return { status: Number(a.split(' ')[1]), body: a.slice(a.indexOf('\r\n\r\n') + 4) };
}

describe('review sn1: a request with two Host lines or an invalid Host is answered 400', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('the API port refuses two Host lines, one of them its own, in origin and absolute form', async () => {
    const host = new URL(server.url).host;
    const two = await answer(server.url, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example`);
    assert.equal(two.status, 400, two.body);
    assert.match(two.body, /2 Host header lines were sent; send exactly one/);
    const absolute = await answer(server.url, `GET http://${host}/healthz HTTP/1.1\r\nHost: ${host}\r\nHost: ${host}`);
    assert.equal(absolute.status, 400, absolute.body);
  });

  it('the API port refuses a Host that is no host name or address, and serves the valid forms', async () => {
    for (const bad of ['a b', 'h/x', 'u@h', 'h:80:81', 'h:8o', '[::1']) {
      const r = await answer(server.url, `GET /healthz HTTP/1.1\r\nHost: ${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.body}`);
      assert.match(r.body, /is not a host name or address with an optional port/);
    }
    for (const good of [new URL(server.url).host, 'localhost', 'Gatehouse.Example:443', '[::1]:8080', '10.0.0.1']) {
      const r = await answer(server.url, `GET /healthz HTTP/1.1\r\nHost: ${good}`);
      assert.deepEqual(r, { status: 200, body: 'ok\n' }, good);
    }
    // Node's own answer to none, unchanged.
    assert.equal((await answer(server.url, 'GET /healthz HTTP/1.1')).status, 400);
  });

  it('the S3 gateway refuses two Host lines before it reads the signature', async () => {
    const url = server.running.s3Url;
    const r = await answer(url, `GET /some-bucket/key HTTP/1.1\r\nHost: ${new URL(url).host}\r\nHost: some-bucket.evil.example`);
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /Host header lines/);
  });

  it('the job credential endpoints refuse two Host lines and an invalid one', async () => {
    const url = server.running.agentUrl;
    const host = new URL(url).host;
    assert.equal((await answer(url, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example`)).status, 400);
    assert.equal((await answer(url, `GET /healthz HTTP/1.1\r\nHost: ${host} x`)).status, 400);
  });

  it('a refused request closes its connection: nothing sent after it on the same connection is read', async () => {
    const host = new URL(server.url).host;
    const a = await rawAnswer(Number(new URL(server.url).port), `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.equal(a.match(/HTTP\/1\.1 /g)?.length, 1, a);
    assert.match(a, /^HTTP\/1\.1 400 /);
  });
});
