/**
 * Review aa11: a directory change whose COMMIT answer is lost is made and never recorded. The directory records a
 * change (`audited`) only once its use case returns; a lost COMMIT throws (StoreOutcomeUnknownError since aa1, a
 * StoreUnavailableError before), so nothing is recorded, though the transaction may well have committed. Repro: a real
 * server on PostgreSQL through a TCP proxy on 127.0.0.1 that lets the COMMIT of an access-key insert reach PostgreSQL
 * and swallows its answer; `gatehouse iam access-keys create --user bob` exits 11 (OutcomeUnknown, aa1). bob then has
 * an access key, a credential that works, that the audit log says nothing of: no iam:CreateAccessKey record, nor any
 * record of the attempt.
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

describe('review aa11: a change whose COMMIT answer was lost is still in the audit log', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_aa11_${process.pid}`;
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
    dataDir = await mkdtemp(join(tmpdir(), 'gh-aa11-'));
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

  it('the access key made is recorded, marked as of unknown outcome', async () => {
    for (const u of ['bob', 'carol']) assert.equal((await cli(['iam', 'users', 'create', u])).code, 0);
    // carol's key, made normally, is recorded: the record this test looks for.
    assert.equal((await cli(['iam', 'access-keys', 'create', '--user', 'carol'])).code, 0);
    armed = true;
    const r = await cli(['iam', 'access-keys', 'create', '--user', 'bob']);
    assert.equal(cut, 1, 'the proxy cut the COMMIT of the access key');
    const listed = await cli(['iam', 'access-keys', 'list', '--user', 'bob', '--json']);
    const keys = (JSON.parse(listed.stdout) as { accessKeys: { accessKeyId: string }[] }).accessKeys;
    assert.equal(keys.length, 1, `the key was made (exit ${r.code}: ${r.stderr.trim()})`);
    const app = (running as RunningServer).app;
    const root = await app.authenticate(admin.accessKeyId);
    assert.ok(root.ok);
    await app.audit.flush();
    const page = await app.audit.query(root.value.caller, { action: 'iam:CreateAccessKey' }, 0, 1000);
    assert.ok(page.ok);
    assert.equal(page.value.records.filter((x) => JSON.stringify(x.detail).includes('carol')).length, 1, 'carol\'s key is recorded');
    // Before: none for bob's at all.
    assert.equal(page.value.records.filter((x) => JSON.stringify(x.detail).includes('bob')).length, 1, `records: ${JSON.stringify(page.value.records)}`);
  });
});
