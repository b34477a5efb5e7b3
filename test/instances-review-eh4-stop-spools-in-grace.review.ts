/**
 * Review eh4: a server stopping while its PostgreSQL does not answer, with a change in flight, spooled its queued
 * decision records only after each of its waits had run out in turn: the edges' grace for the change hung on the
 * database (10 s), the audit log's drain (GATEHOUSE_AUDIT_DRAIN_SECONDS, 10 s by default), then the writer thread's
 * grace for its own write hung on the database (5 s), and the flush's (5 s): up to 30 s, Kubernetes' default grace
 * period, after which the pod is killed and the decisions never journaled are lost (stop 29 measured the spool with a
 * drain of 1 s and nothing in flight). Measured here before the change: 25.1 s. Now the spool has one deadline, the
 * edges' grace and the drain from the stop's start (20 s by default), and every wait of the audit log's stop ends by
 * it, after a short floor (1 s of drain, half a second each for the writer and the flush).
 *
 * A server on the machine's PostgreSQL through a TCP proxy that stops forwarding; the default drain; signed questions
 * to the authorize API (decided from memory, queuing decision records) and a user's creation (a change: it waits on
 * the database) while frozen; then stop: the spool must be logged within 23 s (20 s, the floors, and a margin for a
 * slow machine), holding the decisions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pgAdmin, pgSkip } from './support/postgres.ts';
import { freezingProxy } from './support/pg-proxy.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer } from './support/server.ts';

describe('review eh4: a stop on a frozen database with a change in flight spools within the grace period', () => {
  it('the queued decisions are spooled within the edges\' grace and the drain, whatever the waits add up to', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_eh4_spool_${randomBytes(5).toString('hex')}`;
    const proxy = await freezingProxy();
    const server = await startTestServer({ postgres: { url: proxy.url, schema } });
    let stopped: Promise<void> | undefined;
    let change: Promise<unknown> | undefined;
    try {
      await server.running.app.audit.flush();
      proxy.freeze(true);
      for (let i = 0; i < 5; i++) {
        const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `arn:aws:s3:::b/eh4-${i}` });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }
      // A change that waits on the frozen database, in flight when the stop begins.
      const c0 = performance.now();
      change = gatehouseJson(server.url, server.admin, 'POST', '/v1/users', { name: 'eh4-in-flight' }).then((r) => t.diagnostic(`change answered ${r.status} after ${Math.round(performance.now() - c0)} ms: ${JSON.stringify(r.json).slice(0, 200)}`), (e: unknown) => t.diagnostic(`change failed after ${Math.round(performance.now() - c0)} ms: ${String(e)}`));
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      stopped = server.stopServer();
      const spooled = (): string | undefined => server.logs.find((l) => /could not be written before stopping .*spooled to/.test(l));
      while (spooled() === undefined && performance.now() - t0 < 40_000) await new Promise((r) => setTimeout(r, 100));
      const ms = performance.now() - t0;
      t.diagnostic(`spooled after ${Math.round(ms)} ms: ${spooled() ?? server.logs.slice(-5).join(' | ')}`);
      assert.ok(spooled() !== undefined, `nothing spooled within ${Math.round(ms)} ms: ${server.logs.slice(-5).join(' | ')}`);
      assert.ok(ms < 23_000, `spooled after ${Math.round(ms)} ms`);
      assert.match(spooled() ?? '', /^audit: 5 record\(s\) could not be written before stopping/);
    } finally {
      proxy.freeze(false);
      await stopped?.catch(() => undefined);
      await change;
      await server.stop();
      proxy.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
