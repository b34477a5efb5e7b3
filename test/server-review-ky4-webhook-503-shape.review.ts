/**
 * Review ky, 4: two 503s the `--listen` edge gives outside a route answered a Kubernetes webhook (`/k8s/…`) with the
 * IAM Query API's XML `<ErrorResponse>`, where kube-apiserver reads a `Status` (every other webhook error, the body
 * budget's refusal of a body already being read included, is one): a large AdmissionReview (over 64 KiB: a Deployment
 * with a long pod template) refused up front because large bodies being read take the edge's budget, and any webhook
 * call while the server waits for its database or loads at start. kube-apiserver logged the XML as the error's text.
 * Both are now a `Status` (503 `ServiceUnavailable`) saying why, in JSON.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real edge on 127.0.0.1 with a 2.5 MiB body budget (as review fd, 10's test), and a real server started against a
 * PostgreSQL port where nothing listens (its waiting listener), spoken to over raw HTTP as kube-apiserver would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { settled } from './support/settle.ts';

const MiB = 1 << 20;
let port: number;
let webhookReached = 0;

let world: EdgeWorld | undefined;
before(async () => {
  world = await edgeWorld('ky4', {
    limits: { maxBodyBytesInFlight: 2.5 * MiB },
    kubeWebhooks: async (req, res) => {
      webhookReached++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
  });
  port = world.port;
});

after(() => world?.close());

/** A raw POST of `path` declaring `declare` bytes and sending `sent` of them. */
async function post(at: number, path: string, declare: number, sent: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(at, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer t\r\nContent-Length: ${declare}\r\n\r\n`);
  if (sent > 0) await new Promise<void>((r) => socket.write(Buffer.alloc(sent, 0x20), () => r()));
  return { socket, received: () => received };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function answerOf(c: { received: () => string }, ms = 3000): Promise<string> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !/\r\n\r\n[\s\S]*[>}]\s*$/.test(c.received())) await sleep(10);
  return c.received();
}

/** The answer's status and its body read as a Kubernetes Status (or the body's start when it is not JSON). */
function statusOf(answer: string): { http: string; kind: unknown; code: unknown; reason: unknown; message: unknown } {
  const http = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? answer.slice(0, 40);
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  try {
    const s = JSON.parse(body) as Record<string, unknown>;
    return { http, kind: s['kind'], code: s['code'], reason: s['reason'], message: s['message'] };
  } catch {
    return { http, kind: body.slice(0, 40), code: undefined, reason: undefined, message: undefined };
  }
}

describe('review ky4: the edge\'s 503s to a Kubernetes webhook are a Status', () => {
  it('an AdmissionReview refused up front for the body budget', async () => {
    // 2 MiB of a large body read (unfinished) hold the budget; a 1 MiB AdmissionReview would pass it.
    const holder = await post(port, '/v1/apply', 2 * MiB, 2 * MiB - 10);
    // Until the server has counted them (a fixed 100 ms was too short under load): a probe declaring 1 MiB and sending
    // nothing is refused up front only then (over 1.5 MiB in flight); one not refused holds nothing and is dropped.
    // To a bound of time (settle.ts).
    await settled(
      async () => {
        const probe = await post(port, '/v1/apply', MiB, 0);
        const refused = statusOf(await answerOf(probe, 250)).http === '503';
        probe.socket.destroy();
        return refused;
      },
      (refused) => refused,
    );
    const admit = await post(port, '/k8s/c1/admit', MiB, 0);
    const s = statusOf(await answerOf(admit));
    assert.equal(s.http, '503');
    assert.equal(s.kind, 'Status', 'a Status, not the Query API\'s XML');
    assert.equal(s.code, 503);
    assert.equal(s.reason, 'ServiceUnavailable');
    assert.match(String(s.message), /large request bodies/);
    assert.equal(webhookReached, 0);
    holder.socket.destroy();
    admit.socket.destroy();
  });

  it('a webhook call while the server waits for its database at start', { timeout: 20_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-ky4-wait-'));
    const dead = await freePort();
    const at = await freePort();
    const abort = new AbortController();
    const starting = startServer({
      dataDir,
      listen: `127.0.0.1:${at}`,
      agentListen: '127.0.0.1:0',
      env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_DATABASE_WAIT_SECONDS: '10' },
      databaseUrl: `postgres://postgres@127.0.0.1:${dead}/test`,
      log: () => undefined,
      signal: abort.signal,
    }).then(
      (x) => x.stop(),
      () => undefined,
    );
    try {
      // Asked until the waiting listener is up, to a bound of time (settle.ts), not 50 tries.
      const up = await settled(
        () =>
          new Promise<boolean>((resolve) => {
            const r = request(`http://127.0.0.1:${at}/healthz`, { agent: false }, (res) => {
              res.resume();
              resolve(res.statusCode === 200);
            });
            r.on('error', () => resolve(false));
            r.end();
          }),
        (ok) => ok,
      );
      assert.ok(up, 'the waiting listener answers /healthz');
      const c = await post(at, '/k8s/c1/authorize', 2, 2);
      const s = statusOf(await answerOf(c));
      c.socket.destroy();
      assert.equal(s.http, '503');
      assert.equal(s.kind, 'Status', 'a Status, not the Query API\'s XML');
      assert.equal(s.code, 503);
      assert.match(String(s.message), /starting/);
    } finally {
      abort.abort();
      await starting;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
