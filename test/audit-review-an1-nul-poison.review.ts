/**
 * Review an, 1 (high): a NUL character in any column of an audit record wedged the audit log on PostgreSQL for good.
 * PostgreSQL text cannot hold U+0000: the batch holding the record was refused (`invalid byte sequence for encoding
 * "UTF8": 0x00`), stayed queued and was retried for ever, so nothing was written again, and under the closed policy
 * (the default) no session was issued and no directory change made until the process stopped — and the next start
 * appended the same record from the journal or spool, and failed again. A user with no permission at all did it with
 * one question to the authorize API about itself (a denial, always recorded) naming `"resource": "arn:aws:s3:::b/x\u0000"`;
 * a filter holding a NUL (`GET /v1/audit?principal=a%00b`) was answered 500. Now every column is stored as both
 * databases can hold it (`storedText`: NUL and a lone surrogate become U+FFFD) before it is hashed, filters go through
 * the same, and a journaled record read back at the next start is compared as stored (a lone surrogate's record,
 * committed before a hard stop, was appended a second time: Y2 made the columns well-formed, not the comparison).
 * - PostgreSQL server: the user's question is recorded, the admin's next change is made (201, not 503), the record
 *   reads back with U+FFFD, a filter with a NUL finds it (200, not 500), and the log verifies intact;
 * - both stores: every column with a NUL, stored, read back and verified without a break;
 * - a journal segment whose lone-surrogate record was committed before the stop: not appended again.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { createAudit } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { chainVerifier, EMPTY_HEAD, linkEvents, type AuditEvent, type AuditRecord } from '../src/core/audit/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';
import { startTestServer, userWithKey } from './support/server.ts';
import { flakySqlite, segmentReleased, sessionEvent, verifiedChain } from './support/flaky-store.ts';
import { rootAdminCaller } from './support/callers.ts';

const ROOT = '000000000000';
const NUL = '\u0000';
const rootAdmin = rootAdminCaller;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('review an1: a NUL in a recorded string, on a PostgreSQL server', () => {
  it('a user with no permissions cannot stop the audit log; the record reads back with U+FFFD and is found by a filter with a NUL', { timeout: 90_000 }, async (t) => {
    // Asked when the test runs (a top-level await registers suites late when run in a group of review files).
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_an1_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const server = await startTestServer({ postgres: { url: PG_URL, schema } });
    try {
      const admin = server.admin;
      const mallory = await userWithKey(server, 'mallory');

      const asked = await gatehouseJson(server.url, mallory, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `arn:aws:s3:::b/x${NUL}y` });
      assert.equal(asked.status, 200, JSON.stringify(asked.json));
      // Before: the batch holding the question's record was refused for ever; the closed gate refused this (503).
      // Tried (a user of its own each time) while the gate is closed (503), to a bound of time (settle.ts), not 40 tries.
      let i = 0;
      const made = await settled(() => gatehouseJson(server.url, admin, 'POST', '/v1/users', { name: `bob${i++}` }), (r) => r.status !== 503);
      assert.equal(made.status, 201, `the admin's change after the question: ${JSON.stringify(made.json)}`);
      const status = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/status');
      assert.equal(status.json['lastError'], undefined, JSON.stringify(status.json));

      const found = await gatehouseJson(server.url, admin, 'GET', `/v1/audit?principal=${encodeURIComponent(`arn:aws:iam::${ROOT}:user/mallory`)}&action=s3:GetObject`);
      assert.equal(found.status, 200, JSON.stringify(found.json));
      const records = found.json['records'] as AuditRecord[];
      assert.equal(records.length, 1, JSON.stringify(found.json));
      assert.equal(records[0]?.resource, 'arn:aws:s3:::b/x\ufffdy');
      assert.equal(records[0]?.decision, 'ImplicitDeny');
      // A filter holding a NUL: before, PostgreSQL refused the query and the API answered 500.
      const nul = await gatehouseJson(server.url, admin, 'GET', `/v1/audit?principal=${encodeURIComponent(`arn:aws:iam::${ROOT}:user/mallory${NUL}`)}`).catch((e: unknown) => ({ status: -1, json: { error: String(e) } as Record<string, unknown> }));
      assert.equal(nul.status, 200, `a filter with a NUL: ${JSON.stringify(nul.json)}`);
      assert.deepEqual(nul.json['records'], []);

      const v = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/verify');
      assert.equal(v.status, 200, JSON.stringify(v.json));
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    } finally {
      await server.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});

/** Every column of an event holding a NUL. */
const wild = (i: number): AuditEvent => ({
  kind: 'decision',
  account: `${ROOT}${NUL}`,
  principal: `arn:aws:iam::${ROOT}:user/p${i}${NUL}`,
  action: `s3:Get${NUL}Object`,
  resource: `arn:aws:s3:::b/${NUL}${i}`,
  decision: `ImplicitDeny${NUL}`,
  role: `arn:aws:iam::${ROOT}:role/r${NUL}`,
  session: `arn:aws:sts::${ROOT}:assumed-role/r/s${NUL}`,
  job: `job${NUL}`,
  sourceIdentity: `alice${NUL}\ud800`,
  sourceIp: `10.0.0.1${NUL}`,
  detail: { key: `v${NUL}`, [`k${NUL}`]: 1 },
});

