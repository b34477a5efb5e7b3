/**
 * Review sr, 2: the records of an access entry's change and of the webhook token's read or rotation made through
 * `/v1/clusters/{name}/…` named the cluster's ARN as the URL spelt its name. `POST /v1/clusters/K1/webhook-config
 * {"rotate":true}` rotated the token of cluster `k1` (clusters are found without case, and the authorization check asks
 * on `…:cluster/k1`) but was recorded on `…:cluster/K1`, and a delete of `…/access-entries/ARN:…:USER/BOB` named that
 * spelling as the entry's principal: one cluster, one entry, two trails, and an auditor reading the records of
 * `…:cluster/k1` (the ARN every policy, apply and the webhook use) missed what was done under another spelling.
 * Contract: issue 7 (every administrative change in the audit log, findable); src/adapters/http/audit-api.ts
 * `EDGE_CHANGES` ("each resource is the one that check asks for, the one `gatehouse apply` records", review px, 1; the
 * stored item's ARN once the route found it, review sm, 1, as workspaces already are). Now the routes tell the record
 * the cluster's ARN by its stored name, and a delete the stored entry's principal.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auditByAction, ROOT, startWithAccessEntry } from './support/access-entry-audit.ts';
import type { TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const CLUSTER = `arn:aws:training::${ROOT}:cluster/k1`;

describe("review sr2: a cluster's edge changes are recorded on the ARN of its stored name", () => {
  let s: TestServer;
  before(async () => {
    s = await startWithAccessEntry('k1');
  });
  after(async () => {
    await s?.stop();
  });

  it('an access entry made and deleted through another spelling of the cluster and principal', async () => {
    const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/K1/access-entries', { principalArn: `arn:aws:iam::${ROOT}:user/bob`, kubernetesGroups: ['devs'] });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const created = (await auditByAction(s, 'training:CreateAccessEntry')).filter((r) => JSON.stringify(r.detail['after']).includes('user/bob'));
    assert.deepEqual(created.map((r) => r.resource), [CLUSTER], JSON.stringify(created));
    const gone = await gatehouseJson(s.url, s.admin, 'DELETE', `/v1/clusters/K1/access-entries/${encodeURIComponent(`arn:aws:iam::${ROOT}:user/BOB`)}`);
    assert.equal(gone.status, 200, JSON.stringify(gone.json));
    const deleted = await auditByAction(s, 'training:DeleteAccessEntry');
    assert.deepEqual(deleted.map((r) => [r.resource, r.detail['principalArn']]), [[CLUSTER, `arn:aws:iam::${ROOT}:user/bob`]], JSON.stringify(deleted));
  });

  it("the webhook token's read and rotation through another spelling", async () => {
    for (const body of [{}, { rotate: true }]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/K1/webhook-config', body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const records = [...(await auditByAction(s, 'training:GetClusterWebhookConfig')), ...(await auditByAction(s, 'training:RotateClusterWebhookToken'))];
    assert.deepEqual(records.map((r) => r.resource), [CLUSTER, CLUSTER], JSON.stringify(records));
  });

  it('a refused change through another spelling', async () => {
    const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'bob' });
    const bob = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    const r = await gatehouseJson(s.url, bob, 'POST', '/v1/clusters/K1/webhook-config', { rotate: true });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const refused = (await auditByAction(s, 'training:RotateClusterWebhookToken')).filter((x) => x.decision !== 'ok');
    assert.deepEqual(refused.map((x) => x.resource), [CLUSTER], JSON.stringify(refused));
  });
});
