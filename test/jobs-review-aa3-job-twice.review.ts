/**
 * Review aa3: `gatehouse jobs run` submits the job twice when the server fails after storing it. POST /v1/jobs stores
 * the job, then opens its metadata endpoint, which notes the endpoint in the job's stored document (a write of its
 * own, `noteMetadataEndpoint`); a store failure there is a StoreUnavailableError, answered 503 ServiceUnavailable
 * for a job that exists, and the CLI (H16) sends the submission again: a second job, run by the launcher, while the
 * first stays Queued with a capability nobody holds until its launcher's silence fails it.
 *
 * Repro: a real server on PostgreSQL through a TCP proxy on 127.0.0.1 that cuts the connection of the first statement
 * carrying `metadataEndpoint` (that write); the real CLI runs `true` as the job.
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

describe('review aa3: a job stored is not submitted again', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_aa3_${process.pid}`;
  let proxy: Server;
  let dataDir: string;
  let running: RunningServer | undefined;
  let admin: { accessKeyId: string; secretAccessKey: string };
  let armed = false;
  let cut = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      const end = () => {
        client.destroy();
        server.destroy();
      };
      client.on('data', (b: Buffer) => {
        if (armed && b.toString('latin1').includes('metadataEndpoint')) {
          armed = false;
          cut++;
          end();
          return;
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
    dataDir = await mkdtemp(join(tmpdir(), 'gh-aa3-'));
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

  it('gatehouse jobs run makes one job', async () => {
    const ws = await cli(['workspaces', 'put', 'w1', '--member', 'user:admin']);
    assert.equal(ws.code, 0, ws.stderr);
    armed = true;
    const r = await cli(['jobs', 'run', '--workspace', 'w1', '--role', 'none', '--', 'true']);
    assert.equal(cut, 1, `the proxy cut the write of the metadata endpoint (exit ${r.code}: ${r.stderr.trim()} ${r.stdout.trim()})`);
    const listed = await cli(['jobs', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const jobs = (JSON.parse(listed.stdout) as { jobs: { id: string; state: string }[] }).jobs;
    // Before: two jobs (the first Queued, its capability never handed out), the command exit 0.
    assert.equal(jobs.length, 1, `jobs after one run: ${JSON.stringify(jobs)}; exit ${r.code}: ${r.stderr.trim()}`);
  });
});
