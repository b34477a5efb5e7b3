/**
 * Review Y, Y1: the chain has no key, so anyone who can write the database can do what retention pruning does —
 * delete records up to the operator's latest anchor, set the checkpoint (audit_head.base_seq/base_hash) to it and
 * append a gatehouse:PruneAudit record attesting it — and `audit verify --expect <that anchor>` answered "present",
 * with retention off. Now:
 * - an anchor at or before the checkpoint is pruned and NOT confirmed: reason `pruned`, exit 6, unless the operator
 *   passes --accept-pruned-anchor (then 0, saying it is not confirmed); an anchor at the checkpoint with another hash
 *   is still broken (`anchor`, exit 1);
 * - a server with retention off (GATEHOUSE_AUDIT_RETENTION_DAYS unset) reports any pruning as broken (`retention`).
 * With retention on, a forged pruning that deletes records before the latest anchor looked like a real one: the
 * limit of an unkeyed chain. Since chains are keyed (HMAC under the master key's chain key), the forger's pruning
 * record, linked without the key, is reported (`unkeyed`); the pruned-anchor rules are checked on real prunings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { linkEvents, type AuditRecord } from '../src/core/audit/index.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');
const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

interface Report {
  ok: boolean;
  head: { seq: number; hash: string };
  base: { seq: number; hash: string };
  anchor: string;
  broken?: { seq: number; reason: string; message: string };
  breaks?: { seq: number; reason: string; message: string }[];
  anchorPruned?: boolean;
  accepted?: boolean;
}

async function verify(s: TestServer, ...args: string[]): Promise<{ status: number; report: Report }> {
  const r = await cli(s, ['audit', 'verify', '--json', ...args]);
  return { status: r.status, report: JSON.parse(r.out) as Report };
}

async function users(s: TestServer, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.ok((await call(conn(s, s.admin), 'POST', ['users'], { body: { name: `${prefix}${i}` } })).ok);
  await s.running.app.audit.flush();
}

/**
 * What someone with write access to the file can do without any secret: delete records 1…upto, move the checkpoint
 * to `upto`, append the pruning record retention would write (linked, hashed), move the head.
 */
function forgePruning(s: TestServer, upto: number): void {
  const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
  try {
    const cut = db.prepare('SELECT seq, hash FROM audit_log WHERE seq = ?').get(upto) as { seq: number; hash: string };
    const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string };
    const count = (db.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE seq <= ?').get(upto) as { n: number }).n;
    db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(upto);
    db.prepare('UPDATE audit_head SET base_seq = ?, base_hash = ? WHERE id = 1').run(cut.seq, cut.hash);
    const at = Date.now();
    const [rec] = linkEvents(
      [{ at, event: { kind: 'change', account: '', principal: 'gatehouse', action: 'gatehouse:PruneAudit', resource: 'audit', decision: 'ok', detail: { before: new Date(at).toISOString(), pruned: count, checkpoint: { seq: cut.seq, hash: cut.hash } } } }],
      head,
      sha256,
    ) as [AuditRecord];
    db.prepare('INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)').run(
      rec.seq, rec.at, rec.kind, rec.account, rec.principal, rec.action, rec.resource, rec.decision ?? null, JSON.stringify(rec.detail), rec.prevHash, rec.hash,
    );
    db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(rec.seq, rec.hash);
  } finally {
    db.close();
  }
}

describe('review Y1: a forged pruning, retention off', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await users(s, 'y1-off-', 6);
  });
  after(async () => {
    await s.stop();
  });

  it('deleting everything up to the anchor as a pruning would: broken (retention), the anchor not present', async () => {
    const first = await verify(s);
    assert.equal(first.status, 0, JSON.stringify(first.report));
    const anchor = first.report.anchor;
    forgePruning(s, first.report.head.seq);

    const alone = await verify(s);
    assert.equal(alone.status, 1, JSON.stringify(alone.report));
    assert.equal(alone.report.ok, false);
    assert.ok(alone.report.breaks?.some((b) => b.reason === 'retention' && /retention is off on this server/.test(b.message)), JSON.stringify(alone.report));

    const anchored = await verify(s, '--expect', anchor);
    assert.equal(anchored.status, 1, JSON.stringify(anchored.report));
    // The forger's pruning record is linked without the chain's key.
    assert.deepEqual(anchored.report.breaks?.map((b) => b.reason).sort(), ['pruned', 'retention', 'unkeyed']);
    const text = await cli(s, ['audit', 'verify', '--expect', anchor]);
    assert.equal(text.status, 1);
    assert.doesNotMatch(text.out, /present/);
    // Accepting a pruned anchor does not accept a pruning this server never does.
    assert.equal((await cli(s, ['audit', 'verify', '--expect', anchor, '--accept-pruned-anchor'])).status, 1);
  });
});

