/**
 * Review Y, Y2: a lone UTF-16 surrogate in an untrusted string (`"\ud800"` in a JSON request) is stored by SQLite
 * and PostgreSQL as U+FFFD (UTF-8 has no encoding for it), so a record hashed over the string as given no longer
 * matched its hash once read back: `audit verify` said "altered" for good, and, stopping at the first break, checked
 * nothing after it. Now every column is made well-formed before it is hashed (what is hashed is what is stored), and
 * `verify` goes on past a break and reports every one.
 * - a user with no permissions asks /v1/authorize about itself (always recorded: a denial) with such a resource, and
 *   about another principal whose ARN holds one: the log verifies intact, the record reads back with U+FFFD;
 * - every column, on both stores, through linkEvents: stored, read back and verified without a break;
 * - two records edited: verify reports both (JSON and text), not the first only, and exits 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { chainVerifier, EMPTY_HEAD, linkEvents, type AuditEvent, type AuditRecord } from '../src/core/audit/index.ts';
import { PG_URL, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const LONE = '\ud800';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

interface Report {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string };
  broken?: { seq: number; reason: string };
  breaks?: { seq: number; reason: string }[];
  breakCount?: number;
}

describe('review Y2: a lone surrogate in a recorded string', () => {
  let s: TestServer;
  let u1: Credentials;

  before(async () => {
    s = await startTestServer();
    const user = await call(conn(s, s.admin), 'POST', ['users'], { body: { name: 'u1' } });
    assert.ok(user.ok, JSON.stringify(user));
    const k = await call<{ accessKeyId: string; secretAccessKey: string }>(conn(s, s.admin), 'POST', ['access-keys'], { body: { userName: 'u1' } });
    assert.ok(k.ok, JSON.stringify(k));
    u1 = { accessKeyId: k.value.accessKeyId, secretAccessKey: k.value.secretAccessKey };
    for (const name of ['u2', 'u3', 'u4']) assert.ok((await call(conn(s, s.admin), 'POST', ['users'], { body: { name } })).ok);
  });
  after(async () => {
    await s.stop();
  });

  it('a user with no permissions records a lone surrogate: the log still verifies intact, the record reads back with U+FFFD', async () => {
    const self = await gatehouseJson(s.url, u1, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `arn:aws:s3:::a-data/${LONE}` });
    assert.equal(self.status, 200, JSON.stringify(self.json));
    assert.equal(self.json['decision'], 'ImplicitDeny');
    // About another principal, without gatehouse:Authorize: the refusal records the asked-about ARN as its resource.
    const other = await gatehouseJson(s.url, u1, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/x${LONE}y`, action: 's3:GetObject', resource: 'arn:aws:s3:::a-data/k' });
    assert.equal(other.status, 403, JSON.stringify(other.json));
    await s.running.app.audit.flush();

    const v = await cli(s, ['audit', 'verify', '--json']);
    assert.equal(v.status, 0, v.out + v.err);
    assert.equal((JSON.parse(v.out) as Report).ok, true);
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { readOnly: true });
    try {
      const rows = db.prepare("SELECT resource FROM audit_log WHERE resource LIKE '%a-data/%' OR action = 'gatehouse:Authorize'").all() as { resource: string }[];
      assert.ok(rows.some((r) => r.resource === 'arn:aws:s3:::a-data/\ufffd'), JSON.stringify(rows));
      assert.ok(rows.some((r) => r.resource === `arn:aws:iam::${ROOT}:user/x\ufffdy`), JSON.stringify(rows));
    } finally {
      db.close();
    }
  });

  it('verify reports every broken record, not only the first (JSON and text), and exits 1', async () => {
    await s.running.app.audit.flush();
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      const head = (db.prepare('SELECT seq FROM audit_head').get() as { seq: number }).seq;
      assert.ok(head >= 5, `records: ${head}`);
      const late = head - 1;
      const saved = db.prepare('SELECT seq, resource FROM audit_log WHERE seq IN (2, ?)').all(late) as { seq: number; resource: string }[];
      db.prepare("UPDATE audit_log SET resource = resource || '-edited' WHERE seq IN (2, ?)").run(late);
      const r = await cli(s, ['audit', 'verify', '--json']);
      assert.equal(r.status, 1, r.out);
      const report = JSON.parse(r.out) as Report;
      assert.equal(report.ok, false);
      assert.deepEqual([report.broken?.seq, report.broken?.reason], [2, 'altered']);
      assert.deepEqual(report.breaks?.map((b) => [b.seq, b.reason]), [[2, 'altered'], [late, 'altered']]);
      assert.equal(report.breakCount, 2);
      assert.equal(report.checked, head - 2, 'every other record is checked');
      const text = await cli(s, ['audit', 'verify']);
      assert.equal(text.status, 1);
      assert.match(text.out, /audit log BROKEN at record 2 \(altered\)/);
      assert.match(text.out, /2 break\(s\) found in all/);
      assert.match(text.out, new RegExp(`record ${late} \\(altered\\)`));
      for (const row of saved) db.prepare('UPDATE audit_log SET resource = ? WHERE seq = ?').run(row.resource, row.seq);
      assert.equal((await cli(s, ['audit', 'verify'])).status, 0, 'restored');
    } finally {
      db.close();
    }
  });
});

/** Every column of an event holding a lone surrogate (high and low, alone and at the end). */
const wild = (i: number): AuditEvent => ({
  kind: 'decision',
  account: `${ROOT}${LONE}`,
  principal: `arn:aws:iam::${ROOT}:user/p${i}${LONE}`,
  action: `s3:Get${'\udc00'}Object`,
  resource: `arn:aws:s3:::b/${LONE}${i}`,
  decision: `ImplicitDeny${LONE}`,
  role: `arn:aws:iam::${ROOT}:role/r${'\udfff'}`,
  session: `arn:aws:sts::${ROOT}:assumed-role/r/s${LONE}`,
  job: `job${LONE}`,
  sourceIdentity: `alice${'\udc00'}${LONE}`,
  sourceIp: `10.0.0.1${LONE}`,
  detail: { key: `v${LONE}`, [`k${LONE}`]: 1 },
});

