/**
 * Review an, 2 (high): on PostgreSQL, one refused AssumeRole stopped the audit log for good. A refused AssumeRole is
 * recorded with the RoleArn asked (`role`), and a role ARN's path has no bound (`role/<3,000 characters>/r` parses).
 * The filter lookup (`audit_lookup`) keyed each record by its whole principal, account, role and job, and PostgreSQL's
 * B-tree refuses an entry past 2,704 bytes: the append whose batch crossed the next multiple of AUDIT_LOOKUP_EVERY
 * (4,096) failed its fill (`index row size 3056 exceeds btree version 4 maximum 2704 for index "audit_lookup_pkey"`),
 * was retried for ever, and nothing was written again: under the closed policy no session was issued and no change
 * made (503) — a user with no permissions did it with one AssumeRole and 5,000 questions to the authorize API about
 * itself. Now a lookup key holds the first 512 characters of a value (every filter is still checked on the record),
 * and migration 6 rebuilds the entries an earlier build wrote whole for longer values. (Since then STS refuses a RoleArn
 * past 2,048 characters with ValidationError, as AWS does, so the server test asks with the longest RoleArn AWS takes;
 * the store test below still writes values past PostgreSQL's bound, as any other field may carry them.)
 * - PostgreSQL server: mallory's refused AssumeRole with a 2,048-character RoleArn (a 3,000-character one is a
 *   ValidationError), then 5,000 denials: the admin's change is made (201, not 503), and `--role` with the whole ARN
 *   finds the refusal;
 * - both stores: records with values past 512 characters (astral ones too) cross the fill; filters find them and not
 *   a value that differs after character 512; the lookup checks clean;
 * - a lookup as the earlier build wrote it (whole keys) is rebuilt by migration 6, and checks clean.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { AUDIT_LOOKUP_EVERY } from '../src/adapters/store-sql/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { EMPTY_HEAD, linkEvents, type AuditEvent, type TimedEvent } from '../src/core/audit/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';
import { startTestServer, userWithKey } from './support/server.ts';

const ROOT = '000000000000';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** `n` characters of a role path, printable ASCII (what parseRoleArn takes), different each call. */
const pathOf = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, n);

describe('review an2: a refused AssumeRole with a long RoleArn, on a PostgreSQL server', () => {
  it('does not stop the audit log once the lookup is filled; --role with the whole ARN finds it', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_an2_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const server = await startTestServer({ postgres: { url: PG_URL, schema } });
    const sts = { destroy: () => undefined } as { destroy(): void };
    try {
      const admin = server.admin;
      const mallory = await userWithKey(server, 'mallory');

      const prefix = `arn:aws:iam::${ROOT}:role/`;
      const roleArn = `${prefix}${pathOf(2048 - prefix.length - 2)}/r`;
      assert.equal(roleArn.length, 2048);
      const client = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: mallory, maxAttempts: 1 });
      sts.destroy = () => client.destroy();
      await assert.rejects(client.send(new AssumeRoleCommand({ RoleArn: `${prefix}${pathOf(3000)}/r`, RoleSessionName: 'sess' })), /ValidationError|length less than or equal to 2048/);
      await assert.rejects(client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'sess' })), /not authorized/);
      // Past the next multiple of AUDIT_LOOKUP_EVERY: denials, always recorded.
      const requests = Array.from({ length: 1000 }, () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }));
      for (let i = 0; i * 1000 < AUDIT_LOOKUP_EVERY + 1000; i++) assert.equal((await gatehouseJson(server.url, mallory, 'POST', '/v1/authorize:batch', { requests })).status, 200);

      // The fill is written in the background: its end (or an error) is waited for to a bound of time (settle.ts), not 60 tries.
      await settled(() => gatehouseJson(server.url, admin, 'GET', '/v1/audit/status'), (st) => st.json['backlog'] === 0 || st.json['lastError'] !== undefined);
      const made = await gatehouseJson(server.url, admin, 'POST', '/v1/users', { name: 'bob' });
      // Before: 503, the fill refused with every batch after it (`index row size 3056 exceeds btree version 4 maximum 2704`).
      assert.equal(made.status, 201, `the admin's change after the fill: ${JSON.stringify(made.json)}`);
      const status = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/status');
      assert.equal(status.json['lastError'], undefined, JSON.stringify(status.json));

      const found = await gatehouseJson(server.url, admin, 'GET', `/v1/audit?role=${encodeURIComponent(roleArn)}`);
      assert.equal(found.status, 200, JSON.stringify(found.json));
      const records = found.json['records'] as { action: string; decision: string; role: string }[];
      assert.deepEqual(records.map((r) => [r.action, r.decision, r.role === roleArn]), [['sts:AssumeRole', 'Deny', true]]);
      const v = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/verify');
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    } finally {
      sts.destroy();
      await server.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});

