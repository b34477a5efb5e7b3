/**
 * Stop 28: the audit chain is keyed. It was SHA-256 of each record's canonical text, so anyone who could write the
 * database could change a record and link every later one again, and `gatehouse audit verify` said "intact" (only an
 * anchor kept outside the database showed it, and only for the records before the anchor). Records are now linked
 * with HMAC-SHA256 under a key derived from the master key: a record written again without the key is reported
 * (`unkeyed`). A chain linked before keyed chains is keyed at the next start: a keyed record covers it, and
 * `keyedFrom` says from where (a number that never moves on a healthy log).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { canonicalJson, recordHash, type AuditRecord } from '../src/core/audit/index.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');
const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

interface Report {
  ok: boolean;
  checked: number;
  keyedFrom?: number;
  head: { seq: number; hash: string };
  broken?: { seq: number; reason: string; message: string };
  breaks?: { seq: number; reason: string; message: string }[];
}

async function verify(s: TestServer): Promise<{ status: number; report: Report }> {
  const r = await cli(s, ['audit', 'verify', '--json']);
  return { status: r.status, report: JSON.parse(r.out) as Report };
}

async function users(s: TestServer, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.ok((await call(conn(s, s.admin), 'POST', ['users'], { body: { name: `${prefix}${i}` } })).ok);
  assert.ok(await s.running.app.audit.flush());
}

/**
 * What someone with write access to the database file can do without any secret: change record `edit`'s detail
 * (when given), and link every record from `from` (to `to`) on again with SHA-256, moving the head's hash along.
 */
async function relink(s: TestServer, from: number, edit?: number, to = Number.MAX_SAFE_INTEGER): Promise<void> {
  const store = await openSqliteStore({ dataDir: s.dataDir });
  let rows: readonly AuditRecord[];
  try {
    rows = await store.read((tx) => tx.audit.list({}, 0, 10_000));
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
  try {
    let prev = (rows.find((r) => r.seq === from - 1)?.hash ?? '0'.repeat(64)) as string;
    for (const r of rows) {
      if (r.seq < from || r.seq > to) continue;
      const { hash: _, ...rest } = r;
      const detail = r.seq === edit ? { ...r.detail, rewritten: Number(r.detail['rewritten'] ?? 0) + 1 } : r.detail;
      const next = { ...rest, detail, prevHash: prev };
      prev = recordHash(next, sha256);
      db.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(canonicalJson(detail), next.prevHash, prev, r.seq);
    }
    if (to >= (rows.at(-1)?.seq ?? 0)) db.prepare('UPDATE audit_head SET hash = ? WHERE id = 1').run(prev);
  } finally {
    db.close();
  }
}

describe('stop 28: a keyed audit chain', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ keepDir: true });
    await users(s, 'k-', 4);
  });
  after(async () => {
    await s.stop();
  });

  it('a record changed and every later one linked again without the key: broken (unkeyed)', async () => {
    const intact = await verify(s);
    assert.equal(intact.status, 0, JSON.stringify(intact.report));
    assert.equal(intact.report.keyedFrom, 1, 'every record of a new deployment is keyed');
    const seq = intact.report.head.seq - 2;
    await relink(s, seq, seq);
    const v = await verify(s);
    assert.equal(v.status, 1, JSON.stringify(v.report));
    assert.deepEqual([v.report.broken?.seq, v.report.broken?.reason], [seq, 'unkeyed']);
    // Every record it linked again is reported, not only the first.
    assert.deepEqual(v.report.breaks?.map((b) => `${b.seq} ${b.reason}`), [0, 1, 2].map((i) => `${seq + i} unkeyed`));
    const text = await cli(s, ['audit', 'verify']);
    assert.equal(text.status, 1);
    assert.match(text.out, /BROKEN at record \d+ \(unkeyed\): record \d+ is not keyed, yet records before it are/);
  });

  it('the whole chain linked again without the key: broken at its newest record', async () => {
    await relink(s, 1, 2);
    const v = await verify(s);
    assert.equal(v.status, 1, JSON.stringify(v.report));
    assert.equal(v.report.keyedFrom, undefined);
    assert.deepEqual(v.report.breaks?.map((b) => `${b.seq} ${b.reason}`), [`${v.report.head.seq} unkeyed`]);
    assert.match(v.report.broken?.message ?? '', /the newest, is not keyed/);
  });

  it('a chain linked before keyed chains is keyed at the next start; the records it covers cannot be changed again', async () => {
    // The chain as the previous test left it stands for one written by an earlier version: unkeyed throughout.
    const unkeyedHead = (await verify(s)).report.head.seq;
    await s.stopServer();
    // A data dir of a version before keyed chains holds no note that its instance wrote the chain keyed; this one's
    // does, and a start with it takes an unkeyed chain for a rewrite, not keyed over (review pl, 4).
    rmSync(join(s.dataDir, 'audit-keyed.json'), { force: true });
    const t = await startTestServer({ dataDir: s.dataDir, keepDir: true });
    try {
      assert.ok(await t.running.app.audit.keyed().then(() => t.running.app.audit.flush()));
      assert.ok(t.logs.some((l) => l.includes(`the chain's newest record (${unkeyedHead}) was linked without a key`)), t.logs.join('\n'));
      const v = await verify(t);
      assert.equal(v.status, 0, JSON.stringify(v.report));
      assert.equal(v.report.keyedFrom, unkeyedHead + 1);
      const text = await cli(t, ['audit', 'verify']);
      assert.match(text.out, new RegExp(`keyed from record ${unkeyedHead + 1}: records 1–${unkeyedHead} were linked before the chain was keyed`));
      const q = await cli(t, ['audit', 'query', '--action', 'gatehouse:KeyAuditChain', '--json']);
      assert.equal(q.status, 0, q.out);
      const [keyRecord, ...others] = q.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; detail: { unkeyedThrough?: { seq: number } } });
      assert.equal(others.length, 0, q.out);
      assert.deepEqual([keyRecord?.seq, keyRecord?.detail.unkeyedThrough?.seq], [unkeyedHead + 1, unkeyedHead]);

      // An unkeyed record changed and the unkeyed part linked again: the keyed record's link no longer holds.
      await relink(t, 2, 2, unkeyedHead);
      const after = await verify(t);
      assert.equal(after.status, 1, JSON.stringify(after.report));
      assert.ok(after.report.breaks?.some((b) => b.seq === unkeyedHead + 1 && b.reason === 'unlinked'), JSON.stringify(after.report));
    } finally {
      await t.stop();
    }
  });
});
