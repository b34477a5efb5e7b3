/**
 * Stop 29 (left by review az): a server stopping while its PostgreSQL does not answer (a frozen host, a partition that
 * drops packets) wrote keys' last use first, which waits out the statement bound (30 s), and only then drained the
 * audit log and spooled what it could not write to the data dir. Kubernetes' default grace period is 30 s: the pod was
 * killed before the spool, and the decisions recorded during the outage were lost. Now the audit log is stopped first:
 * its queue is spooled within its drain time (GATEHOUSE_AUDIT_DRAIN_SECONDS; 1 s here) and the writer's grace (5 s).
 *
 * A server on the machine's PostgreSQL through a TCP proxy that stops forwarding (existing connections included); the
 * admin's signed questions to the authorize API (decided from memory, each noting its key's last use and queuing a
 * decision record) while frozen; then stop: the spool is logged within 15 s (before: after 30 s).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pgAdmin, pgSkip } from './support/postgres.ts';
import { freezingProxy } from './support/pg-proxy.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer } from './support/server.ts';

describe('stop 29: a stop on a frozen database spools the audit log first', () => {
  it('the queued decisions are spooled within the drain time, not after the statement bound', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_s29_spool_${randomBytes(5).toString('hex')}`;
    const proxy = await freezingProxy();
    const server = await startTestServer({ postgres: { url: proxy.url, schema }, audit: { drainMs: 1000 } });
    let stopped: Promise<void> | undefined;
    try {
      await server.running.app.audit.flush();
      proxy.freeze(true);
      for (let i = 0; i < 5; i++) {
        const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `arn:aws:s3:::b/frozen-${i}` });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }
      assert.ok(server.running.app.keyUse.pendingCount() > 0, 'a key use is waiting to be written');
      const t0 = performance.now();
      stopped = server.stopServer();
      const spooled = (): boolean => server.logs.some((l) => /could not be written before stopping .*spooled to/.test(l));
      while (!spooled() && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
      const ms = performance.now() - t0;
      // Before: nothing spooled until keys' last use had waited out the 30 s statement bound.
      assert.ok(spooled(), `spooled within ${Math.round(ms)} ms: ${server.logs.slice(-5).join(' | ')}`);
      assert.ok(ms < 15_000, `spooled after ${Math.round(ms)} ms`);
    } finally {
      proxy.freeze(false);
      await stopped?.catch(() => undefined);
      await server.stop();
      proxy.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
