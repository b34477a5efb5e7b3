/**
 * Review ef5: an audit query that few records match read the log to its end in one statement. `GET /v1/audit` with
 * an action no one took, or `--decision ExplicitDeny` on a log of allows, and no principal, role, job, account or
 * time to narrow it, scanned every record after the cursor: 65 ms on a 300,000-record SQLite log (on the deciding
 * thread, decisions waiting), seconds on a log of millions (bench/audit-time-range.ts). Now a page looks at no more
 * than AUDIT_SCAN_WINDOW records past its cursor and answers what it found, perhaps nothing, with `next` to go on
 * from; the CLI (and the console) follow `next`, not the last record. Here the window is made small (300):
 * - the app: a page of a rare action from the start holds none and says where to go on; following `next` gives what a
 *   brute-force filter gives, by principal, by time and with neither; the statement reads about the window, not the log;
 * - the CLI against a real server: `audit query` finds every denial, `--last` the newest, `--limit` says more match;
 * - the web console's audit view (Chromium, skipped when absent): a rare action's newest records, past pages of none.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatementSync } from 'node:sqlite';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createAudit } from '../src/app/audit.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import type { AuditFilter, AuditRecord, TimedEvent } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { auditRowsRead } from './support/sqlite-rows-read.ts';
import { CHROMIUM_SKIP, launchChromium, signedInPage } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

const ACCT = '000000000000';
const WINDOW = 300;
const COUNT = 5000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
/** Records (1-based seq) taking the rare action. */
const RARE = new Set([1200, 1201, 3700, 4990]);

