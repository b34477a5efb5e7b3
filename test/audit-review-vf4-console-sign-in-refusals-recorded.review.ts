/**
 * Review vf, 4: a console sign-in (`POST /v1/console/sign-in`, what the web console and `gatehouse` do to open one) is a
 * session issued (`session` record, via `ConsoleSignIn`), and every session issuance refused is a `session` record,
 * `Deny` (README §7), the closed audit gate's refusals too ("refused with 503 because the audit log could not be written
 * … `code: SERVICE_UNAVAILABLE` too, written once the log can be": AssumeRole, GetSessionToken, GetFederationToken,
 * AssumeRoleWithWebIdentity, a job's session). A sign-in refused by the closed gate was recorded nowhere (its use case
 * returned the gate's refusal unrecorded, and the edge records AccessDenied only), and one refused for its credentials
 * (a sign-in opened with a sign-in's own credentials) was a `decision`, not among the refused sessions.
 *
 * Now the use case records its refusals as the other issuances' are: a `session` record, `Deny`, action
 * `gatehouse:ConsoleSignIn` on the caller's ARN, with the explanation (and `code: SERVICE_UNAVAILABLE` for the gate's,
 * written once the log can be). Answers unchanged.
 *
 * Real in-process server (SQLite), SigV4-signed `/v1/` requests; the audit table renamed away to fail the log, as
 * test/audit-outage-refusals.part.ts does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';
import { auditRecords, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';

describe('review vf4: a refused console sign-in is recorded as a refused session', () => {
  let s: TestServer;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer();
    alice = await userWithKey(s, 'alice');
  });
  after(async () => s?.stop());

  const refusedSignIns = async (): Promise<AuditRecord[]> => (await auditRecords(s, { kind: 'session', decision: 'Deny' })).filter((r) => r.action === 'gatehouse:ConsoleSignIn');

  it('a sign-in opened with the credentials of a sign-in', async () => {
    const opened = await gatehouseJson(s.url, alice, 'POST', '/v1/console/sign-in', {});
    assert.equal(opened.status, 200, JSON.stringify(opened.json));
    const c = opened.json['credentials'] as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    const again = await gatehouseJson(s.url, c, 'POST', '/v1/console/sign-in', {});
    assert.equal(again.status, 403, JSON.stringify(again.json));
    const got = await refusedSignIns();
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.deepEqual([got[0]?.principal, got[0]?.resource, got[0]?.accessKeyId], [ALICE, ALICE, c.accessKeyId]);
    assert.match(String(got[0]?.detail['error']), /a console sign-in already/);
    // Once: not also a decision of the edge.
    const all = (await auditRecords(s, { action: 'gatehouse:ConsoleSignIn' })).filter((r) => r.decision !== 'Allow');
    assert.equal(all.length, 1, JSON.stringify(all));
  });

  it('a sign-in refused by the closed audit gate, recorded once the log can be written', async () => {
    const app = s.running.app;
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' });
      await settled(async () => app.audit.status().healthy, (healthy) => !healthy);
      const r = await gatehouseJson(s.url, alice, 'POST', '/v1/console/sign-in', {});
      assert.equal(r.status, 503, JSON.stringify(r.json));
    } finally {
      db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
      db.close();
    }
    await settled(async () => app.audit.status(), (st) => st.healthy && st.backlog === 0);
    const got = (await refusedSignIns()).filter((r) => r.detail['code'] === 'SERVICE_UNAVAILABLE');
    assert.equal(got.length, 1, JSON.stringify(await refusedSignIns()));
    assert.deepEqual([got[0]?.principal, got[0]?.resource, got[0]?.accessKeyId], [ALICE, ALICE, alice.accessKeyId]);
    assert.match(String(got[0]?.detail['error']), /audit log cannot be written/);
  });
});
