/**
 * Review aa2: a change the HTTP edge records (workspaces, clusters, resource policies, access entries) goes unrecorded,
 * and is answered 503 "try again", when the store fails on the read of its `after` (review V, V2's
 * `recordEdgeChanges`): that read runs once the change has committed, outside its transaction, and its
 * StoreUnavailableError propagates past `audit.record`. The edge answers 503 ServiceUnavailable for a change that was
 * made, the CLI sends it again (H16), and the second try finds nothing to do: `gatehouse workspaces delete w1` exits 6
 * "workspace w1 does not exist" for the deletion it made itself, and the audit log holds no record of the deletion at
 * all (a refusal NoSuchEntity is not recorded either).
 *
 * Repro: a real server on PostgreSQL through a TCP proxy on 127.0.0.1 that, once the DELETE of w1 has committed, cuts
 * the connection of the next statement naming w1's key (the edge's read of `after`); the real CLI.
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

describe('review aa2: an edge change is recorded even when the read of its after fails', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_aa2_${process.pid}`;
  let proxy: Server;
  let dataDir: string;
  let running: RunningServer | undefined;
  let admin: { accessKeyId: string; secretAccessKey: string; account: string };
  /** The store key whose deletion arms the cut; the next statement naming it after that COMMIT is cut. */
  let watched: string | undefined;
  let phase: 'idle' | 'cut-next' | 'done' = 'idle';
  const sockets = new Set<Socket>();

  before(async () => {
    proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      let deleting = false;
      const end = () => {
        client.destroy();
        server.destroy();
      };
      client.on('data', (b: Buffer) => {
        const text = b.toString('latin1');
        if (watched !== undefined && phase === 'cut-next' && text.includes(watched)) {
          phase = 'done';
          end();
          return;
        }
        if (watched !== undefined && phase === 'idle' && text.includes('DELETE FROM kv') && text.includes(watched)) deleting = true;
        if (deleting && /Q\0\0\0\x0bCOMMIT\0/.test(text)) {
          deleting = false;
          phase = 'cut-next';
        }
        server.write(b);
      });
      server.on('data', (b: Buffer) => void client.write(b));
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const a = proxy.address();
    const url = new URL(PG_URL);
    url.hostname = '127.0.0.1';
    url.port = String(typeof a === 'object' && a !== null ? a.port : 0);
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-aa2-'));
    running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: url.toString(), databaseSchema: schema });
    const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey, account: file.AccountId };
  });
  after(async () => {
    await running?.stop();
    for (const s of sockets) s.destroy();
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => gatehouseCli(args, admin, { endpoint: running?.url ?? '', home: dataDir });

  it('gatehouse workspaces delete: the deletion is in the audit log, and the command does not report it undone', async () => {
    const put = await cli(['workspaces', 'put', 'w1']);
    assert.equal(put.code, 0, put.stderr);
    watched = `ws/${admin.account}/w1`;
    const r = await cli(['workspaces', 'delete', 'w1']);
    assert.equal(phase, 'done', 'the proxy cut the read after the deletion');
    const app = (running as RunningServer).app;
    const root = await app.authenticate(admin.accessKeyId);
    assert.ok(root.ok);
    await app.audit.flush();
    const page = await app.audit.query(root.value.caller, { action: 'training:DeleteWorkspace' }, 0, 1000);
    assert.ok(page.ok);
    const listed = await cli(['workspaces', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { workspaces: unknown[] }).workspaces, [], 'w1 was deleted');
    // Before: no record at all; the command exited 6 (NoSuchEntity, from its own retry) after a 503.
    assert.equal(page.value.records.filter((x) => x.decision === 'ok').length, 1, `records of the deletion: ${JSON.stringify(page.value.records)}; the command exited ${r.code}: ${r.stderr.trim()}`);
    assert.notEqual(r.code, 6, `the command said the workspace it deleted does not exist: ${r.stderr.trim()}`);
  });
});
