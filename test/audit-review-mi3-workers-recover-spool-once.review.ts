/**
 * Review mi, 3: the workers of `gatehouse server --workers N` each appended an earlier stop's audit spool, so its records were in the chain N times.
 *
 * docs/decisions.md ("Audit log"): what a stop could not write is spooled to `DIR/audit-spool/` and "the next start
 * appends it first, marked, then removes the spool"; "a spool already appended is not appended twice"; and it noted as
 * not done "one spool directory shared by several instances at once (each has its own data dir)". But `--workers N`
 * (docs/decisions.md, "`gatehouse server --workers N` is N instances on one machine") runs N whole servers on one data
 * dir: every worker read every spool file at its start, and each appended it. The check that a spool was appended
 * already (its `gatehouse:RecoverAudit` record in the chain) is read before the append, in another transaction, so
 * workers recovering at once all found none. They do recover at once in the very case spools exist for: the database
 * was unreachable at the stop (that is why the queue was spooled) and is still at the restart, so no worker can
 * append, every worker (worker 1, then the others) loads the same spools, and when the database answers again each
 * appends them: every session issued and every change made during the outage is in the log N times, each with its own
 * RecoverAudit record. An audit log that counts an event twice misleads as one that drops it (review lw, 2). The same
 * held for the journal segments of a server killed hard, which every worker took up once their process was gone.
 *
 * Now a worker claims a spool or a dead process's journal segment before appending it (an atomic rename to a name that
 * carries its own process; a claim whose process is gone is taken up again), so one worker appends it, once.
 * Tested with the audit logs of two workers on one data dir and one store whose writes fail, then work again.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createAudit, RECOVER_ACTION } from '../src/app/audit.ts';
import { fileAuditSpool, SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { flakySqlite, sessionEvent, verifiedChain } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('review mi3: the workers on one data dir append an earlier stop\'s records once', () => {
  it('a spool: two workers that start during the outage append it once when the store answers again', async () => {
    const f = await flakySqlite('gh-mi3-spool-');
    dirs.push(f.dir);
    // The stop during the outage: three sessions spooled.
    const before = createAudit({ store: f.store, now: () => Date.now(), spool: fileAuditSpool(f.dir, { instance: 'host/1' }) }, { flushMs: 5, drainMs: 50 });
    before.start();
    f.fail(true);
    for (const i of [1, 2, 3]) before.record(sessionEvent(i));
    await before.stop();
    assert.equal((await readdir(join(f.dir, SPOOL_DIR))).filter((n) => n.endsWith('.json')).length, 1, 'one spool');

    // The restart, the database still unreachable: both workers load the spool.
    const workers = ['host/2', 'host/3'].map((instance) => createAudit({ store: f.store, now: () => Date.now(), spool: fileAuditSpool(f.dir, { instance }), log: () => {} }, { flushMs: 5 }));
    for (const w of workers) w.start();
    for (const w of workers) await w.flush();
    assert.equal((await f.real.read((tx) => tx.audit.head())).seq, 0, 'nothing can be written yet');
    f.fail(false);
    await Promise.all(workers.map((w) => w.flush()));
    await Promise.all(workers.map((w) => w.flush()));
    for (const w of workers) await w.stop();
    const rows = await verifiedChain(f.real);
    assert.deepEqual(rows.map((r) => r.detail['i'] ?? r.action), [1, 2, 3, RECOVER_ACTION], 'the spooled sessions once, and one recovery record');
    assert.deepEqual((await readdir(join(f.dir, SPOOL_DIR))).filter((n) => !n.startsWith('.')), [], 'the spool is removed');
    await f.real.close();
  });

  it('a journal segment of a server killed hard: two workers take it up once', async () => {
    const f = await flakySqlite('gh-mi3-journal-');
    dirs.push(f.dir);
    // A server whose records were journaled and never written, then gone (its process is no more: a pid that is not
    // running; the segment names this host).
    const journal = fileAuditJournal(f.dir, { instance: 'host/1' });
    for (const i of [1, 2, 3]) journal.write({ at: Date.now(), event: sessionEvent(i) });
    journal.seal();
    const spoolDir = join(f.dir, SPOOL_DIR);
    const [segment] = (await readdir(spoolDir)).filter((n) => n.startsWith('audit-journal-'));
    assert.ok(segment !== undefined);
    const { readFile, writeFile } = await import('node:fs/promises');
    const text = await readFile(join(spoolDir, segment), 'utf8');
    const lines = text.split('\n');
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>;
    // A pid no process has (above the kernel's pid_max).
    header['pid'] = 2 ** 22 + 1;
    await writeFile(join(spoolDir, segment), [JSON.stringify(header), ...lines.slice(1)].join('\n'));

    f.fail(true);
    const workers = ['host/2', 'host/3'].map((instance) => createAudit({ store: f.store, now: () => Date.now(), journal: fileAuditJournal(f.dir, { instance }), log: () => {} }, { flushMs: 5 }));
    for (const w of workers) w.start();
    for (const w of workers) await w.flush();
    assert.equal((await f.real.read((tx) => tx.audit.head())).seq, 0, 'nothing can be written yet');
    f.fail(false);
    await Promise.all(workers.map((w) => w.flush()));
    await Promise.all(workers.map((w) => w.flush()));
    for (const w of workers) await w.stop();
    const rows = await verifiedChain(f.real);
    assert.deepEqual(rows.map((r) => r.detail['i'] ?? r.action), [1, 2, 3, RECOVER_ACTION], 'the journaled sessions once, and one recovery record');
    await f.real.close();
  });
});
