/**
 * Review iw, 1: a batch of audit records whose COMMIT reached PostgreSQL but whose answer was lost, followed by a stop
 * while the database stayed out of reach, was in the audit log twice after the next start. The writer keeps the batch
 * (it may not have committed) and, within one process, looks before writing it again (review ab4); but a stop before it
 * can look spools the whole queue to DIR/audit-spool/, and the next start appended every spooled record as it was, the
 * batch that had committed included: the change recorded twice (the second copy marked recoveredFromSpool), a valid
 * chain, so `audit verify` said nothing. An auditor counts two CreateUser calls where one was made; a "session issued"
 * counted twice. What the spool held after a write of unknown outcome is now recovered as a journal segment is: only the
 * records the chain does not already hold are appended (the recovery record says how many were written already).
 *
 * A real server on the test PostgreSQL behind a TCP proxy that lets the COMMIT of the audit append reach PostgreSQL,
 * swallows its answer and then refuses every connection until the server has stopped (a database lost mid-commit);
 * a second start on the same data dir and schema; the IAM SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (the user's creation was recorded twice).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { isCommit, postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const skip = await pgSkip();
const schema = `gh_audit_iw1_${process.pid}`;

interface Rec {
  seq: number;
  action: string;
  resource: string;
  detail: Record<string, unknown>;
}

describe('review iw1: records spooled after a lost COMMIT are in the log once', { skip, timeout: 120_000 }, () => {
  const dataDir = mkdtemp(join(tmpdir(), 'gh-audit-iw1-'));
  /** `pass`: bytes flow; `armed`: the next COMMIT of an audit batch naming the user reaches PostgreSQL, its answer does not; `down`: every connection is cut. */
  let mode: 'pass' | 'armed' | 'down' = 'pass';
  let fired = 0;
  let proxy: Awaited<ReturnType<typeof postgresProxy>> | undefined;
  let second: RunningServer | undefined;
  const logs: string[] = [];

  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    proxy = await postgresProxy((client, upstream) => {
      if (mode === 'down') return void (client.destroy(), upstream.destroy());
      let sawBatch = false;
      let swallow = false;
      client.on('data', (b: Buffer) => {
        if (mode === 'down') return void (client.destroy(), upstream.destroy());
        const text = b.toString('latin1');
        if (mode === 'armed' && text.includes('INSERT INTO audit_log') && text.includes('iw1-user')) sawBatch = true;
        if (mode === 'armed' && sawBatch && isCommit(text)) {
          swallow = true;
          fired += 1;
          // From here on PostgreSQL is out of reach for this server: nothing can look whether the batch committed.
          mode = 'down';
        }
        upstream.write(b);
      });
      upstream.on('data', (b: Buffer) => {
        if (!swallow) return void client.write(b);
        if (b.toString('latin1').includes('COMMIT')) (client.destroy(), upstream.destroy());
      });
    });
  });
  after(async () => {
    await second?.stop().catch(() => undefined);
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    await rm(await dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<RunningServer> =>
    startServer({ dataDir: await dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: (l) => void logs.push(l), audit: { maxUnwrittenMs: 30_000, drainMs: 500 }, databaseUrl: proxy?.url ?? '', databaseSchema: schema });

  it('a user created while its record is lost mid-commit, then a stop, then a start: one record', async () => {
    const first = await start();
    const file = JSON.parse(await readFile(join(await dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    await first.app.audit.flush();
    mode = 'armed';
    const iam = new IAMClient({ endpoint: first.url, region: REGION, credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    await iam.send(new CreateUserCommand({ UserName: 'iw1-user' }));
    iam.destroy();
    // The audit batch is written in the background: its COMMIT is waited for to a bound of time (settle.ts), not 300 tries.
    await settled(async () => fired, (n) => n > 0, SETTLE_MS, 10);
    assert.equal(fired, 1, 'the COMMIT of the audit batch reached PostgreSQL and its answer was lost');
    // A decision made during the outage (from what is in memory): its record was never written, and must be recovered.
    const decided = await gatehouseJson(first.url, admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::iw1-bucket/after-the-outage' });
    assert.equal(decided.status, 200, JSON.stringify(decided.json));
    await first.stop();
    const spooled = (await readdir(join(await dataDir, 'audit-spool'))).filter((n) => n.startsWith('audit-spool-'));
    assert.equal(spooled.length, 1, `the stop spooled what it could not confirm: ${spooled.join(', ')}`);

    mode = 'pass';
    second = await start();
    await second.app.audit.flush();
    const r = await gatehouseJson(second.url, admin, 'GET', '/v1/audit?limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = (r.json as { records: Rec[] }).records;
    const made = records.filter((x) => x.action === 'iam:CreateUser' && x.resource.endsWith(':user/iw1-user'));
    // Before the fix: two, the second marked recoveredFromSpool.
    assert.equal(made.length, 1, JSON.stringify(made.map((x) => ({ seq: x.seq, recovered: x.detail['recoveredFromSpool'] !== undefined }))));
    // What was not written is appended once, marked as recovered; the recovery record says what was there already.
    const recovered = records.filter((x) => x.detail['recoveredFromSpool'] !== undefined);
    assert.deepEqual(recovered.map((x) => x.resource), ['arn:aws:s3:::iw1-bucket/after-the-outage']);
    const recovery = records.filter((x) => x.action === 'gatehouse:RecoverAudit');
    assert.equal(recovery.length, 1, 'the recovery is recorded');
    assert.equal(recovery[0]?.detail['count'], 1, JSON.stringify(recovery[0]?.detail));
    assert.ok(typeof recovery[0]?.detail['alreadyWritten'] === 'number' && recovery[0].detail['alreadyWritten'] >= 1, JSON.stringify(recovery[0]?.detail));
    assert.deepEqual(await readdir(join(await dataDir, 'audit-spool')).then((ns) => ns.filter((n) => n.startsWith('audit-spool-'))), [], 'the spool is removed');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const file = JSON.parse(await readFile(join(await dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const v = await gatehouseJson(second.url, { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey }, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
