/**
 * `--max-connections N` / GATEHOUSE_MAX_CONNECTIONS: the cap on the connections `--listen` holds at once reaches the
 * edge (src/adapters/http/server.ts `HttpEdgeLimits.maxConnections`, default 1,024), and a malformed value is refused
 * at start by name (usage, exit 2), on the command line and in the environment.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { StartError, startServer } from '../src/main/server.ts';
import { GATEHOUSE_BIN, run } from './support/processes.ts';

/** A raw connection, and whether the server closed it within `ms` without a byte sent. */
function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}
const closedWithin = (s: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

describe('the connection cap setting', () => {
  for (const [how, opts] of [
    ['maxConnections (--max-connections)', { maxConnections: 2 }],
    ['GATEHOUSE_MAX_CONNECTIONS', { env: { GATEHOUSE_MAX_CONNECTIONS: '2' } }],
  ] as const) {
    it(`${how}: a third connection is closed at once, the two open ones are served`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gh-maxconn-'));
      const server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, ...opts });
      const sockets: Socket[] = [];
      try {
        const port = Number(new URL(server.url).port);
        sockets.push(await opened(port), await opened(port));
        const third = await opened(port);
        sockets.push(third);
        assert.equal(await closedWithin(third, 2_000), true, 'the connection over the cap is closed');
        // The two held ones still work.
        for (const s of sockets.slice(0, 2)) {
          const answer = await new Promise<string>((resolve) => {
            let got = '';
            s.on('data', (d: Buffer) => {
              got += d.toString();
              if (got.includes('\r\n\r\n')) resolve(got);
            });
            s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          });
          assert.match(answer, /^HTTP\/1\.1 200 /);
        }
      } finally {
        for (const s of sockets) s.destroy();
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  it('a malformed value is refused at start, naming the setting (usage)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-maxconn-usage-'));
    try {
      const refusal = (env: Record<string, string>, maxConnections?: number) =>
        startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, log: () => {}, ...(maxConnections !== undefined ? { maxConnections } : {}) }).then(
          async (s) => {
            await s.stop();
            return 'started';
          },
          (e: unknown) => (e instanceof StartError ? `${e.failure}: ${e.message}` : String(e)),
        );
      assert.match(await refusal({ GATEHOUSE_MAX_CONNECTIONS: 'many' }), /^usage: GATEHOUSE_MAX_CONNECTIONS `many`: give a whole number from 1 to 9999999$/);
      assert.match(await refusal({}, 0), /^usage: --max-connections `0`: give a whole number from 1 to 9999999$/);
      assert.match(await refusal({}, 2.5), /^usage: --max-connections `2.5`/);
      const cli = await run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', '--max-connections', 'lots'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dataDir }, { timeoutMs: 30_000 });
      assert.equal(cli.code, EXIT.usage, cli.stderr);
      assert.match(cli.stderr, /--max-connections `lots`: give a whole number from 1 to 9999999/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