const stores: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<{ store: Store; close: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-review-an1-'));
      const store = await openSqliteStore({ dataDir: dir });
      return { store, close: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    async open() {
      const schema = `gh_review_an1_${randomBytes(5).toString('hex')}`;
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
      return { store, close: async () => (await store.close(), void (await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))) };
    },
  },
];

for (const target of stores) {
  describe(`review an1: every column with a NUL, ${target.name}`, () => {
    it('is stored, read back with U+FFFD, found by its filters and verified without a break', async (t) => {
      const why = await target.skip();
      if (why !== undefined) return void t.skip(why);
      const { store, close } = await target.open();
      try {
        const first = linkEvents([0, 1].map((i) => ({ at: Date.UTC(2026, 0, 1) + i, event: wild(i) })), EMPTY_HEAD, sha256);
        await store.write((tx) => tx.audit.append(first));
        const head = await store.read((tx) => tx.audit.head());
        // The writer thread's path: unparsed records, the detail as given text.
        const second = linkEvents([{ at: Date.UTC(2026, 0, 2), event: wild(2), detailText: '{"t":"x\\u0000"}' }], head, sha256, { parsed: false });
        await store.write((tx) => tx.audit.append(second));
        const back = await store.read((tx) => tx.audit.list({}, 0, 10));
        assert.equal(back.length, 3);
        const r0 = back[0] as AuditRecord;
        assert.equal(r0.resource, 'arn:aws:s3:::b/\ufffd0');
        assert.equal(r0.sourceIdentity, 'alice\ufffd\ufffd');
        assert.equal(r0.detail['key'], `v${NUL}`, 'the detail is escaped JSON text: kept exactly');
        const v = chainVerifier(EMPTY_HEAD, sha256);
        assert.equal(v.check(back), undefined);
        assert.equal(v.end(await store.read((tx) => tx.audit.head())), undefined);
        assert.equal(v.checked, 3);

        // A filter with a NUL finds the records as stored (the app's query; the root account's admin reads all).
        const audit = createAudit({ store, now: () => Date.UTC(2026, 0, 3) });
        for (const filter of [{ principal: `arn:aws:iam::${ROOT}:user/p1${NUL}` }, { job: `job${NUL}`, role: `arn:aws:iam::${ROOT}:role/r${NUL}` }, { action: `s3:Get${NUL}Object`, decision: `ImplicitDeny${NUL}` }]) {
          const page = await audit.query(rootAdmin, filter);
          assert.ok(page.ok, JSON.stringify(page));
          assert.deepEqual(page.value.records.map((r) => r.seq), 'principal' in filter ? [2] : [1, 2, 3], JSON.stringify(filter));
        }
        await audit.stop();
      } finally {
        await close();
      }
    });
  });
}

describe('review an1: a journaled record committed before a hard stop is compared as stored', () => {
  it('a lone surrogate in a column: the next start does not append it again', async () => {
    const { dir, store, real } = await flakySqlite('gh-review-an1-journal-');
    dirs.push(dir);
    const t = Date.parse('2026-12-01T11:00:00.000Z');
    const first = createAudit({ store, now: () => t, journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 60_000 });
    first.record(sessionEvent(1, { principal: `arn:aws:iam::${ROOT}:user/u\ud800`, sourceIdentity: `alice${NUL}` }));
    // The process stops hard after the commit and before the journal goes: keep the segment as it was.
    const files = (await readdir(join(dir, SPOOL_DIR))).filter((n) => n.startsWith('audit-journal-') && n.endsWith('.jsonl'));
    assert.equal(files.length, 1);
    const saved = join(dir, 'saved.jsonl');
    await copyFile(join(dir, SPOOL_DIR, files[0] as string), saved);
    assert.ok(await first.flush());
    assert.equal((await verifiedChain(real)).length, 1);
    await segmentReleased(join(dir, SPOOL_DIR), files[0] as string);
    await copyFile(saved, join(dir, SPOOL_DIR, files[0] as string));

    const logs: string[] = [];
    const second = createAudit({ store, now: () => t + 60_000, log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    assert.ok(await second.flush());
    const rows = await verifiedChain(real);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['sts:AssumeRole'],
      `the committed record once, nothing recovered: ${rows.map((r) => `${r.seq} ${r.action} ${r.principal}`).join('; ')}`,
    );
    assert.ok(logs.some((l) => /are all in the audit log already/.test(l)), logs.join('\n'));
    await first.stop();
    await second.stop();
    await real.close();
  });
});
