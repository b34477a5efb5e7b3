/**
 * Review pl, 3. Someone who can write the database but lacks the master key writes the whole audit chain again with
 * plain SHA-256 (a record's detail changed, every link made again, `at` of the first records set years back) while a
 * server with retention runs. Its next retention sweep checked the records it deletes as `verify` does, which accepts
 * records linked with SHA-256 before the first keyed one (records older than keyed chains), deleted the old ones and
 * linked its `gatehouse:PruneAudit` record, keyed, onto the forged head: that record covered every rewritten record
 * still kept, and `gatehouse audit verify` said intact (where, before the sweep, it said the newest record is not
 * keyed). The server itself laundered the rewrite, as the appender did before review pl, 2.
 *
 * Now an instance that has committed keyed records does not link a pruning record onto a head not linked with the
 * chain's key: it prunes nothing, says so in the log, and the rewrite stays for `verify` to report. Contract: issue 7
 * ("an edit or deletion is detected by `gatehouse audit verify`"); docs/decisions.md "The chain is keyed (stop 28)"
 * and "Retention prunes to an attested checkpoint" (a part deletes only records that verify).
 *
 * Real server on SQLite with retention; the forger writes the database file.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { relinkUnkeyed } from './support/audit-forger.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const DAY_MS = 86_400_000;
const OLD = '2001-01-01T00:00:00.000Z';

interface Report {
  ok: boolean;
  keyedFrom?: number;
  head: { seq: number };
  base: { seq: number };
  breaks?: { seq: number; reason: string; message: string }[];
}

/** The forger: every record linked again with SHA-256, record 2's detail changed, records 1–2 dated 2001. */
const forge = (s: TestServer): Promise<void> =>
  relinkUnkeyed(s.dataDir, (r) => ({ at: r.seq <= 2 ? OLD : r.at, detail: r.seq === 2 ? { ...r.detail, rewritten: true } : r.detail }));

describe('review pl3: a retention sweep does not key over a chain rewritten without the key', () => {
  let s: TestServer;
  const verify = async (): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Report;
  };
  before(async () => {
    s = await startTestServer({ keepDir: true, audit: { retentionDays: 30 } });
    for (let i = 0; i < 4; i++) await s.iam().send(new CreateUserCommand({ UserName: `pl3-${i}` }));
    assert.ok(await s.running.app.audit.flush());
  });
  after(async () => {
    await s?.stop();
  });

  it('the sweep after the rewrite leaves it for verify to report', async () => {
    const intact = await verify();
    assert.equal(intact.ok, true, JSON.stringify(intact));
    assert.equal(intact.keyedFrom, 1);
    await forge(s);
    const r = await s.running.app.audit.prune(Date.now() - 30 * DAY_MS);
    assert.equal(r.pruned, 0, `nothing pruned onto a head written without the key: ${JSON.stringify(r)}`);
    const v = await verify();
    assert.equal(v.ok, false, `verify must not say intact: ${JSON.stringify(v)}`);
    assert.ok(s.logs.some((l) => l.includes('not linked with the chain') && l.includes('retention')), s.logs.join('\n'));
  });
});
