/**
 * A slow answer to the commands that may wait long (review cli, G7 and G18). `gatehouse apply` waited up to 10
 * minutes for the server (a large configuration takes a while) and said nothing meanwhile, so a hung server looked
 * like a hung CLI; `gatehouse audit verify`, while the server walks the whole hash chain, said nothing either and gave
 * up after a request's 30 s ("timed out", exit 10) however long a large log's walk legitimately takes. Now both wait
 * up to 10 minutes and say on stderr, every 5 s, that they are still waiting, for how long, and when they give up;
 * stdout keeps only the result. A real server (in this process, test/support/server-in-process.ts) behind a TCP relay
 * that, while held, accepts connections and passes nothing on (as the `gatehouse server` process stopped with SIGSTOP
 * this test used: the kernel accepts, nothing answers), then is let go; the CLI's program in this process
 * (test/support/gatehouse-cli.ts). Neither process was the point, and they cost about 1.5 s of CPU.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { serverInProcess, type InProcessServer } from './support/server-in-process.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

/**
 * A relay to `target` on 127.0.0.1: while `held`, what a client sends (on a new connection or one kept alive from
 * before) waits here; `release()` passes it on, and what follows.
 */
async function holdingRelay(target: URL): Promise<{ url: string; hold(): void; release(): void; close(): void }> {
  let held = false;
  const waiting: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
    client.on('data', (b: Buffer) => (held ? waiting.push(() => upstream.write(b)) : upstream.write(b)));
    upstream.on('data', (b: Buffer) => client.write(b));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const go of waiting.splice(0)) go();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('apply and audit verify say they are still waiting for a slow server', () => {
  let dir: string;
  let server: InProcessServer;
  let relay: Awaited<ReturnType<typeof holdingRelay>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-g7-'));
    server = await serverInProcess({ dataDir: join(dir, 'data'), env: { HOME: dir } });
    relay = await holdingRelay(new URL(server.url));
    await writeFile(join(dir, 'user.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: patient\n');
  });
  after(async () => {
    relay?.release();
    relay?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the command against the held server: "still waiting" on stderr, nothing on stdout; let go, it ends 0. */
  async function stillWaiting(args: readonly string[]): Promise<string> {
    relay.hold();
    let out = '';
    let err = '';
    let ended = false;
    const exited = gatehouseInProcess([...args, '--data-dir', join(dir, 'data'), '--endpoint', relay.url], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir }, { onStdout: (text) => void (out += text), onStderr: (text) => void (err += text) }).then((r) => {
      ended = true;
      return r.code;
    });
    try {
      // (to a bound of time, settle.ts, not 600 tries)
      await settled(async () => err.includes('still waiting') || ended, (done) => done, SETTLE_MS, 50);
      assert.match(err, /^gatehouse: still waiting for the server at http:\/\/127\.0\.0\.1:\d+ \([56] s; given up after 600 s without a byte of answer; Ctrl-C to stop\)$/m);
      assert.equal(out, '', 'stdout keeps only the result');
      relay.release();
      assert.equal(await exited, 0, err);
      return out;
    } finally {
      relay.release();
    }
  }

  it('apply: "still waiting" after 5 s; continued, the apply completes', async () => {
    assert.match(await stillWaiting(['apply', '-f', join(dir, 'user.yaml')]), /\+ create User\/patient/);
  });

  it('audit verify: "still waiting … given up after 600 s"; continued, verify answers', async () => {
    assert.match(await stillWaiting(['audit', 'verify']), /^audit log intact/);
  });
});
