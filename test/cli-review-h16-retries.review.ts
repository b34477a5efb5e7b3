/**
 * The CLI tries a request again as the aws CLI does (stop 24, H16): a 503 ServiceUnavailable (the server's store is
 * down or it is starting, "retryable" in docs/errors.md) or a refused connection failed the command at once, exit 10,
 * where every AWS tool tries three times. Now: up to AWS_MAX_ATTEMPTS tries (default 3) with jittered backoff or the
 * server's Retry-After; never again a change whose connection was lost after it was sent (its outcome is unknown).
 * The CLI's program in this process (test/support/gatehouse-cli.ts) against a real server, through a proxy on 127.0.0.1 that refuses or cuts the first requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('the CLI tries again what may be tried again', () => {
  let s: TestServer;
  let proxy: Server;
  let proxyUrl: string;
  /** What the proxy does to each of the next requests, then it forwards. */
  let plan: ('503' | '503-wait' | 'cut')[] = [];
  let seen: string[] = [];
  /** The x-amz-date of each request the proxy saw. */
  let dates: string[] = [];
  before(async () => {
    s = await startTestServer();
    const target = new URL(s.url);
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        dates.push(String(req.headers['x-amz-date']));
        const step = plan.shift();
        if (step === '503' || step === '503-wait') {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': step === '503' ? '0' : '1' });
          res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'the store is unavailable', gatehouseCode: 'SERVICE_UNAVAILABLE' } }));
          return;
        }
        if (step === 'cut') {
          req.socket.destroy();
          return;
        }
        const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const a = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  });
  after(async () => {
    proxy?.close();
    await s?.stop();
  });
  const cli = (args: string[], env: Record<string, string> = {}) => gatehouseCliInProcess(args, s.admin, { endpoint: proxyUrl, home: s.dataDir, extraEnv: env });
  const exists = async (name: string) => (await gatehouseCliInProcess(['iam', 'users', 'get', name], s.admin, { endpoint: s.url, home: s.dataDir })).code === 0;

  it('each try is signed afresh (a signature is accepted for 15 minutes; a try after a long timeout sent an expired one)', async () => {
    plan = ['503-wait'];
    seen = [];
    dates = [];
    const r = await cli(['iam', 'users', 'create', 'signed-twice']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dates.length, 2, JSON.stringify(dates));
    assert.ok(dates[1] !== undefined && dates[0] !== undefined && dates[1] > dates[0], `the second try was signed at ${dates[1]}, the first at ${dates[0]}`);
  });

  it('audit verify: a 503 is tried again, a walk whose connection was cut is not started again', async () => {
    plan = ['503'];
    seen = [];
    const ok = await cli(['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(seen, ['GET /v1/audit/verify', 'GET /v1/audit/verify']);
    plan = ['cut'];
    seen = [];
    const cut = await cli(['audit', 'verify']);
    assert.notEqual(cut.code, 0, cut.stdout);
    assert.deepEqual(seen, ['GET /v1/audit/verify'], 'the walk was asked for once');
  });

  it('a change refused twice with 503 is made on the third try, once', async () => {
    plan = ['503', '503'];
    seen = [];
    const r = await cli(['iam', 'users', 'create', 'after-two']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen, ['POST /v1/users', 'POST /v1/users', 'POST /v1/users']);
    assert.ok(await exists('after-two'));
  });

  it('three 503s: exit 10 with the server\'s error; AWS_MAX_ATTEMPTS=1 tries once', async () => {
    plan = ['503', '503', '503'];
    seen = [];
    const r = await cli(['iam', 'users', 'create', 'never']);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /ServiceUnavailable: the store is unavailable/);
    assert.equal(seen.length, 3);
    plan = ['503'];
    seen = [];
    const once = await cli(['iam', 'users', 'list'], { AWS_MAX_ATTEMPTS: '1' });
    assert.equal(once.code, 10);
    assert.equal(seen.length, 1);
    plan = [];
    assert.equal(await exists('never'), false);
  });

  it('a read whose connection is cut is tried again; a change whose connection is cut after sending is not', async () => {
    plan = ['cut'];
    seen = [];
    const read = await cli(['iam', 'users', 'get', 'after-two']);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(seen.length, 2);
    plan = ['cut'];
    seen = [];
    const change = await cli(['iam', 'users', 'create', 'cut-once']);
    assert.equal(change.code, 11, change.stderr);
    assert.match(change.stderr, /OutcomeUnknown/);
    assert.equal(seen.length, 1, 'a change of unknown outcome is not sent again');
  });

  it('AWS_MAX_ATTEMPTS that is not a whole number from 1 is refused before anything is sent', async () => {
    seen = [];
    for (const bad of ['0', 'three', '-1']) {
      const r = await cli(['iam', 'users', 'list'], { AWS_MAX_ATTEMPTS: bad });
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /InvalidMaxAttempts: AWS_MAX_ATTEMPTS must be a whole number of at least 1/);
    }
    assert.deepEqual(seen, []);
  });
});