describe('review Y1: pruned anchors, retention on', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ audit: { retentionDays: 3650 } });
    await users(s, 'y1-on-', 6);
  });
  after(async () => {
    await s.stop();
  });

  it('an anchor at or before the checkpoint is not confirmed: exit 6, or 0 with --accept-pruned-anchor; a different hash at the checkpoint is broken', async () => {
    const first = await verify(s);
    assert.equal(first.status, 0, JSON.stringify(first.report));
    const anchor = first.report.anchor;
    const anchorSeq = first.report.head.seq;
    // A record after the anchor, so that the anchor lies before the checkpoint: one exactly at it, attested by the keyed
    // pruning record, is confirmed (review kh, 3).
    await users(s, 'y1-on-more-', 1);
    const head = (await verify(s)).report.head.seq;
    // A pruning of everything up to the head (this server's own, keyed).
    assert.ok((await s.running.app.audit.prune(Date.now() + 1000)).pruned > 0);

    const alone = await verify(s);
    assert.equal(alone.status, 0, JSON.stringify(alone.report));
    assert.equal(alone.report.base.seq, head);

    const anchored = await verify(s, '--expect', anchor);
    assert.equal(anchored.status, 6, JSON.stringify(anchored.report));
    assert.equal(anchored.report.ok, false);
    assert.deepEqual([anchored.report.broken?.seq, anchored.report.broken?.reason], [anchorSeq, 'pruned']);
    assert.equal(anchored.report.anchorPruned, true);
    const text = await cli(s, ['audit', 'verify', '--expect', anchor]);
    assert.equal(text.status, 6, text.out);
    assert.doesNotMatch(text.out, /present/);
    assert.match(text.out, /anchor is NOT CONFIRMED: anchor not confirmed: record \d+ was pruned/);
    assert.match(text.out, /--accept-pruned-anchor/);

    const accepted = await cli(s, ['audit', 'verify', '--expect', anchor, '--accept-pruned-anchor']);
    assert.equal(accepted.status, 0, accepted.out);
    assert.match(accepted.out, new RegExp(`anchor ${anchor} NOT CONFIRMED: it was pruned`));

    // An older anchor, before the checkpoint: pruned too.
    const older = await verify(s, '--expect', `2:${'a'.repeat(64)}`);
    assert.deepEqual([older.status, older.report.broken?.reason], [6, 'pruned']);
    // At the checkpoint with another hash: that is no pruning, it is a different chain.
    const wrong = await verify(s, '--expect', `${head}:${'0'.repeat(64)}`);
    assert.deepEqual([wrong.status, wrong.report.broken?.reason], [1, 'anchor']);

    // An anchor after the checkpoint is checked as before.
    await users(s, 'y1-after-', 2);
    const later = await verify(s);
    assert.equal(later.status, 0);
    const again = await cli(s, ['audit', 'verify', '--expect', later.report.anchor]);
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, new RegExp(`anchor ${later.report.anchor} present`));
  });

  it('a real pruning of this deployment: intact, and an anchor it pruned is not confirmed either', async () => {
    const before = await verify(s);
    const anchor = before.report.anchor;
    await users(s, 'y1-real-', 2);
    const pruned = await s.running.app.audit.prune(Date.now() + 1000);
    assert.ok(pruned.pruned > 0);
    const v = await verify(s);
    assert.equal(v.status, 0, JSON.stringify(v.report));
    const anchored = await verify(s, '--expect', anchor);
    assert.deepEqual([anchored.status, anchored.report.broken?.reason], [6, 'pruned']);
    assert.equal((await cli(s, ['audit', 'verify', '--expect', anchor, '--accept-pruned-anchor'])).status, 0);
  });

  it('a forged pruning (deleting up to the head, attested by a record linked without the key) is broken: unkeyed', async () => {
    const before = await verify(s);
    assert.equal(before.status, 0, JSON.stringify(before.report));
    forgePruning(s, before.report.head.seq);
    const v = await verify(s);
    assert.equal(v.status, 1, JSON.stringify(v.report));
    assert.deepEqual(v.report.breaks?.map((b) => b.reason), ['unkeyed']);
    assert.match(v.report.broken?.message ?? '', /not keyed/);
  });
});
