/**
 * Review da, finding 3: a rank that failed left the job's other ranks running. `jobs run --replicas N` sets up its
 * ranks as torchrun does and reports the job's status as torchrun does, but torchrun's agent, on a worker's failure,
 * tears the whole group down; the launcher waited for every rank. The ranks of a distributed job that lost one block in
 * their next collective (NCCL's timeout is 30 minutes by default; a gloo barrier waits for ever), holding their GPUs and
 * the job's credentials, the job Running. Now the first rank to fail stops the others (SIGTERM, SIGKILL 10 s later, as
 * a stop does), and the job's status is that rank's, the first failure in time: not the first non-zero status in rank
 * order, which would be rank 0's 143 from the SIGTERM.
 *
 * The real CLI in process against a real server: three ranks, rank 1 exits 7 at once, ranks 0 and 2 would run 60 s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

test('da3: the first rank to fail stops the others, and its status is the job\'s', async () => {
  const rank = "const r = process.env.RANK; if (r === '1') setTimeout(() => process.exit(7), 300); else setTimeout(() => process.exit(0), 60000);";
  const started = Date.now();
  const r = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '3', '--', process.execPath, '-e', rank]);
  const took = Date.now() - started;
  assert.equal(r.status, 7, r.err);
  assert.ok(took < 20_000, `the other ranks ran on after rank 1 failed: the job took ${took} ms`);
  assert.match(r.err, /rank 1 exited with status 7: stopping the other ranks/);
  const id = /job (\w+) \(/.exec(r.err)?.[1] ?? '';
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(job.json['state'], 'Failed', JSON.stringify(job.json));
  assert.equal(job.json['exitCode'], 7, JSON.stringify(job.json));
});
