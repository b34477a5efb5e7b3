/**
 * Stop 26: the CLI behind a proxy. The aws CLI sends through `HTTP_PROXY` / `HTTPS_PROXY` (either case) unless the
 * host is in `NO_PROXY`; the gatehouse CLI ignored them and went straight to the endpoint, which on a network that
 * reaches the server only through a proxy fails (or, worse, reaches another server of the same name). Now the CLI's
 * program (in this process, with the environment given to it: test/support/gatehouse-cli.ts) against a real server: a forward proxy on 127.0.0.1 (absolute-form requests for http://, CONNECT for https://)
 * sees the requests and passes them on; with the host in NO_PROXY the proxy sees nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('the CLI sends through HTTP_PROXY / HTTPS_PROXY, and not for NO_PROXY hosts', () => {
  let s: TestServer;
  let proxy: Server;
  let proxyUrl = '';
  /** What the proxy was asked: `GET http://…/v1/…` forwarded, or `CONNECT host:port` tunnelled. */
  let seen: string[] = [];
  before(async () => {
    s = await startTestServer();
    proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const to = new URL(req.url ?? '');
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: `${to.pathname}${to.search}`, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? '').split(':');
      const up = connect(Number(port), host ?? '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy?.close();
    proxy?.closeAllConnections();
    await s?.stop();
  });
  const cli = (env: Record<string, string>, endpoint = s.url) => gatehouseCliInProcess(['iam', 'users', 'list', '--json'], s.admin, { endpoint, home: s.dataDir, extraEnv: env });

  it('HTTP_PROXY (and http_proxy): the request goes through the proxy, whole', async () => {
    for (const name of ['HTTP_PROXY', 'http_proxy']) {
      seen = [];
      const r = await cli({ [name]: proxyUrl });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Array.isArray((JSON.parse(r.stdout) as { users?: unknown }).users), r.stdout);
      assert.deepEqual(seen, [`GET ${s.url}/v1/users`], name);
    }
  });

  it('NO_PROXY naming the host: straight to the server', async () => {
    seen = [];
    const r = await cli({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen, []);
  });

  it('no proxy variable: straight to the server', async () => {
    seen = [];
    const r = await cli({});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen, []);
  });

  it('HTTPS_PROXY and an https endpoint: tunnelled with CONNECT, the certificate still checked against AWS_CA_BUNDLE', { skip: openssl === undefined && 'needs openssl' }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'gh-proxy-tls-'));
    let tls: RunningServer | undefined;
    try {
      execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')], { stdio: 'ignore' });
      tls = await startServer({ dataDir: join(work, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', tlsCert: join(work, 'cert.pem'), tlsKey: join(work, 'key.pem'), env: {}, log: () => {} });
      const a = tls.adminCredentials;
      assert.ok(a);
      const keys = { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey };
      const port = new URL(tls.url).port;
      seen = [];
      const r = await gatehouseCliInProcess(['iam', 'users', 'list', '--json'], keys, { endpoint: tls.url, home: work, extraEnv: { HTTPS_PROXY: proxyUrl, AWS_CA_BUNDLE: join(work, 'cert.pem') } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(seen, [`CONNECT 127.0.0.1:${port}`]);
      // Without the bundle the tunnelled connection still refuses a certificate nobody vouches for.
      const untrusted = await gatehouseCliInProcess(['iam', 'users', 'list', '--json'], keys, { endpoint: tls.url, home: work, extraEnv: { HTTPS_PROXY: proxyUrl } });
      assert.notEqual(untrusted.code, 0);
      assert.match(untrusted.stderr, /certificate/i);
    } finally {
      await tls?.stop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
