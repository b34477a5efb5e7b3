/**
 * Review ar, 2: a job's event was numbered by reading every event the job already had (`existing.length + 1`), so the
 * 1,000th event of a job read 999 rows to be written, and a job's events cost quadratic work over its life. Now the
 * number is the last event's plus one, read as the greatest key of the job's events (one row from the key's index).
 * - appending the 1,000th event reads one event, and numbers it 1,000;
 * - PostgreSQL, two stores on one database (two instances): 2 × 60 events appended to one job at once, interleaved
 *   with another job's, are numbered 1 to 120 without a gap or a number twice, and none is lost.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { appendJobEvent } from '../src/app/jobs.ts';
import type { JobEvent } from '../src/core/jobs/jobs.ts';
import type { Store, WriteTx } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const key = (id: string, seq: number) => `jobevent/${id}/${String(seq).padStart(8, '0')}`;
const event = (message: string): Omit<JobEvent, 'seq'> => ({ at: '2026-01-01T00:00:00Z', type: 'credentials-issued', message });

/** The job's events, in order, as `jobs events` reads them. */
const eventsOf = async (store: Store, id: string): Promise<JobEvent[]> => (await store.read((tx) => tx.kv.list(`jobevent/${id}/`))).map((e) => JSON.parse(e.value) as JobEvent);

describe('review ar2: a job event is numbered from the last one, not by reading them all', () => {
  it('the 1,000th event reads one event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-review-ar2-'));
    dirs.push(dir);
    const store = await openSqliteStore({ dataDir: dir });
    try {
      await store.write(async (tx) => {
        for (let s = 1; s < 1000; s++) await tx.kv.put(key('j1', s), JSON.stringify({ seq: s, ...event(`e${s}`) }));
        // A neighbour whose keys sort right after j1's.
        await tx.kv.put(key('j10', 1), JSON.stringify({ seq: 1, ...event('other') }));
      });
      let read = 0;
      const seq = await store.write((tx) => {
        const counted: WriteTx = { ...tx, kv: { ...tx.kv, get: tx.kv.get.bind(tx.kv), put: tx.kv.put.bind(tx.kv), delete: tx.kv.delete.bind(tx.kv), list: async (p, page) => {
          const got = await tx.kv.list(p, page);
          read += got.length;
          return got;
        } } };
        return appendJobEvent(counted, 'j1', event('the thousandth'));
      });
      assert.equal(seq, 1000);
      // Before: 999 events read.
      assert.ok(read <= 1, `${read} events read to number one`);
      const events = await eventsOf(store, 'j1');
      assert.equal(events.length, 1000);
      assert.deepEqual(events.at(-1), { seq: 1000, ...event('the thousandth') });
      assert.equal(await store.write((tx) => appendJobEvent(tx, 'new', event('first'))), 1);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: two instances appending at once number gaplessly, each number once', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ar2_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const a = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const b = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    try {
      // Four writers an instance, as many as its pool's connections (160 writes queued at once waited past the pool's
      // 10 s connect timeout on a loaded machine), each appending its share in turn.
      const writer = async (store: typeof a, who: string, w: number): Promise<void> => {
        for (let i = w; i < 60; i += 4) {
          await store.write((tx) => appendJobEvent(tx, 'shared', event(`${who}${i}`)));
          if (i % 3 === 0) await store.write((tx) => appendJobEvent(tx, 'shared0', event(`${who}${i}`)));
        }
      };
      await Promise.all([a, b].flatMap((store, s) => [0, 1, 2, 3].map((w) => writer(store, s === 0 ? 'a' : 'b', w))));
      const events = await eventsOf(a, 'shared');
      assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 120 }, (_, i) => i + 1));
      assert.equal(new Set(events.map((e) => e.message)).size, 120, 'every event kept');
      assert.equal((await eventsOf(b, 'shared0')).length, 40);
    } finally {
      await a.close();
      await b.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
