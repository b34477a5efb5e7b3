/**
 * Review V, V7: `GET /v1/audit/status` answered every account's administrators (they hold gatehouse:ReadAudit on their
 * own account's audit log) with the deployment's `lastError` — the store's own words, which may name the database's
 * address, user or table, and which the audit gate keeps to the operator's log for that reason — and the journal's
 * path in the data dir. Now principals of other accounts than the root account get the status with a generic
 * `lastError` and `journal: "on"`; the root account's administrators get it whole.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe("review V7: the audit status keeps the operator's details to the root account", () => {
  let s: TestServer;
  let tenant: Credentials;

  before(async () => {
    s = await startTestServer();
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '222222222222', partition: 'aws' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const j = r.json as Record<string, string>;
    tenant = { accessKeyId: String(j['AccessKeyId'] ?? j['accessKeyId']), secretAccessKey: String(j['SecretAccessKey'] ?? j['secretAccessKey']) };
  });
  after(async () => {
    await s.stop();
  });

  it('a failing store: the tenant sees that it fails, not why nor where the journal is', async () => {
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec('ALTER TABLE audit_log RENAME TO audit_log_secret_name');
    try {
      await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action: 'v7:Decide', resource: 'arn:aws:s3:::b/k' });
      const deadline = Date.now() + 10_000;
      while (s.running.app.audit.status().healthy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const root = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/status');
      assert.equal(root.status, 200);
      assert.match(String(root.json['lastError']), /audit_log/);
      assert.equal(root.json['journal'], join(s.dataDir, 'audit-spool'));
      const other = await gatehouseJson(s.url, tenant, 'GET', '/v1/audit/status');
      assert.equal(other.status, 200, JSON.stringify(other.json));
      assert.equal(other.json['healthy'], false);
      assert.doesNotMatch(String(other.json['lastError']), /audit_log|table/);
      assert.equal(other.json['journal'], 'on');
      assert.ok(!JSON.stringify(other.json).includes(s.dataDir));
    } finally {
      db.exec('ALTER TABLE audit_log_secret_name RENAME TO audit_log');
      db.close();
    }
    // The queue retries with backoff: wait until what was queued meanwhile is written.
    const until = Date.now() + 15_000;
    while (!(s.running.app.audit.status().healthy && s.running.app.audit.status().backlog === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.running.app.audit.status().backlog, 0);
  });
});
