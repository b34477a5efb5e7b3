/**
 * Review ot, 2: the `--listen` edge's 503 for a large body refused for the body budget (`maxBodyBytesInFlight`, at its
 * headers or mid-body) was IAM's XML `ErrorResponse` for every request at `/`, whatever API it was for: Alibaba STS's
 * clients (its V3 form names the API in `x-acs-version`, the parameter form in the query; both ask for JSON) could not
 * read it, nor could an STS caller that asked for JSON (`Accept: application/json`); an STS request signed for `sts`
 * was answered in IAM's namespace. Every other refusal the edge makes before it reads the action is in the shape the
 * request's query, headers and signature name (`earlyAnswer`, review lh, 3): credential-protocols.md (Alibaba STS
 * errors: `RequestId`, `HostId`, `Code`, `Message`, JSON as asked); AWS STS API reference, Common Errors
 * (`ServiceUnavailable`, 503). Now the budget's 503 is said in that shape too. An edge with a 1 MiB budget, one raw
 * connection holding 900 KiB of a body, and raw requests declaring 200 KiB more.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../src/app/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createHttpEdge, type HttpEdge } from '../src/adapters/http/server.ts';

const KiB = 1024;
let dir = '';
let store: SqliteStore;
let app: App;
let edge: HttpEdge;
let port = 0;
let held: Socket | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ot2-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { enabled: false } });
  await app.start();
  await app.bootstrap();
  edge = createHttpEdge({ app, ready: async () => true, limits: { maxBodyBytesInFlight: 1024 * KiB } });
  port = (await edge.listen('127.0.0.1', 0)).port;
  // 900 KiB of a 1 MiB body to `/`, held: a body declaring 200 KiB more passes the budget.
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${1024 * KiB}\r\n\r\n`);
  await new Promise<void>((r) => s.write(Buffer.alloc(900 * KiB, 0x61), () => r()));
  held = s;
  await new Promise((r) => setTimeout(r, 300));
});

after(async () => {
  held?.destroy();
  await edge?.close(0);
  await app?.audit.stop();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The answer to a POST of `path` with `headers`, declaring 200 KiB of form body (sent only when asked for). */
async function refused(path: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: `Action=AssumeRole&Policy=${'a'.repeat(200 * KiB)}` });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

describe('review ot2: the body budget\'s 503 is in the shape of the API the request is for', () => {
  it('Alibaba STS, V3 (x-acs-action, x-acs-version) and the parameter form asking Format=JSON: its JSON error', async () => {
    for (const [path, headers] of [
      ['/', { 'x-acs-action': 'AssumeRole', 'x-acs-version': '2015-04-01' }],
      ['/?Action=AssumeRole&Version=2015-04-01&Format=JSON', {}],
    ] as const) {
      const r = await refused(path, headers);
      assert.equal(r.status, 503, r.body);
      assert.match(r.type, /json/, r.body);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      assert.equal(body['Code'], 'ServiceUnavailable', r.body);
      assert.equal(typeof body['RequestId'], 'string');
      assert.equal(body['HostId'], `127.0.0.1:${port}`);
    }
  });

  it('STS asked for JSON (Accept: application/json): its JSON error', async () => {
    const r = await refused('/?Action=GetCallerIdentity&Version=2011-06-15', { accept: 'application/json' });
    assert.equal(r.status, 503, r.body);
    assert.equal((JSON.parse(r.body) as { Error?: { Code?: string } }).Error?.Code, 'ServiceUnavailable', r.body);
  });

  it('STS by its signature\'s scope (the action in the unread body): STS\'s namespace', async () => {
    const r = await refused('/', { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAOT2OT2OT2OT2OT2A/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00' });
    assert.equal(r.status, 503, r.body);
    assert.match(r.body, /<Code>ServiceUnavailable<\/Code>/);
    assert.match(r.body, /xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"/, r.body);
  });
});
