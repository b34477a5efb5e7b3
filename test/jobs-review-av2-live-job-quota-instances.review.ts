/**
 * Review av, 1 (on PostgreSQL, two instances): the quota of live jobs an account may keep (`--max-live-jobs`) is
 * checked in the transaction that stores the new job, which takes the store's one write lock first: two submissions at
 * `max - 1` live jobs, one through each instance at the same moment, admit exactly one; a burst of ten admits none past
 * the quota. Before, there was no quota, and every submission was admitted.
 *
 * Two servers in this process on one PostgreSQL schema (dropped afterwards), with the same master key; skipped when
 * PostgreSQL cannot be reached.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';

let skip: string | undefined;
const schema = `av1_quota_${process.pid}_${Date.now()}`;
const dirs: string[] = [];
const servers: RunningServer[] = [];
let admin = { accessKeyId: '', secretAccessKey: '' };

before(async () => {
  skip = await pgSkip();
  if (skip !== undefined) return;
  const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
  // A first, alone: it makes the schema and the root account; B then opens a store that is already current.
  for (let i = 0; i < 2; i++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-av1-'));
    dirs.push(dataDir);
    servers.push(await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env, log: () => {}, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: PG_URL, databaseSchema: schema, maxLiveJobs: 3 }));
  }
  const file = JSON.parse(await readFile(join(dirs[0] as string, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
});

after(async () => {
  for (const s of servers) await s.stop();
  if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('submissions at max - 1 live jobs through two instances at once admit one', async (t) => {
  if (skip !== undefined) return t.skip(skip);
  const [a, b] = servers as [RunningServer, RunningServer];
  const put = await gatehouseJson(a.url, admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'admin' }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const submit = (on: RunningServer) => gatehouseJson(on.url, admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none', imds: false });
  const live: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await submit(a);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    live.push(String((r.json['job'] as Record<string, unknown>)['id']));
  }
  // Five rounds of two at once, one through each instance: one is admitted, the other refused; the admitted one is
  // stopped for the next round.
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all([submit(a), submit(b)]);
    const admitted = answers.filter((r) => r.status === 201);
    assert.equal(admitted.length, 1, `round ${round}: ${answers.map((r) => `${r.status} ${JSON.stringify(r.json['error'] ?? 'admitted')}`).join(' | ')}`);
    for (const r of answers.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409, JSON.stringify(r.json['error']));
      assert.match(JSON.stringify(r.json), /has 3 live jobs, the most it may have/);
    }
    const id = String(((admitted[0] as { json: Record<string, unknown> }).json['job'] as Record<string, unknown>)['id']);
    const stopped = await gatehouseJson(b.url, admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
  }
  // A burst of ten, five through each: one place, one admitted.
  const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i % 2 === 0 ? a : b)));
  assert.equal(burst.filter((r) => r.status === 201).length, 1, burst.map((r) => r.status).join(','));
  assert.ok(burst.every((r) => r.status === 201 || r.status === 409), burst.map((r) => r.status).join(','));
});
