/**
 * Found at stop 25 (review aa left it for the owners): a change made by a route of the HTTP edge (workspaces, clusters,
 * resource policies, access entries: `recordEdgeChanges`) whose COMMIT answer was lost was not recorded at all, though
 * it may have committed: the route's handler threw StoreOutcomeUnknownError past the record, as the directory's
 * changes did before review aa11. Now it is recorded with decision OUTCOME_UNKNOWN (its request, the state before, the
 * error) and answered 500 OutcomeUnknown. A real server on PostgreSQL behind a TCP proxy on 127.0.0.1 that lets the
 * COMMIT of the workspace's write reach PostgreSQL and swallows its answer (as review aa1's test does), the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('an edge change whose COMMIT answer was lost is recorded as of unknown outcome', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_s25_edge');
  });
  after(() => s?.stop());

  it('gatehouse workspaces put exits 11 and the audit log holds the change, OUTCOME_UNKNOWN', async () => {
    s.fault = commitAnswerLost((text) => text.includes('INSERT INTO kv'));
    const put = await s.cli(['workspaces', 'put', 'w9', '--member', 'user:admin']);
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the workspace');
    assert.equal(put.code, 11, `${put.stdout}\n${put.stderr}`);
    assert.match(put.stderr, /OutcomeUnknown/);
    const unknown = (await s.records({ action: 'training:CreateWorkspace' })).filter((r) => r.decision === 'OUTCOME_UNKNOWN');
    assert.equal(unknown.length, 1, JSON.stringify(unknown));
    assert.equal(unknown[0]?.resource, `arn:aws:training::${s.admin.account}:workspace/w9`);
    assert.match(String(unknown[0]?.detail['error']), /may or may not have committed/);
  });
});
