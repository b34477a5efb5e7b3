/**
 * Review lw, finding 1: the audit spool and the journal's note of pending summaries are written aside (`.….tmp`),
 * then renamed into place, so that a stop in between leaves the old file or the new one, never part of one. But the
 * file written aside was never looked at again: a server killed (SIGKILL, the out-of-memory killer, a node lost)
 * after a spool was written and flushed but before its rename left `DIR/audit-spool/.audit-spool-….json.tmp`, whose
 * records — decisions among them, which the journal does not hold — were never appended, and said nowhere; a write
 * cut short (a full disk, `writeFileSync` of the pending note failing) or killed midway left a torn `.tmp` in the
 * spool directory for good, at every such stop one more. A pending note killed before its first rename held the only
 * count of the refusals left out.
 *
 * What write-aside-then-rename writers do with what a crash leaves: git, whose objects and packs are written to
 * `tmp_obj_…` / `.tmp-<pid>-pack-…` and renamed into place, removes the leftovers (builtin/prune.c `prune_tmp_file`,
 * builtin/repack.c `remove_temporary_files`: every `.tmp-…-pack-` file of the pack directory is unlinked); SQLite
 * rolls a journal a crash left back at the next open (a "hot journal"). A temporary file is completed or removed
 * afterwards, never left to pile up.
 *
 * Now, at start, a temporary file in the spool directory older than a minute (a live writer renames its own within
 * the write that made it, so one that old is a stopped writer's): a whole spool (it parses, every record as written)
 * is renamed into place and appended like any spool; a whole pending note replaces the note it was to replace; a
 * torn one is removed; each is said in the log. A fresh one is left alone (it may be another process's, mid-write).
 * A real in-process server on a data dir prepared as a stopped instance left it; the audit API read with SigV4.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { AuditRecord, TimedEvent } from '../src/core/audit/index.ts';
import { fileAuditSpool, SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const HOUR_AGO = new Date(Date.now() - 3_600_000);

const decision = (i: number): TimedEvent => ({
  at: Date.parse('2026-12-01T10:00:00.000Z') + i * 1000,
  event: { kind: 'decision', account: '000000000000', principal: `arn:aws:iam::000000000000:user/lw1-${i}`, action: 's3:GetObject', resource: `arn:aws:s3:::lw1/${i}`, decision: 'Allow', detail: { lw1: i } },
});
const summary = (n: number): TimedEvent => ({
  at: Date.parse('2026-12-01T10:05:00.000Z'),
  event: { kind: 'decision', account: '000000000000', principal: 'anonymous', action: 'sts:GetCallerIdentity', resource: '*', decision: 'Deny', sourceIp: '127.0.0.99', detail: { authentication: 'InvalidClientTokenId', message: 'refused authentications left out by the flood limit, summarised', suppressed: n, first: '2026-12-01T10:04:59.000Z', last: '2026-12-01T10:05:00.000Z', codes: ['InvalidClientTokenId'], actions: ['sts:GetCallerIdentity'], accessKeyIds: ['AKIALW1GUESSEDKEY000'] } },
});

describe('audit review lw1: temporary files a stopped writer left in the spool are completed or removed at start', () => {
  let data = '';
  let spoolDir = '';
  let server: TestServer | undefined;
  const names: Record<string, string> = {};
  let records: AuditRecord[] = [];

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'gatehouse-review-lw1-'));
    spoolDir = join(data, SPOOL_DIR);
    await mkdir(spoolDir, { recursive: true, mode: 0o700 });
    // A spool written and flushed, the instance killed before its rename.
    const whole = await fileAuditSpool(data, { instance: 'pod-lw1/7' }).save({ reason: 'the audit store was unreachable at stop', spooledAt: Date.parse('2026-12-01T10:01:00.000Z'), events: [decision(1), decision(2)] });
    names['wholeSpool'] = join(spoolDir, `.${basename(whole)}.tmp`);
    await rename(whole, names['wholeSpool']);
    // A spool whose write was cut short (killed midway, or the disk full).
    const torn = await fileAuditSpool(data, { instance: 'pod-lw1/8' }).save({ reason: 'the audit store was unreachable at stop', spooledAt: Date.parse('2026-12-01T10:02:00.000Z'), events: [decision(3), decision(4)] });
    const tornText = await readFile(torn, 'utf8');
    await rm(torn);
    names['tornSpool'] = join(spoolDir, `.${basename(torn)}.tmp`);
    await writeFile(names['tornSpool'], tornText.slice(0, Math.floor(tornText.length / 2)), { mode: 0o600 });
    // A first pending note written aside, killed before its rename: the only count of those refusals.
    const j = fileAuditJournal(data, { instance: 'pod-lw1/9' });
    j.notePending?.([summary(37)]);
    const pending = (await readdir(spoolDir)).find((n) => n.endsWith('-pending.jsonl'));
    assert.ok(pending !== undefined);
    names['wholePending'] = join(spoolDir, `${pending}.tmp`);
    await rename(join(spoolDir, pending), names['wholePending']);
    // A pending note torn by a full disk (another process's).
    const j2 = fileAuditJournal(data, { instance: 'pod-lw1/10' });
    j2.notePending?.([summary(5)]);
    const pending2 = (await readdir(spoolDir)).find((n) => n.endsWith('-pending.jsonl') && n.includes('pod-lw1_10'));
    assert.ok(pending2 !== undefined);
    const p2 = await readFile(join(spoolDir, pending2), 'utf8');
    await rm(join(spoolDir, pending2));
    names['tornPending'] = join(spoolDir, `${pending2}.tmp`);
    await writeFile(names['tornPending'], p2.slice(0, p2.length - 40), { mode: 0o600 });
    for (const k of Object.keys(names)) await utimes(names[k] as string, HOUR_AGO, HOUR_AGO);
    // One being written now, by a process that may be running: not touched.
    names['fresh'] = join(spoolDir, '.audit-spool-20261201T100300.000Z-pod-lw1_11-0a0b0c0d.json.tmp');
    await writeFile(names['fresh'], '{"format":"gatehouse-audit-spool","version":1,', { mode: 0o600 });

    server = await startTestServer({ dataDir: data });
    const keys = server.admin;
    const url = server.url;
    // The recovery is appended in the background at start: read until both are there, to a bound of time (settle.ts).
    records = await settled(
      async () => {
        const r = await gatehouseJson(url, keys, 'GET', '/v1/audit?limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: AuditRecord[] }).records;
      },
      (got) => got.filter((x) => x.action === 'gatehouse:RecoverAudit').length >= 2,
      SETTLE_MS,
      50,
    );
  });
  after(async () => {
    await server?.stop();
    await rm(data, { recursive: true, force: true });
  });

  it('a whole spool left aside is appended at start, marked recovered; its temporary file goes', async () => {
    const recovered = records.filter((x) => x.principal.startsWith('arn:aws:iam::000000000000:user/lw1-'));
    assert.deepEqual(recovered.map((x) => x.detail['lw1']), [1, 2], `the spooled decisions are in the audit log: ${JSON.stringify(records.map((x) => x.action))}`);
    for (const x of recovered) assert.ok(x.detail['recoveredFromSpool'] !== undefined, 'marked as recovered');
    const left = await readdir(spoolDir);
    assert.ok(!left.includes(basename(names['wholeSpool'] as string)), `the temporary file is gone: ${left.join(', ')}`);
    const v = await gatehouseJson(server!.url, server!.admin, 'GET', '/v1/audit/verify');
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });

  it('a whole pending note left aside (killed before its first rename) is appended: the count is not lost', async () => {
    const s = records.filter((x) => x.sourceIp === '127.0.0.99');
    assert.deepEqual(s.map((x) => x.detail['suppressed']), [37], `the noted summary is in the audit log, the torn one not: ${JSON.stringify(s)}`);
    assert.ok(s[0]?.detail['recoveredFromSpool'] !== undefined);
  });

  it('a torn temporary file is removed and said; one being written now is left alone', async () => {
    const left = await readdir(spoolDir);
    assert.deepEqual(left.filter((n) => n.endsWith('.tmp')), [basename(names['fresh'] as string)], `only the fresh temporary file is left: ${left.join(', ')}`);
    const logs = server!.logs.join('\n');
    assert.match(logs, /\.audit-spool-[^ ]*pod-lw1_8[^ ]*\.json\.tmp, .*: removed: /, logs);
    assert.match(logs, /pod-lw1_10[^ ]*-pending\.jsonl\.tmp, .*: removed: /, logs);
    assert.doesNotMatch(logs, /CANNOT READ/);
  });
});