// Whether PostgreSQL answers is asked when the test runs, not by a top-level await: run in a group of review files
// (test/support/reviews.ts), a file still awaiting at import registered its suites after its parent had finished.
const stores: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<{ store: Store; close: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-audit-review-y2-'));
      const store = await openSqliteStore({ dataDir: dir });
      return { store, close: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    async open() {
      const schema = `gh_review_y2_${randomBytes(5).toString('hex')}`;
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
      return {
        store,
        close: async () => {
          await store.close();
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await c.end();
        },
      };
    },
  },
];

for (const target of stores) {
  describe(`review Y2: every column with a lone surrogate, ${target.name}`, () => {
    it('is stored, read back and verified without a break (in-thread and unparsed appends)', async (t) => {
      const why = await target.skip();
      if (why !== undefined) {
        t.skip(why);
        return;
      }
      const { store, close } = await target.open();
      try {
        const first = linkEvents([0, 1].map((i) => ({ at: Date.UTC(2026, 0, 1) + i, event: wild(i) })), EMPTY_HEAD, sha256);
        await store.write((tx) => tx.audit.append(first));
        const head = await store.read((tx) => tx.audit.head());
        // The writer thread's path: unparsed records, the detail as given text.
        const second = linkEvents([{ at: Date.UTC(2026, 0, 2), event: wild(2), detailText: `{"t":"x\\ud800"}` }], head, sha256, { parsed: false });
        await store.write((tx) => tx.audit.append(second));
        const back = await store.read((tx) => tx.audit.list({}, 0, 10));
        assert.equal(back.length, 3);
        const r0 = back[0] as AuditRecord;
        assert.equal(r0.resource, 'arn:aws:s3:::b/\ufffd0');
        assert.equal(r0.sourceIdentity, 'alice\ufffd\ufffd');
        assert.equal(r0.detail['key'], `v${LONE}`, 'the detail is escaped JSON text: kept exactly');
        const v = chainVerifier(EMPTY_HEAD, sha256);
        assert.equal(v.check(back), undefined);
        assert.equal(v.end(await store.read((tx) => tx.audit.head())), undefined);
        assert.equal(v.checked, 3);
      } finally {
        await close();
      }
    });
  });
}
