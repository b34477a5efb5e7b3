/**
 * Review `lf`, 4: the flood limit's summary of refused TokenReviews did not name the cluster.
 *
 * A refused `k8s-aws-v1.` token is recorded as a `Deny` of `sts:GetCallerIdentity` on the cluster's ARN with
 * `detail.cluster` (review X). Past the per-address burst (20) the refusals are left out and summed up in one record
 * per address and owner (reviews kn2, kp4), but that record said `resource: '*'` and had no `detail.cluster`: a
 * burst of bad tokens against one cluster read, after its first 20 records, as refusals of nowhere in particular, and
 * `audit query --resource <cluster ARN>` (or a filter on detail.cluster) missed most of the burst. Now the summary
 * names the resource and the cluster when every refusal it sums up was about that one cluster (several: `resource`
 * `*` and `detail.clusters` listing them).
 * Real server in process; TokenReviews POSTed to /k8s/{cluster}/authenticate as kube-apiserver sends them.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { floodBurst } from './support/flood-burst.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled } from './support/settle.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('the summary of refused TokenReviews names the cluster (review lf, 4)', () => {
  let s: TestServer;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {})] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const config = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
  });
  after(async () => {
    await s?.stop();
  });

  it('a burst of bad tokens: every record, the summary too, is on the cluster’s ARN and names k1', async () => {
    // 60 at once, as a flood, and more until some are left out at the end (test/support/flood-burst.ts): past the
    // burst, the rest are left out and (nothing following them) summarised. The clock held (flood-burst.ts `holdClock`;
    // the server is in this process): on a loaded host the flood limit gave tokens back as fast as the closing tries
    // came, and the burst could run into its bound.
    const N = await floodBurst(s.url, 60, async (i) => {
      const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: `k8s-aws-v1.not-a-token-${i}` } };
      const r = await fetch(`${s.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      const json = (await r.json()) as { status: { authenticated: boolean } };
      assert.equal(json.status.authenticated, false);
    }, { concurrency: 60, holdClock: true });
    // The summary is written by a timer once the address is quiet: read until it is there, to a bound of time
    // (settle.ts), not 40 tries.
    const refused = await settled(
      async () => {
        await s.running.app.audit.flush();
        const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json['records'] as AuditRecord[]).filter((x) => x.action === 'sts:GetCallerIdentity' && x.detail['authentication'] !== undefined);
      },
      (got) => got.some((x) => x.detail['first'] !== undefined),
    );
    const own = refused.filter((x) => x.detail['first'] === undefined);
    const summaries = refused.filter((x) => x.detail['first'] !== undefined);
    assert.ok(own.length > 0 && own.length < N, `some records of their own, the rest left out: ${own.length}`);
    assert.equal(summaries.length, 1, JSON.stringify(refused.map((x) => [x.resource, x.detail])));
    const clusterArn = own[0]!.resource;
    assert.match(clusterArn, /:cluster\/k1$/);
    assert.equal(own[0]!.detail['cluster'], 'k1');
    const summary = summaries[0]!;
    const carried = own.reduce((n, x) => n + Number(x.detail['suppressed'] ?? 0), 0);
    assert.equal(own.length + carried + Number(summary.detail['suppressed']), N, 'every refusal once');
    // Before the fix: resource `*`, no detail.cluster.
    assert.equal(summary.resource, clusterArn);
    assert.equal(summary.detail['cluster'], 'k1');
    assert.equal(summary.account, own[0]!.account);
  });
});
