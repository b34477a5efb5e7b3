/**
 * Review qg, 3 (fixed in src/app/audit.ts `keyChain`). Someone who can write the database but lacks the master key
 * writes the whole audit chain again with plain SHA-256. An instance whose data dir holds no `audit-keyed.json` (a new
 * pod on PostgreSQL, its data dir fresh) starts on it and keys it over (`gatehouse:KeyAuditChain`): docs/decisions.md
 * names that the limit of review pl, 4. But the instances whose data dirs do hold the note were blind to it too: at
 * their next start the chain's newest record was keyed (the new instance's), so the note was never looked at, and
 * `gatehouse audit verify` said intact (only `keyedFrom` moved), for good. The note says this instance committed
 * record N with hash H, linked with the key; a start that finds record N there with another hash, linked without the
 * key, has found the rewrite, whoever keyed over it since: now it says so loudly, counts a head regression, and puts
 * a keyed `gatehouse:AuditHeadMovedBack` record of it in the chain, which `verify` reports.
 *
 * Modelled on one SQLite data dir (the database lives in it): the instance that keys over is a start with the note
 * moved aside, the note put back after it (the first instance's data dir). A real in-process server each time.
 * Contract: issue 7 ("an edit or deletion is detected by `gatehouse audit verify`"); docs/decisions.md "The chain is
 * keyed (stop 28)".
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { KEYED_NOTE_FILE } from '../src/adapters/audit-spool/keyed-note.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { relinkUnkeyed } from './support/audit-forger.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

interface Report {
  ok: boolean;
  keyedFrom?: number;
  breaks?: { seq: number; reason: string; message: string }[];
}

async function verify(s: TestServer): Promise<Report> {
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Report;
}

describe('review qg3: a start whose noted record was written again without the key says so, though another instance keyed over it', () => {
  let s: TestServer;
  let u: TestServer | undefined;
  before(async () => {
    s = await startTestServer({ keepDir: true });
    for (let i = 0; i < 3; i++) await s.iam().send(new CreateUserCommand({ UserName: `qg3-${i}` }));
    assert.ok(await s.running.app.audit.flush());
  });
  after(async () => {
    await u?.stop();
    await s.stop();
  });

  it('the rewrite is reported by verify after the restart', async () => {
    const note = join(s.dataDir, KEYED_NOTE_FILE);
    // The note is written in the background: waited for to a bound of time (settle.ts), not 100 tries.
    await settled(async () => existsSync(note), (there) => there, SETTLE_MS, 50);
    assert.ok(existsSync(note));
    await s.stopServer();
    await relinkUnkeyed(s.dataDir, (r) => ({ at: r.at, detail: r.seq === 2 ? { ...r.detail, rewritten: true } : r.detail }));
    // A new instance (no note) keys the rewrite over: the documented limit.
    const saved = join(s.dataDir, 'qg3-note.json');
    await rename(note, saved);
    const t = await startTestServer({ dataDir: s.dataDir, keepDir: true });
    await t.running.app.audit.keyed();
    assert.ok(await t.running.app.audit.flush());
    assert.equal((await verify(t)).ok, true, 'keyed over: verify says intact (the limit of a data dir without the note)');
    await t.stopServer();
    // The first instance's data dir, its note as it left it, starts again.
    await copyFile(saved, note);
    u = await startTestServer({ dataDir: s.dataDir, keepDir: true });
    await u.running.app.audit.keyed();
    await u.iam().send(new CreateUserCommand({ UserName: 'qg3-after' }));
    assert.ok(await u.running.app.audit.flush());
    assert.ok(await u.running.app.audit.flush());
    const v = await verify(u);
    assert.equal(v.ok, false, `verify must not say intact: ${JSON.stringify(v)}`);
    assert.match(v.breaks?.[0]?.message ?? '', /written again without the key/, JSON.stringify(v));
    assert.ok(u.logs.some((l) => l.includes('WRITTEN AGAIN WITHOUT THE CHAIN')), u.logs.join('\n'));
    assert.equal(u.running.app.audit.status().headRegressions, 1);
  });
});
