/**
 * Review fi, 1: any principal, with no permission at all, made `gatehouse audit verify` report the audit log tampered
 * with. verify counted as a pruning every record whose action was `gatehouse:PruneAudit`, and a decision of the
 * authorize API keeps the action its caller asked about: bob, a user with no policy, asked `POST /v1/authorize` about
 * himself and `gatehouse:PruneAudit` (ImplicitDeny, always recorded), and on a server with retention off (the default)
 * verify answered BROKEN, `retention`: "the audit log was pruned … a pruning this deployment did not do is tampering
 * by someone with write access to the database", exit 1 — a false alarm that an auditor must chase, or learns to
 * ignore. Now a pruning record is the server's own: a change of the audit log of no account (`isPruningRecord`); a
 * decision about that action is an ordinary record. A real pruning still attests the checkpoint (and, keyed, is taken
 * for one with retention off too since review im, 4). Real server (SQLite), SigV4-signed authorize calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

async function startWithBob(audit?: { retentionDays: number }): Promise<{ s: TestServer; bob: Credentials }> {
  const s = await startTestServer(audit ? { audit } : {});
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('User', 'bob', {})] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'bob' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  await s.running.app.refresh();
  return { s, bob: { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) } };
}

/** bob asks about the pruning action, single and in a batch: each a denial, recorded. */
async function plant(s: TestServer, bob: Credentials): Promise<void> {
  const q = { action: 'gatehouse:PruneAudit', resource: 'arn:aws:s3:::fi1' };
  const one = await gatehouseJson(s.url, bob, 'POST', '/v1/authorize', q);
  assert.equal(one.status, 200, JSON.stringify(one.json));
  assert.equal(one.json['decision'], 'ImplicitDeny');
  const batch = await gatehouseJson(s.url, bob, 'POST', '/v1/authorize:batch', { requests: [q, { ...q, resource: '*' }] });
  assert.equal(batch.status, 200, JSON.stringify(batch.json));
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=gatehouse:PruneAudit');
  const records = r.json['records'] as AuditRecord[];
  assert.equal(records.filter((x) => x.kind === 'decision' && x.principal.endsWith(':user/bob')).length, 3, JSON.stringify(records));
}

describe('review fi1: a decision about gatehouse:PruneAudit is not a pruning', () => {
  describe('retention off (the default)', () => {
    let s: TestServer;
    let bob: Credentials;
    before(async () => {
      ({ s, bob } = await startWithBob());
    });
    after(async () => {
      await s.stop();
    });

    it('verify stays intact after an unprivileged user asks about the pruning action', async () => {
      await plant(s, bob);
      const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
      assert.equal(v.status, 200, JSON.stringify(v.json));
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    });

    // A real pruning (another instance's retention, its record keyed) verifies since review im, 4; a forged one is
    // still reported (review Y, 1; im, 4).
    it('a real pruning, keyed, is not taken for tampering', async () => {
      const r = await s.running.app.audit.prune(Date.now() + 60_000);
      assert.ok(r.pruned > 0);
      const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    });
  });

  describe('retention on', () => {
    let s: TestServer;
    let bob: Credentials;
    before(async () => {
      ({ s, bob } = await startWithBob({ retentionDays: 3650 }));
    });
    after(async () => {
      await s.stop();
    });

    it('a pruning, then planted records: the checkpoint is still the pruning record’s, and the log verifies', async () => {
      const r = await s.running.app.audit.prune(Date.now() + 60_000);
      assert.ok(r.pruned > 0);
      await plant(s, bob);
      const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
      assert.equal((v.json['base'] as { seq: number }).seq, r.head.baseSeq);
    });
  });
});
