/**
 * Review el, 2: the first start's root account, its `admin` with AdministratorAccess and that admin's access key — the
 * most powerful credential of the deployment — were made without a record. README §7: "Every change … is appended to a
 * hash chain"; `accounts create` and apply record the accounts they make with the admin's key id so that "who created
 * AKIA…?" has an answer (review ak, 8). For the root admin's key it had none: `audit query --action iam:CreateAccount`
 * found nothing, and the log of a fresh deployment began with whatever that admin did first. Now the first start appends
 * the creation (principal `gatehouse`, `detail.after` naming the account, the user and the key id, never the secret) in the
 * transaction that creates them; two instances starting together on one empty PostgreSQL schema record it once.
 *
 * Before the fix, all 3 tests failed (the log of a fresh server was empty). Real servers on 127.0.0.1;
 * SQLite, and the test PostgreSQL (a schema of its own) for the two instances.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

interface Rec {
  seq: number;
  principal: string;
  action: string;
  resource: string;
  decision: string;
  detail: { before?: unknown; after?: { accessKeyId?: string; userName?: string; account?: { id?: string } } };
}

const lines = (out: string): Rec[] => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rec);

describe('review el2: the first start records the root account and its admin key', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('audit query --action iam:CreateAccount finds the first start, naming the admin key it made; verify is intact', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--action', 'iam:CreateAccount', '--json']);
    assert.equal(r.status, 0, r.err);
    const records = lines(r.out);
    assert.equal(records.length, 1, r.out);
    const [rec] = records as [Rec];
    assert.equal(rec.seq, 1, 'the first record of the log');
    assert.equal(rec.principal, 'gatehouse');
    assert.equal(rec.resource, 'arn:aws:iam::000000000000:root');
    assert.equal(rec.decision, 'ok');
    assert.equal(rec.detail.before, null);
    assert.equal(rec.detail.after?.accessKeyId, s.admin.accessKeyId);
    assert.equal(rec.detail.after?.userName, 'admin');
    assert.equal(rec.detail.after?.account?.id, '000000000000');
    const v = await cliAgainst(s, ['audit', 'verify', '--json']);
    assert.equal(v.status, 0, v.out + v.err);
  });

  it('the record holds no secret: not the admin key secret, not the master key', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--json']);
    assert.equal(r.status, 0, r.err);
    assert.ok(lines(r.out).length > 0, 'the log has records');
    assert.ok(!r.out.includes(s.admin.secretAccessKey), 'the admin secret is in the log');
    const masterKey = (await readFile(join(s.dataDir, 'master.key'), 'utf8')).trim();
    assert.ok(!r.out.includes(masterKey), 'the master key is in the log');
  });
});

describe('review el2 on PostgreSQL: two instances on one schema', () => {
  it('record the first start once, for the account the first one made', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return t.skip(why);
    const schema = `gh_el2_${randomBytes(6).toString('hex')}`;
    const servers: TestServer[] = [];
    try {
      const a = await startTestServer({ postgres: { url: PG_URL, schema } });
      servers.push(a);
      // A second instance on the same schema, with the same master key (DESIGN.md "One deployment, many instances"); the
      // admin's credentials file is copied for the test's clients only (a later start writes none).
      const dir = await mkdtemp(join(tmpdir(), 'gh-el2-'));
      for (const f of ['master.key', 'admin-credentials.json']) await copyFile(join(a.dataDir, f), join(dir, f));
      const b = await startTestServer({ dataDir: dir, postgres: { url: PG_URL, schema } });
      servers.push(b);
      assert.ok(!b.logs.some((l) => l.startsWith('first start')), b.logs.join('\n'));
      const r = await cliAgainst(b, ['audit', 'query', '--action', 'iam:CreateAccount', '--json']);
      assert.equal(r.status, 0, r.err);
      const records = lines(r.out);
      assert.equal(records.length, 1, r.out);
      assert.equal(records[0]?.detail.after?.accessKeyId, a.admin.accessKeyId);
    } finally {
      for (const x of servers) await x.stop().catch(() => undefined);
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
