/**
 * Review lz, 1: GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS set how long `--listen` keeps an idle keep-alive connection (review
 * lh, 1), but the S3 gateway (`--s3-listen`) kept its fixed 20 s whatever it said. The README and `server --help` name
 * the load balancers in front of "--listen and the S3 gateway" (GATEHOUSE_TRUSTED_PROXIES), and an AWS ALB keeps its
 * backend connections 60 s by default: it reuses one the gateway is closing and answers the request sent on it 502
 * (AWS, "Application Load Balancers", connection idle timeout: "we recommend that you configure the idle timeout of your
 * application to be larger than the idle timeout configured for the load balancer"). An operator who set the variable
 * above the balancer's timeout still got those 502s from the gateway, with nothing to set. Now the variable sets the
 * gateway's idle keep-alive too; unset, the gateway keeps S3's 20 s (review dq, 1) and `--listen` its 65 s.
 * Real `startServer` (test/support/server.ts) and raw keep-alive connections to the gateway.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS: '1' } });
});
after(async () => {
  await server?.stop();
});

/**
 * Sends one keep-alive request to `url` and resolves with the answer's head and how long after it the server closed the
 * connection (undefined when it was still open after `waitMs`).
 */
function idleClose(url: string, path: string, waitMs: number): Promise<{ head: string; closedAfter: number | undefined }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answeredAt = 0;
    let text = '';
    const head = (): string => text.slice(0, Math.max(0, text.indexOf('\r\n\r\n')));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ head: head(), closedAfter: undefined });
    }, waitMs);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (answeredAt === 0 && text.includes('\r\n\r\n')) answeredAt = Date.now();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ head: head(), closedAfter: answeredAt === 0 ? undefined : Date.now() - answeredAt });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('review lz1: GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS sets the S3 gateway\'s idle keep-alive too', () => {
  it('the gateway announces the timeout set, not S3\'s 20 s', async () => {
    assert.ok(server.running.s3Url !== '', 'the test server has an S3 gateway');
    const { head } = await idleClose(server.running.s3Url, '/', 100);
    assert.match(head, /^HTTP\/1\.1 \d{3} /);
    assert.match(head, /\r\nKeep-Alive: timeout=1\b/i, head);
  });

  it('an idle connection to the gateway is closed after the time set (and Node\'s 1 s buffer), as --listen\'s is', async () => {
    // 1 s set: closed after about 2 s (Node's `keepAliveTimeoutBuffer`); the gateway's fixed 20 s kept it past 4 s.
    const [s3, api] = await Promise.all([idleClose(server.running.s3Url, '/', 4_000), idleClose(server.url, '/healthz', 4_000)]);
    assert.ok(api.closedAfter !== undefined, '--listen kept the idle connection past 4 s');
    assert.ok(s3.closedAfter !== undefined, 'the S3 gateway kept the idle connection past 4 s: the setting was not applied to it');
    assert.ok(s3.closedAfter >= 900, `closed after ${s3.closedAfter} ms, before the 1 s set`);
  });
});
