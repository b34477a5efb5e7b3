/**
 * Review aa9: a READ whose COMMIT answer is lost is answered 500 OutcomeUnknown ("it may or may not have been carried
 * out; look before doing it again"), exit 11, since aa1's fix (35a35f9). The PostgreSQL store sets `committing` for
 * read-only transactions too, so a list that read everything it needed, and changed nothing, is reported as a change
 * of unknown outcome and is not tried again; before aa1 it was a 503 the CLI retried. Repro: a real server on
 * PostgreSQL through a TCP proxy on 127.0.0.1 that swallows the COMMIT answer of the next read-only transaction
 * reading `users`; `gatehouse iam users list` exits 11.
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

describe('review aa9: a read whose COMMIT answer was lost is a read that can be tried again', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_aa9_${process.pid}`;
  let proxy: Server;
  let dataDir: string;
  let running: RunningServer | undefined;
  let admin: { accessKeyId: string; secretAccessKey: string };
  /** Armed: the COMMIT of the next read-only transaction that reads `users` reaches PostgreSQL, its answer does not. */
  let armed = false;
  let cut = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      let readOnly = false;
      let sawUsers = false;
      let swallow = false;
      client.on('data', (b: Buffer) => {
        const text = b.toString('latin1');
        if (text.includes('BEGIN')) {
          readOnly = text.includes('READ ONLY');
          sawUsers = false;
        }
        if (armed && readOnly && /FROM users\b/.test(text)) sawUsers = true;
        if (sawUsers && /Q\0\0\0\x0bCOMMIT\0/.test(text)) {
          armed = false;
          sawUsers = false;
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
    dataDir = await mkdtemp(join(tmpdir(), 'gh-aa9-'));
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

  it('gatehouse iam users list answers, or says it could not, but not that its outcome is unknown', async () => {
    const made = await cli(['iam', 'users', 'create', 'bob']);
    assert.equal(made.code, 0, made.stderr);
    armed = true;
    const r = await cli(['iam', 'users', 'list']);
    assert.equal(cut, 1, `the proxy cut the COMMIT answer of the read (exit ${r.code}: ${r.stderr})`);
    // Before: exit 11, OutcomeUnknown "may or may not have been carried out" for a listing. A read is tried again (503).
    assert.notEqual(r.code, 11, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /bob/);
  });
});
