/**
 * Review ky, 5: the `--listen` edge told every `Expect: 100-continue` client to send its body (Node answers
 * `100 Continue` itself when the server has no `checkContinue` listener) before looking at the request, so a body it
 * then refused unread was sent whole all the same: an apply over its 32 MiB (curl sends `Expect` for a body over
 * 1 MiB), a Query API body over 1 MiB, a body over the budget of large bodies read at once, a webhook call without its
 * bearer token. As the S3 gateway does (review cr, 2), and RFC 9110 §10.1.1 allows, `100 Continue` is now sent only
 * when the body is read: a request refused before is answered its final status at once (413, 503, 401…), and the
 * client sends nothing; one that is read is told to continue and answered as before.
 *
 * Before the fix 2 of 3 tests failed (`100 Continue` came first).
 *
 * A real edge on 127.0.0.1 (createHttpEdge over an App on SQLite) and raw HTTP/1.1 clients,
 * which send the headers only and wait, as curl does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';

const MiB = 1 << 20;
let port: number;

let world: EdgeWorld | undefined;
before(async () => {
  world = await edgeWorld('ky5', {});
  port = world.port;
});

after(() => world?.close());

interface Raw {
  readonly socket: Socket;
  received: () => string;
}

async function headersOnly(path: string, type: string, length: number, expect = true): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n${expect ? 'Expect: 100-continue\r\n' : ''}\r\n`);
  return { socket, received: () => received };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first status line the client got within `ms`, or `nothing`. */
async function firstStatus(c: Raw, ms = 1000): Promise<string> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !c.received().includes('\r\n')) await sleep(10);
  return /^HTTP\/1\.1 (\d{3})/.exec(c.received())?.[1] ?? 'nothing';
}

const FORM = 'application/x-www-form-urlencoded';

describe('review ky5: 100 Continue only for a body that is read', () => {
  it('an apply over its limit is refused 413 at once, not told to continue', async () => {
    const c = await headersOnly('/v1/apply', 'application/json', 40 * MiB);
    assert.equal(await firstStatus(c), '413');
    assert.match(c.received(), /request body exceeds 33554432 bytes/);
    c.socket.destroy();
  });

  it('a Query API body over 1 MiB is refused 413 at once', async () => {
    const c = await headersOnly('/', FORM, 2 * MiB);
    assert.equal(await firstStatus(c), '413');
    assert.match(c.received(), /<Code>RequestEntityTooLarge<\/Code>/);
    c.socket.destroy();
  });

  it('a body that is read is told to continue, and answered once sent', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const c = await headersOnly('/', FORM, body.length);
    assert.equal(await firstStatus(c), '100');
    c.socket.write(body);
    const deadline = performance.now() + 2000;
    while (performance.now() < deadline && !c.received().includes('</ErrorResponse>')) await sleep(10);
    // Unsigned: refused for that, once read.
    assert.match(c.received(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 403 [\s\S]*MissingAuthenticationToken/);
    c.socket.destroy();
  });
});
