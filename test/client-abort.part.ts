/**
 * A client that hangs up mid-body is not a server error (review-g R2): no "internal error" line, no stack, on every
 * surface that reads a request body — the admin API (`/v1/apply`), the IAM/STS Query API (`POST /`), the Kubernetes
 * webhooks (`/k8s/<cluster>/admit`), the S3 gateway (a PUT), and the node agent's launcher routes — all without
 * credentials, as anyone can. Raw sockets: a request head declaring 100,000 bytes, 1,000 sent, then the socket
 * destroyed. The server keeps answering afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** Sends the head and part of the body, then hangs up; resolves once the socket is closed. */
function hangUpMidBody(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      const head = [`${method} ${path} HTTP/1.1`, `Host: ${u.host}`, 'Content-Length: 100000', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head);
      socket.write(Buffer.alloc(1000, 0x61), () => {
        // Give the server a moment to start reading the body, then go away.
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    socket.on('error', reject);
  });
}

describe('a client hanging up mid-body is not logged as an internal error', () => {
  let server: TestServer;
  let relay: Relay;
  let relayUrl: string;
  const relayLogs: string[] = [];

  before(async () => {
    server = await startTestServer();
    relay = createRelay({ upstream: server.running.agentUrl, log: (l) => void relayLogs.push(l) });
    const at = await relay.listen('127.0.0.1', 0);
    relayUrl = `http://127.0.0.1:${at.port}`;
  });
  after(async () => {
    await relay?.close();
    await server?.stop();
  });

  it('admin API, Query API, Kubernetes webhooks, S3 gateway, node agent', async () => {
    const json = { 'Content-Type': 'application/json' };
    await hangUpMidBody(server.url, 'POST', '/v1/apply', json);
    await hangUpMidBody(server.url, 'POST', '/', { 'Content-Type': 'application/x-www-form-urlencoded' });
    await hangUpMidBody(server.url, 'POST', '/k8s/gpu-a/admit', json);
    await hangUpMidBody(server.url, 'POST', '/k8s/gpu-a/authorize', json);
    await hangUpMidBody(server.running.s3Url, 'PUT', '/some-bucket/some-key');
    await hangUpMidBody(relayUrl, 'POST', '/v1/launcher/end', { ...json, Authorization: 'x'.repeat(32) });
    await sleep(300);

    const internal = [...server.logs, ...relayLogs].filter((l) => /internal error|aborted|ECONNRESET/i.test(l));
    assert.deepEqual(internal, [], internal.join('\n'));

    // Still serving: the next requests are answered as usual.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const r = await fetch(`${server.url}/v1/apply`, { method: 'POST', body: '{}', headers: json });
    assert.equal(r.status, 403, await r.text());
    assert.equal((await fetch(`${relayUrl}/v1/launcher/end`, { method: 'POST', body: '{}', headers: json })).status, 403);
  });
});
