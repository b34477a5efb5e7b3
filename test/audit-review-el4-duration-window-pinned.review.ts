/**
 * Review el, 4: `gatehouse audit query --since 24h` (or `--until 1h`) sent the duration with every page, and the server
 * counted it back from its clock at each one: a long export's window, and a follow's, slid forward while it ran, so
 * `--until 1h` took in records written after the command started and `--since` let go of the oldest. Now
 * `GET /v1/audit` answers with the `since` and `until` it read (a duration as the time it stood for), and the CLI passes
 * those on after its first page. A real server on 127.0.0.1; the real `gatehouse` binary following the log through a
 * proxy on 127.0.0.1 that notes each query it sends. Before the fix, 2 of the 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('audit query: a duration is one window for every page', () => {
  let s: TestServer;
  let proxy: Server;
  const queries: URLSearchParams[] = [];
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'el4' }));
    await s.running.app.audit.flush();
    const upstream = new URL(s.url);
    proxy = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/audit') queries.push(url.searchParams);
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(out);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    await s?.stop();
  });

  it('GET /v1/audit answers with the since and until it read, durations as times', async () => {
    const before = Date.now();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?since=2h&until=1m');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const { since, until } = r.json as { since?: string; until?: string };
    assert.match(since ?? '', ISO);
    assert.ok(Math.abs(Date.parse(since ?? '') - (before - 2 * 3600_000)) < 60_000, since);
    assert.ok(Math.abs(Date.parse(until ?? '') - (before - 60_000)) < 60_000, until);
    const none = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit');
    assert.equal('since' in none.json, false, JSON.stringify(none.json));
  });

  it('gatehouse audit query --follow --since 1h asks every later page for the time the first stood for', async () => {
    const port = (proxy.address() as AddressInfo).port;
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--since', '1h', '--interval', '200', '--json'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    const closed = new Promise((r) => child.on('close', r));
    const deadline = Date.now() + 15_000;
    while (queries.filter((q) => q.has('since')).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    await closed;
    const sinces = queries.filter((q) => q.has('since')).map((q) => q.get('since') ?? '');
    assert.ok(sinces.length >= 4, `the follow asked ${sinces.length} times in 15 s`);
    assert.equal(sinces[0], '1h');
    const later = sinces.slice(1);
    for (const v of later) assert.match(v, ISO, JSON.stringify(sinces));
    assert.equal(new Set(later).size, 1, JSON.stringify(sinces));
    assert.match(out, /"action":"iam:CreateUser"/);
  });
});
