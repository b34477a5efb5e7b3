/**
 * Review bu, 2: a worker of `--workers` that does not sweep jobs runs its own pass at the sweep's interval, dropping
 * what it holds of jobs ended elsewhere (`forgetEnded`, d7ed8f1). Its failure was logged as the sweep's, "job sweep
 * failed … said again once it works" and "job sweep: working again", on a worker that sweeps nothing: the operator
 * looking for why jobs were not being failed was sent the wrong way. It names what failed now.
 *
 * A real server with the options a worker that does not sweep is given (`worker.sweeps: false`), on SQLite; the pass
 * is made to fail by a job document that cannot be read (not JSON), no longer in the live index.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let dir = '';
let server: RunningServer;
let plain: Store;
const logs: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-bu2-'));
  server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: (l) => void logs.push(l), jobHeartbeatTimeoutMs: 1000, worker: { sweeps: false, othersServe: false } });
  plain = await openSqliteStore({ dataDir: dir });
});
after(async () => {
  await plain?.close().catch(() => {});
  await server?.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('a worker that does not sweep', () => {
  it('logs a failed pass over the jobs it holds as that, not as a failed job sweep', async () => {
    const creds = server.adminCredentials;
    assert.ok(creds);
    const admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
    assert.ok((await gatehouseJson(server.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
    const sub = await gatehouseJson(server.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const id = (sub.json as { job: { id: string } }).job.id;
    await plain.write(async (tx) => {
      await tx.kv.delete(`joblive/${id}`);
      await tx.kv.put(`job/${id}`, '{not json');
    });
    const deadline = Date.now() + 5000;
    while (!logs.some((l) => /retried every/.test(l))) {
      assert.ok(Date.now() < deadline, `no failure logged:\n${logs.join('\n')}`);
      await sleep(50);
    }
    const said = logs.filter((l) => /retried every/.test(l));
    assert.equal(said.length, 1, said.join('\n'));
    assert.doesNotMatch(said[0] as string, /job sweep failed/, 'this worker sweeps no job');
    assert.match(said[0] as string, /^jobs: cannot drop what this worker holds of jobs that ended/);
  });
});
