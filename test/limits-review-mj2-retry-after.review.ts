/**
 * Review mj, 2: the `--listen` edge's 503s (its database unreachable; large bodies over the budget it reads at once)
 * said "retry" but carried no `Retry-After`, which the listener that answers the port while the database is awaited
 * sends (`Retry-After: 1`). Kubernetes' REST client, which kube-apiserver calls its webhooks with, retries a 5xx only
 * when it carries `Retry-After` (k8s.io/client-go rest `checkWait`: "any 500 error code and 429 can trigger a wait",
 * then only with the header), so a TokenReview, SubjectAccessReview or admission review refused for a moment became a
 * failed authentication or a refused object at once; the gatehouse CLI waits what `Retry-After` says and, without it,
 * retried within 0.2 s and 0.4 s, all its tries spent inside one database failover. RFC 9110 §10.2.3: a 503 says when
 * to come back with `Retry-After`. Now every 503 of the edge sends `Retry-After: 1`, as the waiting listener does.
 * An edge over a store whose reads fail as an outage on demand (as review je, 3's test), the webhooks a handler that
 * meets the outage, and raw HTTP/1.1 clients holding large bodies.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createApp, type App } from '../src/app/index.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createHttpEdge, type HttpEdge } from '../src/adapters/http/server.ts';

const MiB = 1 << 20;
let dir = '';
let real: SqliteStore;
let app: App;
let edge: HttpEdge;
let port = 0;
let outage = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-mj2-'));
  real = await openSqliteStore({ dataDir: dir });
  const fault = (): Error => new StoreUnavailableError('SQLite is unavailable: disk I/O error');
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: (fn) => (outage ? Promise.reject(fault()) : real.read(fn)),
    write: (fn) => (outage ? Promise.reject(fault()) : real.write(fn)),
    close: () => real.close(),
  };
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { enabled: false } });
  await app.start();
  await app.bootstrap();
  edge = createHttpEdge({ app, ready: async () => true, limits: { maxBodyBytesInFlight: 2.5 * MiB }, kubeWebhooks: async () => Promise.reject(fault()) });
  port = (await edge.listen('127.0.0.1', 0)).port;
});

after(async () => {
  await edge?.close(0);
  await app?.audit.stop();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const key = { accessKeyId: 'AKIAMJ2MJ2MJ2MJ2MJ2A', secretAccessKey: 'x'.repeat(40) };

async function signed(service: string, path: string, body: string, contentType: string): Promise<Response> {
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: key, sha256: Sha256 });
  const s = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path, query: {}, headers: { host: `127.0.0.1:${port}`, 'content-type': contentType }, body });
  return fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: s.headers, body });
}

/** A raw connection that declares `length` bytes of body to `path` and sends `sent` of them. */
async function sendBody(path: string, length: number, sent: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
  if (sent > 0) await new Promise<void>((r) => socket.write(Buffer.alloc(sent, 0x20), () => r()));
  return { socket, received: () => received };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('review mj2: the edge\'s 503s say when to retry', () => {
  it('the database unreachable: the admin API\'s and the Query API\'s 503 carry Retry-After', async () => {
    outage = true;
    try {
      const admin = await signed('gatehouse', '/v1/users', '{"name":"mj2"}', 'application/json');
      assert.equal(admin.status, 503, await admin.text());
      assert.equal(admin.headers.get('retry-after'), '1');
      const iam = await signed('iam', '/', 'Action=ListUsers&Version=2010-05-08', 'application/x-www-form-urlencoded');
      assert.equal(iam.status, 503, await iam.text());
      assert.equal(iam.headers.get('retry-after'), '1');
    } finally {
      outage = false;
    }
  });

  it('the database unreachable: a webhook\'s 503 Status carries Retry-After, which kube-apiserver\'s client retries on', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/k8s/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = (await r.json()) as { kind?: string; code?: number };
    assert.equal(r.status, 503);
    assert.equal(body.kind, 'Status');
    assert.equal(r.headers.get('retry-after'), '1');
  });

  it('a large body over the budget: its 503 carries Retry-After', async () => {
    const held = [await sendBody('/v1/users', 1.5 * MiB, 1 * MiB), await sendBody('/v1/users', 1.5 * MiB, 1 * MiB)];
    try {
      // The two held bodies have arrived (1 MiB each of the 2.5 MiB): one more declaring 1 MiB passes the budget.
      await new Promise((r) => setTimeout(r, 200));
      const third = await sendBody('/v1/users', 1 * MiB, 0);
      await until('the third answer', () => third.received().includes('\r\n\r\n'));
      third.socket.destroy();
      assert.match(third.received(), /^HTTP\/1\.1 503 /);
      assert.match(third.received(), /\r\nretry-after: 1\r\n/i);
    } finally {
      for (const h of held) h.socket.destroy();
    }
  });
});
