/**
 * Review V, V2: the changes the HTTP edge records itself (workspaces, clusters, resource policies, access entries)
 * carried only the request: `gatehouse kube access-entry delete` was recorded as `{request: {}}`, so which principal
 * had been mapped to which Kubernetes groups said nowhere once it was gone, and a workspace replaced by PUT did not
 * say who had been a member. Issue 7 asks for before/after of every administrative change, as the directory's
 * records have them. Now each carries `before` and `after` (`null`: none); the webhook credential, a secret, none.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review V2: changes made at the edge carry before and after', () => {
  let s: TestServer;

  const since = async (after: number): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${after}&limit=1000&kind=change`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };
  const headSeq = async (): Promise<number> => {
    await s.running.app.audit.flush();
    return (await s.running.app.deps.store.read((tx) => tx.audit.head())).seq;
  };
  const one = (records: AuditRecord[], action: string): AuditRecord => {
    const found = records.filter((r) => r.action === action);
    assert.equal(found.length, 1, `${action}: ${JSON.stringify(records)}`);
    return found[0] as AuditRecord;
  };

  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('User', 'alice', {}), doc('User', 'bob', {}), doc('Role', 'node', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it('access entries (gatehouse CLI), workspaces, clusters and resource policies', async () => {
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/clusters/k1', { instanceRole: 'node' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    let mark = await headSeq();
    const created = await cliAgainst(s, ['kube', 'access-entry', 'create', '--cluster', 'k1', '--principal-arn', ALICE, '--kubernetes-groups', 'cluster-admins']);
    assert.equal(created.status, 0, created.err);
    const deleted = await cliAgainst(s, ['kube', 'access-entry', 'delete', '--cluster', 'k1', '--principal-arn', ALICE]);
    assert.equal(deleted.status, 0, deleted.err);
    let records = await since(mark);
    const c = one(records, 'training:CreateAccessEntry');
    assert.equal(c.detail['before'], null);
    assert.deepEqual((c.detail['after'] as { kubernetesGroups: string[] }).kubernetesGroups, ['cluster-admins']);
    const d = one(records, 'training:DeleteAccessEntry');
    assert.deepEqual((d.detail['before'] as { kubernetesGroups: string[]; principalArn: string }).kubernetesGroups, ['cluster-admins']);
    assert.equal((d.detail['before'] as { principalArn: string }).principalArn, ALICE);
    assert.equal(d.detail['after'], null);

    mark = await headSeq();
    for (const members of [[{ user: 'alice' }], [{ user: 'bob' }]]) {
      const w = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/w1', { members });
      assert.equal(w.status, 200, JSON.stringify(w.json));
    }
    const wd = await gatehouseJson(s.url, s.admin, 'DELETE', '/v1/workspaces/w1');
    assert.equal(wd.status, 204);
    const cl = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/clusters/k1', { instanceRole: 'node', mappings: [{ user: 'bob', role: 'node' }] });
    assert.equal(cl.status, 200, JSON.stringify(cl.json));
    const resource = 'arn:aws:s3:::v2-bucket';
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${resource}/*` }] };
    const rp = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: policy });
    assert.equal(rp.status, 200, JSON.stringify(rp.json));
    const rd = await gatehouseJson(s.url, s.admin, 'DELETE', `/v1/resource-policies/${encodeURIComponent(resource)}`);
    assert.equal(rd.status, 204);
    records = await since(mark);
    // The second PUT updates the workspace the first created (review sb, 1).
    const ws = records.filter((r) => r.action === 'training:CreateWorkspace' || r.action === 'training:UpdateWorkspace');
    assert.deepEqual(ws.map((r) => r.action), ['training:CreateWorkspace', 'training:UpdateWorkspace']);
    const members = (v: unknown) => (v as { members: unknown[] } | null)?.members;
    assert.equal(ws[0]?.detail['before'], null);
    assert.deepEqual(members(ws[0]?.detail['after']), [{ user: 'alice' }]);
    assert.deepEqual(members(ws[1]?.detail['before']), [{ user: 'alice' }]);
    assert.deepEqual(members(ws[1]?.detail['after']), [{ user: 'bob' }]);
    const wdel = one(records, 'training:DeleteWorkspace');
    assert.deepEqual(members(wdel.detail['before']), [{ user: 'bob' }]);
    assert.equal(wdel.detail['after'], null);
    const cr = one(records, 'training:UpdateCluster');
    assert.deepEqual((cr.detail['before'] as { mappings: unknown[] }).mappings, []);
    assert.deepEqual((cr.detail['after'] as { mappings: unknown[] }).mappings, [{ user: 'bob', role: 'node' }]);
    const rput = one(records, 'gatehouse:PutResourcePolicy');
    assert.equal(rput.detail['before'], null);
    assert.match(JSON.stringify(rput.detail['after']), /s3:GetObject/);
    const rdel = one(records, 'gatehouse:DeleteResourcePolicy');
    assert.match(JSON.stringify(rdel.detail['before']), /s3:GetObject/);
    assert.equal(rdel.detail['after'], null);
  });

  it('the webhook credential is recorded as rotated, never its token', async () => {
    const mark = await headSeq();
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', { rotate: true });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const token = String(r.json['token']);
    const records = await since(mark);
    const w = one(records, 'training:RotateClusterWebhookToken');
    assert.deepEqual(w.detail['request'], { rotate: true });
    assert.equal('before' in w.detail, false);
    assert.ok(!JSON.stringify(records).includes(token));
  });
});