const stores: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<{ store: Store; reopen: () => Promise<Store>; raw: (sql: string) => Promise<void>; close: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-review-an2-'));
      dirs.push(dir);
      let store = await openSqliteStore({ dataDir: dir });
      return {
        store,
        reopen: async () => (await store.close(), (store = await openSqliteStore({ dataDir: dir }))),
        raw: async (sql) => {
          const db = new DatabaseSync(join(dir, 'gatehouse.db'));
          try {
            db.exec(sql);
          } finally {
            db.close();
          }
        },
        close: () => store.close(),
      };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    async open() {
      const schema = `gh_review_an2_${randomBytes(5).toString('hex')}`;
      let store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
      return {
        store,
        reopen: async () => (await store.close(), (store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 }))),
        raw: async (sql) => void (await pgAdmin((c) => c.query(`SET search_path TO ${schema}; ${sql}`))),
        close: async () => (await store.close(), void (await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))),
      };
    },
  },
];

// Random, so that PostgreSQL cannot compress the key under its bound.
const longRole = `arn:aws:iam::${ROOT}:role/${pathOf(3000)}/r`;
// 600 astral characters: 2,400 bytes of UTF-8 and 1,200 UTF-16 units; its prefix is 512 of them.
const longPrincipal = `arn:aws:iam::${ROOT}:user/${'\u{1F600}'.repeat(600)}`;
const longJob = `job-${'j'.repeat(1000)}`;

for (const target of stores) {
  describe(`review an2: lookup keys of values past 512 characters, ${target.name}`, () => {
    it('cross the fill, are found by their whole value only, and check clean; an earlier build\'s whole keys are rebuilt by migration 6', { timeout: 120_000 }, async (t) => {
      const why = await target.skip();
      if (why !== undefined) return void t.skip(why);
      const { store, reopen, raw, close } = await target.open();
      let current = store;
      try {
        const event = (i: number): AuditEvent => ({ kind: 'session', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u`, action: 'sts:AssumeRole', resource: 'r', decision: 'Deny', detail: { i } });
        const events: TimedEvent[] = Array.from({ length: AUDIT_LOOKUP_EVERY + 10 }, (_, i) => ({ at: Date.UTC(2026, 0, 1) + i, event: event(i) }));
        events[3] = { at: Date.UTC(2026, 0, 1) + 3, event: { ...event(3), role: longRole, principal: longPrincipal, job: longJob } };
        // A value sharing the first 512 characters with the long role, differing after them.
        events[4] = { at: Date.UTC(2026, 0, 1) + 4, event: { ...event(4), role: `${longRole.slice(0, 600)}x/r` } };
        const linked = linkEvents(events, EMPTY_HEAD, sha256, { parsed: false });
        // Before (PostgreSQL): the fill in this append failed (index row size … exceeds btree version 4 maximum 2704).
        await current.write((tx) => tx.audit.append(linked));
        const check = async (): Promise<void> => {
          const byRole = await current.read((tx) => tx.audit.list({ role: longRole }, 0, 10));
          assert.deepEqual(byRole.map((r) => r.seq), [4]);
          const byPrincipal = await current.read((tx) => tx.audit.list({ principal: longPrincipal }, 0, 10));
          assert.deepEqual(byPrincipal.map((r) => r.seq), [4]);
          const byJob = await current.read((tx) => tx.audit.list({ job: longJob, principal: longPrincipal }, 0, 10));
          assert.deepEqual(byJob.map((r) => r.seq), [4]);
          const other = await current.read((tx) => tx.audit.list({ role: `${longRole.slice(0, 600)}x/r` }, 0, 10));
          assert.deepEqual(other.map((r) => r.seq), [5]);
          const lookup = await current.read((tx) => tx.audit.lookupCheck());
          assert.deepEqual(lookup, { filled: AUDIT_LOOKUP_EVERY + 10, missing: 0, extra: 0 });
        };
        await check();

        // The lookup as an earlier build wrote it: whole values as keys (those PostgreSQL could hold: compressible, or
        // under its bound), and no decision keys (version 9). Migration 6 rebuilds them, 9 adds the decisions'.
        await raw(
          `DELETE FROM audit_lookup WHERE seq IN (4, 5) AND lookup NOT LIKE 'a:%'; ` +
            `INSERT INTO audit_lookup (lookup, seq) VALUES ('j:${longJob}', 4), ('r:${longRole.slice(0, 600)}x/r', 5), ('p:arn:aws:iam::${ROOT}:user/u', 5); ` +
            'DELETE FROM schema_migrations WHERE version IN (6, 9);',
        );
        const stale = await current.read((tx) => tx.audit.lookupCheck());
        assert.ok(stale.missing > 0 && stale.extra > 0, JSON.stringify(stale));
        current = await reopen();
        await check();
      } finally {
        await close();
      }
    });
  });
}
