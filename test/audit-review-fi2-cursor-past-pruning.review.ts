/**
 * Review fi, 2: a reader going on from a cursor it kept was not told that retention had pruned what followed it.
 * README §7: "`--follow --after SEQ` prints every record after it before following, so a log shipper restarted from
 * the last seq it kept misses none". With retention on, the hourly pruning may delete the records after that seq
 * before the shipper is back (or while a follow is behind): `gatehouse audit query --after SEQ --json` then went on
 * from the checkpoint, exit 0, stderr empty, and `GET /v1/audit?after=SEQ` answered the records after the checkpoint as
 * if they followed SEQ — the export had a gap nobody could see, where an auditor would ask why records SEQ+1… are
 * missing. Now a page whose cursor lies before the checkpoint carries `prunedThrough` (the checkpoint's seq), and the
 * CLI says once per gap on stderr which records retention removed before they were read (stdout stays the records);
 * a cursor at or after the checkpoint, and a query from the start, say nothing. Real server (SQLite) with retention on,
 * the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review fi2: a cursor before the checkpoint is told what was pruned', () => {
  let s: TestServer;
  let kept = 0;
  let checkpoint = 0;

  const users = async (...names: string[]) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: names.map((n) => doc('User', n, {})) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await s.running.app.audit.flush();
  };

  before(async () => {
    s = await startTestServer({ audit: { retentionDays: 3650 } });
    await users('u1', 'u2');
    // The shipper's last seq: the newest record it had copied.
    const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    kept = (v.json['head'] as { seq: number }).seq;
    assert.ok(kept > 0);
    await users('u3', 'u4', 'u5');
    // Retention prunes all of it (as the hourly sweep would, the cut past every record), then the log goes on.
    const r = await s.running.app.audit.prune(Date.now() + 60_000);
    checkpoint = r.head.baseSeq;
    assert.ok(checkpoint > kept + 1, `checkpoint ${checkpoint}, kept ${kept}`);
    await users('u6');
  });
  after(async () => {
    await s.stop();
  });

  it('GET /v1/audit?after= before the checkpoint carries prunedThrough; at it, none', async () => {
    const behind = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${kept}`);
    assert.equal(behind.status, 200, JSON.stringify(behind.json));
    assert.equal(behind.json['prunedThrough'], String(checkpoint), JSON.stringify(behind.json));
    assert.ok((behind.json['records'] as AuditRecord[]).every((x) => x.seq > checkpoint));
    const at = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${checkpoint}`);
    assert.equal(at.json['prunedThrough'], undefined, JSON.stringify(at.json));
  });

  it('audit query --after a pruned seq says which records retention removed, on stderr', async () => {
    const r = await cli(s, ['audit', 'query', '--json', '--after', String(kept)]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, new RegExp(`records ${kept + 1}–${checkpoint} were removed by retention`), r.err);
    const seqs = r.out.trim().split('\n').map((l) => (JSON.parse(l) as AuditRecord).seq);
    assert.ok(seqs.length > 0 && seqs.every((q) => q > checkpoint), r.out);
    // Said once, though every page of the query reads past the same gap.
    assert.equal(r.err.split('removed by retention').length, 2, r.err);
  });

  it('from the checkpoint, or from the start, nothing is said', async () => {
    for (const args of [['--after', String(checkpoint)], []]) {
      const r = await cli(s, ['audit', 'query', '--json', ...args]);
      assert.equal(r.status, 0, r.err);
      assert.doesNotMatch(r.err, /removed by retention/, r.err);
    }
  });
});
