/**
 * The S3 gateway (`--s3-listen`) holds at most `--max-connections` connections, as `--listen` does (review limits,
 * L5). Before, it accepted every connection: unauthenticated clients each sending half a request line took every
 * file descriptor of the process, and then `--listen` (and SQLite, the audit spool) failed too.
 *
 * Against a real `gatehouse server` (startServer, SQLite in a temporary directory) with `maxConnections: 4`, raw
 * TCP clients and the AWS SDK v3 S3 client:
 *
 * - four connections holding unfinished requests are kept; a fifth is closed unanswered, and the server logs why;
 * - `--listen` keeps answering meanwhile;
 * - once one of them closes, the SDK is served again;
 * - the gateway's default is bounded (`S3_MAX_CONNECTIONS`, 1024), with a 20 s headers timeout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { createS3Edge } from '../src/adapters/s3/server.ts';

let dir: string;
let running: RunningServer;
const logs: string[] = [];
let s3Port: number;
let admin: { accessKeyId: string; secretAccessKey: string };
const sockets: Socket[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-l5-'));
  running = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: '127.0.0.1:0', maxConnections: 4, env: {}, log: (l) => void logs.push(l), audit: { maxUnwrittenMs: 30_000 } });
  s3Port = Number(new URL(running.s3Url).port);
  const file = JSON.parse(await readFile(join(dir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
});

after(async () => {
  for (const s of sockets) s.destroy();
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A raw client that sends half a request line and waits: what it received, and a promise of its close. */
function halfRequest(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    let onClose: () => void = () => {};
    const closed = new Promise<void>((r) => (onClose = r));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (received += d));
    socket.on('error', () => {});
    socket.on('close', () => onClose());
    socket.once('connect', () => {
      socket.write('GET /bucket-');
      resolve({ socket, received: () => received, closed });
    });
    socket.once('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

describe('S3 gateway connection cap (review limits, L5)', () => {
  it('closes a connection past --max-connections unanswered, keeps the others, and serves again once one closes', async () => {
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await halfRequest(s3Port));
    // Node counts a connection once the server has accepted it: let the four be accepted first.
    await new Promise((r) => setTimeout(r, 100));
    const extra = await halfRequest(s3Port);
    assert.notEqual(await within(extra.closed, 3000), 'timeout', 'the fifth connection is closed');
    assert.equal(extra.received(), '', 'closed without an answer');
    for (const h of held) assert.equal(h.socket.destroyed, false, 'the four held connections stay open');
    assert.ok(logs.some((l) => l === 's3: connection refused: 4 connections are open, the most this gateway accepts'), logs.join('\n'));

    // The API's edge has its own count.
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200);

    // One closes: the SDK is served.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 100));
    const s3 = new S3Client({ endpoint: running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
    try {
      const out = await s3.send(new ListBucketsCommand({}));
      assert.deepEqual(out.Buckets ?? [], []);
    } finally {
      s3.destroy();
    }
  });

  it('is bounded by default, and keeps the headers timeout', () => {
    const edge = createS3Edge({ app: running.app, s3: {} as never });
    assert.equal(edge.server.maxConnections, 1024);
    assert.equal(edge.server.headersTimeout, 20_000);
    const withCap = createS3Edge({ app: running.app, s3: {} as never, maxConnections: 7 });
    assert.equal(withCap.server.maxConnections, 7);
  });
});
