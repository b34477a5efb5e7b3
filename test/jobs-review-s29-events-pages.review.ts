/**
 * Stop 29: a job's events were read and answered whole. `GET /v1/jobs/{id}/events` listed every event the job had
 * (each credential issuance of each rank appends one: a 1,000-rank job refreshing hourly for a week holds 168,000) and
 * answered them in one body; `jobs events` printed them all with no way to see only the newest. Now the API answers a
 * page read as a range of the events' keys: `limit` (1–1,000, default 1,000) events after event `after`, with `next`
 * (the last one's number) while more follow, or the `tail` newest; `jobs events` follows the pages to the end, and takes
 * `--limit`, `--after` and `--tail`. Bad parameters are refused naming the one at fault.
 * - 2,500 events: the first page is events 1–1,000 with `next` 1000; following `next` reads each event once, in order,
 *   and the last page has no `next`; `tail=3` is the newest three, oldest first;
 * - refusals: limit 0 and 1,001, after -1 and `x`, tail with after, an unknown parameter, a parameter twice;
 * - the CLI: `jobs events ID --json` holds every event; `--tail 2` the newest two; `--limit 1500 --json` 1,500 and `next`;
 *   `--tail` with `--after` is a usage error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { appendJobEvent } from '../src/app/jobs.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';
import { cliAgainst } from './support/server.ts';

interface EventJson {
  seq: number;
  at: string;
  type: string;
  message: string;
}
interface Page {
  events: EventJson[];
  next?: string;
}

const EVENTS = 2500;
let world: JobsWorld;
let id = '';
/** The events the job had before the test added its own (its submission's). */
let before0 = 0;

before(async () => {
  world = await startJobsWorld('gh-review-s29-events-');
  const alice: Connection = { ...world.admin, credentials: world.alice };
  const submitted = await call<{ job: { id: string } }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  id = submitted.value.job.id;
  const first = await call<Page>(world.admin, 'GET', ['jobs', id, 'events']);
  assert.ok(first.ok);
  before0 = first.value.events.length;
  // The job's events as a long job's refreshes leave them, appended through the store the server reads.
  const store = await openSqliteStore({ dataDir: join(world.home, 'data') });
  try {
    await store.write(async (tx) => {
      for (let i = 0; i < EVENTS - before0; i++) await appendJobEvent(tx, id, { at: '2026-12-03T00:00:00Z', type: 'credentials-issued', message: `issued ${i}` });
    });
  } finally {
    await store.close();
  }
});
after(async () => world.close());

const get = (query: Record<string, string | undefined>) => call<Page>(world.admin, 'GET', ['jobs', id, 'events'], { query });

