/**
 * Review aa1: the CLI's retries (stop 24, H16) send a change twice when its outcome is unknown.
 *
 * The server answers 503 ServiceUnavailable ("which clients retry") for every `StoreUnavailableError`, and the
 * PostgreSQL store raises one when the connection is lost during COMMIT: the transaction may well have committed.
 * The CLI reads that 503 as "nothing was done" and sends the POST again. Repro: a real server on PostgreSQL through a
 * TCP proxy on 127.0.0.1 that lets the COMMIT of the access-key insert reach PostgreSQL, swallows its answer and cuts
 * the connection; `gatehouse iam access-keys create --user bob` (AWS_MAX_ATTEMPTS left at its default of 3) then
 * leaves bob with TWO access keys, one whose secret was never shown to anyone. The same for any change a retry does
 * not find already made (`jobs run` starts two jobs), and one that it does find answers "already exists" for what
 * this very command created.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseCli } from './support/processes.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const target = new URL(PG_URL);

describe('review aa1: a change whose COMMIT answer was lost is not sent again', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_aa1_${process.pid}`;
  let proxy: Server;
  let dataDir: string;
  let running: RunningServer | undefined;
  let admin: { accessKeyId: string; secretAccessKey: string };
  /** Armed: the COMMIT of the next transaction that inserts an access key reaches PostgreSQL, its answer does not. */
  let armed = false;
  let cut = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      let sawInsert = false;
      let swallow = false;
      client.on('data', (b: Buffer) => {
        const text = b.toString('latin1');
        if (armed && text.includes('INSERT INTO access_keys')) sawInsert = true;
        if (sawInsert && /Q\0\0\0\x0bCOMMIT\0/.test(text)) {
          armed = false;
          sawInsert = false;
          swallow = true;
        }
        server.write(b);
      });
      server.on('data', (b: Buffer) => {
        if (swallow) {
          // PostgreSQL answered the COMMIT (it committed): the store never hears it.
          if (b.toString('latin1').includes('COMMIT')) {
            cut++;
            client.destroy();
            server.destroy();
          }
          return;
        }
        client.write(b);
      });
      const end = () => {
        client.destroy();
        server.destroy();
      };
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const a = proxy.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    const url = new URL(PG_URL);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-aa1-'));
    running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: url.toString(), databaseSchema: schema });
    const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
  });
  after(async () => {
    await running?.stop();
    for (const s of sockets) s.destroy();
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => gatehouseCli(args, admin, { endpoint: running?.url ?? '', home: dataDir });

  it('gatehouse iam access-keys create leaves one key, or says its outcome is unknown', async () => {
    const made = await cli(['iam', 'users', 'create', 'bob']);
    assert.equal(made.code, 0, made.stderr);
    armed = true;
    const r = await cli(['iam', 'access-keys', 'create', '--user', 'bob']);
    assert.equal(cut, 1, 'the proxy cut the COMMIT of the access key');
    const listed = await cli(['iam', 'access-keys', 'list', '--user', 'bob', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const keys = (JSON.parse(listed.stdout) as { accessKeys: unknown[] }).accessKeys;
    // Before: exit 0, a second key printed, two keys stored (the first one's secret shown to no one).
    assert.equal(keys.length, 1, `bob has ${keys.length} access keys after one create (exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()})`);
    // After: exit 11 OutcomeUnknown, as for a connection lost after sending.
    assert.equal(r.code, 11, `the command cannot know whether its key was made: ${r.stderr}`);
  });
});
