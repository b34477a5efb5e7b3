/**
 * Review qg, 2 (fixed in src/adapters/audit-spool/journal.ts and src/app/audit.ts): the audit journal (records of
 * sessions, changes and jobs, one line each, written as they are recorded so that a hard stop loses none) read back
 * at the next start skipped a last line without its newline — and said nothing of it. A journal whose tail was cut
 * (the process killed mid-write, a disk that filled, or the file truncated while the server was stopped: a restore,
 * a copy cut short) lost that record without a word: not in the `gatehouse:RecoverAudit` record's reason, not in the
 * log; and a segment whose only record was the torn one was removed as holding nothing, so no trace at all was left
 * of a session or change the journal was there to keep. A last line whose newline alone was cut (the record whole)
 * was dropped as well. Demanded (DESIGN.md, docs/decisions.md "Nothing is dropped silently"): what cannot be
 * recovered is said, in the chain and in the log, and everything else is kept.
 *
 * Now a whole last line is recovered as any other, and a torn one is named in the recovery record's reason (its line
 * number and length: the record it held is lost) and in the start's log; a segment with only a torn line gets a
 * `gatehouse:RecoverAudit` record of its own (count 0) instead of vanishing. A real in-process server started on a data
 * dir where three journals of a stopped instance were left, their tails cut; the audit API read with SigV4.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { RECOVER_ACTION } from '../src/app/audit.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const change = (i: number) => ({
  at: Date.parse('2026-12-01T10:00:00.000Z') + i * 1000,
  event: { kind: 'change' as const, account: ROOT, principal: `arn:aws:iam::${ROOT}:user/admin`, action: 'iam:CreateUser', resource: `arn:aws:iam::${ROOT}:user/qg2-${i}`, decision: 'ok', detail: { qg2: i } },
});

/** A journal of instance `who` holding records `of`, its file cut by `cut` bytes at the end; its file name. */
async function leftJournal(data: string, who: string, of: number[], cut: (lastLine: number) => number): Promise<string> {
  const j = fileAuditJournal(data, { instance: who });
  for (const i of of) j.write(change(i));
  const [name] = j.seal();
  assert.ok(name !== undefined);
  await j.close();
  const where = join(data, SPOOL_DIR, name);
  const lastLine = Buffer.byteLength((await readFile(where, 'utf8')).split('\n').at(-2) as string);
  await truncate(where, (await stat(where)).size - cut(lastLine));
  return name;
}

describe('audit review qg2: a journal whose tail was cut is recovered as far as it goes, and the cut is said', () => {
  let data = '';
  let server: TestServer | undefined;
  const names: Record<string, string> = {};
  let records: AuditRecord[] = [];

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'gatehouse-review-qg2-'));
    // Three records, the last line cut in its middle.
    names['torn'] = await leftJournal(data, 'pod-qg2/1', [1, 2, 3], (n) => Math.floor(n / 2));
    // One record, its line cut in its middle: the segment holds no whole record.
    names['only'] = await leftJournal(data, 'pod-qg2/2', [4], (n) => Math.floor(n / 2));
    // Two records, only the last newline cut: every record is whole.
    names['newline'] = await leftJournal(data, 'pod-qg2/3', [5, 6], () => 1);
    server = await startTestServer({ dataDir: data });
    assert.ok(await server.running.app.audit.flush());
    const r = await gatehouseJson(server.url, server.admin, 'GET', '/v1/audit?limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    records = (r.json as { records: AuditRecord[] }).records;
  });
  after(async () => {
    await server?.stop();
    await rm(data, { recursive: true, force: true });
  });

  const recovery = (name: string): AuditRecord | undefined => records.find((x) => x.action === RECOVER_ACTION && x.detail['spool'] === name);
  const recovered = (): unknown[] => records.filter((x) => x.detail['recoveredFromSpool'] !== undefined).map((x) => x.detail['qg2']);

  it('the whole lines are recovered and the recovery record says the last line was cut off and lost', () => {
    assert.deepEqual(recovered().filter((i) => (i as number) <= 3), [1, 2]);
    const r = recovery(names['torn'] as string);
    assert.ok(r !== undefined, JSON.stringify(records.map((x) => x.action)));
    assert.match(String(r.detail['reason']), /line 4 .*cut off/, String(r.detail['reason']));
    const logs = server!.logs.join('\n');
    assert.match(logs, new RegExp(`${names['torn']}.*line 4 .*cut off`), logs);
  });

  it('a segment whose only record was torn leaves a recovery record saying so, not nothing', async () => {
    const r = recovery(names['only'] as string);
    assert.ok(r !== undefined, `no trace of the torn record: ${JSON.stringify(records.map((x) => [x.action, x.detail['spool']]))}`);
    assert.equal(r.detail['count'], 0);
    assert.match(String(r.detail['reason']), /line 2 .*cut off/);
    assert.deepEqual((await readdir(join(data, SPOOL_DIR))).filter((n) => n.includes('pod-qg2')), [], 'the journals are removed once recorded');
  });

  it('a last line whose newline alone was cut is a whole record: recovered', () => {
    assert.deepEqual(recovered().filter((i) => (i as number) >= 5), [5, 6]);
    const r = recovery(names['newline'] as string);
    assert.ok(r !== undefined);
    assert.doesNotMatch(String(r.detail['reason']), /cut off/);
  });
});
