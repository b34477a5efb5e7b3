/**
 * Review ab5: a submission that passed the metadata endpoints' bound together with others was answered 500 for a job
 * that was stored. POST /v1/jobs refuses a job asking for a metadata endpoint when the server has as many open as it
 * opens (`metadataFull`, review U2), then stores the job, then opens the endpoint (src/adapters/agent/server.ts
 * `openMetadata`), which throws past the bound + 16: submissions sent together all pass the check before any opens,
 * and those past it were answered 500 InternalError while their job was stored, Queued, with a capability nobody was
 * given (clients send a 500 again: another job). Now a job stored is answered 201 with its capability and an
 * environment without the endpoint (AWS_EC2_METADATA_DISABLED; the credentials URI and the container endpoint serve
 * it), and a note saying why. Real server on PostgreSQL (bound 1), 30 SigV4-signed submissions at once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

// On PostgreSQL: a job's write takes round trips, so submissions sent together are all stored before any opens its
// endpoint (on SQLite each runs through in one go, and the race does not show).
const skip = await pgSkip();
const schema = `gh_review_ab5_${process.pid}`;
let dataDir = '';
let server: RunningServer & { admin: { accessKeyId: string; secretAccessKey: string } };
before(async () => {
  if (skip) return;
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  dataDir = await mkdtemp(join(tmpdir(), 'gh-review-ab5-'));
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: PG_URL, databaseSchema: schema, maxMetadataEndpoints: 1 });
  const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  server = Object.assign(running, { admin: { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey } });
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w1', { members: [{ user: 'admin' }] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
  if (skip) return;
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

test('every job stored is answered with its capability; none is answered as failed', { skip, timeout: 60_000 }, async () => {
  // An answer that is not JSON (a 500 InternalError's XML) counts as its status.
  const submit = () => gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w1', role: 'none' }).catch((e: unknown) => ({ status: -1, json: { error: String(e) } as Record<string, unknown> }));
  const answers = await Promise.all(Array.from({ length: 30 }, submit));
  const statuses = answers.map((a) => a.status);
  // Before the fix: some 500s (those past the bound + 16), each for a job that was stored.
  assert.ok(
    statuses.every((s) => s === 201 || s === 409),
    `answers: ${JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => [a.status, a.json]))}`,
  );
  const accepted = answers.filter((a) => a.status === 201);
  const jobs = (await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json['jobs'] as { id: string }[];
  assert.equal(jobs.length, accepted.length, 'a job exists for each 201, and for nothing else');
  const noted = accepted.filter((a) => a.json['note'] !== undefined);
  assert.ok(noted.length > 0, `the race past the bound + 16 did not happen (${accepted.length} accepted): the test proves nothing`);
  for (const a of noted) {
    assert.match(String(a.json['note']), /without a metadata endpoint/);
    assert.equal((a.json['environment'] as Record<string, string>)['AWS_EC2_METADATA_DISABLED'], 'true');
    assert.equal(typeof a.json['capability'], 'string');
  }
});
