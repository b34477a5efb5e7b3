/**
 * Review du1: `gatehouse jobs events ID` printed the events there were and ended; following a running job meant
 * running it again and again (listed as not served in earlier notes). `--follow` prints them, then new ones as they
 * happen, until the job's `ended` event, and exits 0, as `kubectl logs -f` ends with its pod; `--json` gives one event a
 * line; `--tail N --follow` starts from the newest N. Before: `--follow` was an unknown option (exit 2).
 * - a job followed while it runs: an event appended meanwhile is printed, the follow still runs, the job's stop ends it
 *   (exit 0), every event printed once, in order, under one header;
 * - a job already ended: `--follow --json` prints its events as JSON lines and ends at once; `--tail 1 --follow` prints
 *   the `ended` event only;
 * - a job that does not exist ends it with the server's error; `--interval` without `--follow`, and `--follow` with
 *   `--limit`, are usage errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { appendJobEvent } from '../src/app/jobs.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

let world: JobsWorld;
let env: Record<string, string>;

before(async () => {
  world = await startJobsWorld('gh-review-du1-follow-');
  env = { AWS_ACCESS_KEY_ID: world.adminKeys.accessKeyId, AWS_SECRET_ACCESS_KEY: world.adminKeys.secretAccessKey, GATEHOUSE_ENDPOINT: world.server.url };
});
after(async () => world.close());

async function submit(): Promise<string> {
  const alice: Connection = { ...world.admin, credentials: world.alice };
  const submitted = await call<{ job: { id: string } }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  return submitted.value.job.id;
}

/** Appends an event to job `id` through the store the server reads (as a credential issuance would). */
async function appendEvent(id: string, message: string): Promise<void> {
  const store = await openSqliteStore({ dataDir: join(world.home, 'data') });
  try {
    await store.write((tx) => appendJobEvent(tx, id, { at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), type: 'credentials-issued', message }));
  } finally {
    await store.close();
  }
}

const stop = async (id: string): Promise<void> => {
  const r = await call(world.admin, 'POST', ['jobs', id, 'stop']);
  assert.ok(r.ok, JSON.stringify(r));
};

describe('jobs events --follow (review du1)', { timeout: 60_000 }, () => {
  it('prints new events as they happen and ends, exit 0, with the job', async () => {
    const id = await submit();
    let settled = false;
    const following = gatehouseInProcess(['jobs', 'events', id, '--follow', '--interval', '100'], env).finally(() => (settled = true));
    await sleep(600);
    assert.equal(settled, false, 'the follow ended before the job did');
    await appendEvent(id, 'issued while followed');
    await sleep(600);
    assert.equal(settled, false, 'an event that is not the end ended the follow');
    await stop(id);
    const r = await Promise.race([following, sleep(15_000, undefined, { ref: false }).then(() => undefined)]);
    assert.ok(r !== undefined, 'the follow did not end within 15 s of the job\'s end');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^SEQ\s+AT\s+TYPE\s+MESSAGE$/);
    assert.equal(lines.filter((l) => /^SEQ\s/.test(l)).length, 1, `one header:\n${r.stdout}`);
    const rows = lines.slice(1).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((c) => Number(c[0])), rows.map((_, i) => i + 1), `every event once, in order:\n${r.stdout}`);
    const types = rows.map((c) => c[2]);
    assert.equal(types[0], 'submitted');
    assert.ok(rows.some((c) => c[3] === 'issued while followed'), r.stdout);
    assert.equal(types.at(-1), 'ended', r.stdout);
    assert.match(rows.at(-1)?.[3] ?? '', /^Stopped/);
  });

  it('a job already ended: --json prints JSON lines and ends at once; --tail 1 the end only', async () => {
    const id = await submit();
    await stop(id);
    const t = Date.now();
    const json = await gatehouseInProcess(['jobs', 'events', id, '--follow', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(Date.now() - t < 5000, `took ${Date.now() - t} ms`);
    const events = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    assert.deepEqual([events[0]?.type, events.at(-1)?.type], ['submitted', 'ended']);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    const tail = await gatehouseInProcess(['jobs', 'events', id, '--follow', '--tail', '1'], env);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, tail.stdout);
    assert.match(lines[1] ?? '', /\sended\s+Stopped/);
  });

  it('a job that is not there ends it with the server\'s error; timing without --follow and --follow with --limit are usage errors', async () => {
    const none = await gatehouseInProcess(['jobs', 'events', 'zzzzzzzzzzzz', '--follow', '--retry-seconds', '0'], env);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /NoSuchEntity|not found|no job/i);
    const idle = await gatehouseInProcess(['jobs', 'events', 'zzzzzzzzzzzz', '--interval', '100'], env);
    assert.equal(idle.code, 2, idle.stderr);
    assert.match(idle.stderr, /--interval is for --follow only/);
    const limit = await gatehouseInProcess(['jobs', 'events', 'zzzzzzzzzzzz', '--follow', '--limit', '5'], env);
    assert.equal(limit.code, 2, limit.stderr);
    assert.match(limit.stderr, /--follow prints every event until the job ends: it does not go with --limit/);
  });
});
