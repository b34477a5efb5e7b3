/**
 * Review cn, 2: the steps of a start that come after `--listen` is bound. A database lost there (the bootstrap's write,
 * the S3 gateway's bucket owners) was not waited for, as it is while the directory loads: the start failed at once. And
 * whatever failed there — that, or a data dir the S3 gateway cannot use — was thrown past the start's own cleanup: the
 * API, the agent and the gateway listeners stayed open, so `gatehouse server` printed its error and never exited, its
 * /healthz answering 200 (a liveness probe never restarted it) and /readyz 503 for good. Now a database that cannot be
 * reached there is waited for (the edge answers /readyz 503 meanwhile), and any other failure closes what the start
 * opened before the start fails.
 *
 * `gatehouse server` in process, on the test PostgreSQL (schemas of their own), the first through a TCP proxy that cuts
 * the connection carrying the bootstrap's INSERT INTO accounts, once.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schemas: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  for (const s of schemas) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)).catch(() => undefined);
});

const dataDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-cn2-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};
const schema = (): string => {
  const s = `gh_cn2_${randomBytes(6).toString('hex')}`;
  schemas.push(s);
  return s;
};

/** Whether something accepts connections on 127.0.0.1:`port`. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('a start that fails after --listen is bound (review cn, 2)', { skip, timeout: 90_000 }, () => {
  it('waits for a database lost during the bootstrap, and starts once it answers', async () => {
    const target = new URL(PG_URL);
    let cuts = 0;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      const end = (): void => void (client.destroy(), upstream.destroy());
      client.on('data', (b: Buffer) => {
        // The bootstrap's first write of the account: the connection is lost there, once.
        if (cuts === 0 && b.toString('latin1').includes('INSERT INTO accounts')) {
          cuts++;
          return end();
        }
        upstream.write(b);
      });
      upstream.pipe(client);
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      proxy.close();
    });
    const url = new URL(PG_URL);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as { port: number }).port);
    const dir = await dataDir();
    const logs: string[] = [];
    const running = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') }, databaseUrl: url.toString(), databaseSchema: schema(), log: (l) => void logs.push(l) });
    cleanup.push(() => running.stop());
    assert.equal(cuts, 1, 'the bootstrap lost its connection');
    assert.ok(logs.some((l) => /cannot be reached \(attempt 1\)/.test(l)), logs.join('\n'));
    assert.ok(!logs.some((l) => /without a listener/.test(l)), 'the edge already listens: no second listener is tried');
    const file = JSON.parse(await readFile(join(dir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    assert.ok((await running.app.authenticate(file.AccessKeyId)).ok, 'the root admin of the file exists');
    assert.equal((await fetch(`${running.url}/readyz`)).status, 200);
  });

  it('closes its listeners when it fails there for another reason, so that the process ends', async () => {
    const dir = await dataDir();
    // The S3 gateway's objects directory cannot be made: a file is in its place.
    await writeFile(join(dir, 'objects'), 'not a directory');
    const [api, agent, s3] = [await freePort(), await freePort(), await freePort()];
    await assert.rejects(
      startServer({ dataDir: dir, listen: `127.0.0.1:${api}`, agentListen: `127.0.0.1:${agent}`, s3Listen: `127.0.0.1:${s3}`, env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') }, databaseUrl: PG_URL, databaseSchema: schema(), log: () => undefined }),
      /objects/,
    );
    for (const [what, port] of [['--listen', api], ['--agent-listen', agent]] as const) assert.equal(await listening(port), false, `${what} is closed`);
  });
});
