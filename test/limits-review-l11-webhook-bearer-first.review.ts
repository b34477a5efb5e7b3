/**
 * The Kubernetes webhooks check the bearer token before they read the body (review limits, L11). The token does not
 * cover the body, yet the body (up to 4 MiB for `/admit`) was read first, so any client could make the server read
 * and hold one. Against a real `gatehouse server` (test/support/server.ts), with raw TCP clients that send only their
 * headers, declaring a body they never send: a caller with no token or a wrong one is answered 401 at once (a
 * Kubernetes Status, `Connection: close`) instead of the server waiting for the body.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

/** Sends the headers of a POST declaring `length` bytes of body, and none of it: what came back within `ms`. */
function headersOnly(path: string, headers: Record<string, string>, length: number, ms: number): Promise<string> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let received = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, ms);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
      if (received.includes('\r\n\r\n') && received.includes('"kind":"Status"')) done();
    });
    socket.on('error', reject);
    socket.on('close', done);
    const lines = [`POST ${path} HTTP/1.1`, `host: ${u.host}`, 'content-type: application/json', `content-length: ${length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

describe('webhooks check the bearer token before the body (review limits, L11)', () => {
  for (const [what, headers] of [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
  ] as const) {
    it(`answers ${what} 401 without waiting for the body`, async () => {
      const started = performance.now();
      const answer = await headersOnly('/k8s/c1/admit', headers, 1_000_000, 3000);
      const ms = performance.now() - started;
      assert.match(answer, /^HTTP\/1\.1 401 /, `after ${Math.round(ms)} ms: ${JSON.stringify(answer.slice(0, 200))}`);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.ok(answer.includes('"reason":"Unauthorized"'), answer);
      assert.ok(answer.includes('the webhook token for cluster c1 is missing or wrong'), answer);
      assert.ok(ms < 2000, `answered after ${Math.round(ms)} ms`);
    });
  }
});
