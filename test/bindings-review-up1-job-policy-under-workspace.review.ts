/**
 * Review up, 1: review uh, 2 read a job's ARN, in a binding's condition, under its workspace
 * (`<workspace>/job/<id>`) where a job's actions are decided, so that an account's `roles/ml.admin` under
 * `!resource.name.startsWith("arn:aws:training::A:workspace/prod")` reads and stops no job of prod. Managing the IAM
 * policy of a job's ARN (`ml.jobs.setIamPolicy`/`getIamPolicy`, which `roles/ml.admin` holds) was still decided on the
 * bare ARN, where that condition holds: bob, kept off prod, bound himself `roles/ml.admin` on a job of prod and stopped
 * it, read its policy, and the authorize API, who-can and escalation-paths (which ask as the authorize API does) said
 * so. GCP names a child under its parent for its conditions (`projects/_/buckets/b/objects/o`; "Resource attributes
 * for IAM Conditions"), and issue 8 asks simulation to answer from enforcement's code path: the job's policy is now
 * managed, and asked about, as lying in its workspace too.
 *
 * Before the fix 5 of 6 tests failed.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { A, excludedWorkspace, jobArnOf, type ExcludedWorkspace } from './support/excluded-workspace.ts';

const BOB = `arn:aws:iam::${A}:user/bob`;

describe('review up1: a condition excluding a workspace keeps its jobs\' IAM policies out of the grant', () => {
  const world = excludedWorkspace();
  let w: ExcludedWorkspace;
  let prod: string;
  let dev: string;
  before(async () => {
    w = world();
    prod = jobArnOf(w.jobs.prod);
    dev = jobArnOf(w.jobs.dev);
    // A policy on each job, which bob's listing shows or not.
    for (const resource of [prod, dev]) {
      const put = await gatehouseJson(w.s.url, w.s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:erin'] }] });
      assert.equal(put.status, 200, JSON.stringify(put.json));
    }
  });

  it('bob reads and sets the policy of a job of dev, which the condition lets in', async () => {
    const got = await gatehouseJson(w.s.url, w.bob, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(dev)}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    const put = await gatehouseJson(w.s.url, w.bob, 'PUT', '/v1/iam-policies', { resource: dev, bindings: [{ role: 'roles/ml.viewer', members: ['user:erin'] }], etag: got.json['etag'] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });

  it('bob neither sets the policy of a job of prod nor stops it through one', async () => {
    const put = await gatehouseJson(w.s.url, w.bob, 'PUT', '/v1/iam-policies', { resource: prod, bindings: [{ role: 'roles/ml.admin', members: ['user:bob'] }] });
    assert.equal(put.status, 403, JSON.stringify(put.json));
    const stopped = await gatehouseJson(w.s.url, w.bob, 'POST', `/v1/jobs/${w.jobs.prod}/stop`);
    assert.equal(stopped.status, 403, JSON.stringify(stopped.json));
    const job = await gatehouseJson(w.s.url, w.s.admin, 'GET', `/v1/jobs/${w.jobs.prod}`);
    assert.equal(job.json['state'], 'Queued', JSON.stringify(job.json));
  });

  it('bob reads the policy of no job of prod, alone or in the listing', async () => {
    const got = await gatehouseJson(w.s.url, w.bob, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(prod)}`);
    assert.equal(got.status, 403, JSON.stringify(got.json));
    const listed = await gatehouseJson(w.s.url, w.bob, 'GET', '/v1/iam-policies');
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    const resources = (listed.json['iamPolicies'] as { resource: string }[]).map((p) => p.resource);
    assert.ok(resources.includes(dev), JSON.stringify(resources));
    assert.ok(!resources.includes(prod), JSON.stringify(resources));
  });

  it('the authorize API answers as the policy is managed', async () => {
    const ask = (resource: string) => gatehouseJson(w.s.url, w.s.admin, 'POST', '/v1/authorize', { principal: BOB, action: 'gatehouse:SetIamPolicy', resource });
    assert.equal((await ask(prod)).json['decision'], 'ImplicitDeny');
    assert.equal((await ask(dev)).json['decision'], 'Allow');
  });

  it('who-can lists bob for the policy of the job of dev, not of prod', async () => {
    const allowed = async (resource: string) => {
      const r = await gatehouseJson(w.s.url, w.s.admin, 'POST', '/v1/who-can', { action: 'gatehouse:SetIamPolicy', resource });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json['allowed'] as { principal: string }[]).map((p) => p.principal);
    };
    assert.ok(!(await allowed(prod)).includes(BOB));
    assert.ok((await allowed(dev)).includes(BOB));
  });

  it('escalation-paths gives bob no way to the policy of the job of prod', async () => {
    const r = await gatehouseJson(w.s.url, w.s.admin, 'POST', '/v1/escalation-paths', { principal: BOB });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const gains = (r.json['reports'] as { canGain: { gain: { resource: string } }[] }[]).flatMap((x) => x.canGain.map((g) => g.gain.resource));
    assert.ok(!gains.includes(prod), JSON.stringify(gains));
    assert.ok(gains.includes(dev), JSON.stringify(gains));
  });
});