describe('stop 29: a job\'s events come a page at a time', () => {
  it('pages of 1,000 with next; following next reads each event once, in order; tail is the newest', async () => {
    const first = await get({});
    assert.ok(first.ok, JSON.stringify(first));
    // Before: all 2,500 in one answer, no next.
    assert.equal(first.value.events.length, 1000);
    assert.deepEqual([first.value.events[0]?.seq, first.value.events.at(-1)?.seq, first.value.next], [1, 1000, '1000']);
    const seqs: number[] = first.value.events.map((e) => e.seq);
    let next = first.value.next;
    let pages = 1;
    while (next !== undefined) {
      const page = await get({ after: next });
      assert.ok(page.ok, JSON.stringify(page));
      seqs.push(...page.value.events.map((e) => e.seq));
      next = page.value.next;
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seqs, Array.from({ length: EVENTS }, (_, i) => i + 1));

    const small = await get({ limit: '7', after: '2490' });
    assert.ok(small.ok);
    assert.deepEqual([small.value.events.map((e) => e.seq), small.value.next], [[2491, 2492, 2493, 2494, 2495, 2496, 2497], '2497']);
    const end = await get({ limit: '3', after: '2497' });
    assert.ok(end.ok);
    assert.deepEqual([end.value.events.map((e) => e.seq), end.value.next], [[2498, 2499, 2500], undefined]);
    const tail = await get({ tail: '3' });
    assert.ok(tail.ok);
    // Event `seq` of those the test appended says `issued ${seq - before0 - 1}`.
    assert.deepEqual(tail.value.events.map((e) => [e.seq, e.message]), [2498, 2499, 2500].map((seq) => [seq, `issued ${seq - before0 - 1}`]));
  });

  it('refuses a bad parameter, naming it', async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ limit: '0' }, 'limit', /`limit` must be a whole number from 1 to 1000/],
      [{ limit: '1001' }, 'limit', /`limit` must be a whole number from 1 to 1000, got `1001`/],
      [{ after: '-1' }, 'after', /`after` must be a whole number \(an event's number/],
      [{ after: 'x' }, 'after', /`after` must be a whole number/],
      [{ tail: '3', after: '5' }, 'tail', /`tail` asks for the newest events: it does not go with `after` or `limit`/],
      [{ page: '2' }, 'page', /unknown parameter `page`; `GET \/v1\/jobs\/\{id\}\/events` takes limit, after, tail/],
    ];
    for (const [query, field, message] of cases) {
      const r = await get(query);
      assert.equal(r.ok, false, JSON.stringify(query));
      if (r.ok) continue;
      assert.equal(r.code, 'ValidationError', JSON.stringify(r));
      assert.match(r.message, message);
      assert.ok(r.message.includes(field), r.message);
    }
    const twice = await fetchStatus(`/v1/jobs/${id}/events?limit=1&limit=2`);
    assert.equal(twice, 400);
  });

  it('jobs events follows the pages; --tail, --limit and --after', async () => {
    const all = await cliAgainst({ url: world.server.url, admin: world.adminKeys }, ['jobs', 'events', id, '--json']);
    assert.equal(all.status, 0, all.err);
    assert.deepEqual((JSON.parse(all.out) as Page).events.map((e) => e.seq), Array.from({ length: EVENTS }, (_, i) => i + 1));
    const tail = await cliAgainst({ url: world.server.url, admin: world.adminKeys }, ['jobs', 'events', id, '--tail', '2']);
    assert.equal(tail.status, 0, tail.err);
    const lines = tail.out.trim().split('\n');
    assert.equal(lines.length, 3, tail.out);
    assert.match(lines[0] ?? '', /^SEQ\s+AT\s+TYPE\s+MESSAGE/);
    assert.match(lines[2] ?? '', /^2500\s/);
    const part = await cliAgainst({ url: world.server.url, admin: world.adminKeys }, ['jobs', 'events', id, '--limit', '1500', '--json']);
    assert.equal(part.status, 0, part.err);
    const page = JSON.parse(part.out) as Page;
    assert.deepEqual([page.events.length, page.events.at(-1)?.seq, page.next], [1500, 1500, '1500']);
    const rest = await cliAgainst({ url: world.server.url, admin: world.adminKeys }, ['jobs', 'events', id, '--after', '1500', '--json']);
    assert.equal(rest.status, 0, rest.err);
    assert.deepEqual((JSON.parse(rest.out) as Page).events.map((e) => e.seq)[0], 1501);
    const both = await cliAgainst({ url: world.server.url, admin: world.adminKeys }, ['jobs', 'events', id, '--tail', '2', '--after', '5']);
    assert.equal(both.status, 2, both.out);
    assert.match(both.err, /--tail shows the newest events: it does not go with --limit or --after/);
  });
});

/** The status of a GET signed as the admin, for a query the CLI client would not send (a parameter twice). */
async function fetchStatus(path: string): Promise<number> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const url = new URL(path, world.server.url);
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  const signer = new SignatureV4({ service: 'gatehouse', region: 'us-east-1', credentials: world.adminKeys, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers: { host: url.host } });
  const r = await fetch(url, { headers: signed.headers });
  await r.text();
  return r.status;
}
