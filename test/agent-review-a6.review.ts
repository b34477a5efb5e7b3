/**
 * Review agent, A6: the node agent never shows a password of its upstream URL. `createRelay` takes any http(s)
 * `upstream`, and one with basic-auth credentials (`http://user:password@proxy/…`, for a proxy in front of the
 * server) is used as given; but every log line and every 502/503 answer named the URL whole, so the password went
 * to the log and to every process of every job that read its credentials while the server was unreachable.
 * (`gatehouse agent --upstream` refuses credentials in the URL already; this is the relay's own guard.) Now
 * shown as `http://user:…@host…` (src/core/shown-url.ts, as the database URL is); the request still carries them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRelay } from '../src/adapters/agent/relay.ts';
import { shownUrl } from '../src/core/shown-url.ts';

test('A6: shownUrl hides the password, a query and a fragment, keeps the rest as given', () => {
  assert.equal(shownUrl('http://gate:s3cr3t@127.0.0.1:1/x'), 'http://gate:…@127.0.0.1:1/x');
  assert.equal(shownUrl('http://gate:s3cr3t@127.0.0.1:1'), 'http://gate:…@127.0.0.1:1');
  assert.equal(shownUrl('https://gate@proxy.example'), 'https://gate@proxy.example');
  assert.equal(shownUrl('postgres://u@db:5432/gh?password=s3cr3t#x'), 'postgres://u@db:5432/gh');
  assert.equal(shownUrl('http://127.0.0.1:8471'), 'http://127.0.0.1:8471');
  assert.equal(shownUrl('not a url s3cr3t'), '<not a URL>');
  assert.equal(shownUrl('not a url s3cr3t', 'GATEHOUSE_DATABASE_URL (not shown)'), 'GATEHOUSE_DATABASE_URL (not shown)');
});

test('A6: an unreachable upstream with a password: answers and logs name it without the password; a reachable one gets it', async () => {
  const logs: string[] = [];
  const relay = createRelay({ upstream: 'http://gate:s3cr3t@127.0.0.1:1/x', revalidateMs: 60_000, log: (l) => logs.push(l) });
  const at = await relay.listen('127.0.0.1', 0);
  try {
    for (const [path, init] of [
      ['/v1/container-credentials', { headers: { authorization: 'a'.repeat(20) } }],
      ['/v1/credentials/bbbbbbbbbbbbbbbbbbbb', {}],
      ['/v1/launcher/heartbeat', { method: 'POST', headers: { authorization: 'c'.repeat(20) } }],
    ] as const) {
      const r = await fetch(`http://127.0.0.1:${at.port}${path}`, init);
      assert.equal(r.status, 503);
      const body = await r.text();
      assert.doesNotMatch(body, /s3cr3t/, body);
      assert.match(body, /http:\/\/gate:…@127\.0\.0\.1:1\/x cannot be reached/);
    }
    assert.ok(logs.length > 0);
    for (const l of logs) assert.doesNotMatch(l, /s3cr3t/, l);
  } finally {
    await relay.close();
  }
  // The credentials still go to the upstream itself, on a request that carries no Authorization of its own (a
  // credentials read carries the job's capability there: review ek, 2).
  let seen: string | undefined;
  const stub = createServer((req, res) => {
    seen = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const relay2 = createRelay({ upstream: `http://gate:s3cr3t@127.0.0.1:${(stub.address() as { port: number }).port}`, revalidateMs: 60_000 });
  const at2 = await relay2.listen('127.0.0.1', 0);
  try {
    const r = await fetch(`http://127.0.0.1:${at2.port}/v1/launcher/heartbeat`, { method: 'POST' });
    assert.equal(r.status, 200);
    assert.doesNotMatch(await r.text(), /s3cr3t/);
    assert.equal(seen, `Basic ${Buffer.from('gate:s3cr3t').toString('base64')}`);
  } finally {
    await relay2.close();
    await new Promise<void>((r) => stub.close(() => r()));
  }
});
