/**
 * Review px, 1: an access entry's change was recorded under a different resource depending on the door. `gatehouse
 * apply` (and its prune) recorded `training:CreateAccessEntry` / `training:DeleteAccessEntry` on the cluster's ARN,
 * the resource its authorization check asks for; `POST /v1/clusters/C/access-entries` and `DELETE …/access-entries/ARN`
 * (`gatehouse kube access-entry create|delete`) recorded the same actions on `<cluster ARN>/access-entry/<principal
 * ARN as typed>`, a resource no policy names and no check asks for. So an auditor reading records of one cluster found
 * the REST door's changes under resources apply never writes, and the same operation looked like two.
 *
 * Contract: issue 7 (every administrative change in the audit log, with the action and resource it was authorized as);
 * docs/decisions.md "Cluster actions" (access-entry actions are authorized on the cluster ARN) and review pk2 (each
 * door records what its check asks for). Now both doors record the cluster's ARN; the entry's principal is in the
 * record's `detail.before` / `detail.after`, as it was.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditByAction, ROOT, startWithAccessEntry } from './support/access-entry-audit.ts';
import type { TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const CLUSTER = `arn:aws:training::${ROOT}:cluster/px1`;

describe('review px1: an access entry change names the same resource whichever door made it', () => {
  let s: TestServer;

  const byAction = async (action: string): Promise<AuditRecord[]> => (await auditByAction(s, action)).filter((x) => x.kind === 'change');

  before(async () => {
    s = await startWithAccessEntry('px1');
  });
  after(async () => {
    await s?.stop();
  });

  it('made through apply and through the REST door: both on the cluster ARN', async () => {
    const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/px1/access-entries', { principalArn: `arn:aws:iam::${ROOT}:user/bob`, kubernetesGroups: ['editors'] });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const created = (await byAction('training:CreateAccessEntry')).filter((r) => r.decision === 'ok');
    assert.equal(created.length, 2, JSON.stringify(created));
    assert.deepEqual(created.map((r) => r.resource), [CLUSTER, CLUSTER], JSON.stringify(created));
    // The principal is still in what the change left.
    const principals = created.map((r) => String((r.detail['after'] as { principalArn?: string } | null)?.principalArn)).sort();
    assert.deepEqual(principals, [`arn:aws:iam::${ROOT}:user/alice`, `arn:aws:iam::${ROOT}:user/bob`]);
  });

  it('deleted through the REST door, and a refused second one: on the cluster ARN', async () => {
    const again = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/px1/access-entries', { principalArn: `arn:aws:iam::${ROOT}:user/alice`, kubernetesGroups: ['admins'] });
    assert.equal(again.status, 409, JSON.stringify(again.json));
    const refused = (await byAction('training:CreateAccessEntry')).filter((r) => r.decision !== 'ok');
    assert.deepEqual(refused.map((r) => r.resource), [CLUSTER], JSON.stringify(refused));
    const gone = await gatehouseJson(s.url, s.admin, 'DELETE', `/v1/clusters/px1/access-entries/${encodeURIComponent(`arn:aws:iam::${ROOT}:user/bob`)}`);
    assert.ok(gone.status === 200 || gone.status === 204, JSON.stringify(gone.json));
    const deleted = await byAction('training:DeleteAccessEntry');
    assert.deepEqual(deleted.map((r) => r.resource), [CLUSTER], JSON.stringify(deleted));
    assert.equal((deleted[0]?.detail['before'] as { principalArn?: string } | null)?.principalArn, `arn:aws:iam::${ROOT}:user/bob`);
    assert.equal(deleted[0]?.detail['principalArn'], `arn:aws:iam::${ROOT}:user/bob`);
  });
});
