/**
 * Review ot, 3: what Node answers on its own on the listeners other than `--listen` was a bare status with no body, where
 * the `--listen` edge says it in its routes' shapes (reviews ky, 3 and mj, 1):
 * - a credential port (`--agent-listen`, a node agent's, a job's metadata port) answered a request not in time a bare
 *   408, where the AWS SDKs' container provider copies the `Code` and `Message` of a 4xx (credential-protocols.md §2.1)
 *   and its 431 already gave them (review np, 2);
 * - the S3 gateway answered a head not in time (20 s) a bare 408, read by the SDKs as `UnknownError`; S3 says
 *   `RequestTimeout` (400, "Your socket connection to the server was not read from or written to within the timeout
 *   period.", S3 API reference, error responses), which the SDKs retry as transient;
 * - `--health-listen` answered a head past its 8 KiB and a head not in time a bare 431 and 408, where its every other
 *   answer is a line of text saying why.
 * Now each is said in the listener's shape, naming the limit. Raw HTTP/1.1 on 127.0.0.1: a credential port bound as
 * the server binds it (its timeouts shortened), the gateway as a real server makes it (its headers timeout shortened; Node
 * checks it every 5 s there) and a health listener (5 s for the headers, checked every second).
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { boundCredentialServer } from '../src/adapters/agent/imds.ts';
import { createS3Edge } from '../src/adapters/s3/server.ts';
import { listenForHealth, type HealthListener } from '../src/adapters/http/health-listener.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let health: HealthListener;
const credentialPorts: Server[] = [];

before(async () => {
  server = await startTestServer();
  health = await listenForHealth({ host: '127.0.0.1', port: 0 }, { ready: async () => true, metrics: () => undefined });
});

after(async () => {
  for (const s of credentialPorts) s.close();
  await health?.close();
  await server?.stop();
});

/** What a raw connection to `port` that writes `text` receives until the server closes it (20 s at most). */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (got += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    socket.once('connect', () => socket.write(text));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 20 s; received ${JSON.stringify(got)}`));
    }, 20_000).unref();
  });
}

async function credentialPort(shape: 'json' | 'text'): Promise<number> {
  const s = boundCredentialServer(createServer({ headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 }, (req, res) => void req.resume().on('end', () => res.end('{}'))), 16, shape);
  credentialPorts.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

describe('review ot3: the other listeners say why they refuse a request in time or size', () => {
  it('a credential port: a head not in time, and a body not in time, are 408 with its Code and Message', async () => {
    const port = await credentialPort('json');
    const [head, body] = await Promise.all([exchange(port, 'GET /v1/credentials/x HTTP/1.1\r\nHost: 127'), exchange(port, 'POST /v1/launcher/end HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{')]);
    for (const [answer, what] of [[head, /request line and headers did not arrive within 0\.3 s/], [body, /request did not arrive within 0\.6 s/]] as const) {
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /\r\ncontent-type: application\/json\r\n/i);
      const parsed = JSON.parse(bodyOf(answer)) as { Code?: string; Message?: string };
      assert.equal(parsed.Code, 'RequestTimeout');
      assert.match(parsed.Message ?? '', what);
    }
  });

  it('a job\'s metadata port: the 408 in text, as its other answers', async () => {
    const answer = await exchange(await credentialPort('text'), 'GET /latest/meta-data/ HTTP/1.1\r\nHost: 169');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(bodyOf(answer), /did not arrive within 0\.3 s/);
  });

  it('the S3 gateway: a head not in time is S3\'s RequestTimeout document', async () => {
    // The gateway as the server makes it, over its app (a request not in time reaches no handler).
    const gateway = createS3Edge({ app: server.running.app, s3: {} as never });
    gateway.server.headersTimeout = 500;
    const { port } = await gateway.listen('127.0.0.1', 0);
    let answer: string;
    try {
      answer = await exchange(port, 'GET /bucket HTTP/1.1\r\nHost: 127');
    } finally {
      await gateway.close(0);
    }
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /\r\ncontent-type: application\/xml\r\n/i);
    assert.match(bodyOf(answer), /<Error><Code>RequestTimeout<\/Code><Message>Your socket connection to the server was not read from or written to within the timeout period\.<\/Message>/);
  });

  it('--health-listen: a head past 8 KiB and a head not in time are said in text', async () => {
    const [large, late] = await Promise.all([
      exchange(health.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`),
      exchange(health.port, 'GET /healthz HTTP/1.1\r\nHost: x'),
    ]);
    assert.match(large, /^HTTP\/1\.1 431 /);
    assert.match(bodyOf(large), /more than 8192 bytes/);
    assert.match(late, /^HTTP\/1\.1 408 /);
    assert.match(bodyOf(late), /did not arrive within 5 s/);
  });
});
