/**
 * Review ik, finding 3: a proxy written without `http://` was not used.
 *
 * What was wrong: the README says the CLI reads `HTTP_PROXY`/`HTTPS_PROXY` "as for the aws CLI". The aws CLI (botocore's
 * `_fix_proxy_url`) and curl take a proxy written without a scheme, `HTTPS_PROXY=proxy.corp:3128` as many hosts set it,
 * as `http://proxy.corp:3128`; the gatehouse CLI handed it to Node, which read `proxy.corp:` as a scheme and sent every
 * request straight to the server, past the proxy: on a network that reaches the server only through it, every command
 * failed, blaming the proxy (`cannot reach the proxy proxy.corp:3128 … ENOTFOUND`), where the aws CLI worked.
 *
 * What is now so: a proxy without a scheme is `http://` (and `//host:port` is `http://host:port`), as botocore fixes it.
 * The CLI's program in this process against a real server, through a forward proxy on 127.0.0.1 that records what it
 * was asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review ik3: HTTP_PROXY without a scheme is an http:// proxy, as for the aws CLI', () => {
  let s: TestServer;
  let proxy: Server;
  let port = 0;
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
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as AddressInfo).port;
  });
  after(async () => {
    proxy?.close();
    proxy?.closeAllConnections();
    await s?.stop();
  });

  for (const written of ['127.0.0.1:PORT', '//127.0.0.1:PORT', 'user:pw@127.0.0.1:PORT']) {
    it(`HTTP_PROXY=${written}`, async () => {
      seen = [];
      const r = await gatehouseCliInProcess(['whoami', '--json'], s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: { HTTP_PROXY: written.replace('PORT', String(port)), AWS_MAX_ATTEMPTS: '1' } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/admin');
      assert.ok(seen.some((x) => x.startsWith(`GET ${s.url}/v1/whoami`)), seen.join('\n'));
    });
  }
});
