/**
 * Review ak, finding 9: a ResourcePolicy is its resource's, but `--prune` finds resource policies by the document name
 * stored with them. A document renamed (same resource, same policy) was planned `= unchanged` (the stored name kept)
 * and its old name `- delete`: the apply deleted the bucket's policy the files keep, its Deny with it, so
 * `s3:DeleteObject` was no longer denied. Now a rename is an update of the stored name, and a policy on a resource a
 * document names is never pruned. The same for an AccessEntry (keyed by cluster and principal): its rename was
 * followed by the prune of its old name, which deleted the entry just renamed. The /v1 client and the authorize API against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const policy = (name: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'ResourcePolicy',
  metadata: { name },
  spec: { resource: 'arn:aws:s3:::data', document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::data/*' }] } },
});

describe('review ak9: a renamed ResourcePolicy or AccessEntry document keeps its object under --prune', () => {
  let s: TestServer;
  type Answer = { changes: { action: string; kind: string; name: string; fields: string[] }[] };
  const apply = (documents: unknown[], options: Record<string, unknown> = {}) => call<Answer>(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents, ...options } });
  const lines = (r: Awaited<ReturnType<typeof apply>>) => (r.ok ? r.value.changes.map((c) => `${c.action} ${c.kind}/${c.name}${c.fields.length > 0 ? ` (${c.fields.join(', ')})` : ''}`) : [JSON.stringify(r.errors)]);
  const decision = async () => {
    const r = await call<{ decision: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], { body: { action: 's3:DeleteObject', resource: 'arn:aws:s3:::data/model.pt' } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.decision;
  };

  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('plan and apply rename it; nothing is deleted; the Deny still holds; applying again changes nothing', async () => {
    assert.deepEqual(lines(await apply([policy('bucket-a')])), ['create ResourcePolicy/bucket-a']);
    assert.equal(await decision(), 'ExplicitDeny');
    // Before: ['unchanged ResourcePolicy/data-policy', 'delete ResourcePolicy/bucket-a'], and then the Deny gone.
    assert.deepEqual(lines(await apply([policy('data-policy')], { prune: true, dryRun: true })), ['update ResourcePolicy/data-policy (name)']);
    assert.deepEqual(lines(await apply([policy('data-policy')], { prune: true })), ['update ResourcePolicy/data-policy (name)']);
    assert.equal(await decision(), 'ExplicitDeny');
    assert.deepEqual(lines(await apply([policy('data-policy')], { prune: true, dryRun: true })), ['unchanged ResourcePolicy/data-policy']);
  });

  it('an AccessEntry renamed under --prune is renamed, not deleted; another cluster\'s entry of the old name is pruned', async () => {
    const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });
    const entry = (name: string, on: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name }, spec: { cluster: on, principalArn: 'arn:aws:iam::000000000000:user/admin', kubernetesGroups: ['ops'] } });
    assert.ok((await apply([cluster('k1'), cluster('k2'), entry('old', 'k1'), entry('old2', 'k2')])).ok);
    // Before: `delete AccessEntry/old` too, which deleted the entry just renamed (the next plan: `create AccessEntry/new`).
    assert.deepEqual(lines(await apply([cluster('k1'), cluster('k2'), entry('new', 'k1')], { prune: true })), ['unchanged Cluster/k1', 'unchanged Cluster/k2', 'update AccessEntry/new (name)', 'delete AccessEntry/old2']);
    assert.deepEqual(lines(await apply([cluster('k1'), cluster('k2'), entry('new', 'k1')], { prune: true, dryRun: true })), ['unchanged Cluster/k1', 'unchanged Cluster/k2', 'unchanged AccessEntry/new']);
  });
});
