/**
 * Review ij, 3: a job's metadata endpoint handed a token to a request relayed by a proxy, past its X-Forwarded-For
 * check, when the request carried a thousand headers before the one the proxy adds. As EC2 does, the endpoint refuses a
 * token PUT (and an Alibaba tokenless read) that carries `X-Forwarded-For`, so that a proxy or notebook server a job
 * runs does not hand credentials to whoever reaches it; and it refuses what a web browser sends (`Origin`,
 * `Sec-Fetch-*`). Node's HTTP server keeps the first 2,000 header lines' names and values (`maxHeadersCount`, about
 * 1,000 headers) and drops the rest without a word, well within the 16 KiB the headers may take: a client behind a
 * proxy that appends `X-Forwarded-For` (Go's `httputil.ReverseProxy` writes headers sorted by name, so after `A…`)
 * sent 1,100 headers of a few bytes, and the endpoint never saw the proxy's. The credential ports now keep every header
 * within their size limit.
 *
 * Before the fix 2 of 3 tests failed (a token was handed out, 200).
 *
 * A real server and a job's metadata endpoint, spoken to over a raw socket (no HTTP client sends 1,100 headers).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let endpoint: URL;

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  endpoint = new URL(r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint'));
});
after(async () => {
  await s?.stop();
});

/** `method path` to the job's endpoint with the headers `first`, `padding` headers `a<i>: b`, then `last`; the status and body. */
function raw(method: string, path: string, first: readonly string[], padding: number, last: readonly string[]): Promise<{ status: number; body: string }> {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${endpoint.host}\r\n`;
  for (const h of first) head += `${h}\r\n`;
  for (let i = 0; i < padding; i++) head += `a${i}: b\r\n`;
  for (const h of last) head += `${h}\r\n`;
  head += 'Content-Length: 0\r\nConnection: close\r\n\r\n';
  assert.ok(head.length < 16 * 1024, `${head.length} bytes of headers`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(endpoint.port), endpoint.hostname, () => socket.write(head));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const at = got.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), body: at === -1 ? '' : got.slice(at + 4) });
    });
  });
}

test('a token PUT relayed by a proxy is refused however many headers come before X-Forwarded-For', async () => {
  const r = await raw('PUT', '/latest/api/token', ['X-aws-ec2-metadata-token-ttl-seconds: 60'], 1100, ['X-Forwarded-For: 10.0.0.1']);
  assert.deepEqual(r, { status: 403, body: 'forbidden: a token request must not carry X-Forwarded-For' });
  const tokenless = await raw('GET', '/latest/meta-data/ram/security-credentials/', [], 1100, ['X-Forwarded-For: 10.0.0.1']);
  assert.deepEqual(tokenless, { status: 403, body: 'forbidden: a request without a token must not carry X-Forwarded-For' });
});

test('a request carrying Origin after a thousand headers is refused as from a web page', async () => {
  const r = await raw('PUT', '/latest/api/token', ['X-aws-ec2-metadata-token-ttl-seconds: 60'], 1100, ['Origin: http://example.com']);
  assert.equal(r.status, 403, r.body);
  assert.match(r.body, /carrying Origin is refused/);
});

test('a request with many headers and nothing refused is answered as before', async () => {
  const r = await raw('PUT', '/latest/api/token', ['X-aws-ec2-metadata-token-ttl-seconds: 60'], 1100, []);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /^[A-Za-z0-9_-]{32}$/);
});
