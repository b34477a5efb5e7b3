/**
 * Review pk, 2: the same operation was recorded under two action names depending on the door. An access entry made or
 * deleted through `/v1/clusters/C/access-entries` (`gatehouse kube access-entry create`) was recorded as
 * `eks:CreateAccessEntry` / `eks:DeleteAccessEntry`, one made by `gatehouse apply` as `training:CreateAccessEntry`, and
 * the authorization check of both asks `training:CreateAccessEntry`; the webhook token's read and its rotation were
 * both `gatehouse:WebhookConfig`, where the checks ask `training:GetClusterWebhookConfig` and
 * `training:RotateClusterWebhookToken`. So `gatehouse audit query --action training:CreateAccessEntry` missed every
 * entry the CLI made, and `--action training:RotateClusterWebhookToken` every rotation: an auditor looking for who
 * rotated a cluster's token, or who mapped a principal to cluster-admins, by the action the policies name, found none.
 *
 * Contract: issue 7 (every administrative change in the audit log, queryable by action); docs/decisions.md "Cluster
 * actions" (the `training:` actions each cluster operation is authorized as). Now every door records the action its
 * authorization check asks for, and a query by that name also lists records written under the old names before.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditByAction, ROOT, startWithAccessEntry } from './support/access-entry-audit.ts';
import { cliAgainst, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';


describe('review pk2: one action name per operation, whichever door made it', () => {
  let s: TestServer;

  const byAction = (action: string): Promise<AuditRecord[]> => auditByAction(s, action);

  before(async () => {
    s = await startWithAccessEntry('k1');
  });
  after(async () => {
    await s?.stop();
  });

  it('an access entry made by the CLI and one made by apply are both training:CreateAccessEntry', async () => {
    const made = await cliAgainst(s, ['kube', 'access-entry', 'create', '--cluster', 'k1', '--principal-arn', `arn:aws:iam::${ROOT}:user/bob`, '--kubernetes-groups', 'cluster-admins']);
    assert.equal(made.status, 0, made.err);
    const created = await byAction('training:CreateAccessEntry');
    // Each names the entry's principal in what it left (`detail.after`).
    const principals = created.filter((r) => r.decision === 'ok').map((r) => String((r.detail['after'] as { principalArn?: string } | null)?.principalArn));
    assert.deepEqual(principals.sort(), [`arn:aws:iam::${ROOT}:user/alice`, `arn:aws:iam::${ROOT}:user/bob`], JSON.stringify(created));
    const deleted = await cliAgainst(s, ['kube', 'access-entry', 'delete', '--cluster', 'k1', '--principal-arn', `arn:aws:iam::${ROOT}:user/bob`]);
    assert.equal(deleted.status, 0, deleted.err);
    const gone = await byAction('training:DeleteAccessEntry');
    assert.equal(gone.filter((r) => String(r.detail['principalArn']).endsWith(':user/bob')).length, 1, JSON.stringify(gone));
  });

  it("the webhook token's read and its rotation are recorded as the actions their checks ask for", async () => {
    const read = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(read.status, 200, JSON.stringify(read.json));
    const rotated = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', { rotate: true });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    const rotations = await byAction('training:RotateClusterWebhookToken');
    assert.deepEqual(rotations.map((r) => r.detail['request']), [{ rotate: true }]);
    const reads = await byAction('training:GetClusterWebhookConfig');
    assert.deepEqual(reads.map((r) => r.detail['request']), [{}]);
    assert.ok(!JSON.stringify([...rotations, ...reads]).includes(String(rotated.json['token'])));
  });

  it('records written under the old names are listed by the new ones', async () => {
    // As a server before this change wrote them.
    const resource = `arn:aws:training::${ROOT}:cluster/k1/access-entry/arn:aws:iam::${ROOT}:user/carol`;
    s.running.app.audit.record({ kind: 'change', account: ROOT, principal: `arn:aws:iam::${ROOT}:root`, action: 'eks:CreateAccessEntry', resource, decision: 'ok', detail: { request: {} } });
    s.running.app.audit.record({ kind: 'change', account: ROOT, principal: `arn:aws:iam::${ROOT}:root`, action: 'gatehouse:WebhookConfig', resource: `arn:aws:training::${ROOT}:cluster/old`, decision: 'ok', detail: { request: { rotate: true } } });
    assert.ok((await byAction('training:CreateAccessEntry')).some((r) => r.resource === resource));
    assert.ok((await byAction('TRAINING:createAccessEntry')).some((r) => r.resource === resource), 'in any case, as actions are read');
    assert.ok((await byAction('training:RotateClusterWebhookToken')).some((r) => r.resource.endsWith('cluster/old')));
    // And by the old name, as before.
    assert.ok((await byAction('eks:CreateAccessEntry')).some((r) => r.resource === resource));
  });
});
