/**
 * Review Z, finding 1: an apply's change records commit with the change. They were handed to the audit queue one by
 * one after `store.write` committed, so a hard stop (kill -9) right after the commit lost them. Now `applyConfig`
 * appends them to the audit chain inside its own write transaction: they are in `audit_log` the moment the answer
 * arrives (no writer involved), once each, on a chain that verifies; a failure to append them aborts the apply.
 * Real servers on 127.0.0.1 (SQLite): in process through `POST /v1/apply`, and `gatehouse server` in a child process
 * killed with SIGKILL right after the answer (the start after it in this process: test/support/server-in-process.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { randomBytes } from 'node:crypto';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import { createApp } from '../src/app/index.ts';
import { cliAgainst, startTestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { verifiedChain } from './support/flaky-store.ts';
import { connectionTo, serverProcess } from './support/processes.ts';
import { serverInProcess } from './support/server-in-process.ts';

const ROOT = '000000000000';
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] };
const users = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({
    apiVersion: 'gatehouse.dev/v1',
    kind: 'User',
    metadata: { name: `${prefix}${i}` },
    spec: { tags: { team: 'vision' }, inlinePolicies: { read: POLICY } },
  }));

async function chainOf(dataDir: string): Promise<AuditRecord[]> {
  const store = await openSqliteStore({ dataDir });
  try {
    return await verifiedChain(store, dataDir);
  } finally {
    await store.close();
  }
}

const created = (rows: readonly AuditRecord[], prefix: string): AuditRecord[] =>
  rows.filter((r) => r.action === 'iam:CreateUser' && r.decision === 'ok' && r.resource.startsWith(`arn:aws:iam::${ROOT}:user/${prefix}`));

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('review Z1: an apply records its changes in its own transaction', () => {
  it('300 users: every step record is in audit_log when the answer arrives, once, on a verified chain; audit query shows them', { timeout: 120_000 }, async () => {
    // The queue would write nothing for a minute: only records written with the change can be there.
    const s = await startTestServer({ audit: { flushMs: 60_000, batchSize: 100_000, maxUnwrittenMs: 120_000 } });
    try {
      const r = await call<{ summary: { create: number } }>(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: users(300, 'z1u') } });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value.summary.create, 300);
      const rows = await chainOf(s.dataDir);
      const made = created(rows, 'z1u');
      assert.equal(made.length, 300, `CreateUser records at the answer: ${made.length}`);
      assert.equal(rows.filter((x) => x.action === 'iam:PutUserPolicy' && x.resource.includes(':user/z1u')).length, 300, 'PutUserPolicy records');
      const one = made.find((x) => x.resource === `arn:aws:iam::${ROOT}:user/z1u7`);
      assert.deepEqual(one?.detail['apply'], { kind: 'User', name: 'z1u7', account: ROOT });
      assert.equal(one?.principal, `arn:aws:iam::${ROOT}:user/admin`);
      assert.ok(!JSON.stringify(rows).includes(s.admin.secretAccessKey), 'no secret in the log');

      // The queue adds no copy of them.
      assert.ok(await s.running.app.audit.flush());
      const again = await chainOf(s.dataDir);
      assert.equal(created(again, 'z1u').length, 300, 'no duplicate after the queue is flushed');

      const verify = await cliAgainst(s, ['audit', 'verify']);
      assert.equal(verify.status, 0, verify.out + verify.err);
      assert.match(verify.out, /intact/);
      const q = await call<{ records: { action: string; resource: string }[] }>(connectionTo(s.url, s.admin), 'GET', ['audit'], {
        query: { action: 'iam:CreateUser', limit: '1000' },
      });
      assert.ok(q.ok, JSON.stringify(q));
      assert.equal(q.value.records.filter((x) => x.resource.includes(':user/z1u')).length, 300, 'audit query shows them');
    } finally {
      await s.stop();
    }
  });

  it('an apply whose records cannot be appended changes nothing and says why', { timeout: 60_000 }, async () => {
    // The refused apply's own record cannot be written either: the stop does not wait for it.
    const s = await startTestServer({ audit: { drainMs: 0 } });
    try {
      const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
      db.exec(`CREATE TRIGGER gh_test_audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END`);
      db.close();
      const r = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: users(3, 'z1f') } });
      assert.ok(!r.ok, JSON.stringify(r));
      assert.equal(r.errors[0]?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(r));
      assert.match(r.errors[0]?.message ?? '', /audit log cannot be written.*nothing was changed/);
      const store = await openSqliteStore({ dataDir: s.dataDir });
      try {
        assert.equal(await store.read((tx) => tx.users.get(ROOT, 'z1f0')), undefined, 'nothing applied');
      } finally {
        await store.close();
      }
    } finally {
      await s.stop();
    }
  });

  it('the closed audit gate still refuses an apply while the queue cannot write', { timeout: 60_000 }, async () => {
    const s = await startTestServer({ audit: { drainMs: 0, flushMs: 5 } });
    try {
      const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
      db.exec(`CREATE TRIGGER gh_test_audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END`);
      db.close();
      // A record the queue cannot write closes the gate.
      s.running.app.audit.record({ kind: 'change', account: ROOT, principal: 'p', action: 'iam:Test', resource: 'r', decision: 'ok', detail: {} });
      assert.equal(await s.running.app.audit.flush(), false);
      const r = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: users(2, 'z1g') } });
      assert.ok(!r.ok, JSON.stringify(r));
      assert.equal(r.errors[0]?.code, 'SERVICE_UNAVAILABLE');
      assert.match(r.errors[0]?.message ?? '', /the directory is not changed until it can/);
    } finally {
      await s.stop();
    }
  });

  it('gatehouse server killed with SIGKILL right after the answer (journal off): every CreateUser record is there after the restart', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-apply-z1-kill-'));
    dirs.push(dataDir);
    // Without the journal, the queue's records live in memory only: the change's own transaction must hold them.
    const env = { HOME: dataDir, GATEHOUSE_AUDIT_JOURNAL: 'off' };
    const args = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'];
    const a = await serverProcess(args, env);
    const kill = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    };
    try {
      const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
      const keys = { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
      const r = await call(connectionTo(a.url, keys), 'POST', ['apply'], { body: { documents: users(300, 'z1k') } });
      a.child.kill('SIGKILL');
      assert.ok(r.ok, JSON.stringify(r));
      await kill(a.child, 'SIGKILL');
      const b = await serverInProcess({ dataDir, env });
      try {
        const rows = await chainOf(dataDir);
        assert.equal(created(rows, 'z1k').length, 300, `CreateUser records after the restart: ${created(rows, 'z1k').length}`);
      } finally {
        await b.stop();
      }
    } finally {
      await kill(a.child, 'SIGKILL');
    }
  });

  it('PostgreSQL: applies running beside the audit writer interleave on one chain that verifies, each record once', { timeout: 120_000 }, async (t) => {
    const skip = await pgSkip();
    if (skip !== undefined) return t.skip(skip);
    const schema = `gh_apply_z1_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    try {
      const app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { flushMs: 5 } });
      await app.start();
      const creds = await app.bootstrap();
      assert.ok(creds);
      const who = await app.authenticate(creds.AccessKeyId);
      assert.ok(who.ok);
      const caller = who.value.caller;
      // Two applies and a stream of queued records (refused sign-ins' records go through the queue) at once.
      const queued = (async () => {
        for (let i = 0; i < 40; i++) {
          app.audit.record({ kind: 'session', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/q`, action: 'sts:AssumeRole', resource: `r${i}`, decision: 'Allow', detail: { i } });
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const [a, b] = await Promise.all([applyConfig(app.deps, caller, { documents: users(60, 'pga') }), applyConfig(app.deps, caller, { documents: users(60, 'pgb') }), queued]);
      assert.ok(a.ok && b.ok, JSON.stringify([a, b]).slice(0, 500));
      assert.ok(await app.audit.flush());
      const rows = await verifiedChain(store);
      assert.equal(created(rows, 'pga').length, 60);
      assert.equal(created(rows, 'pgb').length, 60);
      assert.equal(rows.filter((r) => r.kind === 'session' && r.principal.endsWith(':user/q')).length, 40);
      await app.audit.stop();
    } finally {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
