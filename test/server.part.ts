/**
 * `gatehouse server` as an operator and a raw HTTP client see it: first start and restart (the pinned
 * admin-credentials.json), health and readiness, SigV4 in its presigned form and with a stale clock, the body
 * limit, unknown actions, graceful shutdown with a request in flight, and the `gatehouse server` command
 * itself (spawned, answering /readyz, exiting 0 on SIGTERM).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { MAX_QUERY_BODY } from '../src/adapters/http/server.ts';
import { ADMIN_CREDENTIALS_FILE } from '../src/main/server.ts';
import { errorName, startTestServer, REGION, type AdminFile, type Credentials, type TestServer } from './support/server.ts';
import { GetUserCommand } from '@aws-sdk/client-iam';

const REPO = join(import.meta.dirname, '..');

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request over a fresh connection; `chunks` are written with `gapMs` between them. */
function send(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; chunks?: readonly (string | Buffer)[]; gapMs?: number; onFirstChunk?: () => void } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: opts.method ?? 'POST', path: opts.path ?? '/', headers: { connection: 'close', ...opts.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunks = opts.chunks ?? [];
    const write = async () => {
      for (const [i, c] of chunks.entries()) {
        req.write(c);
        if (i === 0) opts.onFirstChunk?.();
        if (i < chunks.length - 1 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      req.end();
    };
    void write();
  });
}

