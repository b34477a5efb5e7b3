/**
 * Review cl, 4 (noticed by cm): the admin API answered `HEAD` on every `GET` route with 405 (`Allow: GET`). RFC 9110
 * §9.3.2 has a server answer HEAD as it answers GET, without the content: load balancers, uptime checks and `curl -I`
 * probe with it, and a 405 read as the route being down. Now HEAD is answered where GET is (status and headers of the
 * GET, no body), and a 405 on a GET path lists HEAD in `Allow` too. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

/** A signed request by node:http, which reads HEAD's answer as one without a body; its status, headers and bytes. */
async function send(method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host }, body: '' });
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: signed.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HEAD is answered where GET is: same status and headers, no body', async () => {
  for (const path of ['/v1/whoami', '/v1/users', '/v1/audit/status']) {
    const get = await send('GET', path);
    const head = await send('HEAD', path);
    assert.equal(get.status, 200, `GET ${path}: ${get.body}`);
    assert.equal(head.status, 200, `HEAD ${path}`);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-type'], get.headers['content-type'], path);
  }
  // A HEAD on a path that does not exist is a 404, as its GET is.
  assert.equal((await send('HEAD', '/v1/no-such-thing')).status, 404);
});

test('a 405 on a path GET serves lists HEAD with it', async () => {
  const r = await send('DELETE', '/v1/whoami');
  assert.equal(r.status, 405);
  assert.deepEqual(String(r.headers['allow']).split(', ').sort(), ['GET', 'HEAD']);
  // HEAD on a POST-only route stays a 405 that names POST alone.
  const post = await send('HEAD', '/v1/authorize');
  assert.equal(post.status, 405);
  assert.equal(post.headers['allow'], 'POST');
});
