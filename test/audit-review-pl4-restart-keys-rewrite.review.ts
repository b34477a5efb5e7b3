/**
 * Review pl, 4. Someone who can write the database but lacks the master key writes the whole audit chain again with
 * plain SHA-256 (a record's detail changed, every link made again) and gets the server restarted. The start took the
 * chain for one older than keyed chains and keyed it over (`gatehouse:KeyAuditChain`): `gatehouse audit verify` said
 * intact, only `keyedFrom` moved. docs/decisions.md ("The chain is keyed (stop 28)") names that limit: the database
 * cannot tell such a rewrite from an old chain. The instance's data dir can: an instance now notes there
 * (`audit-keyed.json`, outside the database) the first record it committed keyed, and a start whose chain's newest
 * record is not keyed, with that note present, does not key it over: it says so loudly, and its first batch is
 * compared against the noted record (as a head moved back, review jz, 1; or an unkeyed head past it, review pl, 2),
 * which puts a keyed record of the rewrite in the chain for `verify` to report.
 *
 * Contract: issue 7 ("an edit or deletion is detected by `gatehouse audit verify`"); docs/decisions.md "The chain
 * is keyed (stop 28)". Real server on SQLite, stopped and started again on the same data dir.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { relinkUnkeyed } from './support/audit-forger.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';


interface Report {
  ok: boolean;
  keyedFrom?: number;
  head: { seq: number; hash: string };
  breaks?: { seq: number; reason: string; message: string }[];
}

async function verify(s: TestServer): Promise<Report> {
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Report;
}

/** The forger: every record linked again with SHA-256, record 2's detail changed. */
const forge = (dataDir: string): Promise<void> => relinkUnkeyed(dataDir, (r) => ({ at: r.at, detail: r.seq === 2 ? { ...r.detail, rewritten: true } : r.detail }));

describe('review pl4: a start does not key over a chain rewritten without the key', () => {
  let s: TestServer;
  let t: TestServer | undefined;
  before(async () => {
    s = await startTestServer({ keepDir: true });
    for (let i = 0; i < 3; i++) await s.iam().send(new CreateUserCommand({ UserName: `pl4-${i}` }));
    assert.ok(await s.running.app.audit.flush());
  });
  after(async () => {
    await t?.stop();
    await s.stop();
  });

  it('the rewrite is reported by verify after the restart', async () => {
    const intact = await verify(s);
    assert.equal(intact.ok, true, JSON.stringify(intact));
    assert.equal(intact.keyedFrom, 1);
    // The note is written in the background: waited for to a bound of time (settle.ts), not 100 tries.
    await settled(async () => existsSync(join(s.dataDir, 'audit-keyed.json')), (there) => there, SETTLE_MS, 50);
    await s.stopServer();
    await forge(s.dataDir);
    t = await startTestServer({ dataDir: s.dataDir, keepDir: true });
    await t.running.app.audit.keyed();
    await t.iam().send(new CreateUserCommand({ UserName: 'pl4-after' }));
    assert.ok(await t.running.app.audit.flush());
    assert.ok(await t.running.app.audit.flush());
    const v = await verify(t);
    assert.equal(v.ok, false, `verify must not say intact: ${JSON.stringify(v)}`);
    assert.ok(t.logs.some((l) => l.includes('WRITTEN AGAIN WITHOUT THE CHAIN')), t.logs.join('\n'));
  });
});
