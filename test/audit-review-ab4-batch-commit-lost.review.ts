/**
 * Review ab4: an audit batch whose COMMIT answer was lost was written twice. The audit writer
 * (src/app/audit-store-appender.ts, in the writer's thread: src/adapters/audit-worker) links a batch to the chain's head
 * and appends it in one transaction; when the connection is lost while the COMMIT's answer is on the way the store
 * throws StoreOutcomeUnknownError, the queue (src/app/audit.ts `flushOnce`) keeps the batch and sends it again, and the
 * appender linked it to the head it then read — the batch itself, committed after all: every record of the batch was
 * in the log twice (a valid chain, so `audit verify` said nothing). Now the appender remembers what a write of unknown
 * outcome linked, and before writing again reads whether its last record is in the chain with the hash it computed:
 * if so the batch (or the part of it that write carried) is not written again. A real server on PostgreSQL behind the
 * TCP proxy that lets the COMMIT of an audit append reach PostgreSQL and swallows its answer; the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const skip = await pgSkip();

describe('review ab4: an audit batch whose COMMIT answer was lost is written once', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_ab4');
  });
  after(() => s?.stop());

  it('the record of a change is in the log once, and the chain verifies', async () => {
    // Everything queued so far is written first: the batch the proxy cuts holds this change's record.
    await s.records({ action: 'iam:CreateUser' });
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes('INSERT INTO audit_log') && text.includes('ab4-user'));
    const made = await s.cli(['iam', 'users', 'create', 'ab4-user']);
    assert.equal(made.code, 0, made.stderr);
    // The queue keeps a batch it could not confirm and writes it again once it can (a failed flush answers false):
    // flushed again until one answers true, to a bound of time (settle.ts), not 50 tries.
    const flushed = await settled(() => s.running.app.audit.flush(), (ok) => ok);
    assert.ok(flushed, 'the queue was written');
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the audit batch');
    const records = (await s.records({})).filter((r) => r.action === 'iam:CreateUser' && r.resource.endsWith(':user/ab4-user'));
    // Before the fix: two records (seqs 1 and 2, the second linked to the first), a valid chain.
    assert.equal(records.length, 1, JSON.stringify(records.map((r) => ({ seq: r.seq, hash: r.hash }))));
    const verify = await s.cli(['audit', 'verify', '--json']);
    assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  });

  it('a batch lost twice, the second time with records queued since, is in the log once too', async () => {
    const flushed = async (): Promise<void> => {
      const ok = await settled(() => s.running.app.audit.flush(), (done) => done);
      assert.ok(ok, 'the queue was written');
    };
    await flushed();
    const fired = s.fired;
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes('INSERT INTO audit_log') && text.includes('ab4-first'));
    assert.equal((await s.cli(['iam', 'users', 'create', 'ab4-first'])).code, 0);
    // The batch is written in the background; read every 10 ms, for the next fault must be set before it is sent again.
    await settled(async () => s.fired, (n) => n !== fired, SETTLE_MS, 10);
    assert.equal(s.fired, fired + 1, 'the proxy cut the COMMIT of the first batch');
    // Before the queue writes it again (after 200 ms): a record more, in the batch sent again, whose COMMIT is lost too.
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes('INSERT INTO audit_log') && text.includes('ab4-second'));
    const second = await gatehouseJson(s.running.url, s.admin, 'POST', '/v1/users', { name: 'ab4-second' });
    await flushed();
    assert.equal(s.fired, fired + 2, 'the proxy cut the COMMIT of the batch sent again');
    const all = await s.records({});
    const about = (name: string) => all.filter((r) => r.action === 'iam:CreateUser' && r.resource.endsWith(`:user/${name}`));
    assert.equal(about('ab4-first').length, 1, JSON.stringify(about('ab4-first')));
    assert.equal(about('ab4-second').length, 1, JSON.stringify(about('ab4-second')));
    const verify = await s.cli(['audit', 'verify', '--json']);
    assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  });
});
