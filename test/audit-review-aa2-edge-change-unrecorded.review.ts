/**
 * Review aa2: a change the HTTP edge records (workspaces, clusters, resource policies, access entries) goes unrecorded,
 * and is answered 503 "try again", when the store fails on the read of its `after` (review V, V2's
 * `recordEdgeChanges`): that read runs once the change has committed, outside its transaction, and its
 * StoreUnavailableError propagates past `audit.record`. The edge answers 503 ServiceUnavailable for a change that was
 * made, the CLI sends it again (H16), and the second try finds nothing to do: `gatehouse workspaces delete w1` exits 6
 * "workspace w1 does not exist" for the deletion it made itself, and the audit log holds no record of the deletion at
 * all (a refusal NoSuchEntity is not recorded either).
 *
 * Repro: a real server on PostgreSQL through a TCP proxy on 127.0.0.1 that, once the DELETE of w1 has committed, cuts
 * the connection of the next statement naming w1's key (the edge's read of `after`); the CLI's program in this process
 * (test/support/gatehouse-cli.ts).
 *
 * Since review ji, 1 the edge reads `before` and `after` in the change's own transaction and records the change as it
 * commits, so no statement names the key after the COMMIT: the proxy now cuts the next statement after it, whatever it
 * names but the audit log (the app's reload of what the write changed), the read after the change that fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCommit, serverBehindProxy, type Fault, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('review aa2: an edge change is recorded even when the read of its after fails', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_aa2');
  });
  after(() => s?.stop());

  /** Once the DELETE naming `key` has committed, the connection of the next statement (not the audit log's) is cut. */
  const readAfterDeleteCut = (key: string): Fault => {
    let committed = false;
    return {
      connection() {
        let deleting = false;
        return (text) => {
          if (committed && !text.includes('audit')) return 'cut';
          if (!committed && text.includes('DELETE FROM kv') && text.includes(key)) deleting = true;
          if (deleting && isCommit(text)) committed = true;
          return 'pass';
        };
      },
    };
  };

  it('gatehouse workspaces delete: the deletion is in the audit log, and the command does not report it undone', async () => {
    const put = await s.cli(['workspaces', 'put', 'w1']);
    assert.equal(put.code, 0, put.stderr);
    s.fault = readAfterDeleteCut(`ws/${s.admin.account}/w1`);
    const r = await s.cli(['workspaces', 'delete', 'w1']);
    assert.equal(s.fired, 1, 'the proxy cut the read after the deletion');
    const records = await s.records({ action: 'training:DeleteWorkspace' });
    const listed = await s.cli(['workspaces', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { workspaces: unknown[] }).workspaces, [], 'w1 was deleted');
    // Before: no record at all; the command exited 6 (NoSuchEntity, from its own retry) after a 503.
    assert.equal(records.filter((x) => x.decision === 'ok').length, 1, `records of the deletion: ${JSON.stringify(records)}; the command exited ${r.code}: ${r.stderr.trim()}`);
    assert.notEqual(r.code, 6, `the command said the workspace it deleted does not exist: ${r.stderr.trim()}`);
  });
});
