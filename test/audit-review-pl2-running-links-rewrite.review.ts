/**
 * Review pl, 2. Someone who can write the database but lacks the master key writes the whole audit chain again with
 * plain SHA-256 (an edit of any record, every link made again) and appends one record after it, while a server runs.
 * That server's next batch was linked onto the forged head with the chain's key: the keyed record covered every
 * rewritten one, `gatehouse audit verify` said intact (exit 0) and `keyedFrom` moved, with no restart at all — the
 * limit docs/decisions.md names ("The chain is keyed (stop 28)") needs a server restarted on the rewrite. The
 * instance had committed keyed records itself, so a head it links to that is not linked with the key (and lies past
 * what it committed) cannot be the chain it wrote: the records before it were written again without the key.
 *
 * Now the instance logs it, counts it as a head regression and appends a keyed `gatehouse:AuditHeadMovedBack` record
 * naming the record it committed and the unkeyed head it found, which `verify` reports (as it reports a head moved
 * back, review jz, 1). Contract: issue 7 ("Records are hash-chained so that an edit or deletion is detected by
 * `gatehouse audit verify`"); docs/decisions.md "The chain is keyed (stop 28)".
 *
 * Real server on SQLite; the forger's writes go to the database file (the chain relinked with SHA-256 as in the
 * stop-28 test, then one record appended with the chain appender of an unkeyed deployment).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import { relinkUnkeyed } from './support/audit-forger.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

interface Report {
  ok: boolean;
  keyedFrom?: number;
  head: { seq: number; hash: string };
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

/** The forger: every record linked again with SHA-256 (record 2's detail changed), then one record appended unkeyed. */
async function forge(s: TestServer): Promise<void> {
  await relinkUnkeyed(s.dataDir, (r) => ({ at: r.at, detail: r.seq === 2 ? { ...r.detail, rewritten: true } : r.detail }));
  const store = await openSqliteStore({ dataDir: s.dataDir });
  try {
    await storeAppender(store).append([{ at: Date.now(), event: { kind: 'change', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:CreateUser', resource: 'x', decision: 'ok', detail: {} } }]);
  } finally {
    await store.close();
  }
}

describe('review pl2: a running server does not key over a chain rewritten without the key', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ keepDir: true });
    await users(s, 'pl2-', 3);
  });
  after(async () => {
    await s.stop();
  });

  it('the rewrite is reported by verify after the server links its next batch', async () => {
    const intact = await verify(s);
    assert.equal(intact.status, 0, JSON.stringify(intact.report));
    assert.equal(intact.report.keyedFrom, 1);
    const committed = intact.report.head;
    await forge(s);
    await users(s, 'pl2-after-', 1);
    assert.ok(await s.running.app.audit.flush());
    const v = await verify(s);
    assert.equal(v.status, 1, `verify must not say intact: ${JSON.stringify(v.report)}`);
    assert.ok(v.report.breaks?.some((b) => b.reason === 'truncated' && b.message.includes(`record ${committed.seq}`)), JSON.stringify(v.report));
    assert.ok(s.logs.some((l) => l.includes('NOT LINKED WITH THE CHAIN')), s.logs.join('\n'));
  });
});