/** A SigV4-signed Query API request (header form unless `presign`). */
async function signed(url: string, creds: Credentials, params: Record<string, string>, opts: { signingDate?: Date; presign?: boolean } = {}): Promise<{ path: string; headers: Record<string, string>; body: string }> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 'iam', region: REGION, credentials: creds, sha256: Sha256 });
  const body = new URLSearchParams(params).toString();
  const base = { method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } };
  if (opts.presign) {
    const p = await signer.presign({ ...base, query: params }, { expiresIn: 300, ...(opts.signingDate ? { signingDate: opts.signingDate } : {}) });
    const q = new URLSearchParams(p.query as Record<string, string>).toString();
    return { path: `/?${q}`, headers: { ...p.headers, 'content-type': base.headers['content-type'] }, body: '' };
  }
  const s = await signer.sign({ ...base, query: {}, body }, opts.signingDate ? { signingDate: opts.signingDate } : {});
  return { path: '/', headers: s.headers, body };
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('a server in a temp dir', () => {
  let server: TestServer;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gh-server-test-'));
    server = await startTestServer({ dataDir, keepDir: true });
  });
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes admin-credentials.json on first start, mode 0600, with the pinned fields', async () => {
    const file = join(dataDir, ADMIN_CREDENTIALS_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const creds = JSON.parse(await readFile(file, 'utf8')) as AdminFile;
    assert.deepEqual(Object.keys(creds), ['AccessKeyId', 'SecretAccessKey', 'AccountId', 'Endpoint'], 'exactly the fields DESIGN.md names');
    assert.match(creds.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.ok(creds.SecretAccessKey.length >= 40);
    assert.equal(creds.AccountId, '000000000000');
    assert.equal(creds.Endpoint, server.url);
    assert.ok(server.running.adminCredentials, 'the first start reports that it bootstrapped');
    assert.ok(server.logs.some((l) => l.includes('first start')));
    assert.equal((await stat(join(dataDir, 'master.key'))).mode & 0o777, 0o600);
  });

  it('answers /healthz and /readyz with 200', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 200, path);
      await r.text();
    }
    assert.equal((await fetch(`${server.url}/nothing-here`)).status, 404);
  });

  it('accepts a presigned (query-string) SigV4 request', async () => {
    const s = await signed(server.url, server.admin, { Action: 'GetUser', Version: '2010-05-08' }, { presign: true });
    assert.match(s.path, /X-Amz-Signature=/);
    assert.equal(s.headers['authorization'], undefined);
    const r = await send(server.url, { path: s.path, headers: s.headers });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<UserName>admin<\/UserName>/);

    const tampered = await send(server.url, { path: s.path.replace('GetUser', 'ListUsers'), headers: s.headers });
    assert.equal(codeOf(tampered.body), 'SignatureDoesNotMatch');
  });

  it('refuses a request signed 20 minutes ago with SignatureDoesNotMatch, accepts one signed now', async () => {
    const params = { Action: 'GetUser', Version: '2010-05-08' };
    const stale = await signed(server.url, server.admin, params, { signingDate: new Date(Date.now() - 20 * 60_000) });
    const r = await send(server.url, { headers: stale.headers, chunks: [stale.body] });
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.body), 'SignatureDoesNotMatch');
    assert.match(r.body, /expired/i);
    const fresh = await signed(server.url, server.admin, params);
    assert.equal((await send(server.url, { headers: fresh.headers, chunks: [fresh.body] })).status, 200);
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    // Declared: the answer comes before the body is sent (the client only sends the headers).
    const u = new URL(server.url);
    const declared = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: u.hostname, port: u.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(MAX_QUERY_BODY + 1) } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(declared.status, 413);
    assert.equal(codeOf(declared.body), 'RequestEntityTooLarge');
    // Streamed (chunked, no length): refused once the bytes read pass the limit.
    const streamed = await send(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, chunks: [Buffer.alloc(MAX_QUERY_BODY, 'a'), Buffer.alloc(1, 'a')] });
    assert.equal(streamed.status, 413);
    assert.equal(codeOf(streamed.body), 'RequestEntityTooLarge');
  });

  it('answers InvalidAction to an unknown Action, MissingParameter without one', async () => {
    const s = await signed(server.url, server.admin, { Action: 'FlyToTheMoon', Version: '2010-05-08' });
    const r = await send(server.url, { headers: s.headers, chunks: [s.body] });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.body), 'InvalidAction');
    const none = await signed(server.url, server.admin, { Version: '2010-05-08' });
    assert.equal(codeOf((await send(server.url, { headers: none.headers, chunks: [none.body] })).body), 'MissingParameter');
    const unsigned = await send(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, chunks: ['Action=GetUser&Version=2010-05-08'] });
    assert.equal(codeOf(unsigned.body), 'MissingAuthenticationToken');
  });

  it('shuts down gracefully: a request in flight finishes, then no new connection is accepted', async () => {
    const s = await signed(server.url, server.admin, { Action: 'GetUser', Version: '2010-05-08' });
    const half = Math.floor(s.body.length / 2);
    let stopped: Promise<void> | undefined;
    let stopDone = false;
    const reply = send(server.url, {
      headers: { ...s.headers, 'content-length': String(Buffer.byteLength(s.body)) },
      chunks: [s.body.slice(0, half), s.body.slice(half)],
      gapMs: 300,
      // The server has the request's first half: stop it now, while the request is in flight.
      onFirstChunk: () =>
        void setTimeout(() => {
          stopped = server.stopServer().then(() => void (stopDone = true));
        }, 100),
    });
    const r = await reply;
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<UserName>admin<\/UserName>/);
    assert.ok(stopped, 'stop was called while the request was in flight');
    await stopped;
    assert.ok(stopDone);
    await assert.rejects(fetch(`${server.url}/healthz`), 'the listener is closed');
  });

  it('a restart on the same data dir does not bootstrap again; the admin key still works', async () => {
    const before = await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8');
    const again = await startTestServer({ dataDir, keepDir: true });
    try {
      assert.equal(again.running.adminCredentials, undefined);
      assert.ok(!again.logs.some((l) => l.includes('first start')));
      // The same key; the Endpoint is this start's (review readme, ez5: it kept the first start's address for good).
      assert.deepEqual(JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')), { ...(JSON.parse(before) as Record<string, string>), Endpoint: again.url });
      const me = await again.iam().send(new GetUserCommand({}));
      assert.equal(me.User?.UserName, 'admin');
      assert.equal(await errorName(again.iam({ accessKeyId: again.admin.accessKeyId, secretAccessKey: 'wrong'.repeat(8) }).send(new GetUserCommand({}))), 'SignatureDoesNotMatch');
    } finally {
      await again.stop();
    }
  });
});

describe('the gatehouse server command', () => {
  it('starts, answers /readyz, and exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-cli-server-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir };
    const child = spawn(process.execPath, [join(REPO, 'bin', 'gatehouse.js'), 'server', '--data-dir', dir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening on" line within 20 s; stderr: ${stderr}`)), 20_000);
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        void exited.then((code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
      });
      assert.doesNotMatch(url, /:0$/, 'the log names the port actually bound');
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), 'ready\n');
      const creds = JSON.parse(await readFile(join(dir, ADMIN_CREDENTIALS_FILE), 'utf8')) as AdminFile;
      assert.equal(creds.Endpoint, url);
      // The start-up line names the web console, which answers there.
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(stderr.includes(`console at ${url}/ui/`), stderr);
      const consolePage = await fetch(`${url}/ui/`);
      assert.equal(consolePage.status, 200);
      assert.match(await consolePage.text(), /<title>[^<]*Gatehouse console<\/title>/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /SIGTERM/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
