/**
 * Review kx, 1: the console behind a load balancer that ends TLS (AWS ALB, an ingress controller: the usual way a
 * server is put on HTTPS) was served without `Strict-Transport-Security`. The console sent it only when the connection
 * itself was TLS (`--tls-cert`), though the server already takes the scheme from `X-Forwarded-Proto` of a proxy that
 * GATEHOUSE_TRUSTED_PROXIES names (docs/decisions.md "Trusted proxies", review jn, 4) for `aws:SecureTransport`: a
 * browser that reached the console over https://balancer went on following `http://` links to it, and a downgrade on
 * the network served it the page that signs admin calls. It is now sent when the request is secure as the server
 * reads it everywhere else (`requestFactsOf`): the trusted balancer's `X-Forwarded-Proto: https`; not for `http`, nor
 * for the header from a peer that is not trusted. Real server on 127.0.0.1, plain Node HTTP requests.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestServer, type TestServer } from './support/server.ts';

const headersOf = (url: string, headers: Record<string, string>): Promise<Record<string, string | string[] | undefined>> =>
  new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    })
      .on('error', reject)
      .end();
  });

describe('Strict-Transport-Security on the console behind a balancer that ends TLS', () => {
  let behind: TestServer;
  let direct: TestServer;
  before(async () => {
    behind = await startTestServer({ env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1/32,::1' } });
    direct = await startTestServer();
  });
  after(async () => {
    await behind?.stop();
    await direct?.stop();
  });

  it('the trusted balancer saying the client came over https: every console answer carries it', async () => {
    for (const path of ['/ui/', '/ui/console.js', '/ui/nope', '/ui']) {
      const h = await headersOf(`${behind.url}${path}`, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
      assert.equal(h['strict-transport-security'], 'max-age=31536000', path);
      assert.equal(h['x-frame-options'], 'DENY', `${path}: the other headers stay`);
    }
  });

  it('the trusted balancer saying http (or a chain with an http hop): not sent', async () => {
    for (const proto of ['http', 'http, https']) {
      const h = await headersOf(`${behind.url}/ui/`, { 'x-forwarded-proto': proto });
      assert.equal(h['strict-transport-security'], undefined, proto);
    }
  });

  it('the header from a peer no setting trusts is not believed: not sent', async () => {
    const h = await headersOf(`${direct.url}/ui/`, { 'x-forwarded-proto': 'https' });
    assert.equal(h['strict-transport-security'], undefined);
    assert.equal(h['x-frame-options'], 'DENY');
  });
});