describe('review ef5: a query page looks at a window of the log, and says where to go on', () => {
  let dir: string;
  let store: SqliteStore;
  let all: AuditRecord[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-review-ef5-'));
    store = await openSqliteStore({ file: join(dir, 'gatehouse.db') });
    const events: TimedEvent[] = [];
    for (let i = 0; i < COUNT; i++) {
      events.push({
        at: T0 + i * 1000,
        event: { kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u${i % 3}`, action: RARE.has(i + 1) ? 'iam:CreateUser' : 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision: 'Allow' },
        detailText: '{}',
      });
    }
    const appender = storeAppender(store);
    for (let i = 0; i < COUNT; i += 1000) await appender.append(events.slice(i, i + 1000));
    all = await store.read((tx) => tx.audit.list({}, 0, 10_000));
    assert.equal(all.length, COUNT);
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const audit = () => createAudit({ store, now: () => Date.now() }, { scanWindow: WINDOW });
  const brute = (f: AuditFilter) =>
    all.filter((r) => (f.action === undefined || r.action === f.action) && (f.principal === undefined || r.principal === f.principal) && (f.since === undefined || r.at >= f.since)).map((r) => r.seq);

  it('answers a page of none with `next`, and following `next` finds every match', async () => {
    const a = audit();
    const first = await a.query(rootAdminCaller, { action: 'iam:CreateUser' }, 0, 100);
    assert.ok(first.ok);
    assert.deepEqual(first.value.records, []);
    assert.equal(first.value.next, String(WINDOW), 'the page stopped after the window and says so');
    const filters: AuditFilter[] = [
      { action: 'iam:CreateUser' },
      { action: 'iam:CreateUser', principal: `arn:aws:iam::${ACCT}:user/u0` },
      { action: 'iam:CreateUser', since: new Date(T0 + 2000 * 1000).toISOString() },
      { principal: `arn:aws:iam::${ACCT}:user/u2` },
    ];
    for (const f of filters) {
      for (const limit of [1, 2, 1000]) {
        const got: number[] = [];
        let pages = 0;
        for (let after = '0'; ; ) {
          const p = await a.query(rootAdminCaller, f, after, limit);
          assert.ok(p.ok);
          pages++;
          got.push(...p.value.records.map((r) => r.seq));
          if (p.value.records.length < limit && p.value.next !== undefined) assert.ok(Number(p.value.next) >= Number(after) + WINDOW, 'a short page looked at the whole window');
          if (p.value.next === undefined) break;
          after = p.value.next;
        }
        assert.deepEqual(got, brute(f), `${JSON.stringify(f)} limit ${limit}`);
        assert.ok(pages <= COUNT / WINDOW + brute(f).length / limit + 2, `${pages} pages`);
      }
    }
  });

  it('reads about the window, not the log, for a page of none', async () => {
    const seen: { sql: string; params: unknown[] }[] = [];
    const all_ = StatementSync.prototype.all;
    StatementSync.prototype.all = function (this: StatementSync, ...params: unknown[]) {
      if (this.sourceSQL.includes('FROM audit_log a WHERE a.seq > ?')) seen.push({ sql: this.sourceSQL, params });
      return (all_ as (...a: unknown[]) => ReturnType<StatementSync['all']>).apply(this, params);
    };
    try {
      const p = await audit().query(rootAdminCaller, { action: 'iam:CreateUser' }, '1500', 100);
      assert.ok(p.ok);
      assert.equal(p.value.records.length, 0);
    } finally {
      StatementSync.prototype.all = all_;
    }
    const ran = seen.at(-1);
    assert.ok(ran !== undefined);
    const { visited } = auditRowsRead(join(dir, 'gatehouse.db'), ran.sql, ran.params as (string | number)[]);
    assert.ok(visited <= WINDOW + 1, `a page of none read ${visited} rows of ${COUNT}`);
  });
});

describe('review ef5: the CLI follows `next` through pages cut short', () => {
  let s: TestServer;
  const denials: number[] = [];
  before(async () => {
    s = await startTestServer({ audit: { scanWindow: WINDOW } });
    const a = s.running.app.audit;
    for (let i = 0; i < 2000; i++) {
      const deny = i === 150 || i === 900 || i === 1650 || i === 1990;
      a.record({ kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/ef5`, action: 's3:GetObject', resource: `arn:aws:s3:::ef5/${i}`, decision: deny ? 'ExplicitDeny' : 'Allow', detail: {} });
    }
    await a.flush();
    const page = await a.query(rootAdminCaller, { decision: 'ExplicitDeny' }, 0, 1000);
    assert.ok(page.ok);
    for (let after = '0'; ; ) {
      const p = await a.query(rootAdminCaller, { decision: 'ExplicitDeny' }, after, 1000);
      assert.ok(p.ok);
      denials.push(...p.value.records.map((r) => r.seq));
      if (p.value.next === undefined) break;
      after = p.value.next;
    }
    assert.equal(denials.length, 4);
  });
  after(async () => s?.stop());

  const cli = (...args: string[]) => gatehouseCliInProcess(['audit', 'query', '--decision', 'ExplicitDeny', '--json', ...args], s.admin, { endpoint: s.url, home: s.dataDir });
  const seqs = (out: string) => out.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq);

  it('audit query finds every denial; --last the newest; --limit says more match', { timeout: 60_000 }, async () => {
    const every = await cli();
    assert.equal(every.code, 0, every.stderr);
    assert.deepEqual(seqs(every.stdout), denials);
    const last = await cli('--last', '2');
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(seqs(last.stdout), denials.slice(-2));
    const cut = await cli('--limit', '2');
    assert.equal(cut.code, 0, cut.stderr);
    assert.deepEqual(seqs(cut.stdout), denials.slice(0, 2));
    assert.match(cut.stderr, new RegExp(`stopped at --limit 2; more records match: go on with --after ${denials[1]}`));
    const rest = await cli('--after', String(denials[1]));
    assert.deepEqual(seqs(rest.stdout), denials.slice(2));
    // The last two, and nothing more: no "more records match" past pages of none.
    const end = await cli('--after', String(denials[1]), '--limit', '2');
    assert.deepEqual(seqs(end.stdout), denials.slice(2));
    assert.doesNotMatch(end.stderr, /more records match/);
  });
});

describe('review ef5: the console follows `next` through pages cut short', { skip: CHROMIUM_SKIP }, () => {
  let s: TestServer;
  let browser: import('playwright-core').Browser;
  before(async () => {
    s = await startTestServer({ audit: { scanWindow: WINDOW } });
    const a = s.running.app.audit;
    for (let i = 0; i < 2000; i++) {
      const rare = i === 100 || i === 1000 || i === 1900;
      a.record({ kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/ef5`, action: rare ? 'iam:CreateUser' : 's3:GetObject', resource: `arn:aws:s3:::ef5/${i}`, decision: 'Allow', detail: {} });
    }
    await a.flush();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it("shows a rare action's records, found past pages of none", { timeout: 60_000 }, async () => {
    const { page, problems } = await signedInPage(browser, s.url, s.admin, 15_000);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      await page.fill('#audit-form input[name=action]', 'iam:CreateUser');
      await page.fill('#audit-form input[name=since]', '');
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /^\d+ record\(s\)$/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 30_000 });
      assert.equal(await page.textContent('#status'), '3 record(s)');
      const resources = await page.$$eval('#view tbody tr td:nth-child(7)', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.deepEqual(resources, ['arn:aws:s3:::ef5/100', 'arn:aws:s3:::ef5/1000', 'arn:aws:s3:::ef5/1900']);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
